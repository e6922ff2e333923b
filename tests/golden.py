"""Regenerates the sample site's golden output: `make golden` (python -m tests.golden). Review the diff, then commit.

Text files are kept whole, so a diff shows exactly what changed; binary attachments only as SHA-256 lines."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from datetime import date, datetime
from pathlib import Path

from gongkai.pipeline import Options, run
from gongkai.reading import read_snapshot
from tests.scratch import REPO, SAMPLE_DATE, default_sigint

GOLDEN = REPO / "tests" / "golden" / "sample"
TEXT_SUFFIXES = (".html", ".json", ".css", ".svg", ".csv", ".js", ".conf")
MANIFEST = "binary-files.sha256"
POSTER_GOLDEN = REPO / "tests" / "golden" / "poster-lobby-page1.png"
KIOSK_GOLDEN = str(REPO / "tests" / "golden" / "kiosk-{name}.png")
KIOSK_MOMENT = datetime.fromisoformat("2026-11-20T10:00:00+08:00")


def sample_snapshot():
    """The sample as `python build.py` reads it from the repository: with relative paths, which the output
    shows (e.g. in the register's 源文件 column), so the golden files do not depend on where the clone is."""
    with contextlib.chdir(REPO):
        return read_snapshot(Path("content"), Path("site_config.yaml"), Path("templates"))


def sample_outputs() -> dict[str, bytes]:
    return dict(run(sample_snapshot(), Options(day=date.fromisoformat(SAMPLE_DATE), posters=False)).outputs)


def golden_form(outputs: dict[str, bytes]) -> dict[str, bytes]:
    """What the golden folder holds for these outputs: text files as they are, binaries as one manifest.
    The build's own bookkeeping (.gongkai-build.json, .cache/: hashes of the code and the inputs) is left out."""
    outputs = {path: data for path, data in outputs.items() if not path.startswith(".")}
    form = {path: data for path, data in outputs.items() if path.endswith(TEXT_SUFFIXES)}
    hashes = [f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(outputs.items()) if path not in form]
    form[MANIFEST] = "".join(hashes).encode("utf-8")
    return form


def poster_page_image(scratch: Path):
    """Page 1 of the sample's public board at 20 dpi, in grey: enough to see layout changes, not font hinting."""
    import subprocess

    from PIL import Image

    outputs = dict(run(sample_snapshot(), Options(day=date.fromisoformat(SAMPLE_DATE))).outputs)
    (scratch / "lobby.pdf").write_bytes(outputs["posters/lobby.pdf"])
    command = ["pdftoppm", "-r", "20", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(scratch / "lobby.pdf"), str(scratch / "page")], check=True, preexec_fn=default_sigint)
    return Image.open(scratch / "page.png").convert("L")


def kiosk_image(browser, viewport: tuple[int, int]):
    """The sample's kiosk on its first slide at a fixed moment, in grey at a quarter of the size."""
    import io
    import tempfile

    from PIL import Image

    from gongkai.writing import write_tree
    from tests.browser import pause_clock

    outputs = run(sample_snapshot(), Options(day=date.fromisoformat(SAMPLE_DATE), posters=False)).outputs
    with tempfile.TemporaryDirectory() as scratch:
        write_tree(Path(scratch) / "output", [(p, d) for p, d in outputs if p.startswith("kiosk/")])
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = context.new_page()
        pause_clock(page, KIOSK_MOMENT)
        page.goto((Path(scratch) / "output/kiosk/index.html").as_uri())
        page.wait_for_function("window.gongkaiKiosk && gongkaiKiosk.index === 0")
        png = page.screenshot(animations="disabled")
        context.close()
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.resize((viewport[0] // 4, viewport[1] // 4), Image.Resampling.BILINEAR)


def mean_difference(a, b) -> float:
    from PIL import ImageChops

    histogram = ImageChops.difference(a, b).histogram()
    return sum(level * count for level, count in enumerate(histogram)) / (a.size[0] * a.size[1])


def main() -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as scratch:
        poster_page_image(Path(scratch)).save(POSTER_GOLDEN)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport in (("landscape", (1920, 1080)), ("portrait", (1080, 1920))):
            kiosk_image(browser, viewport).save(KIOSK_GOLDEN.format(name=name))
        browser.close()
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for path, data in golden_form(sample_outputs()).items():
        target = GOLDEN / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"golden output regenerated in {GOLDEN.relative_to(REPO)} for {SAMPLE_DATE}")


def read_golden(root: Path = GOLDEN) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


if __name__ == "__main__":
    main()
