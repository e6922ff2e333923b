"""Turns the bytes of a .docx file into a WordDocument: paragraphs (style, alignment, list marker, runs), tables as
grids with merged cells resolved, and the images they show."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from gongkai.importing.numbering import Numbering, StyleSheet

W_P, W_TBL, W_R, W_T, W_TAB, W_BR, W_CR = (qn(f"w:{t}") for t in ("p", "tbl", "r", "t", "tab", "br", "cr"))
W_TR, W_TC, W_SDT, W_HYPERLINK, W_TXBX = (qn(f"w:{t}") for t in ("tr", "tc", "sdt", "hyperlink", "txbxContent"))
W_PPR, W_RPR, W_INS, W_DEL, W_FOOTNOTE = (qn(f"w:{t}") for t in ("pPr", "rPr", "ins", "del", "footnoteReference"))
W_NOBREAKHYPHEN, W_VAL = qn("w:noBreakHyphen"), qn("w:val")
A_BLIP, V_IMAGEDATA = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip", "{urn:schemas-microsoft-com:vml}imagedata"
WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
R_EMBED, R_ID, R_LINK = (qn(f"r:{t}") for t in ("embed", "id", "link"))
_OFF = ("0", "false", "off", "none")
# A 100-page 公文 has about 2,000 paragraphs (table cells included); each costs a few hundred bytes and ~15 µs.
MAX_PARAGRAPHS = 30_000
# Browsers show these; EMF/WMF/TIFF (Word's clip art and scans) they do not.
WEB_IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")
PICTURE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "emf", "wmf", "tif", "tiff"})
_BY_CONTENT_TYPE = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp",
    "image/x-emf": "emf", "image/x-wmf": "wmf", "image/tiff": "tiff", "image/svg+xml": "svg",
}  # fmt: skip


@dataclass(frozen=True)
class Run:
    text: str  # "\n" for a line break
    bold: bool = False
    italic: bool = False
    link: str = ""  # an external hyperlink's address


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: str = ""  # the style's name, e.g. "Heading 2", "Title"
    heading: int = 0  # 1–9 from a heading style or an outline level; 0 for body text
    align: str = ""  # "center", "right", "both", … ("" = left)
    marker: str = ""  # "-" (bullet), "3." (Markdown can number it), or literal text such as "一、" or "（1）"
    level: int = 0  # list level (0 = top)
    images: tuple[str, ...] = ()  # names of the images it shows, in order
    alt: tuple[str, ...] = ()  # their descriptions

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


Cell = tuple[Paragraph, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]  # every row as wide as the widest; merged cells resolved (see _grid)


Block = Paragraph | Table


@dataclass(frozen=True)
class Picture:
    name: str  # e.g. 图片1.png, in order of first appearance
    data: bytes


@dataclass(frozen=True)
class WordDocument:
    blocks: tuple[Block, ...]
    pictures: tuple[Picture, ...]
    core_title: str = ""  # File → Properties → Title, often empty or stale
    notes: tuple[str, ...] = ()  # what could not be carried over, for the editor


class TooLong(ValueError):
    """The document has more paragraphs than one import may hold; the message (Chinese) says what to do."""


@dataclass
class _Reader:
    """Walks document.xml once; keeps the list counters and the images met so far."""

    numbering: Numbering
    styles: StyleSheet
    parts: dict[str, object]  # relationship id -> part (images) or target address (hyperlinks)
    pictures: dict[str, Picture] = field(default_factory=dict)  # rId -> picture
    notes: dict[str, None] = field(default_factory=dict)
    paragraphs: int = 0  # read so far, up to MAX_PARAGRAPHS

    def blocks(self, container: etree._Element) -> Iterator[Block]:
        for child in container:
            if child.tag == W_P:
                boxes: list[etree._Element] = []
                yield self.paragraph(child, boxes)
                for box in boxes:  # text boxes (sometimes the 红头) follow the paragraph they are anchored in
                    yield from self.blocks(box)
            elif child.tag == W_TBL:
                table = self.table(child)
                if table.rows and len(table.rows[0]) == 1:  # a one-column table is layout, not data
                    yield from (p for row in table.rows for cell in row for p in cell)
                elif table.rows:
                    yield table
            elif child.tag in (W_SDT, qn("w:sdtContent"), qn("w:customXml")):
                yield from self.blocks(child)

    def paragraph(self, element: etree._Element, boxes: list[etree._Element]) -> Paragraph:
        self.paragraphs += 1
        if self.paragraphs > MAX_PARAGRAPHS:
            raise TooLong(
                f"文件过大：超过 {MAX_PARAGRAPHS} 段（表格的每一格也算一段）。请在 Word 中把文档拆分成几个文件后分别导入。"
            )
        properties = element.find(W_PPR)
        style_id = _val(properties, "w:pStyle")
        style = self.styles.get(style_id)
        runs: list[Run] = []
        images: list[str] = []
        alt: list[str] = []
        self._inline(element, runs, images, alt, boxes, bold=False, italic=False, link="")
        heading = style.heading
        outline = _val(properties, "w:outlineLvl")
        if outline and outline.isdigit() and int(outline) < 9:
            heading = int(outline) + 1
        align = _val(properties, "w:jc") or style.align
        num_id, level = _val(properties, "w:numPr/w:numId"), _val(properties, "w:numPr/w:ilvl")
        if num_id is None:
            num_id, level = style.num_id, level or style.level
        marker = self.numbering.marker(num_id, int(level or 0)) if num_id and num_id != "0" else ""
        return Paragraph(tuple(_merged(runs)), style.name, heading, align, marker, int(level or 0), tuple(images), tuple(alt))

    def _inline(
        self,
        element: etree._Element,
        runs: list[Run],
        images: list[str],
        alt: list[str],
        boxes: list[etree._Element],
        bold: bool,
        italic: bool,
        link: str,
    ) -> None:
        for child in element:
            tag = child.tag
            if tag == W_T:
                runs.append(Run(child.text or "", bold, italic, link))
            elif tag == W_TAB:
                runs.append(Run(" ", bold, italic, link))
            elif tag in (W_BR, W_CR):
                if child.get(qn("w:type")) not in ("page", "column"):
                    runs.append(Run("\n", bold, italic, link))
            elif tag == W_NOBREAKHYPHEN:
                runs.append(Run("-", bold, italic, link))
            elif tag == W_R:
                properties = child.find(W_RPR)
                if properties is not None and _on(properties, "w:vanish"):
                    continue  # hidden text is hidden for a reason: never publish it
                run_bold = _on(properties, "w:b") if _has(properties, "w:b") else bold
                run_italic = _on(properties, "w:i") if _has(properties, "w:i") else italic
                self._inline(child, runs, images, alt, boxes, run_bold, run_italic, link)
            elif tag == W_HYPERLINK:
                target = self.parts.get(child.get(R_ID, ""))
                self._inline(child, runs, images, alt, boxes, bold, italic, target if isinstance(target, str) else "")
            elif tag == W_TXBX:
                boxes.append(child)
            elif tag in (A_BLIP, V_IMAGEDATA):
                self._image(child, images, alt)
            elif tag == WP_DOCPR:
                alt.append((child.get("descr") or child.get("title") or "").strip())
            elif tag == W_FOOTNOTE:
                self.notes["原文有脚注，脚注内容没有导入，请把需要的内容写进正文。"] = None
            elif tag in (W_INS, W_DEL):
                self.notes["原文有修订记录：已按“接受全部修订”导入，请核对。"] = None
                if tag == W_INS:
                    self._inline(child, runs, images, alt, boxes, bold, italic, link)
            elif tag not in (MC_FALLBACK, W_PPR, W_RPR):  # Fallback repeats its Choice for old readers
                self._inline(child, runs, images, alt, boxes, bold, italic, link)

    def _image(self, element: etree._Element, images: list[str], alt: list[str]) -> None:
        rid = element.get(R_EMBED) or element.get(R_ID) or ""
        part = self.parts.get(rid)
        if part is None or isinstance(part, str):
            if element.get(R_LINK):
                self.notes["原文有链接到外部文件的图片，没有导入。请在 Word 中把图片插入文档（而不是链接）后再导入。"] = None
            return
        if rid not in self.pictures:
            extension = re.sub(r"[^a-z0-9.]", "", str(part.partname).rsplit(".", 1)[-1].lower())  # type: ignore[attr-defined]
            # The name comes from inside the file: only a picture's extension may reach content/ (a part named
            # image1.md would otherwise become an item file of the document's choosing).
            if extension not in PICTURE_EXTENSIONS:
                extension = _BY_CONTENT_TYPE.get(getattr(part, "content_type", ""), "bin")
            name = f"图片{len(self.pictures) + 1}.{extension}"
            self.pictures[rid] = Picture(name, part.blob)  # type: ignore[attr-defined]
            if not name.endswith(WEB_IMAGES):
                self.notes[f"{name} 是 {extension.upper()} 格式，浏览器不能显示。请在 Word 中把它另存为 PNG 图片后替换。"] = None
        images.append(self.pictures[rid].name)
        if len(alt) < len(images):
            alt.append("")

    def table(self, element: etree._Element) -> Table:
        rows: list[list[tuple[Cell, int, str | None]]] = []
        for row in element.iter(W_TR):
            if row.getparent() is not element and row.getparent().getparent() is not element:
                continue  # a nested table's rows are read with its cell
            cells: list[tuple[Cell, int, str | None]] = []
            before = int(_val(row.find(qn("w:trPr")), "w:gridBefore") or 0)
            cells += [((), 1, None)] * before
            for cell in row.iter(W_TC):
                if cell.getparent() is not row and cell.getparent().getparent() is not row:
                    continue
                properties = cell.find(qn("w:tcPr"))
                span = int(_val(properties, "w:gridSpan") or 1)
                merge = properties.find(qn("w:vMerge")) if properties is not None else None
                vertical = None if merge is None else (merge.get(W_VAL) or "continue")
                content = tuple(self._cell(cell))
                cells.append((content, span, vertical))
            rows.append(cells)
        return Table(_grid(rows))

    def _cell(self, cell: etree._Element) -> Iterator[Paragraph]:
        for block in self.blocks(cell):
            if isinstance(block, Paragraph):
                yield block
            else:  # a table inside a cell: its text, row by row
                for row in block.rows:
                    yield Paragraph(
                        tuple(
                            Run(" ".join(p.text for c in row for p in c)),
                        )
                    )


def _grid(rows: list[list[tuple[Cell, int, str | None]]]) -> tuple[tuple[Cell, ...], ...]:
    """Merged cells kept readable in a plain grid. Across (gridSpan): the text stays in the first column and the
    columns it covers stay empty, as the row looks on paper. Down (vMerge): the text is repeated in every row it
    covers, so that each row read alone (on a phone, by a screen reader) still says which group it belongs to."""
    grid: list[list[Cell]] = []
    for cells in rows:
        line: list[Cell] = []
        for content, span, vertical in cells:
            column = len(line)
            if vertical == "continue" and grid and column < len(grid[-1]):
                content = grid[-1][column]
            line.append(content)
            line += [()] * (span - 1)
        grid.append(line)
    width = max((len(line) for line in grid), default=0)
    return tuple(tuple(line + [()] * (width - len(line))) for line in grid)


def read_docx(data: bytes) -> WordDocument:
    """Raises TooLong, or whatever python-docx raises for a damaged file; draft.py turns either into a message.
    Call it only on bytes that unpacking.py let through (its parts' sizes bound the memory this takes)."""
    document = Document(io.BytesIO(data))
    part = document.part
    parts: dict[str, object] = {}
    for rid, relationship in part.rels.items():
        parts[rid] = relationship.target_ref if relationship.is_external else relationship.target_part
    try:
        numbering_xml = part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering_xml = None
    reader = _Reader(Numbering(numbering_xml), StyleSheet(document.styles.element), parts)
    blocks = tuple(reader.blocks(document.element.body))
    return WordDocument(
        blocks, tuple(reader.pictures.values()), (document.core_properties.title or "").strip(), tuple(reader.notes)
    )


def _merged(runs: list[Run]) -> Iterator[Run]:
    """Neighbouring runs with the same formatting as one (Word splits runs at every edit). Joined once per group:
    adding them up one by one would copy the text again for every run (a paragraph of 480,000 tabs: 8 s)."""
    group: list[Run] = []
    for run in runs:
        if group and (group[0].bold, group[0].italic, group[0].link) != (run.bold, run.italic, run.link):
            yield _joined(group)
            group = []
        group.append(run)
    if group:
        yield _joined(group)


def _joined(group: list[Run]) -> Run:
    first = group[0]
    return first if len(group) == 1 else Run("".join(run.text for run in group), first.bold, first.italic, first.link)


def _val(properties: etree._Element | None, path: str) -> str | None:
    if properties is None:
        return None
    found = properties.find(path, {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"})
    return None if found is None else found.get(W_VAL)


def _has(properties: etree._Element | None, tag: str) -> bool:
    return properties is not None and properties.find(qn(tag)) is not None


def _on(properties: etree._Element | None, tag: str) -> bool:
    element = properties.find(qn(tag)) if properties is not None else None
    return element is not None and (element.get(W_VAL) or "true").lower() not in _OFF
