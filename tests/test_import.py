"""`python build.py import`: real .docx files built with python-docx become item files that parse, with the 公文
fields recognised, the text as Markdown (headings, lists, tables with merged cells, images), and clear refusals."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Pt
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from gongkai.cli import main
from gongkai.importing.draft import ImportRefused, draft_from_docx, item_text
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import SCOPES, parse_item, parse_items
from gongkai.parsing.markup import BodyRenderer
from gongkai.pipeline import Options, run
from gongkai.reading import read_snapshot
from tests.scratch import CONFIG, item, make_site, tree

DAY = date(2026, 11, 20)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _config():
    import yaml

    return parse_config(yaml.safe_dump(CONFIG, allow_unicode=True).encode(), "site_config.yaml")


def _centred(document, text: str, size: int = 16) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(text).font.size = Pt(size)


def _png(colour: tuple[int, int, int] = (200, 0, 0)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, "PNG")
    out.seek(0)
    return out


def _saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def gongwen(
    number: str = "青自然资党[2026]18号", signed: str = "二〇二六年十一月十二日", head: str = "中共测试单位委员会文件"
) -> bytes:
    """A 公文 with everything the importer should recognise or keep."""
    document = Document()
    _centred(document, head, 26)
    _centred(document, number)
    document.add_paragraph()
    _centred(document, "关于开展2026年度党员教育培训", 22)
    _centred(document, "工作的通知", 22)
    document.add_paragraph("各党支部：")
    document.add_paragraph("总体要求", style="Heading 1")
    body = document.add_paragraph("　　请各支部")
    body.add_run("务必按时").bold = True
    body.add_run("完成，")
    body.add_run("逐项").italic = True
    body.add_run("落实。")
    for text in ("制定计划", "组织学习", "总结上报"):
        document.add_paragraph(text, style="List Number")
    for text in ("学习笔记", "心得体会"):
        document.add_paragraph(text, style="List Bullet")
    table = document.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ("支部", "姓名", "学时"), strict=True):
        cell.text = text
    for row, (name, hours) in enumerate((("张三", "8"), ("李四", "12")), start=1):
        table.cell(row, 1).text, table.cell(row, 2).text = name, hours
    table.cell(1, 0).merge(table.cell(2, 0)).text = "第一党支部"
    table.cell(3, 0).merge(table.cell(3, 1)).text = "合计"
    table.cell(3, 2).text = "20"
    document.add_picture(_png(), width=Pt(40))
    document.add_paragraph("附件：1. 培训计划表")
    document.add_paragraph("2. 报名回执")
    right = document.add_paragraph("中共测试单位委员会")
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(signed).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph("测试单位党委办公室　　2026年11月13日印发")
    return _saved(document)


def test_gongwen_fields_and_body():
    draft = draft_from_docx(gongwen(), _config(), DAY, name="通知.docx", category="通知公告")
    assert draft.values == {
        "title": "关于开展2026年度党员教育培训工作的通知",
        "category": "notice",
        "scope": "internal",
        "valid_from": DAY,
        "doc_number": "青自然资党〔2026〕18号",
        "date": date(2026, 11, 12),
    }  # no issuer: the 红头 is the site's own; no valid_until: the category's window is the parser's
    assert draft.relpath == "2026/notice/2026-11-20-关于开展2026年度党员教育培训工作的通知.md"
    body = draft.markdown
    folder = "../../attachments/2026-11-20-关于开展2026年度党员教育培训工作的通知"
    expected = [
        "各党支部：",  # the 红头, 文号 and title became fields: the text starts at the 主送
        "## 总体要求",
        "请各支部**务必按时**完成，*逐项*落实。",
        "1. 制定计划\n2. 组织学习\n3. 总结上报",
        "- 学习笔记\n- 心得体会",
        # merged down: repeated in each row; merged across: the text in the first column, the next one empty
        "| 支部 | 姓名 | 学时 |\n|---|---|---|\n| 第一党支部 | 张三 | 8 |\n| 第一党支部 | 李四 | 12 |\n| 合计 |  | 20 |",
        f"![图片1]({folder}/图片1.png)",
        "附件：1. 培训计划表",
        "2\\. 报名回执",
        "中共测试单位委员会",
        "二〇二六年十一月十二日",
        "测试单位党委办公室　　2026年11月13日印发",
    ]
    assert body == "\n\n".join(expected) + "\n"
    [(path, data)] = draft.files
    assert path == folder.removeprefix("../../") + "/图片1.png" and data.startswith(b"\x89PNG")
    html, media, problems = BodyRenderer().render(body, "2026/notice", {path}, "x.md", 1)
    assert not problems and media == (path,)
    for tag in ("<h2>", "<strong>务必按时</strong>", "<em>逐项</em>", "<ol>", "<ul>", "<table>", "<img"):
        assert tag in html


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("青自然资党〔2026〕18号", "青自然资党〔2026〕18号"),
        ("青自然资党[2026]18号", "青自然资党〔2026〕18号"),
        ("青自然资党［2026］18号", "青自然资党〔2026〕18号"),
        ("青自然资党【2026】18号", "青自然资党〔2026〕18号"),
        ("青自然资党（2026）018号", "青自然资党〔2026〕18号"),
        ("青自然资党〔 2026 〕 18 号　　　　签发人：张三", "青自然资党〔2026〕18号"),
    ],
)
def test_doc_number_forms(written, expected):
    assert draft_from_docx(gongwen(number=written), _config(), DAY).values["doc_number"] == expected


@pytest.mark.parametrize(
    ("signed", "expected"),
    [
        ("2026年11月12日", date(2026, 11, 12)),
        ("２０２６年１１月１２日", date(2026, 11, 12)),
        ("2026 年 3 月 5 日", date(2026, 3, 5)),
        ("二〇二六年十一月十二日", date(2026, 11, 12)),
        ("二○二六年十月一日", date(2026, 10, 1)),  # ○, the circle many type for 〇
        ("二零二六年十二月三十一日", date(2026, 12, 31)),
        ("二〇二六年二月二十日", date(2026, 2, 20)),
        ("二〇二六年一月十日", date(2026, 1, 10)),
        ("二〇二六年九月二十九日", date(2026, 9, 29)),
    ],
)
def test_signing_date_forms(signed, expected):
    assert draft_from_docx(gongwen(signed=signed), _config(), DAY).values["date"] == expected


@pytest.mark.parametrize("signed", ["2026年2月30日", "二〇二六年二月三十日"])
def test_a_date_that_does_not_exist_is_left_out_and_said(signed):
    draft = draft_from_docx(gongwen(signed=signed), _config(), DAY)
    assert "date" not in draft.values
    assert any(f"落款日期“{signed}”不存在" in note for note in draft.notes)


def test_another_organs_red_head_becomes_the_issuer():
    draft = draft_from_docx(gongwen(head="中共青川市委组织部文件"), _config(), DAY)
    assert draft.values["issuer"] == "中共青川市委组织部"


def test_document_without_red_head_uses_its_centred_title_or_its_name():
    document = Document()
    _centred(document, "中共测试单位委员会")
    _centred(document, "关于表彰优秀共产党员的决定")
    document.add_paragraph("经研究，决定表彰下列同志。")
    assert draft_from_docx(_saved(document), _config(), DAY).values["title"] == "关于表彰优秀共产党员的决定"
    plain = Document()
    plain.add_paragraph("会议记录正文。")
    draft = draft_from_docx(_saved(plain), _config(), DAY, name="D:\\文件\\十一月会议纪要.docx")
    assert draft.values["title"] == "十一月会议纪要" and "暂用文件名" in draft.recognised[0]


def _numbering(document, abstract_id: int, num_id: int, levels: list[tuple[str, str]]) -> None:
    """A list definition with one level per (numFmt, lvlText), attached to the document's numbering part."""
    numbering = document.part.numbering_part.element
    lvls = "".join(
        f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for n, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))


def _listed(document, text: str, num_id: int, level: int = 0) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def test_word_numbering_is_counted_as_word_counts_it():
    document = Document()
    _numbering(document, 90, 90, [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")])
    _numbering(document, 91, 91, [("bullet", "•"), ("bullet", "o")])
    _listed(document, "总体要求", 90)
    _listed(document, "学习内容", 90, 1)
    _listed(document, "第一项", 90, 2)
    _listed(document, "第二项", 90, 2)
    _listed(document, "学习方式", 90, 1)
    _listed(document, "工作安排", 90)
    _listed(document, "细则", 90, 1)  # restarts at （一） under 二、
    _listed(document, "要点", 91)
    _listed(document, "细节", 91, 1)
    body = draft_from_docx(_saved(document), _config(), DAY).markdown
    expected = [
        "## 一、总体要求",  # short, no full stop, no heading styles in the file: a hand-made 一级标题
        "### （一）学习内容",
        "1. 第一项\n2. 第二项",
        "### （二）学习方式",
        "## 二、工作安排",
        "### （一）细则",
        "- 要点\n    - 细节",
    ]
    assert body == "\n\n".join(expected) + "\n"


def test_text_that_looks_like_markup_stays_text():
    document = Document()
    for text in ("# 不是标题", "1. 不是列表", "- 不是清单", "> 不是引用", "a*b*c_d_ [链接](x) `code` <b>粗</b> &amp;", "---"):
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "甲|乙", "丙"
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "2"
    body = draft_from_docx(_saved(document), _config(), DAY).markdown
    html, _, problems = BodyRenderer().render(body, "", set(), "x.md", 1)
    assert not problems
    assert not re.search(r"<(h\d|ol|ul|li|blockquote|a|em|strong|code|hr|b)\b", html), html
    shown = "# 不是标题 1. 不是列表 - 不是清单 > 不是引用 a*b*c_d_ [链接](x) `code` <b>粗</b> &amp; --- 甲|乙 丙 1 2"
    assert _text(html).split() == shown.split(" ")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    return " ".join(parser.parts)


@given(st.text(alphabet=st.sampled_from(list("#*_-+>`[]()<>&;|!.1 \\=~党务公开amp")), min_size=1, max_size=30).filter(str.strip))
def test_any_text_reads_back_as_written(text):
    """Whatever a paragraph says, the published page shows the same characters (spacing aside)."""
    document = Document()
    document.add_paragraph(text)
    body = draft_from_docx(_saved(document), _config(), DAY, name="x.docx").markdown
    html, _, _ = BodyRenderer().render(body, "", set(), "x.md", 1)
    assert "".join(_text(html).split()) == "".join(text.split())


def test_hidden_text_is_not_imported():
    document = Document()
    paragraph = document.add_paragraph("公开的内容")
    paragraph.add_run("内部批注，不公开").font.hidden = True
    body = draft_from_docx(_saved(document), _config(), DAY).markdown
    assert body == "公开的内容\n"


def test_classified_document_is_refused():
    document = Document()
    document.add_paragraph("秘密★1年")
    _centred(document, "中共测试单位委员会文件")
    _centred(document, "测党〔2026〕3号")
    _centred(document, "关于某事项的通知")
    with pytest.raises(ImportRefused, match="涉密文件不能公开"):
        draft_from_docx(_saved(document), _config(), DAY)


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + extra


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


REFUSALS = [
    ("通知.doc", _ole(), "这是旧版 Word（.doc）文件，只能导入 Word 文档（.docx）。请在 Word 或 WPS 中打开它，点“文件 → 另存为”"),
    ("通知.wps", _ole(), "这是WPS 文字（.wps）文件，只能导入 Word 文档（.docx）。请在 Word 或 WPS 中打开它"),
    ("通知.pdf", b"%PDF-1.7\n...", "这是 PDF 文件，不能转换为正文。可以把它作为附件发布"),
    ("通知.docx", b"just some text, not a document", "这不是可以读取的 Word 文档"),
    ("通知.doc", b"\x00\x01garbage", "文件名像旧版 Word（.doc），内容却不是"),
    ("通知.docx", _ole("EncryptedPackage".encode("utf-16-le")), "文件设置了打开密码"),
    ("表格.docx", _zip(["[Content_Types].xml", "xl/workbook.xml"]), "这是Excel 表格，不是 Word 文档（.docx）"),
    ("坏.docx", b"PK\x03\x04broken", "文件已损坏"),
    ("坏.docx", _zip(["[Content_Types].xml", "word/document.xml"]), "文件无法读取"),
    ("空.docx", _saved(Document()), "文件里没有文字，也没有图片"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSALS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(REFUSALS)])
def test_refusals_name_the_file_say_what_to_do_and_write_nothing(tmp_path, capsys, monkeypatch, name, data, message):
    paths = make_site(tmp_path, {"a.md": item()})
    source = tmp_path / name
    source.write_bytes(data)
    before = tree(paths.content)
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--date", "2026-11-20"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{source}:1: ") and message in err and "Traceback" not in err
    assert tree(paths.content) == before


def test_import_command_writes_an_item_that_builds(tmp_path, capsys, monkeypatch):
    paths = make_site(tmp_path, {"a.md": item()})
    source = tmp_path / "收文" / "培训通知.docx"
    source.parent.mkdir()
    source.write_bytes(gongwen(head="中共青川市委组织部文件"))
    monkeypatch.chdir(tmp_path)
    code = main(["import", str(source), "--category", "通知公告", "--scope", "党外", "--keep-original", "--date", "2026-11-20"])
    out, err = capsys.readouterr()
    assert code == 0, err
    stem = "2026-11-20-关于开展2026年度党员教育培训工作的通知"
    target = Path("content") / "2026" / "notice" / f"{stem}.md"
    assert out.startswith(f"已导入：{target}\n")
    for said in (
        "文号：青自然资党〔2026〕18号",
        "成文日期：2026-11-12（落款“二〇二六年十一月十二日”）",
        "公开期限：2026-11-20 至 2026-11-29",
    ):
        assert said in out
    assert (paths.content / "attachments" / stem / "培训通知.docx").read_bytes() == source.read_bytes()
    assert (paths.content / "attachments" / stem / "图片1.png").is_file()
    text = (tmp_path / target).read_text("utf-8")
    assert text.startswith(
        "---\ntitle: 关于开展2026年度党员教育培训工作的通知\ncategory: notice\nscope: public\nvalid_from: 2026-11-20\n"
        "issuer: 中共青川市委组织部\ndoc_number: 青自然资党〔2026〕18号\ndate: 2026-11-12\n"
        f"attachments:\n- ../../attachments/{stem}/培训通知.docx\n---\n各党支部：\n"
    )
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    result = run(snapshot, Options(day=DAY, posters=False))
    [imported] = [i for i in result.items if i.title.startswith("关于开展")]
    assert imported.valid_until == date(2026, 11, 29) and imported.issuer == "中共青川市委组织部"
    assert [a.name for a in imported.attachments] == ["培训通知.docx", "图片1.png"]
    assert not [w for w in result.warnings if "Word 文件" in w.message]  # the kept original is attached
    page = dict(result.outputs)[f"public/{imported.page_path}"].decode()
    assert "<table>" in page and "第一党支部" in page and quote("图片1.png") in page


def test_import_without_category_says_what_is_missing(tmp_path, capsys, monkeypatch):
    paths = make_site(tmp_path, {})
    source = tmp_path / "通知.docx"
    source.write_bytes(gongwen())
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--date", "2026-11-20"]) == 1
    out, err = capsys.readouterr()
    relpath = "2026/imported/2026-11-20-关于开展2026年度党员教育培训工作的通知.md"
    assert out.startswith(f"已导入：content/{relpath}\n")
    assert err.startswith(f"content/{relpath}:3: 缺少“category”，这一项必须填写。\n")
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    _, errors, _ = parse_item(snapshot, _config(), relpath)
    assert [e.line for e in errors] == [3]


def test_import_never_overwrites(tmp_path, capsys, monkeypatch):
    paths = make_site(tmp_path, {})
    source = tmp_path / "通知.docx"
    source.write_bytes(gongwen())
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--category", "notice", "--date", "2026-11-20"]) == 0
    before = tree(paths.content)
    capsys.readouterr()
    assert main(["import", str(source), "--category", "notice", "--date", "2026-11-20"]) == 2
    assert "已经存在，不会覆盖" in capsys.readouterr().err
    assert tree(paths.content) == before


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_every_scope_the_parser_accepts_is_accepted(tmp_path, capsys, monkeypatch, scope):
    paths = make_site(tmp_path, {})
    source = tmp_path / "通知.docx"
    source.write_bytes(gongwen())
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--category", "notice", "--scope", scope, "--date", "2026-11-20"]) == 0
    [(path, _)] = [(p, d) for p, d in tree(paths.content).items() if p.endswith(".md")]
    assert f"\nscope: {SCOPES[scope]}\n" in (paths.content / path).read_text("utf-8")


def test_unknown_category_or_scope_is_a_usage_error_listing_the_choices(tmp_path, capsys, monkeypatch):
    make_site(tmp_path, {})
    source = tmp_path / "通知.docx"
    source.write_bytes(gongwen())
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--category", "决定"]) == 2
    assert (
        "目录里没有“决定”这个类别。可以写类别的名称或键：组织设置（org）；党费收缴（dues）；通知公告（notice）"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(source), "--scope", "公开"])
    assert exit_info.value.code == 2
    assert "公开范围“公开”不对。可以写：internal（或 党内、党内公开）" in capsys.readouterr().err


def test_word_files_in_content_are_warned_about_unless_used(tmp_path):
    docx = gongwen()
    files = {
        "x.docx": docx,
        "old.doc": _ole(),
        "_aside/kept.docx": docx,
        "attachments/原文.docx": docx,
        "a.md": item(attachments=["attachments/原文.docx"]),
    }
    paths = make_site(tmp_path, files)
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    warnings = [str(w) for w in run(snapshot, Options(day=DAY, posters=False)).warnings if "Word 文件" in w.message]
    content = paths.content
    assert warnings == [
        f"{content}/old.doc:1: 这是 Word 文件，不会被发布。请在 Word 或 WPS 中另存为 .docx 后运行 python build.py import 转换为事项，或作为附件引用。",
        f"{content}/x.docx:1: 这是 Word 文件，不会被发布。请运行 python build.py import {content}/x.docx 转换为事项，或作为附件引用。",
    ]
    assert len(parse_items(snapshot, _config()).items) == 1


def test_item_text_parses_with_awkward_titles():
    document = Document()
    _centred(document, "关于“两学一做”: 学习 #1 的通知")
    document.add_paragraph("正文。")
    draft = draft_from_docx(_saved(document), _config(), DAY, category="notice")
    text = item_text(draft)
    from gongkai.reading import Snapshot

    snapshot = Snapshot({draft.relpath: text.encode()}, "content", b"", "site_config.yaml", {})
    parsed, errors, _ = parse_item(snapshot, _config(), draft.relpath)
    assert not errors and parsed is not None and parsed.title == "关于“两学一做”: 学习 #1 的通知"


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    from gongkai.importing.placing import _place

    draft = draft_from_docx(gongwen(), _config(), DAY, category="notice", keep_original=True)
    content = tmp_path / "content"
    content.mkdir()
    item_path = content / draft.relpath
    item_path.parent.mkdir(parents=True)
    item_path.write_text("someone else's", "utf-8")  # appears between the check and the write
    before = tree(content)
    with pytest.raises(FileExistsError):
        _place(content, draft)
    assert tree(content) == before
    assert not (content / "attachments").exists()


def test_red_head_in_a_text_box_is_recognised():
    document = Document()
    anchor = document.add_paragraph()
    box = (
        f'<w:r {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>中共青川市委组织部文件</w:t></w:r></w:p>'
        "</w:txbxContent></wps:txbx></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>中共青川市委组织部文件</w:t></w:r></w:p></w:txbxContent>"
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    anchor._p.append(parse_xml(box))
    _centred(document, "青组〔2026〕7号")
    _centred(document, "关于做好年度考核工作的通知")
    document.add_paragraph("各单位：")
    draft = draft_from_docx(_saved(document), _config(), DAY)
    assert draft.values["issuer"] == "中共青川市委组织部"  # once: the Fallback copy is not read again
    assert draft.values["title"] == "关于做好年度考核工作的通知"
    assert draft.markdown == "各单位：\n"


@pytest.mark.parametrize("where", ["table", "header", "star", "label"])
def test_a_marking_anywhere_refuses_the_document(where):
    """A 密级 marking is found wherever a clerk's document carries it, not only on its own first line."""
    document = Document()
    _centred(document, "关于某事项的通知")
    document.add_paragraph("正文。")
    if where == "table":
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "000123", "秘密★1年"
    elif where == "header":
        document.sections[0].header.paragraphs[0].text = "机密☆6个月"
    elif where == "star":
        document.add_paragraph("000123 秘密*1年")
    else:
        document.add_paragraph("密级：秘密")
    with pytest.raises(ImportRefused, match="涉密文件不能公开"):
        draft_from_docx(_saved(document), _config(), DAY)


def test_the_original_is_not_kept_when_it_holds_what_the_import_left_out():
    document = Document()
    paragraph = document.add_paragraph("公开的内容")
    paragraph.add_run("张三身份证号").font.hidden = True
    data = _saved(document)
    assert draft_from_docx(data, _config(), DAY).markdown == "公开的内容\n"  # without the original: fine
    with pytest.raises(ImportRefused, match="隐藏文字"):
        draft_from_docx(data, _config(), DAY, keep_original=True)


def test_a_picture_part_named_like_an_item_never_becomes_one():
    """The name of a picture comes from inside the file: `image1.md` must not land in content/ as an item."""
    document = Document()
    document.add_paragraph("有图")
    document.add_picture(_png(), width=Pt(40))
    source = zipfile.ZipFile(io.BytesIO(_saved(document)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as renamed:
        for info in source.infolist():
            data = source.read(info.filename)
            name = info.filename.replace("media/image1.png", "media/image1.md")
            if info.filename.endswith(".rels"):
                data = data.replace(b"media/image1.png", b"media/image1.md")
            if info.filename == "[Content_Types].xml":  # the file says its "image" is a PNG
                data = data.replace(b"<Default ", b'<Default Extension="md" ContentType="image/png"/><Default ', 1)
            renamed.writestr(name, data)
    draft = draft_from_docx(out.getvalue(), _config(), DAY)
    names = [path for path, _ in draft.files]
    assert names and all(path.endswith(".png") for path in names), names
