"""Poster speed on this machine: a cold 60-item A3 board (seconds per page), and the poster step of a build
where nothing changed (the cache). Targets: ≤ 0.3 s per A3 page; ≤ 0.2 s unchanged.

    .venv/bin/python -m bench.posters
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from bench.corpus import REPO, write_corpus
from gongkai.pipeline import Options, run
from gongkai.reading import font_fingerprint, read_snapshot
from gongkai.rendering.posters import poster_sources, render_posters


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        content = write_corpus(root / "content", 90)  # 60 of them public
        config = yaml.safe_load((REPO / "site_config.yaml").read_text("utf-8"))
        config["boards"] = {"lobby": {"title": "党务公开栏", "audience": "public", "paper": "A3"}}
        (root / "site_config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
        snapshot = read_snapshot(content, root / "site_config.yaml", REPO / "templates")
        fonts = font_fingerprint()
        day = date(2026, 11, 20)
        site = run(snapshot, Options(day=day, posters=False))
        sources = poster_sources(site.config, site.views, snapshot.templates, "templates", fonts, snapshot.content)
        shown = len(sources[0].view.current)

        cold = []
        for _ in range(3):
            started = time.perf_counter()
            outputs, _, _ = render_posters(sources, snapshot.content, {})
            cold.append(time.perf_counter() - started)
        pdf = root / "lobby.pdf"
        pdf.write_bytes(outputs[0][1])
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))

        cache = {"lobby": (sources[0].key, outputs[0][1])}
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            sources = poster_sources(site.config, site.views, snapshot.templates, "templates", fonts, snapshot.content)
            render_posters(sources, snapshot.content, cache)
            warm.append(time.perf_counter() - started)

    best = min(cold)
    print(f"cold A3 board: {shown} items, {pages} pages, {best:.2f} s (median {statistics.median(cold):.2f} s)")
    print(f"  per page: {best / pages:.3f} s   (target ≤ 0.3 s)")
    print(f"poster step, nothing changed: {min(warm) * 1000:.0f} ms   (target ≤ 200 ms)")


if __name__ == "__main__":
    main()
