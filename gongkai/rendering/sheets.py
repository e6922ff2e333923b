"""Turns a board's catalogue sections into the flow of its poster: runs of blocks set in columns, and items
whose tables need the sheet's whole width set across it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from gongkai.model import Board, Item
from gongkai.rendering.site import Section
from gongkai.visibility import Shown

# The sheet as poster.css lays it out: 16 mm side margins, 12 mm between columns, table text at 12 pt with
# 2 mm padding either side of a cell. Two columns, three on landscape sheets, one on portrait A4.
_SIDE_MARGINS_MM, _COLUMN_GAP_MM, _TABLE_EM_MM, _CELL_PADDING_MM = 32, 12, 12 * 25.4 / 72, 4


@dataclass(frozen=True)
class Block:
    """One item, with the headings printed above it: its group's and its category's when it is the first."""

    shown: Shown
    group: str = ""
    category: str = ""


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
                block = Block(s, section.group if n == 0 and k == 0 else "", entry.name if k == 0 else "")
                wide = s.full and wider_than_a_column(s.item, board)
                if out and out[-1].wide == wide:
                    out[-1] = Run(wide, (*out[-1].blocks, block))
                else:
                    out.append(Run(wide, (block,)))
    return tuple(out)


def wider_than_a_column(item: Item, board: Board) -> bool:
    """Whether one of the item's tables needs more than a column's width to set its cells on one line each:
    such an item spans the sheet instead of squeezing its cells to two or three characters a line."""
    columns = 1 if (board.paper, board.orientation) == ("A4", "portrait") else 3 if board.orientation == "landscape" else 2
    if columns == 1 or "<table" not in item.body_html:
        return False
    column_mm = (board.size_mm[0] - _SIDE_MARGINS_MM - _COLUMN_GAP_MM * (columns - 1)) / columns
    reader = _TableWidths()
    reader.feed(item.body_html)
    return any(sum(w * _TABLE_EM_MM + _CELL_PADDING_MM for w in table) > column_mm for table in reader.tables)


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
