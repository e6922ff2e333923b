"""Turns the sample site's outputs into its golden form and back into a readable difference; `make golden`
(python -m tests.golden) regenerates tests/golden/. Review the diff, then commit.

The golden folder keeps one page of each kind whole, so a change shows as a diff a reviewer can read, and
every other file as a line of one SHA-256 manifest, so that no change goes unnoticed: after `make site`,
`cd output && sha256sum --quiet -c ../tests/golden/sample/others.sha256` names the files that differ.
Images (the lobby poster's first page, the kiosk in both orientations) need poppler and Chromium, so they are
regenerated only when asked for: `make golden IMAGES=1` (python -m tests.golden --images)."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import shutil
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from gongkai.pipeline import Options, run
from gongkai.reading import read_snapshot
from tests.scratch import REPO, SAMPLE_DATE, default_sigint

GOLDEN = REPO / "tests" / "golden" / "sample"
MANIFEST = "others.sha256"
# One of each kind of page, from both sites and the kiosk: what a template change is most likely to touch.
WHOLE = (
    "public/index.html",  # home
    "public/categories/appointments.html",  # category
    "public/items/adhoc/decision-committee.html",  # item: metadata and attachments
    "public/items/adhoc/awards-2026-withdrawn.html",  # withdrawn: the notice only
    "internal/index.html",  # the members' home: internal items and the records' links
    "internal/archive.html",
    "internal/catalog.html",
    "internal/register.html",
    "internal/report.html",
    "internal/requests.html",
    "kiosk/index.html",
    "kiosk/slides.json",
    "server/nginx.conf",
)
DIFF_LINES = 40
POSTER_GOLDEN = REPO / "tests" / "golden" / "poster-lobby-page1.png"
KIOSK_GOLDEN = str(REPO / "tests" / "golden" / "kiosk-{name}.png")
KIOSK_MOMENT = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
KIOSK_VIEWPORTS = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def sample_snapshot():
    """The sample as `python build.py` reads it from the repository: with relative paths, which the output
    shows (e.g. in the register's 源文件 column), so the golden files do not depend on where the clone is."""
    with contextlib.chdir(REPO):
        return read_snapshot(Path("content"), Path("site_config.yaml"), Path("templates"))


def sample_outputs() -> dict[str, bytes]:
    """The sample built for its fixed date, without posters. Tests take it from the `sample` fixture: built once."""
    return dict(run(sample_snapshot(), Options(day=date.fromisoformat(SAMPLE_DATE), posters=False)).outputs)


def golden_form(outputs: Mapping[str, bytes]) -> dict[str, bytes]:
    """What the golden folder holds for these outputs: the WHOLE pages as they are, the rest as one manifest.
    The build's own bookkeeping (.gongkai-build.json, .cache/: hashes of the code and the inputs) is left out."""
    outputs = {path: data for path, data in outputs.items() if not path.startswith(".")}
    form = {path: outputs[path] for path in WHOLE if path in outputs}
    hashes = [f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(outputs.items()) if path not in form]
    form[MANIFEST] = "".join(hashes).encode("utf-8")
    return form


def difference(expected: Mapping[str, bytes], actual: Mapping[str, bytes]) -> str:
    """Empty when equal; otherwise what differs: the files, and a unified diff of the first one (a whole page
    before the manifest, whose diff names the hashed files that changed)."""
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    changed = sorted((p for p in set(expected) & set(actual) if expected[p] != actual[p]), key=lambda p: (p == MANIFEST, p))
    if not (missing or extra or changed):
        return ""
    lines = [f"golden file missing from the build: {p}" for p in missing]
    lines += [f"built but not in the golden folder: {p}" for p in extra]
    lines += [f"differs: {p}" for p in changed]
    if changed:
        first = changed[0]
        diff = list(
            difflib.unified_diff(
                expected[first].decode("utf-8", "replace").splitlines(),
                actual[first].decode("utf-8", "replace").splitlines(),
                f"tests/golden/sample/{first}",
                f"built/{first}",
                lineterm="",
            )
        )
        lines += diff[:DIFF_LINES]
        if len(diff) > DIFF_LINES:
            lines.append(f"… {len(diff) - DIFF_LINES} more lines of diff")
    lines.append("If the change is intended: `make golden`, then review `git diff tests/golden` before committing.")
    return "\n".join(lines)


def write_golden(outputs: Mapping[str, bytes]) -> None:
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for path, data in golden_form(outputs).items():
        target = GOLDEN / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def read_golden(root: Path = GOLDEN) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sample_outputs_with_posters() -> dict[str, bytes]:
    """The sample built for its fixed date with its posters. Tests take it from the `sample_with_posters` fixture."""
    return dict(run(sample_snapshot(), Options(day=date.fromisoformat(SAMPLE_DATE))).outputs)


def poster_page_image(scratch: Path, outputs: Mapping[str, bytes] | None = None):
    """Page 1 of the sample's public board at 20 dpi, in grey: enough to see layout changes, not font hinting.
    `outputs`: the sample built with posters (built here if not given)."""
    import subprocess

    from PIL import Image

    outputs = outputs if outputs is not None else sample_outputs_with_posters()
    (scratch / "lobby.pdf").write_bytes(outputs["posters/lobby.pdf"])
    command = ["pdftoppm", "-r", "20", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(scratch / "lobby.pdf"), str(scratch / "page")], check=True, preexec_fn=default_sigint)
    return Image.open(scratch / "page.png").convert("L")


def kiosk_image(browser, viewport: tuple[int, int], outputs: Mapping[str, bytes]):
    """The sample's kiosk on its first slide at a fixed moment, in grey at a quarter of the size."""
    import io
    import tempfile

    from PIL import Image

    from gongkai.writing import write_tree
    from tests.browser import pause_clock

    with tempfile.TemporaryDirectory() as scratch:
        write_tree(Path(scratch) / "output", [(p, d) for p, d in outputs.items() if p.startswith("kiosk/")])
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


def write_images(outputs: Mapping[str, bytes]) -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as scratch:
        poster_page_image(Path(scratch)).save(POSTER_GOLDEN)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport in KIOSK_VIEWPORTS.items():
            kiosk_image(browser, viewport, outputs).save(KIOSK_GOLDEN.format(name=name))
        browser.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", action="store_true", help="also the poster and kiosk images (poppler, Chromium)")
    images = parser.parse_args(argv).images
    outputs = sample_outputs()
    write_golden(outputs)
    print(f"golden output regenerated in {GOLDEN.relative_to(REPO)} for {SAMPLE_DATE}")
    if images:
        write_images(outputs)
        print(f"golden images regenerated: {POSTER_GOLDEN.name}, " + ", ".join(f"kiosk-{n}.png" for n in KIOSK_VIEWPORTS))


if __name__ == "__main__":
    main()
