"""Posters never lose content silently: what would be cut off is an error naming the item, and a replaced image
redraws the poster that embeds it."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.problems import Problems
from tests.rendering.test_posters import build, pdf, text
from tests.scratch import default_sigint, item

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


def test_a_table_wider_than_the_sheet_is_an_error_naming_the_item(tmp_path, monkeypatch):
    """60 columns cannot fit even one character each: refused before layout (2,000 columns took WeasyPrint 12 s)."""
    never_laid_out(monkeypatch)
    files = {"wide.md": item("很宽的统计表", body=wide_table(60)), "fine.md": item("普通事项", body=wide_table(3))}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/wide.md") and problem.line == 2
    assert "大厅公开栏" in problem.message and "超出版面" in problem.message and "表格" in problem.message
    assert "60 列" in problem.message and "约 494 毫米宽" in problem.message and "265 毫米" in problem.message


def test_a_table_that_fits_at_its_narrowest_is_printed_whole(tmp_path):
    """The column estimate is a lower bound: 30 columns of digits fit an A3 sheet, so they are laid out."""
    head = "| " + " | ".join(str(n % 10) for n in range(30)) + " |\n" + "|---" * 30 + "|\n"
    body = head + "| " + " | ".join(str(9 - n % 10) for n in range(30)) + " |\n"
    path = pdf(build(tmp_path, {"digits.md": item("数字表", body=body)}, BOARD), "b", tmp_path)
    assert "0123456789" * 3 in printed(path) and "9876543210" * 3 in printed(path)


def test_what_overflows_once_laid_out_is_an_error_naming_the_item(tmp_path):
    """A code block keeps its lines (white-space: pre): a long one runs past the column, found in the layout."""
    body = "运行记录：\n\n```\n" + "0123456789" * 30 + "\n```\n"
    with pytest.raises(Problems) as failure:
        build(tmp_path, {"log.md": item("运行记录", body=body), "fine.md": item("普通事项")}, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/log.md") and "打印时会被截掉" in problem.message


def printed(path: Path) -> str:
    """The poster's text without white space, and without what stands between the pieces of a text that runs
    over a page break: the page headers and footers, and the caption of a QR code (drawn first on its page)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=default_sigint,
    )
    between = ("公开日期", "意见箱", "扫码查看")
    body = "".join(line for line in raw.stdout.splitlines() if not any(b in line for b in between))
    return re.sub(r"\s", "", body)


def test_an_unbroken_string_wraps_and_every_character_is_printed(tmp_path, monkeypatch):
    import weasyprint

    handed: list[str] = []  # the HTML WeasyPrint is given: break opportunities in the run, which lays out linearly
    html = weasyprint.HTML
    monkeypatch.setattr(weasyprint, "HTML", lambda string, **keys: handed.append(string) or html(string=string, **keys))
    url = "https://example.cn/" + "a1b2c3d4e5" * 300  # 3,019 characters without a break opportunity
    path = pdf(build(tmp_path, {"url.md": item("很长的网址", body=url)}, BOARD), "b", tmp_path)
    (given,) = handed
    body = given.partition("<body")[2]
    assert max(map(len, re.findall(r"[\w:/.]+", body))) == 16  # a zero-width space after every 16 characters
    assert body.replace("\u200b", "").count("a1b2c3d4e5" * 300) == 1
    assert printed(path).count("a1b2c3d4e5") == 300


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


def poster_source(tmp_path: Path, files: dict, board: str = "b", catalog: dict | None = None):
    """The board's PosterSource as the build makes it, and the content files it embeds."""
    import copy
    from datetime import date

    from gongkai.pipeline import Options, run
    from gongkai.reading import read_snapshot
    from gongkai.rendering.posters import poster_sources
    from tests.scratch import CONFIG, make_site

    config = copy.deepcopy(CONFIG) | {"boards": BOARD}
    config["catalog"] |= catalog or {}
    paths = make_site(tmp_path, files, config)
    shot = read_snapshot(paths.content, paths.config, paths.templates)
    result = run(shot, Options(day=date(2026, 11, 20), posters=False), {}, "")
    sources = poster_sources(result.config, result.views, shot.templates, shot.templates_root, "", shot.content)
    (source,) = [s for s in sources if s.board.key == board]
    return source, shot.content


def laid_out(tmp_path: Path, files: dict, board: str = "b", catalog: dict | None = None):
    """The board's poster as WeasyPrint lays it out: the HTML and files the build prints (the PDF itself is
    not written: layout is what these tests read, and it is the slow part)."""
    from gongkai.rendering.posters import lay_out

    return lay_out(*poster_source(tmp_path, files, board, catalog))


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


# --- Bounded in time and memory: refused before layout, or laid out in time proportional to the text ---


def test_breakable_keeps_every_character_and_leaves_markup_alone():
    from gongkai.rendering.sheets import breakable

    run = "x" * 40
    page = (
        f'<html><head><style>p::after {{ content: "{run}"; }}</style></head>'
        f'<body class="{run}"><p><a href="https://example.cn/{run}">{run}&amp;{run[:20]}</a>'
        f"中文{'字' * 300}</p><pre>{run}</pre><table>{' ' * 150}<tr><td>1</td></tr></table></body></html>"
    )
    made = breakable(page)
    assert made.partition("<body")[0] == page.partition("<body")[0]  # the style sheet as it was
    assert f'class="{run}"' in made and f'href="https://example.cn/{run}"' in made  # no attribute touched
    assert "&amp;" in made and "\u200b" * 2 not in made  # an entity is one character, never cut
    assert f"{'x' * 16}\u200b{'x' * 16}\u200b{'x' * 8}&amp;" in made
    assert "字\u200b" not in made  # full-width text breaks anywhere already
    accented = "e\u0301" * 20  # é as e and a combining accent: never parted
    assert "\u200b\u0301" not in breakable(f"<body><p>{accented}</p>") and "\u200b" in breakable(f"<body><p>{accented}</p>")
    assert made.replace("\u200b", "") == page


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
@settings(max_examples=200, deadline=None)
def test_breakable_adds_only_zero_width_spaces(text):
    from html import escape

    from gongkai.rendering.sheets import JOINED, breakable

    page = f"<html><body><p>{escape(text.replace(chr(0x200B), ''))}</p></body></html>"
    made = breakable(page)
    assert made.replace("\u200b", "") == page
    joined = re.sub(f"[{JOINED}]", "", made)  # a combining mark or joiner goes with the character before it
    units = re.sub(r"&#?\w+;", "e", re.sub(r"<[^>]*>", " ", joined.replace("\u200b", " ")))
    assert all(len(run) <= 16 for run in re.findall(r"[^\s\u2e80-\U0010ffff]+", units))


def test_the_leak_scan_reads_the_poster_before_break_opportunities_are_added(tmp_path):
    """A hostile poster template prints a withdrawn item's text: the scan finds its passages, although in the
    HTML handed to WeasyPrint a zero-width space cuts each of them."""
    import shutil

    from gongkai.rendering.sheets import breakable
    from tests.scratch import REPO

    letters = "абвгдежзийклмнопрстуфхцчшщъыьэ"  # 30 letters that are not Chinese, in one unbroken run
    body = "ab;" + letters  # a break opportunity after 16 characters falls inside both passages of the run
    assert letters[:16] not in breakable(f"<body>{body}") and letters[-16:] not in breakable(f"<body>{body}")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    poster = tmp_path / "templates" / "poster.html"
    poster.write_text(poster.read_text("utf-8").replace("{% if s.full %}", "{{ bodies[item.id] | safe }}{% if s.full %}", 1))
    files = {
        "gone.md": item("撤销的公示", status="withdrawn", withdrawn_reason="材料有误", withdrawn_on="2026-11-18", body=body),
        "open.md": item("公开的通知"),
    }
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/gone.md") and "泄露检查未通过" in problem.message
    assert "posters/b.pdf" in problem.message


def never_laid_out(monkeypatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the refused input reached WeasyPrint")

    monkeypatch.setattr("gongkai.rendering.posters.lay_out", refuse)


def table_rows(rows: int) -> str:
    return "| 序号 | 姓名 | 金额 |\n|---|---|---|\n" + "".join(f"| {n} | 党员{n} | {n}.00 |\n" for n in range(rows))


def test_an_item_no_board_could_hold_is_refused_before_layout(tmp_path, monkeypatch):
    never_laid_out(monkeypatch)
    files = {"fine.md": item("普通事项"), "dues.md": item("全年党费明细", body=table_rows(3_000))}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/dues.md") and problem.line == 2
    assert "大厅公开栏" in problem.message and "张A3纸" in problem.message and "附件" in problem.message


def test_the_capacity_estimate_never_exceeds_the_sheets_really_printed(tmp_path):
    """The estimate is a lower bound: what it refuses could not be printed on fewer sheets either."""
    from gongkai.rendering.capacity import sheets_needed
    from gongkai.rendering.posters import lay_out

    files = {
        "dues.md": item("党费明细", body=table_rows(150)),
        "long.md": item("长篇通知", body="\n\n".join(["根据党务公开工作安排，现将有关情况公开如下。" * 12] * 12)),
        "url.md": item("很长的网址", body="https://example.cn/" + "a1b2c3d4e5" * 300),
    }
    source, content = poster_source(tmp_path, files)
    estimate = sum(sheets_needed(s.item, source.board) for s in source.view.current)
    assert 3 < estimate <= len(lay_out(source, content).pages)


def test_an_item_taller_than_a_column_may_break_between_columns(tmp_path):
    """Kept whole, it costs WeasyPrint a layout of the sheet per pixel of column balancing, and a wasted sheet;
    beside its QR code (a float), a layout of the rest of its paragraph for every line: its body is set below
    the QR code in a formatting context of its own, where no float is."""
    from gongkai.rendering.posters import lay_out

    files = {
        "long.md": item("长篇通知", body="\n\n".join(["根据党务公开工作安排，现将有关情况公开如下。" * 12] * 8)),
        "short.md": item("短通知", body="请按时参加。"),
    }
    source, content = poster_source(tmp_path, files)
    articles = dict(re.findall(r'<article class="([^"]*)" data-item="([^"]*)"', source.html))
    assert {v: k for k, v in articles.items()} == {"long": "item long", "short": "item"}
    document = lay_out(source, content)
    found = blocks(document)
    article = next(b["element"] for b in found if b["element"].get("data-item") == "long")
    qr, body = (next(e for e in article if e.get("class") == name) for name in ("qr", "body"))
    boxes = {"qr": [], "body": []}  # the laid-out boxes of the QR code and of the body: (page, box)
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is qr or element is body:
                boxes[element.get("class")].append((number, box))
            stack.extend(getattr(box, "children", None) or ())
    ((page, figure),) = boxes["qr"]
    assert all(b.establishes_formatting_context() for _, b in boxes["body"])
    (beside,) = [b for n, b in boxes["body"] if n == page and b.position_x < figure.position_x < b.position_x + b.width]
    assert beside.position_y >= figure.position_y + figure.margin_height() - 1  # below it: no float beside the text
    assert len({(b["page"], b["x"]) for b in found if b["tag"] == "p" and "根据" in "".join(b["element"].itertext())}) > 1
    path = pdf(build(tmp_path / "b", files, BOARD), "b", tmp_path)
    assert printed(path).count("根据党务公开工作安排，现将有关情况公开如下。") == 96


def bomb(width: int, height: int) -> bytes:
    """A PNG that says it is width × height pixels, in a few hundred bytes (its pixel data is cut short)."""
    from bench.poster_limits import png

    whole = png(1, 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    ihdr = struct.pack(">I", 13) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return whole[:8] + ihdr + whole[8 + 25 :]


def test_an_image_over_the_pixel_budget_is_an_error_at_its_line_before_any_decoding(tmp_path, monkeypatch):
    never_laid_out(monkeypatch)
    body = "会议现场：\n\n![现场照片](images/big.png)\n\n![扫描件](images/bad.png)\n"
    files = {"pic.md": item("有图的事项", body=body), "images/big.png": bomb(20_000, 20_000), "images/bad.png": b"not a picture"}
    assert len(files["images/big.png"]) < 200
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    lines = files["pic.md"].splitlines()
    big, bad = failure.value.problems
    assert big.path.endswith("content/pic.md") and lines[big.line - 1] == "![现场照片](images/big.png)"
    assert "20000×20000" in big.message and "4000 万像素" in big.message and "缩小" in big.message
    assert bad.path.endswith("content/pic.md") and lines[bad.line - 1] == "![扫描件](images/bad.png)"
    assert "无法读取" in bad.message


def test_image_dimensions_come_from_the_header_of_each_format():
    import io

    from PIL import Image

    from gongkai.rendering.capacity import dimensions

    for kind in ("PNG", "JPEG", "GIF", "WEBP", "BMP"):
        data = io.BytesIO()
        Image.new("RGB", (37, 23)).save(data, kind)
        assert dimensions(data.getvalue()) == (37, 23), kind
    assert dimensions(bomb(20_000, 20_000)) == (20_000, 20_000)
    assert dimensions(b"") is None


def test_a_picture_embedded_in_an_svg_is_held_to_the_same_budget(tmp_path, monkeypatch):
    import base64

    never_laid_out(monkeypatch)
    picture = base64.b64encode(bomb(12_000, 12_000)).decode()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120">'
        f'<rect width="10" height="10"/><image width="120" height="120" href="data:image/png;base64,{picture}"/></svg>'
    )
    files = {"chart.md": item("有图表的事项", body="统计图：\n\n![图表](images/chart.svg)\n"), "images/chart.svg": svg}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert files["chart.md"].splitlines()[problem.line - 1] == "![图表](images/chart.svg)"
    assert "SVG 图“images/chart.svg”里嵌入的图片有 12000×12000 像素" in problem.message


def nested_list(levels: int) -> str:
    """A Markdown list one item a level, each indented two more spaces: `- 第i层`."""
    return "".join(f"{'  ' * i}- 第{i + 1}层\n" for i in range(levels))


def test_a_list_nested_deeper_than_a_column_is_refused_at_its_line_before_layout(tmp_path, monkeypatch):
    """14–16 levels took WeasyPrint 10–14 s a poster and then overflowed anyway; 12 levels of 40 px already
    leave an A3 column (126.5 mm) no room for one character."""
    never_laid_out(monkeypatch)
    files = {"deep.md": item("层层嵌套", body=nested_list(12)), "fine.md": item("普通事项", body=nested_list(3))}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    lines = files["deep.md"].splitlines()
    assert problem.path.endswith("content/deep.md") and lines[problem.line - 1] == "  " * 11 + "- 第12层"
    assert (
        "“第12层”" in problem.message
        and "嵌套太深" in problem.message
        and "大厅公开栏" in problem.message
        and "缩进" in problem.message
    )


def test_a_list_nested_as_deep_as_a_column_holds_is_printed_whole(tmp_path):
    result = build(tmp_path, {"nested.md": item("多层列表", body=nested_list(11))}, BOARD)  # the deepest an A3 column holds
    printed = text(pdf(result, "b", tmp_path))
    assert all(f"第{n}层" in printed for n in range(1, 12))
