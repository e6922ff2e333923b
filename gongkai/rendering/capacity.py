"""Turns the items a poster shows into the reasons one cannot be printed, found before any layout: more text and
table rows than a wall board holds even in the poster's smallest type, or an image too large to decode.

Layout is the expensive part of a poster (WeasyPrint balances columns by laying them out again and again), and
an item no board can hold would only be cut off: such input is refused at the cost of reading it once.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

from gongkai.model import Board, Item
from gongkai.problems import Problem

# A wall board (公开栏, about 2.4 m × 1.2 m) holds eight sheets of its paper side by side: an item that needs
# more can never be shown whole on it.
SHEETS_PER_BOARD = 8
# 40 megapixels: more than any phone camera's photo (12–50 MP cameras save 12 MP by default). Decoded, every
# pixel takes 4 bytes, so this is 160 MB; a 20,000 × 20,000 image would take 1.6 GB.
MAX_PIXELS = 40_000_000

# poster.css: 16 mm side margins, 24 mm at the top and the bottom. The smallest type it sets is table text,
# 12 pt on 1.4 lines; a table row adds 2 mm of padding, a table column 4 mm (rules not counted: a lower bound).
_SIDE_MARGINS_MM, _TOP_BOTTOM_MM = 32, 48
_PT_MM = 25.4 / 72
_ROW_MM, _COLUMN_MM = 2.0, 4.0
# The narrowest a character other than a full-width one can be (i, l, a full stop), in em: for a lower bound.
NARROWEST = 0.25
_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre", "div", "dt", "dd"})
# WeasyPrint's default style: each list (and definition) level is indented 40 px, a quotation 40 px each side.
_INDENT_MM = {"ul": 40, "ol": 40, "dir": 40, "menu": 40, "dd": 40, "blockquote": 80}
_PX_MM = 25.4 / 96
_COLUMN_GAP_MM = 12  # poster.css
_WIDE = re.compile(r"[\u2e80-\U0010ffff]")  # full-width (CJK) characters: 1 em; anything else about 0.55 em


@dataclass(frozen=True)
class Extent:
    """How much an item's body takes set in lines of a given length (in em): each block starts a new line."""

    lines: int
    rows: int  # table rows, each of which also takes its padding
    columns: int = 0  # the columns of the widest table (at its narrowest)
    table_em: float = 0.0  # the widest table at its narrowest: each column as wide as its widest character
    indent_mm: float = 0.0  # the deepest text's indentation (nested lists and quotations)
    deepest: str = ""  # the first text at that indentation

    def table_mm(self, size_pt: float) -> float:
        return self.table_em * size_pt * _PT_MM + self.columns * _COLUMN_MM

    def height_mm(self, size_pt: float, leading: float) -> float:
        return self.lines * size_pt * _PT_MM * leading + self.rows * _ROW_MM


def width_em(text: str, narrow: float = 0.55) -> float:
    """Its width in em: a full-width character 1 em, any other `narrow` (0.55 is typical of digits and Latin)."""
    wide = len(_WIDE.findall(text))
    return wide + narrow * (len(text) - wide)


def extent(body_html: str, line_em: float, narrow: float = 0.55, size_pt: float = 12) -> Extent:
    """The body's lines and table rows when each line holds `line_em` em (less its indentation) and a character
    other than a full-width one is `narrow` em wide; each table cell's lines counted as whole lines."""
    reader = _Lines(line_em, narrow, size_pt * _PT_MM)
    reader.feed(body_html)
    reader.close()
    reader.end_block()
    reader.end_table()
    return Extent(reader.lines, reader.rows, reader.columns, reader.table_em, reader.deepest_mm, reader.deepest)


def columns(board: Board) -> int:
    """How many columns the board's posters set their items in (poster.css)."""
    return 1 if (board.paper, board.orientation) == ("A4", "portrait") else 3 if board.orientation == "landscape" else 2


def column_mm(board: Board) -> float:
    return (board.size_mm[0] - _SIDE_MARGINS_MM - _COLUMN_GAP_MM * (columns(board) - 1)) / columns(board)


def sheets_needed(item: Item, board: Board) -> float:
    """The fewest sheets of the board's paper the item's body could take (a lower bound): all of it in the
    smallest type and its narrowest characters, across the sheet's whole width, no space lost at column or page
    ends."""
    return _lower_bound(item, board).height_mm(12, 1.4) / (board.size_mm[1] - _TOP_BOTTOM_MM)


def _lower_bound(item: Item, board: Board) -> Extent:
    return extent(item.body_html, (board.size_mm[0] - _SIDE_MARGINS_MM) / (12 * _PT_MM), NARROWEST)


def too_large(items: Iterable[Item], board: Board, files: Mapping[str, bytes] | None = None) -> list[Problem]:
    """Each item no board could hold, as an error naming it (at the line of `files`' item file that holds the
    offending text, when there is one) and saying what to do."""
    problems = []
    where = f"（公开栏“{board.title}”）"
    printable = board.size_mm[0] - _SIDE_MARGINS_MM
    column = column_mm(board)
    for item in items:
        least = _lower_bound(item, board)
        line = item.line
        if column - least.indent_mm < 12 * _PT_MM:  # not even one character of the smallest type fits beside it
            line = _line_naming(item, files or {}, least.deepest.strip()) if least.deepest.strip() else line
            message = (
                f"这个事项的列表（或引用）嵌套太深：“{least.deepest.strip()[:20]}”缩进约 {least.indent_mm:.0f} 毫米，"
                f"而海报的一栏只有 {column:.0f} 毫米宽，一个字也排不下{where}。"
                "请减少列表的缩进层次（每层缩进两个空格就多一层），或改为不缩进的编号段落。"
            )
        elif least.table_mm(12) > printable:
            message = (
                f"这个事项的表格有 {least.columns} 列，即使每格只排一个字，也要约 {least.table_mm(12):.0f} 毫米宽，"
                f"超出版面：{board.paper}纸除去页边只有 {printable} 毫米宽{where}。"
                "请把表格拆成几张窄表，或把原件作为附件（PDF）。"
            )
        elif (sheets := sheets_needed(item, board)) > SHEETS_PER_BOARD:
            message = (
                f"这个事项的正文太长：即使用海报最小的字号排满，也要约 {math.ceil(sheets)} 张{board.paper}纸，"
                f"而一块公开栏最多张贴 {SHEETS_PER_BOARD} 张{where}。"
                "请精简正文，把长表格拆分成几个事项，或把原文改为附件（PDF），海报上只列出附件名称。"
            )
        else:
            continue
        problems.append(Problem(item.source, line, message))
    return problems


_IMAGE = re.compile(r'<img [^>]*?src="files/([^"#?]+)')


def oversized_images(items: Iterable[Item], files: Mapping[str, bytes]) -> list[Problem]:
    """Each image in an item's body that WeasyPrint could not decode within the pixel budget, or not at all
    (it would leave the poster without it), as an error at the line of the item's file that names it; in an
    SVG, each picture it embeds (the only pictures parsing.media lets it hold: data: URIs of PNG, JPEG, GIF,
    WebP). Dimensions come from each picture's header: nothing is decoded here."""
    problems = []
    for item in items:
        for source in dict.fromkeys(unquote(s) for s in _IMAGE.findall(item.body_html)):
            if source not in files:
                continue
            if source.lower().endswith(".svg"):
                text = files[source].decode("utf-8", "replace")
                pictures = [_decoded(b64) for b64 in _EMBEDDED.findall(text)]
                verdicts = [_verdict(picture, f"SVG 图“{source}”里嵌入的图片") for picture in pictures]
            else:
                verdicts = [_verdict(files[source], f"图片“{source}”")]
            line = _line_naming(item, files, source)
            problems += [Problem(item.source, line, verdict) for verdict in verdicts if verdict][:1]
    return problems


_EMBEDDED = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)


def _decoded(b64: str) -> bytes:
    """A data: URI's picture; nothing (unreadable) when the base64 is broken, which WeasyPrint cannot read either."""
    try:
        return base64.b64decode(re.sub(r"\s", "", b64) + "==")
    except binascii.Error:
        return b""


def _verdict(data: bytes, what: str) -> str | None:
    """Why a picture cannot go on a poster (a sentence starting with `what`), or None."""
    size = dimensions(data)
    if size is None:
        return (
            f"{what}无法读取（文件已损坏，或不是 PNG、JPG、GIF、WebP 等常见格式），海报上会缺少这张图。"
            "请用看图软件打开后另存为 PNG 或 JPG，再放入。"
        )
    w, h = size
    if w * h <= MAX_PIXELS:
        return None
    return (
        f"{what}有 {w}×{h} 像素（{w * h / 10_000:.0f} 万像素），超过海报能处理的 "
        f"{MAX_PIXELS // 10_000} 万像素，排版时要占用约 {w * h * 4 / 1e9:.1f} GB 内存。"
        f"请把图片缩小到 {MAX_PIXELS // 10_000} 万像素以内（例如 8000×5000 像素）后再放入。"
    )


def dimensions(data: bytes) -> tuple[int, int] | None:
    """An image's width and height as Pillow reads them from its header, or None when no format reads it.
    Pillow's own `Image.open` refuses a huge image (decompression-bomb check) without saying its size, so the
    format plugins are asked directly, as `Image.open` does."""
    from PIL import Image

    Image.init()
    prefix = data[:16]
    for name in Image.ID:
        factory, accept = Image.OPEN[name]
        try:
            verdict = accept(prefix) if accept else True
            if not verdict or isinstance(verdict, str):  # a text: why the plugin declines
                continue
            with factory(io.BytesIO(data), "") as image:
                return image.size
        except (SyntaxError, IndexError, TypeError, ValueError, OSError, EOFError, struct.error):
            continue
    return None


def _line_naming(item: Item, files: Mapping[str, bytes], source: str) -> int:
    """The first line of the item's file that names the image (by its file name) or holds the text, else the
    item's line."""
    name = source.rsplit("/", 1)[-1]
    for relpath in (f"{item.id}.md", f"{item.id}.yaml", f"{item.id}.yml"):
        if relpath in files:
            text = files[relpath].decode("utf-8", "replace")
            for number, line in enumerate(text.splitlines(), start=1):
                if name in line:
                    return number
    return item.line


class _Lines(HTMLParser):
    """Counts the lines of text (and table rows) a body takes when each line holds `line_em` em."""

    def __init__(self, line_em: float, narrow: float, em_mm: float) -> None:
        super().__init__()
        self.line_em, self.narrow, self.em_mm = line_em, narrow, em_mm
        self.indents: list[str] = []  # the open lists and quotations, outermost first
        self.indent_mm = self.deepest_mm = 0.0
        self.deepest = ""
        self.lines = self.rows = self.columns = 0
        self.table_em = 0.0
        self.widest: list[float] = []  # the table being read: each column's widest character, in em
        self.cell = -1  # the column of the cell being read (or last read) in the row
        self.in_cell = False
        self.em = 0.0  # of the block being read
        self.pre = False

    def end_table(self) -> None:
        if sum(self.widest) >= self.table_em:
            self.table_em, self.columns = sum(self.widest), len(self.widest)
        self.widest = []

    def end_block(self) -> None:
        if self.em:
            line_em = max(self.line_em - self.indent_mm / self.em_mm, 1.0)  # overflowing lines: refused elsewhere
            self.lines += max(1, math.ceil(self.em / line_em))
        self.em = 0.0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag == "br":
            self.end_block()
        if tag == "table":
            self.end_table()
        elif tag == "tr":
            self.rows += 1
            self.cell = -1
        elif tag in ("td", "th"):
            self.cell += 1
            self.widest += [0.0] * (self.cell + 1 - len(self.widest))
            self.in_cell = True
        if tag == "pre":
            self.pre = True
        if tag in _INDENT_MM:
            self.indents.append(tag)
            self.indent_mm += _INDENT_MM[tag] * _PX_MM

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.end_block()
        if tag == "table":
            self.end_table()
        if tag in ("td", "th", "table"):
            self.in_cell = False
        if tag == "pre":
            self.pre = False
        if tag in _INDENT_MM and tag in self.indents:  # closes the innermost of its kind (and what it holds)
            while self.indents:
                self.indent_mm -= _INDENT_MM[self.indents[-1]] * _PX_MM
                if self.indents.pop() == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.pre and data.isspace():  # the line breaks between blocks of the HTML
            return
        if self.indent_mm > self.deepest_mm + 1e-9:
            self.deepest_mm, self.deepest = self.indent_mm, data
        if self.in_cell and data.strip():  # a cell is at least as wide as its widest character
            widest = 1.0 if _WIDE.search(data) else self.narrow
            self.widest[self.cell] = max(self.widest[self.cell], widest)
        if self.pre:  # each line of a code block is a line
            *whole, data = data.split("\n")
            for line in whole:
                self.em += width_em(line, self.narrow)
                self.end_block()
                self.lines += not line  # an empty line still takes its height
        self.em += width_em(data, self.narrow)
