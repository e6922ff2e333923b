"""Posters as the office prints them: real PDFs read back with poppler (pdfinfo, pdffonts, pdftotext) and zbarimg."""

from __future__ import annotations

import copy
import re
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.model import Audience
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from tests.scratch import CONFIG, REPO, default_sigint, item, make_site
from tests.strategies import BASE, corpora, snapshot
from tests.test_leaks import expected

DAY = date(2026, 11, 20)
BOARDS = {"hall": {"title": "大厅公开栏", "audience": "public"}, "room": {"title": "党员活动室", "audience": "internal"}}


def build(tmp_path: Path, files: dict, boards: dict = BOARDS, cache=None, fonts: str = "fonts-v1"):
    config = copy.deepcopy(CONFIG) | {"boards": boards}
    paths = make_site(tmp_path, files, config)
    return run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=DAY), cache or {}, fonts)


def pdf(result, board: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{board}.pdf"
    path.write_bytes(dict(result.outputs)[f"posters/{board}.pdf"])
    return path


def text(path: Path) -> str:
    """The text layer in drawing order, without white space (pdftotext breaks CJK lines where the layout did)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=default_sigint,
    ).stdout
    return re.sub(r"\s", "", raw)


def pages(path: Path) -> tuple[int, tuple[float, float]]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, preexec_fn=default_sigint).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return int(re.search(r"Pages:\s+(\d+)", info)[1]), (float(size[1]), float(size[2]))


FILES = {
    "open.md": item("公开的通知", body="向社会公开的正文。", doc_number="测〔2026〕1号"),
    "inner.md": item("党内的通报", scope="internal", body="只在党内公开的正文。"),
    "gone.md": item(
        "撤销的公示", status="withdrawn", withdrawn_on="2026-11-18", withdrawn_reason="材料有误", body="撤销前的正文。"
    ),
}


@pytest.mark.parametrize(
    ("paper", "orientation", "size_mm"),
    [
        ("A3", "portrait", (297, 420)),
        ("A3", "landscape", (420, 297)),
        ("A4", "portrait", (210, 297)),
        ("A2", "portrait", (420, 594)),
    ],
)
def test_page_size(tmp_path, paper, orientation, size_mm):
    result = build(tmp_path, FILES, {"b": {"title": "栏", "audience": "public", "paper": paper, "orientation": orientation}})
    count, size = pages(pdf(result, "b", tmp_path))
    assert count == 1
    assert size == pytest.approx(tuple(mm * 72 / 25.4 for mm in size_mm), abs=0.5)


def test_fonts_are_real_embedded_and_subset(tmp_path):
    fonts = subprocess.run(
        ["pdffonts", str(pdf(build(tmp_path, FILES), "hall", tmp_path))],
        capture_output=True,
        text=True,
        preexec_fn=default_sigint,
    ).stdout
    rows = fonts.strip().split("\n")[2:]
    assert rows and any("Noto" in row and "CJK" in row for row in rows)
    for row in rows:
        assert "Type 3" not in row
        assert re.search(r"\byes\s+yes\s+yes\b", row), row  # embedded, subset, with a Unicode map


def test_each_board_shows_what_its_audience_sees(tmp_path):
    result = build(tmp_path, FILES)
    hall, room = text(pdf(result, "hall", tmp_path)), text(pdf(result, "room", tmp_path))
    for page in (hall, room):
        assert "公开的通知" in page and "向社会公开的正文" in page and "测〔2026〕1号" in page
        assert "撤销的公示" in page and "材料有误" in page and "撤销前的正文" not in page
        assert "公开日期：2026-11-20" in page and "监督电话：010-12345678" in page and "第1页/共1页" in page
    assert "党内的通报" not in hall and "只在党内公开的正文" not in hall
    assert "党内的通报" in room and "只在党内公开的正文" in room


def test_categories_limit_a_board(tmp_path):
    files = {**FILES, "dues.md": item("党费情况", category="dues")}
    result = build(tmp_path, files, {"b": {"title": "栏", "audience": "public", "categories": ["dues"]}})
    page = text(pdf(result, "b", tmp_path))
    assert "党费情况" in page and "公开的通知" not in page


SENTENCES = 40


def test_long_content_flows_over_sheets_and_nothing_is_lost(tmp_path):
    # Six A3 sheets: enough to flow over several; more only makes the layout engine slower, not the test stricter.
    sentences = "\n\n".join(f"第{n}条：本段用于检验长内容分页，每个字都必须印在纸上。" for n in range(1, SENTENCES + 1))
    files = {f"long{i}.md": item(f"长篇事项{i}", body=f"开头标记{i}\n\n{sentences}\n\n结尾标记{i}") for i in range(3)}
    path = pdf(build(tmp_path, files, {"b": {"title": "栏", "audience": "public"}}), "b", tmp_path)
    count, _ = pages(path)
    assert count >= 3
    printed_text = text(path)
    printed = Counter(printed_text)
    for i in range(3):
        assert f"开头标记{i}" in printed_text and f"结尾标记{i}" in printed_text
        body = Counter(re.sub(r"\s", "", f"开头标记{i}{sentences}结尾标记{i}"))
        assert all(printed[char] >= n for char, n in body.items()), "characters missing from the printed text"
    assert printed["第"] >= 3 * SENTENCES


def test_missing_glyph_is_an_error_naming_item_and_character(tmp_path):
    files = {"odd.md": item("有生僻符号的事项", body="私用区字符：\ue000。")}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files)
    problems = failure.value.problems
    assert len(problems) == 2  # one per board that shows the item
    for problem, board in zip(problems, ("党员活动室", "大厅公开栏"), strict=True):
        assert problem.path.endswith("content/odd.md") and problem.line == 2
        assert "字符“\ue000”（U+E000）在海报字体中没有" in problem.message and board in problem.message


def test_qr_codes_decode_to_the_item_pages(tmp_path):
    files = {"a/b.md": item("第一项"), "c.md": item("第二项")}
    path = pdf(build(tmp_path, files, {"b": {"title": "栏", "audience": "public"}}), "b", tmp_path)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        preexec_fn=default_sigint,
    )
    (image,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, preexec_fn=default_sigint
    ).stdout.split()
    assert sorted(decoded) == ["https://example.cn/dw/items/a/b.html", "https://example.cn/dw/items/c.html"]


def test_no_qr_without_a_site_url(tmp_path):
    config_boards = {"b": {"title": "栏", "audience": "internal"}}  # the scratch config has no internal_url
    result = build(tmp_path, FILES, config_boards)
    assert "扫码查看" not in text(pdf(result, "b", tmp_path))


def test_empty_board_says_so(tmp_path):
    path = pdf(build(tmp_path, {}), "hall", tmp_path)
    assert pages(path)[0] == 1
    assert "暂无公开事项" in text(path)


def test_cache_hit_and_invalidation(tmp_path):
    first = build(tmp_path, FILES)
    keys = dict(first.outputs)[".cache/posters.json"]
    import json

    cache = {board: (key, b"%PDF cached " + board.encode()) for board, key in json.loads(keys).items()}
    again = dict(build(tmp_path, FILES, cache=cache).outputs)
    assert again["posters/hall.pdf"] == b"%PDF cached hall"  # unchanged: not rendered again
    changed = dict(build(tmp_path, {**FILES, "new.md": item("新增事项", scope="internal")}, cache=cache).outputs)
    assert changed["posters/hall.pdf"] == b"%PDF cached hall"  # the public board does not show it
    assert changed["posters/room.pdf"].startswith(b"%PDF-")  # the internal board does: re-rendered
    assert dict(build(tmp_path, FILES, cache=cache, fonts="fonts-v2").outputs)["posters/hall.pdf"].startswith(b"%PDF-")
    (tmp_path / "templates" / "poster.css").write_text("body { font-size: 15pt; }", "utf-8")
    assert dict(build(tmp_path, FILES, cache=cache).outputs)["posters/hall.pdf"].startswith(b"%PDF-")


def test_posters_are_deterministic(tmp_path):
    assert build(tmp_path, FILES).outputs == build(tmp_path, FILES).outputs


def test_sample_board_page_one_matches_golden_image(tmp_path, sample_with_posters):
    """A 20-dpi picture of the sample lobby board's first page; `make golden IMAGES=1` regenerates it."""
    from tests.golden import POSTER_GOLDEN, poster_page_image

    actual = poster_page_image(tmp_path, sample_with_posters)
    from PIL import Image, ImageChops

    golden = Image.open(POSTER_GOLDEN).convert("L")
    assert actual.size == golden.size
    difference = ImageChops.difference(actual, golden)
    mean = sum(i * n for i, n in enumerate(difference.histogram())) / (golden.size[0] * golden.size[1])
    assert mean < 3.0, f"page 1 differs from the golden image by {mean:.2f} grey levels on average"


@settings(max_examples=12, deadline=None)
@given(corpora, st.integers(-30, 60))
def test_public_posters_never_show_what_the_public_must_not_see(tmp_path_factory, corpus, offset):
    tmp_path = tmp_path_factory.mktemp("poster")
    from datetime import timedelta

    day = BASE + timedelta(days=offset)
    shot = snapshot(corpus)
    config = shot.config.decode() + "boards:\n  hall:\n    title: 大厅\n    audience: public\n"
    shot = type(shot)(**{**shot.__dict__, "config": config.encode()})
    result = run(shot, Options(day=day), {}, "")
    (tmp_path / "hall.pdf").write_bytes(dict(result.outputs)["posters/hall.pdf"])
    printed = text(tmp_path / "hall.pdf")
    for spec in corpus:
        seen = expected(spec, corpus, Audience.PUBLIC, day)
        if seen in ("hidden", "ended"):  # an ended item keeps a notice on the public site, never on a board
            assert spec.token not in printed
        elif seen == "notice":
            assert f"正文{spec.token}" not in printed and f"附件{spec.token}" not in printed
        else:
            assert f"正文{spec.token}BODY" in printed


def test_repo_sample_has_a_public_and_an_internal_board():
    from gongkai.parsing.config import parse_config

    config = parse_config((REPO / "site_config.yaml").read_bytes(), "site_config.yaml")
    assert {b.audience for b in config.boards} == set(Audience)
