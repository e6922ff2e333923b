"""Site search (Pagefind) on the 1,000-item corpus: index time and size per site, determinism, what it adds
to a cold build, a rebuild with nothing changed and a rebuild after one edit, and Chinese queries in Chromium.

python -m bench.search [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from bench.speed import corpus_site
from gongkai.pipeline import Options, Paths, build, run
from gongkai.reading import read_snapshot
from gongkai.rendering import search
from gongkai.rendering.search import FOLDER

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 20)
QUERIES = ("党费", "发展党员", "第7号公开事项", "意见箱")


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def main(count: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        corpus_site(root, count)  # the sample's config, every item registered
        paths = Paths(root / "content", root / "site_config.yaml", REPO / "templates", root / "output")
        snapshot = read_snapshot(paths.content, paths.config, paths.templates, root / "register.yaml")
        options = Options(day=DAY, posters=False)

        # The indexing alone, per site, from the pages the build renders.
        outputs = dict(run(snapshot, replace(options, search=False)).outputs)
        for site in ("public", "internal"):
            root_dir = f"{site}/"
            pages = [(p.split("/", 1)[1], d) for p, d in outputs.items() if p.startswith(f"{site}/items/")]
            seconds, index = timed(lambda pages=pages, root_dir=root_dir: search.index_site(pages, root_dir))
            size = sum(len(d) for _, d in index.files)
            again = search.index_site(pages, root_dir)
            print(f"{site}: {len(pages)} pages indexed in {seconds:.2f} s; {len(index.files)} files, {size / 1e6:.2f} MB;"
                  f" identical on a second run: {again.files == index.files}")  # fmt: skip

        # Whole builds with and without the index: cold, nothing changed (always=True), one item edited.
        for label, opts in (("without search", replace(options, search=False)), ("with search", options)):
            shutil.rmtree(paths.output, ignore_errors=True)
            cold, _ = timed(lambda opts=opts: build(paths, opts))
            same, _ = timed(lambda opts=opts: build(paths, opts, always=True))
            first = sorted(paths.content.rglob("*.md"))[1]
            first.write_text(first.read_text("utf-8") + "\n补充说明。\n", "utf-8")
            edit, _ = timed(lambda opts=opts: build(paths, opts))
            print(f"{label}: cold {cold:.2f} s, nothing changed {same:.2f} s, one edit {edit:.2f} s")
        _queries(paths.output)


def _queries(output: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve

    with serve(output) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for site in ("public", "internal"):
            page.goto(f"{base}{site}/search.html")
            for query in QUERIES:
                page.fill("#search-query", query)
                started = time.perf_counter()
                page.press("#search-query", "Enter")
                page.wait_for_selector(f'#search-status[data-done="{query}"]', timeout=60_000)
                took = time.perf_counter() - started
                print(f"{site} {query}: {page.inner_text('#search-status')} ({took * 1000:.0f} ms)")
        fragments = sum(1 for _ in (output / "public" / FOLDER / "fragment").iterdir())
        print(f"public fragments: {fragments}")
        browser.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
