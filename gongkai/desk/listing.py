"""Turns a Snapshot into the desk's item list: every item with its state on a day, and every file that fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongkai.incremental import Memory
from gongkai.model import Audience, Config, Item, Status
from gongkai.parsing.items import parse_items
from gongkai.problems import Problem, Problems
from gongkai.reading import Snapshot
from gongkai.register import number_items, parse_register
from gongkai.visibility import exposure
from gongkai.windows import settle_windows

STATES = ("草稿", "待审核", "待公开", "公开中", "已到期", "已撤销")


def state(item: Item, day: date) -> str:
    """The item's state in a clerk's words, from the one visibility rule: members see every item that is shown
    at all, so the internal audience's exposure tells whether it has started or ended."""
    if item.status is Status.DRAFT:
        return "草稿"
    if item.status is Status.WITHDRAWN:
        return "已撤销"
    if item.review.holds:  # review required, and none recorded for the item as it now reads: shown nowhere yet
        return "待审核"
    seen = exposure(item, Audience.INTERNAL, day)
    if seen is None:
        return "待公开"
    return "已到期" if seen.archived else "公开中"


@dataclass(frozen=True)
class Row:
    item: Item
    state: str
    relpath: str  # path inside content/


@dataclass(frozen=True)
class Listing:
    rows: tuple[Row, ...]
    broken: tuple[tuple[str, tuple[Problem, ...]], ...]  # (path inside content/, its errors) for files that fail


def listing(snapshot: Snapshot, config: Config, day: date, memory: Memory | None = None) -> Listing:
    parsed = parse_items(snapshot, config, memory)
    try:
        entries = parse_register(snapshot.register, snapshot.register_path)
    except Problems:  # a broken register is `check`'s to report; the list shows no numbers
        entries = ()
    items, _ = number_items(settle_windows(parsed.items), entries, snapshot.register_path)
    root = f"{snapshot.content_root}/"
    rows = [Row(item, state(item, day), item.source.removeprefix(root)) for item in items]
    rows.sort(key=lambda r: (r.item.valid_from, r.relpath), reverse=True)
    by_file: dict[str, list[Problem]] = {}
    for problem in parsed.errors:
        by_file.setdefault(problem.path.removeprefix(root), []).append(problem)
    good = {row.relpath for row in rows}
    broken = tuple((path, tuple(problems)) for path, problems in sorted(by_file.items()) if path not in good)
    return Listing(tuple(rows), broken)
