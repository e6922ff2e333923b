"""Save → page on screen on the sample site with its posters on (issue #13: any edit's page reload ≤ 0.5 s).

    .venv/bin/python -m bench.sample_edits [--rounds 3] [--json]

Copies the sample (content/, site_config.yaml, register.yaml, templates/) to a temporary folder, starts
`build.py serve` on it for the sample's date with posters (its two boards) and search as a clerk runs it, waits
until the first build and its posters are done, then times six kinds of edit to a current public item: the seconds
from the file's save until the page that shows it has the new state (the item's public page; the category list
for a scope change, a new and a deleted file), fetched over one keep-alive connection in a tight loop, and, after
each edit, until serve is idle again (the posters redrawn). Before every save serve must be idle (bench.serve_edits'
rule). Bounded: `--rounds` rounds of 6 edits, each waiting at most `--timeout` s; the folder is removed."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.serve_edits import Side, append, contains, lacks, set_field, stop_once
from bench.speed import PYTHON, REPO
from tests.golden import SAMPLE_DATE

KINDS = ("body", "title", "date", "scope", "new", "delete")
TARGET_MS = 500


def copy_sample(root: Path) -> Path:
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "templates", site / "templates")
    for name in ("site_config.yaml", "register.yaml"):
        shutil.copy(REPO / name, site / name)
    return site


def current_public_items(site: Path, side: Side) -> list[tuple[str, str, str]]:
    """(path inside content/, title, category) of each item the public site lists on the sample's date."""
    status, text = side.get("/public/items.json")
    assert status == 200, f"/public/items.json answered {status}"
    found = []
    for row in json.loads(text)["items"]:
        stem = row["id"]
        source = next((p for p in (f"{stem}.md", f"{stem}.yaml") if (site / "content" / p).is_file()), None)
        if source and row.get("category") and source.endswith(".md") and not row.get("withdrawn"):
            found.append((source, row["title"], row["category"]))
    return found


def edit(side: Side, site: Path, kind: str, item: tuple[str, str, str], rep: int, timeout: float) -> tuple[float, float]:
    """One edit: (seconds until its page shows it, seconds until serve is idle again)."""
    relpath, title, category = item
    path = site / "content" / relpath
    page, listing = f"/public/items/{relpath.rsplit('.', 1)[0]}.html", f"/public/categories/{category}.html"
    marker = f"修改{secrets.randbelow(10**9):09d}"
    if kind == "body":
        target, check, save = page, contains(marker), lambda: append(path, f"{marker}。")
    elif kind == "title":
        target, check, save = page, contains(marker), lambda: set_field(path, "title", f"{title}（{marker}）")
    elif kind == "date":
        # A day earlier than it starts now: a start moved far back could end a window counted from it.
        start = next(line for line in path.read_text("utf-8").splitlines() if line.startswith("valid_from:"))
        day = (date.fromisoformat(start.split(":", 1)[1].strip()) - timedelta(days=1)).isoformat()
        target, check, save = page, contains(day), lambda: set_field(path, "valid_from", day)
    elif kind == "scope":
        target, check, save = listing, lacks(title), lambda: set_field(path, "scope", "internal")
    elif kind == "new":
        new_file = site / "content" / "adhoc" / f"bench-new-{rep}.md"
        name = f"{marker}号新事项"
        front = f"title: {name}\ncategory: {category}\nscope: public\nvalid_from: 2026-11-19\nvalid_until: 2026-12-09\n"
        target, check = listing, contains(name)
        save = lambda: new_file.write_text(f"---\n{front}---\n新增事项的正文。\n", "utf-8")  # noqa: E731
        side.created = (new_file, name, listing)
    else:
        assert side.created is not None
        new_file, name, target = side.created
        check, save = lacks(name), new_file.unlink
    saved = time.perf_counter()
    save()
    shown = side.wait_for(target, check, timeout)
    if shown is None:
        raise SystemExit(f"the {kind} edit did not show on {target} within {timeout:.0f} s")
    side.settle(quiet=0.5)
    return shown - saved, time.perf_counter() - saved


def run(rounds: int, timeout: float, root: Path) -> dict[str, object]:
    site = copy_sample(root)
    output = root / "output"
    command = [PYTHON, str(REPO / "build.py"), "serve", "--content", str(site / "content"), "--output", str(output),
               "--config", str(site / "site_config.yaml"), "--templates", str(site / "templates"),
               "--date", SAMPLE_DATE]  # fmt: skip
    side = Side("gongkai", site / "content", lambda port: [*command, "--port", str(port)], root,
                lambda n: site, lambda n: "", lambda c: "", root / "serve.log")  # fmt: skip
    loads = [os.getloadavg()[0]]
    edits: dict[str, list[float]] = {kind: [] for kind in KINDS}
    idle: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        side.start()
        if side.wait_for("/public/index.html", lambda status, _: status == 200, 600, pause=0.05) is None:
            raise SystemExit("serve did not come up")
        side.settle()
        posters = sorted(p.name for p in (output / "posters").glob("*.pdf"))
        for rep in range(rounds):
            items = current_public_items(site, side)
            for k, kind in enumerate(KINDS):
                item = items[(rep * len(KINDS) + k) % len(items)]
                shown, done = edit(side, site, kind, item, rep, timeout)
                edits[kind].append(shown)
                idle[kind].append(done)
            loads.append(os.getloadavg()[0])
    finally:
        side.stop()
    return {"rounds": rounds, "posters": posters, "load_average": loads, "edits": edits, "idle": idle}


def table(result: dict) -> str:
    loads = ", ".join(f"{v:.1f}" for v in result["load_average"])
    lines = [
        f"serve on the sample with posters ({', '.join(result['posters'])}), medians of {result['rounds']} (min–max); "
        f"load average {loads}",
        "| edit | save → page shows it | save → serve idle (posters redrawn) | target | met? |",
        "|---|---|---|---|---|",
    ]
    for kind in KINDS:
        shown, idle = result["edits"][kind], result["idle"][kind]
        met = "yes" if statistics.median(shown) * 1000 <= TARGET_MS else "no"
        lines.append(f"| {kind} | {spread(shown)} | {spread(idle)} | ≤ {TARGET_MS} ms | {met} |")
    return "\n".join(lines)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms ({min(values) * 1000:,.0f}–{max(values) * 1000:,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds an edit may take to show")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_once)
    root = Path(tempfile.mkdtemp(prefix="gongkai-sample-edits-"))
    try:
        result = run(args.rounds, args.timeout, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else table(result))


if __name__ == "__main__":
    sys.exit(main())
