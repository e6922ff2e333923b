"""`serve` under load, on loopback: rounds of 200 requests sent at once to the sample site's pages, each on its
own connection (as 200 browsers would), and the time from connecting to the last byte. Target: p95 ≤ 100 ms.

    .venv/bin/python -m bench.serve_load [--parallel 200] [--rounds 25] [--repo DIR]

Starts `build.py serve` (of this checkout, or of --repo DIR to compare another version) on a free port with its
output in a temporary folder, sends --rounds rounds after one warm-up round, prints p50/p95/max, then stops
serve with SIGTERM. Bounded: rounds × parallel requests, each with a 10 s timeout; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import REPO

TIMEOUT = 10.0
SECTIONS = ("internal", "public", "kiosk")


async def fetch(port: int, path: str) -> tuple[float, int]:
    """Seconds from connecting to the end of the answer, and the status (0: no answer in time)."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        answer = await asyncio.wait_for(reader.read(), TIMEOUT)  # to the end: the server closes
        writer.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except (TimeoutError, OSError):
        status = 0
    return time.perf_counter() - started, status


async def rounds(port: int, paths: list[str], parallel: int, count: int) -> tuple[list[float], int]:
    times: list[float] = []
    failed = 0
    for number in range(count + 1):
        batch = [paths[(number * parallel + k) % len(paths)] for k in range(parallel)]
        results = await asyncio.gather(*(fetch(port, path) for path in batch))
        if number == 0:
            continue  # warm-up: the first reads of each file come from disk
        times.extend(seconds for seconds, _ in results)
        failed += sum(1 for _, status in results if status != 200)
    return times, failed


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(repo: Path, output: Path) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, str(repo / "build.py"), "serve", "--content", str(repo / "content"),
               "--config", str(repo / "site_config.yaml"), "--templates", str(repo / "templates"),
               "--output", str(output), "--port", "0", "--no-posters", "--date", "2026-11-20"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=repo,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:  # ends if serve does
        if line.startswith("预览："):
            return process, int(line.split("http://127.0.0.1:")[1].split("/")[0])
    process.kill()
    raise SystemExit("serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parallel", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose serve is measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "output"
        process, port = start(args.repo.absolute(), output)
        try:
            paths = sorted(
                "/" + p.relative_to(output).as_posix()
                for section in SECTIONS
                for p in (output / section).rglob("*")
                if p.is_file() and p.suffix in (".html", ".json", ".css", ".js")
            )
            load = os.getloadavg()[0]
            cpu, client = cpu_seconds(process.pid), time.process_time()
            times, failed = asyncio.run(rounds(port, paths, args.parallel, args.rounds))
            cpu, client = cpu_seconds(process.pid) - cpu, time.process_time() - client
        finally:
            process.send_signal(signal.SIGTERM)
            exit_code = process.wait(timeout=60)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"serve, {args.parallel} parallel requests × {args.rounds} rounds ({len(times)} requests, {len(paths)} files):")
    print(f"  p50 {statistics.median(times) * 1000:.1f} ms   p95 {p95 * 1000:.1f} ms   max {times[-1] * 1000:.1f} ms")
    sent = len(times) + args.parallel  # with the warm-up round
    print(f"  CPU per request: serve {cpu / sent * 1000:.2f} ms, this client {client / sent * 1000:.2f} ms")
    print(f"  machine: {os.cpu_count()} cores, load average {load:.1f} when the rounds began")
    print(
        f"  failed {failed}   serve's exit code on SIGTERM {exit_code}   target p95 ≤ 100 ms: {'met' if p95 <= 0.1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
