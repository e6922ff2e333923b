"""Posters never lose content silently: what would be cut off is an error naming the item, and a replaced image
redraws the poster that embeds it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from gongkai.problems import Problems
from tests.rendering.test_posters import build, pdf
from tests.scratch import item

BOARD = {"b": {"title": "大厅公开栏", "audience": "public"}}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d6a9d40000000049454e44ae426082"
)


def wide_table(columns: int) -> str:
    head = "| " + " | ".join(f"第{n}列" for n in range(columns)) + " |"
    rule = "|" + "---|" * columns
    row = "| " + " | ".join(f"数值{n}" for n in range(columns)) + " |"
    return f"{head}\n{rule}\n{row}\n"


def test_a_table_wider_than_the_sheet_is_an_error_naming_the_item(tmp_path):
    files = {"wide.md": item("很宽的统计表", body=wide_table(60)), "fine.md": item("普通事项", body=wide_table(3))}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/wide.md") and problem.line == 2
    assert "大厅公开栏" in problem.message and "超出版面" in problem.message and "表格" in problem.message


def test_an_unbroken_string_wraps_and_every_character_is_printed(tmp_path):
    url = "https://example.cn/" + "a1b2c3d4e5" * 300  # 3,019 characters without a break opportunity
    path = pdf(build(tmp_path, {"url.md": item("很长的网址", body=url)}, BOARD), "b", tmp_path)
    raw = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    # Page headers and footers stand between the pieces of the string that run over a page break.
    body = "".join(line for line in raw.stdout.splitlines() if "公开日期" not in line and "意见箱" not in line)
    assert re.sub(r"\s", "", body).count("a1b2c3d4e5") == 300


def test_replacing_an_embedded_image_redraws_the_poster(tmp_path):
    files: dict[str, str | bytes] = {"pic.md": item("有图的事项", body="![图](images/a.png)"), "images/a.png": PNG}
    first = dict(build(tmp_path, files, BOARD).outputs)
    key = json.loads(first[".cache/posters.json"])["b"]
    cache = {"b": (key, b"%PDF cached")}
    assert dict(build(tmp_path, files, BOARD, cache=cache).outputs)["posters/b.pdf"] == b"%PDF cached"
    other = PNG.replace(b"\x63\xf8\xcf", b"\x63\xf8\xcf", 1) + b"\0"  # other bytes, same name
    changed = dict(build(tmp_path, {**files, "images/a.png": other}, BOARD, cache=cache).outputs)
    assert changed["posters/b.pdf"].startswith(b"%PDF-")
    assert json.loads(changed[".cache/posters.json"])["b"] != key


def test_sample_posters_fit(sample_with_posters):
    """The office's own sample boards lay out without an overflow (the check has no false alarm on them)."""
    outputs = sample_with_posters  # the sample built with its posters: an overflow would have failed the build
    assert all(outputs[p].startswith(b"%PDF-") for p in outputs if p.startswith("posters/"))


# --- Real content on the sheet: wide tables, headings, rows, labels (issue 16), read from WeasyPrint's layout ---

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
PT = 96 / 72  # CSS px per point


def laid_out(tmp_path: Path, files: dict, board: str = "b", catalog: dict | None = None):
    """The board's poster as WeasyPrint lays it out: the HTML and files the build prints (the PDF itself is
    not written: layout is what these tests read, and it is the slow part)."""
    import copy
    from datetime import date

    from gongkai.pipeline import Options, run
    from gongkai.reading import read_snapshot
    from gongkai.rendering.posters import lay_out, poster_sources
    from tests.scratch import CONFIG, make_site

    config = copy.deepcopy(CONFIG) | {"boards": BOARD}
    config["catalog"] |= catalog or {}
    paths = make_site(tmp_path, files, config)
    shot = read_snapshot(paths.content, paths.config, paths.templates)
    result = run(shot, Options(day=date(2026, 11, 20), posters=False), {}, "")
    sources = poster_sources(result.config, result.views, shot.templates, shot.templates_root, "", shot.content)
    (source,) = [s for s in sources if s.board.key == board]
    return lay_out(source, shot.content)


def blocks(document) -> list[dict]:
    """Every block-level box of every page: its tag, classes, page, the run it is in (a .columns or .across
    container: a column of one run never continues in another) and its border box."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages, start=1):
        stack = [(page._page_box, None)]
        while stack:
            box, run = stack.pop()
            classes = ((getattr(box, "element", None) is not None and box.element.get("class")) or "").split()
            if {"columns", "across"} & set(classes) and isinstance(box, boxes.BlockBox):
                run = (number, id(box))
            if isinstance(box, (boxes.BlockBox, boxes.TableRowBox)) and run and box.element_tag != "div":
                x, y = box.position_x + box.margin_left, box.position_y + box.margin_top
                found.append({
                    "tag": box.element_tag, "classes": classes, "page": number, "run": run, "element": box.element,
                    "x": x, "y": y, "right": x + box.border_width(), "bottom": y + box.border_height(), "box": box,
                })  # fmt: skip
            stack.extend((child, run) for child in getattr(box, "children", None) or ())
    return found


def headings_ending_a_column(found: list[dict]) -> list[str]:
    """Headings with nothing after them in their column: same page, same run, overlapping horizontally, below."""
    alone = []
    for h in found:
        if h["tag"] not in HEADINGS:
            continue
        followed = any(
            b["tag"] not in HEADINGS and b["run"] == h["run"] and b["y"] >= h["bottom"] - 1
            and b["x"] < h["right"] - 1 and b["right"] > h["x"] + 1
            for b in found
        )  # fmt: skip
        if not followed:
            alone.append(f"page {h['page']}: <{h['tag']}> {''.join(h['element'].itertext())[:20]}")
    return alone


@pytest.fixture(scope="module")
def wide_table_board(tmp_path_factory):
    """A 40-row, 8-column 党费 table among ordinary notices and a withdrawn one, laid out on an A3 board."""
    from tests.rendering.test_kiosk import long_table

    files = {
        "dues.md": item("2026年第三季度党费收缴情况公示", category="dues", body=long_table(), doc_number="测党〔2026〕12号"),
        **{
            f"n{n}.md": item(f"第{n}项通知：关于做好年底党建工作的通知", body="各支部：\n\n" + "请按要求做好相关工作。" * (6 + n))
            for n in range(7)
        },
        "gone.md": item("撤销的公示", status="withdrawn", withdrawn_reason="材料有误", withdrawn_on="2026-11-18"),
    }
    return laid_out(tmp_path_factory.mktemp("wide"), files)


def test_a_wide_long_table_spans_the_sheet_with_whole_rows_and_repeated_headers(wide_table_board):
    document = wide_table_board
    found = blocks(document)
    assert len(document.pages) <= 3, f"{len(document.pages)} A3 sheets"
    page_width = document.pages[0]._page_box.width
    tables = [b for b in found if b["tag"] == "table"]
    assert len({t["page"] for t in tables}) == 2  # the 40 rows run over a sheet break
    for table in tables:
        assert table["right"] - table["x"] > 0.9 * page_width  # across the sheet, not in a half-width column
        first = table["box"].children[0]  # WeasyPrint's table wrapper holds the table box
        first = first if first.element_tag == "thead" else first.children[0]
        assert first.element_tag == "thead", "a sheet's part of the table starts without its header row"
    body_rows = [b for b in found if b["tag"] == "tr" and b["element"][0].tag == "td"]
    assert len(body_rows) == 40 == len({id(b["element"]) for b in body_rows})  # no row printed in two pieces
    assert headings_ending_a_column(found) == []


# Paragraph counts of items in eight categories: with the headings merely marked break-after: avoid, each of
# these leaves a category or group heading alone at the foot of a column (checked when this test was written).
@pytest.mark.parametrize("sizes", [(3, 9, 2, 8, 1, 7, 4, 10), (2, 12, 3, 11, 2, 9, 5, 8, 4, 7)])
def test_headings_never_end_a_column_or_a_sheet(tmp_path, sizes):
    catalog = {f"c{n}": {"name": f"第{n}类事项", "group": f"第{n // 3}组", "kind": "adhoc", "default_days": 30} for n in range(8)}
    paragraph = "本段用于检验分栏，每一栏的最后不应是孤立的标题。" * 4
    files = {
        f"i{n}.md": item(f"第{n}项事项", category=f"c{n % 8}", body="\n\n".join([paragraph] * size))
        for n, size in enumerate(sizes)
    }
    document = laid_out(tmp_path, files, catalog=catalog)
    found = blocks(document)
    assert len(document.pages) >= 4
    assert sum(b["tag"] == "h3" for b in found) >= 8 and any(b["tag"] == "h2" for b in found)
    assert headings_ending_a_column(found) == []


def test_labels_never_break_and_the_index_number_and_feedback_are_printed_large(wide_table_board):
    from weasyprint.formatting_structure import boxes

    document = wide_table_board
    labels, feedback = [], []
    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if isinstance(box, boxes.InlineBox) and element is not None and element.get("class") == "label":
                labels.append(element)
            if isinstance(box, boxes.TextBox) and "监督电话" in box.text:
                feedback.append(box.style["font_size"])
            stack.extend(getattr(box, "children", None) or ())
    assert len(labels) == len(set(map(id, labels))) > 0  # each label one piece: never 文/号 over two lines
    assert sum("".join(e.itertext()) == "索引号：" for e in labels) == 9  # every item, withdrawn ones too
    assert feedback and min(feedback) >= 14 * PT


def test_a_table_up_to_twelve_columns_lays_out_across_the_sheet(tmp_path):
    files = {"wide.md": item("十二列统计表", body=wide_table(12) * 1)}
    document = laid_out(tmp_path, files)
    (table,) = [b for b in blocks(document) if b["tag"] == "table"]
    assert table["right"] - table["x"] > 0.9 * document.pages[0]._page_box.width
