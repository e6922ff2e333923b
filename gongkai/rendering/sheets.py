"""Turns a board's catalogue sections into the flow of its poster: runs of blocks set in columns, and items
whose tables need the sheet's whole width set across it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from gongkai.model import Board, Item
from gongkai.rendering.capacity import column_mm, columns, extent
from gongkai.rendering.site import Section
from gongkai.visibility import Shown

# The sheet as poster.css lays it out: 16 mm side margins, 12 mm between columns, table text at 12 pt with
# 2 mm padding either side of a cell. Two columns, three on landscape sheets, one on portrait A4.
# (capacity.columns and capacity.column_mm give the columns' number and width.)
_TABLE_EM_MM, _CELL_PADDING_MM = 12 * 25.4 / 72, 4
# Body text: 14 pt on 1.6 lines (12 pt on A4); 24 mm margins at the top and the bottom of a sheet.
_TOP_BOTTOM_MM, _LEADING = 48, 1.6
# An item estimated taller than this share of a column may break between columns (see `taller_than_a_column`).
_LONG = 0.75


@dataclass(frozen=True)
class Block:
    """One item, with the headings printed above it: its group's and its category's when it is the first."""

    shown: Shown
    group: str = ""
    category: str = ""
    long: bool = False  # taller than a column: it may break between columns (poster.css .long)


@dataclass(frozen=True)
class Run:
    wide: bool  # True: set across the sheet; False: in columns
    blocks: tuple[Block, ...]


def runs(sections: Iterable[Section], board: Board) -> tuple[Run, ...]:
    """The blocks in catalogue order, cut into runs. A run across the sheet is its own block container rather
    than a `column-span: all` element: WeasyPrint loses a spanning element taller than a page."""
    out: list[Run] = []
    for section in sections:
        for n, (entry, shown) in enumerate(section.categories):
            for k, s in enumerate(shown):
                wide = s.full and wider_than_a_column(s.item, board)
                long = s.full and not wide and taller_than_a_column(s.item, board)
                block = Block(s, section.group if n == 0 and k == 0 else "", entry.name if k == 0 else "", long)
                if out and out[-1].wide == wide:
                    out[-1] = Run(wide, (*out[-1].blocks, block))
                else:
                    out.append(Run(wide, (block,)))
    return tuple(out)


def taller_than_a_column(item: Item, board: Board) -> bool:
    """Whether the item's body alone would fill most of a column. Such an item may break between columns: kept
    whole (break-inside: avoid-column), WeasyPrint lays the sheet out again for every pixel it tries while
    balancing the columns (seconds per sheet) and then breaks the item anyway, a sheet later."""
    size_pt = 12 if board.paper == "A4" else 14
    lines = extent(item.body_html, column_mm(board) / (size_pt * 25.4 / 72), size_pt=size_pt)
    return lines.height_mm(size_pt, _LEADING) > _LONG * (board.size_mm[1] - _TOP_BOTTOM_MM)


# Runs of characters with no break opportunity between them (Latin letters, digits, URLs; a character entity
# counts as one): full-width characters and white space break anywhere. Every 16 of them gets a zero-width
# space: Pango then finds where a line of such a run ends within a line's length of text, where otherwise it
# lays out the whole rest of the run for each line (3,000 characters cost seconds, 30,000 a minute).
_UNIT = r"(?:&#?\w+;|[^\s<>&\u2e80-\U0010ffff])"
# Never before a combining mark or a joiner: it belongs to the character before it (é written as e + ◌́).
JOINED = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u064b-\u065f\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f"
_RUN = re.compile(rf"((?:{_UNIT}){{16}})(?={_UNIT})(?![{JOINED}])")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)|([^<]+)")


def breakable(html: str) -> str:
    """The poster's HTML with a break opportunity every 16 characters of a long unbroken run in the text of its
    body (not in tags, nor in the <head>'s style). Made only for WeasyPrint, after the leak scan has read the
    HTML as it is: a zero-width space inside a passage would hide it from the scan."""
    body = html.find("<body")
    if body < 0:
        return html
    start = html.find(">", body) + 1  # the text after the <body> tag, not its attributes

    def text(match: re.Match[str]) -> str:
        return match[1] or _RUN.sub("\\1\u200b", match[2])

    return html[:start] + _TAG_OR_TEXT.sub(text, html[start:])


def wider_than_a_column(item: Item, board: Board) -> bool:
    """Whether one of the item's tables needs more than a column's width to set its cells on one line each:
    such an item spans the sheet instead of squeezing its cells to two or three characters a line."""
    if columns(board) == 1 or "<table" not in item.body_html:
        return False
    column = column_mm(board)
    reader = _TableWidths()
    reader.feed(item.body_html)
    return any(sum(w * _TABLE_EM_MM + _CELL_PADDING_MM for w in table) > column for table in reader.tables)


class _TableWidths(HTMLParser):
    """Each table's widest cell per column, in em: a CJK (full-width) character is 1 em, anything else ~0.55 em."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[float]] = []
        self.column = -1
        self.cell: float | None = None  # width of the cell being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.column = -1
        elif tag in ("td", "th") and self.tables:
            self.column += 1
            self.cell = 0.0
            if self.column >= len(self.tables[-1]):
                self.tables[-1].append(0.0)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.tables:
            widths = self.tables[-1]
            widths[self.column] = max(widths[self.column], self.cell)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in data.strip())
