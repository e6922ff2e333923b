"""Poster cost of pathological items beside a normal one of the same size: one A3 board holding one item, the
poster step alone (layout, PDF, checks), each case in its own process under a time limit. Prints a table with
each case's peak memory (the child's maximum resident set).

    .venv/bin/python -m bench.poster_limits [--only NAME] [--timeout S] [--profile NAME]

--profile runs one case in this process under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from tests.scratch import CONFIG, item, make_site

DAY = date(2026, 11, 20)


def _table(cells: int, columns: int = 10) -> str:
    rows = cells // columns
    head = "| " + " | ".join(f"第{n}列" for n in range(columns)) + " |\n" + "|---" * columns + "|\n"
    return head + "".join("| " + " | ".join(f"{r}.{c}" for c in range(columns)) + " |\n" for r in range(rows))


def png(width: int, height: int) -> bytes:
    """A grey PNG of any size, compressed to a few KB or MB: the rows are identical, so zlib folds them."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\0" + b"\x80" * width
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


CJK = "根据党务公开工作安排现将有关情况公开如下本事项经支部委员会研究同意按程序报局机关党委审核"
CASES: dict[str, Callable[[], dict[str, str | bytes]]] = {
    "3,000 CJK characters": lambda: {"a.md": item("正文", body=(CJK * 100)[:3000])},
    "30,000 CJK characters": lambda: {"a.md": item("正文", body=(CJK * 1000)[:30000])},
    "20,000 CJK characters": lambda: {"a.md": item("正文", body=(CJK * 1000)[:20000])},
    "20,000 CJK in paragraphs": lambda: {"a.md": item("正文", body="\n\n".join([(CJK[:40] + "。") * 5] * 100))},
    "3,000 Latin, unbroken": lambda: {"a.md": item("长串", body="a1b2c3d4e5" * 300)},
    "URL, 3,019 characters": lambda: {"a.md": item("网址", body="https://example.cn/" + "a1b2c3d4e5" * 300)},
    "30,000 Latin, unbroken": lambda: {"a.md": item("长串", body="a1b2c3d4e5" * 3000)},
    "table 100 cells": lambda: {"a.md": item("表", body=_table(100))},
    "table 1,000 cells": lambda: {"a.md": item("表", body=_table(1_000))},
    "table 10,000 cells": lambda: {"a.md": item("表", body=_table(10_000))},
    "table 60 columns": lambda: {"a.md": item("表", body=_table(120, 60))},
    "table 2,000 columns": lambda: {"a.md": item("表", body=_table(4_000, 2_000))},
    "30 items of 1,000 CJK": lambda: {f"i{n}.md": item(f"第{n}项", body=(CJK * 30)[n : n + 1000]) for n in range(30)},
    "image 2,000 x 1,500": lambda: {"a.md": item("图", body="![图](p.png)"), "p.png": png(2_000, 1_500)},
    "image 8,000 x 5,000": lambda: {"a.md": item("图", body="![图](p.png)"), "p.png": png(8_000, 5_000)},
    "image 12,000 x 12,000": lambda: {"a.md": item("图", body="![图](p.png)"), "p.png": png(12_000, 12_000)},
    "image 20,000 x 20,000": lambda: {"a.md": item("图", body="![图](p.png)"), "p.png": png(20_000, 20_000)},
}


def poster_step(files: dict[str, str | bytes]) -> dict[str, object]:
    """Seconds for the poster step of a build of `files` on one A3 board, and what came of it."""
    from gongkai.pipeline import Options, run
    from gongkai.reading import read_snapshot
    from gongkai.rendering.posters import poster_sources, render_posters

    with tempfile.TemporaryDirectory() as scratch:
        config = {**CONFIG, "boards": {"b": {"title": "大厅公开栏", "audience": "public", "paper": "A3"}}}
        paths = make_site(Path(scratch), files, yaml.safe_load(yaml.safe_dump(config)))
        shot = read_snapshot(paths.content, paths.config, paths.templates)
        site = run(shot, Options(day=DAY, posters=False))
        size = sum(len(v if isinstance(v, bytes) else v.encode()) for v in files.values())
        started = time.perf_counter()
        sources = poster_sources(site.config, site.views, shot.templates, shot.templates_root, "", shot.content)
        outputs, errors, warnings = render_posters(sources, shot.content, {})
        seconds = time.perf_counter() - started
        pages = 0
        if pdf := dict(outputs).get("posters/b.pdf"):
            (Path(scratch) / "b.pdf").write_bytes(pdf)
            info = subprocess.run(["pdfinfo", str(Path(scratch) / "b.pdf")], capture_output=True, text=True).stdout
            pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    said = [p.message for p in errors] or [f"warning: {p.message}" for p in warnings]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process's peak: one case alone
    return {"seconds": seconds, "bytes": size, "pages": pages, "peak": peak, "said": said[0][:70] if said else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a case may take (default 120)")
    parser.add_argument("--profile", help="profile the case whose name contains this")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in a child process: prints JSON
    args = parser.parse_args()
    if args.case:
        print(json.dumps(poster_step(CASES[args.case]())))
        return
    if args.profile:
        (name,) = [n for n in CASES if args.profile in n]
        profiler = cProfile.Profile()
        profiler.runcall(poster_step, CASES[name]())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
        return
    print("| case | content | poster step | pages | s per MB | peak memory | result |\n|---|---|---|---|---|---|---|")
    for name in [n for n in CASES if not args.only or args.only in n]:
        command = [sys.executable, "-m", "bench.poster_limits", "--case", name]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, check=True)
        except subprocess.TimeoutExpired:
            print(f"| {name} | | > {args.timeout:.0f} s | | | | stopped |", flush=True)
            continue
        except subprocess.CalledProcessError as failure:
            print(f"| {name} | | | | | | failed: {failure.stderr.strip().splitlines()[-1][:70]} |", flush=True)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        per_mb = r["seconds"] / (r["bytes"] / 1e6)
        print(
            f"| {name} | {r['bytes'] / 1000:.1f} KB | {r['seconds']:.2f} s | {r['pages']} | {per_mb:.0f} "
            f"| {r['peak']:.0f} MB | {r['said']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
