"""Import speed and fidelity on a generated 20-page 公文 (GB/T 9704 layout: 红头, 发文字号, title, 主送, numbered and
bulleted lists, tables with merged cells, images, 附件说明, 落款, 版记), built with python-docx. Target: ≤ 2 s.

    .venv/bin/python -m bench.import_docx            # Gongkai's importer
    .venv/bin/python -m bench.import_docx --compare  # also mammoth → markdownify, if importable (not a dependency)
    .venv/bin/python -m bench.import_docx --limit    # memory and time of the largest documents import accepts
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from PIL import Image

from bench.corpus import REPO
from gongkai.importing.docx import MAX_PARAGRAPHS
from gongkai.importing.draft import ImportRefused, draft_from_docx, item_text
from gongkai.importing.unpacking import XML_PART_LIMIT, XML_TOTAL_LIMIT
from gongkai.parsing.config import parse_config

SENTENCE = (
    "各党支部要把学习贯彻党的创新理论作为首要政治任务，结合业务工作实际，认真组织开展主题党日活动，"
    "做到有计划、有记录、有总结，确保党员教育管理工作落到实处。"
)
CHINESE = "一二三四五六七八九十"


def gongwen_docx(pages: int = 20) -> bytes:
    """A 公文 of about `pages` A4 pages (22 lines of 28 characters each, as GB/T 9704 sets them)."""
    document = Document()
    _centred(document, "中共青川市自然资源局机关委员会文件", 26, red=True)
    _centred(document, "青自然资党〔2026〕18号", 16)
    document.add_paragraph()
    _centred(document, "关于开展2026年度党员教育培训工作的通知", 22)
    document.add_paragraph("各党支部：")
    for section in range(pages):
        number = CHINESE[section % 10] * (1 + section // 10)
        document.add_paragraph(f"{number}、第{section + 1}部分工作要求", style="Heading 2")
        for _ in range(3):
            document.add_paragraph("　　" + SENTENCE * 2)
        for step in range(3):
            document.add_paragraph(f"第{step + 1}步：{SENTENCE[:30]}", style="List Number")
        for point in range(2):
            document.add_paragraph(f"要点{point + 1}：{SENTENCE[:24]}", style="List Bullet")
        if section % 2 == 0:
            _table(document, section)
        if section % 5 == 0:
            document.add_picture(_png(section), width=Pt(120))
    document.add_paragraph("附件：1. 2026年度党员教育培训计划表")
    document.add_paragraph("　　　2. 培训报名回执")
    document.add_paragraph()
    _right(document, "中共青川市自然资源局机关委员会")
    _right(document, "2026年11月12日")
    document.add_paragraph("抄送：局党组。")
    document.add_paragraph("青川市自然资源局机关党委办公室　　　　2026年11月12日印发")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _centred(document, text: str, size: int, red: bool = False) -> None:  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if red:
        run.font.color.rgb = RGBColor(0xE0, 0, 0)


def _right(document, text: str) -> None:  # type: ignore[no-untyped-def]
    document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(document, section: int) -> None:  # type: ignore[no-untyped-def]
    """A roster: the 支部 column merged down over its members, and a merged 合计 row."""
    table = document.add_table(rows=6, cols=4)
    for cell, text in zip(table.rows[0].cells, ("支部", "姓名", "培训学时", "备注"), strict=True):
        cell.text = text
    for row in range(1, 5):
        cells = table.rows[row].cells
        cells[1].text, cells[2].text, cells[3].text = f"党员{section}-{row}", str(8 * row), "按时完成"
    table.cell(1, 0).merge(table.cell(4, 0)).text = f"第{CHINESE[section % 10]}党支部"
    total = table.cell(5, 0).merge(table.cell(5, 1))
    total.text = "合计"
    table.cell(5, 2).text = "80"


def _png(seed: int) -> io.BytesIO:
    image = Image.new("RGB", (64, 48), (200, 30 + seed % 200, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def _mammoth(data: bytes) -> str:
    import mammoth  # measured only, not a dependency
    from markdownify import markdownify

    html = mammoth.convert_to_html(io.BytesIO(data)).value
    return markdownify(html, heading_style="ATX")


def _timed(convert, data: bytes, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        convert(data)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


# Bodies that fill word/document.xml up to its limit, each the worst of its kind for the parser's memory: many
# objects per byte (one-character runs that cannot merge, one paragraph of 500,000 tabs, table cells, empty
# paragraphs up to the paragraph limit) besides ordinary prose. (opening, unit repeated, closing, paragraphs a unit)
_RUN = "<w:r><w:rPr><w:b/></w:rPr><w:t>甲</w:t></w:r><w:r><w:t>乙</w:t></w:r>"
_CELL = "<w:tc><w:p><w:r><w:t>8</w:t></w:r></w:p></w:tc>"
SHAPES = {
    "prose": ("", f'<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:t>{SENTENCE * 2}</w:t></w:r></w:p>', "", 1),
    "runs": ("", "<w:p>" + _RUN * 20 + "</w:p>", "", 1),
    "tabs": ("<w:p><w:r>", "<w:tab/>", "</w:r></w:p>", 0),
    "cells": ("<w:tbl>", "<w:tr>" + _CELL * 8 + "</w:tr>", "</w:tbl>", 8),
    "empty": ("", "<w:p/>", "", 1),
}


def at_the_limit(shape: str) -> bytes:
    """A real 公文 whose document.xml is filled with `shape` to just under the XML part limit and the paragraph
    limit (after one paragraph of text: a body without text is refused), and the rest of the budget on all XML
    parts filled with headers of empty paragraphs (python-docx parses every part the relationships name)."""
    source = zipfile.ZipFile(io.BytesIO(gongwen_docx(1)))
    xml = source.read("word/document.xml").decode()
    start, end = xml.index("<w:body>") + len("<w:body>"), xml.index("<w:sectPr")
    opening, unit, closing, paragraphs = SHAPES[shape]
    opening = f"<w:p><w:r><w:t>{SENTENCE}</w:t></w:r></w:p>" + opening
    room = XML_PART_LIMIT - len((xml[:start] + opening + closing + xml[end:]).encode()) - 1
    count = min(room // len(unit.encode()), (MAX_PARAGRAPHS - 2) // paragraphs if paragraphs else room)
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts["word/document.xml"] = (xml[:start] + opening + unit * count + closing + xml[end:]).encode()
    room = XML_TOTAL_LIMIT - sum(len(data) for name, data in parts.items() if name.endswith((".xml", ".rels"))) - 4096
    number = 0
    while room > 1024:  # each header under the part limit; its entries below take ~300 bytes more
        number += 1
        header = f'<w:hdr xmlns:w="{_W}">'.encode() + b"<w:p/>" * ((min(room, XML_PART_LIMIT) - 200) // 6)
        parts[f"word/header{number}.xml"] = header + b"</w:hdr>"
        room -= len(header) + 300
        kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", f'<Override PartName="/word/header{number}.xml" ContentType="{kind}"/></Types>'.encode()
        )
        relation = f'<Relationship Id="rIdH{number}" Type="{_RELATION}header" Target="header{number}.xml"/>'
        rels = "word/_rels/document.xml.rels"
        parts[rels] = parts[rels].replace(b"</Relationships>", f"{relation}</Relationships>".encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _measure(path: str, config) -> None:  # type: ignore[no-untyped-def]
    """In a fresh process: the peak memory the import adds (ru_maxrss, so lxml's C allocations count too)."""
    data = Path(path).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    xml = archive.getinfo("word/document.xml").file_size
    total = sum(info.file_size for info in archive.infolist() if info.filename.endswith((".xml", ".rels")))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        outcome = f"{len(item_text(draft_from_docx(data, config, date(2026, 11, 20)))):,} characters"
    except ImportRefused as why:
        outcome = f"refused: {str(why)[:40]}"
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"  {Path(path).stem:6} document.xml {xml / 1024 / 1024:.2f} MiB (XML {total / 1024 / 1024:.2f} MiB): +{grown:.0f} MiB peak, {seconds:.1f} s, {outcome}"
    )


def limits() -> None:
    print(
        f"at the limits (document.xml < {XML_PART_LIMIT // 1024 // 1024} MiB, ≤ {MAX_PARAGRAPHS:,} paragraphs, "
        f"all XML < {XML_TOTAL_LIMIT // 1024 // 1024} MiB):"
    )
    with tempfile.TemporaryDirectory() as folder:
        for shape in SHAPES:
            path = Path(folder) / f"{shape}.docx"
            path.write_bytes(at_the_limit(shape))
            subprocess.run([sys.executable, "-m", "bench.import_docx", "--measure", str(path)], check=True)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--compare", action="store_true", help="also time mammoth → markdownify")
    options.add_argument("--pages", type=int, default=20)
    options.add_argument("--rounds", type=int, default=5)
    options.add_argument("--limit", action="store_true", help="memory and time at the import's size limits")
    options.add_argument("--measure", metavar="DOCX", help=argparse.SUPPRESS)  # one file, for --limit
    args = options.parse_args()
    config = parse_config((REPO / "site_config.yaml").read_bytes(), "site_config.yaml")
    if args.measure:
        _measure(args.measure, config)
        return
    if args.limit:
        limits()
        return
    data = gongwen_docx(args.pages)
    day = date(2026, 11, 20)
    draft = draft_from_docx(data, config, day, category="decisions")
    best, median = _timed(lambda d: item_text(draft_from_docx(d, config, day, category="decisions")), data, args.rounds)
    lines = draft.markdown.count("\n")
    print(f"{args.pages}-page 公文: {len(data) // 1024} KB .docx, {len(draft.markdown)} characters of Markdown ({lines} lines)")
    print(f"  Gongkai (python-docx): {best * 1000:.0f} ms (median {median * 1000:.0f} ms)   (target ≤ 2000 ms)")
    print(f"  recognised: {dict(draft.fields)}; {len(draft.files)} images")
    if args.compare:
        best, median = _timed(_mammoth, data, args.rounds)
        print(f"  mammoth → markdownify: {best * 1000:.0f} ms (median {median * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
