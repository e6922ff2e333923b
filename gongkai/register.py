"""Turns the archive register file (归档登记, register.yaml) and the items into stable 索引号 for every item.

Numbers are kept in a committed file rather than derived, because a derived serial (the nth item of a
category and year) would change whenever an older item is added or removed; here a number, once given,
is never changed or reused. `python build.py register` gives numbers to new items and follows renamed
files; `check` fails while any item has none."""

from __future__ import annotations

from dataclasses import dataclass, replace

import yaml

from gongkai.model import Config, Item, Status
from gongkai.parsing.fields import Fields, load_mapping
from gongkai.parsing.text import decode
from gongkai.problems import Problem, Problems

HEADER = """\
# 归档登记（索引号分配表）。由 python build.py register 生成和更新，请与内容一起提交。
# 不要手工修改编号：编号一经分配，永不改变、永不重复使用（文件删除后编号仍保留在这里）。
"""
ENTRY_KEYS = ("id", "number", "series", "serial", "title", "category", "valid_from")


@dataclass(frozen=True)
class Entry:
    id: str  # the item's path inside content/ without extension
    number: str  # the 索引号
    series: str  # category-year: serials count within it
    serial: int
    title: str
    category: str
    valid_from: str

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        """What identifies an item across a rename of its file."""
        return (self.category, self.valid_from, self.title)


def parse_register(data: bytes | None, path: str) -> tuple[Entry, ...]:
    if not data:
        return ()
    problems: list[Problem] = []
    text = decode(data, path, problems)
    fields = load_mapping(text, path, 0, problems) if text else None
    entries = []
    if fields is not None:
        fields.check_keys(("numbers",))
        for entry in fields.fields_list("numbers"):
            entries.append(_entry(entry))
    if problems:
        raise Problems(problems)
    return tuple(entries)


def _entry(fields: Fields) -> Entry:
    fields.check_keys(ENTRY_KEYS)
    return Entry(
        id=fields.text("id", required=True),
        number=fields.text("number", required=True),
        series=fields.text("series", required=True),
        serial=fields.integer("serial", minimum=1, required=True) or 0,
        title=fields.text("title"),
        category=fields.text("category"),
        valid_from=fields.text("valid_from"),
    )


def registered(item: Item) -> bool:
    """Drafts get a number only when they are published."""
    return item.status is not Status.DRAFT


def update_register(entries: tuple[Entry, ...], items: tuple[Item, ...], config: Config) -> tuple[tuple[Entry, ...], list[str]]:
    """New numbers for unregistered items, renamed files followed. Returns (entries, what changed, in words)."""
    by_id = {e.id: e for e in entries}
    present = {i.id for i in items}
    orphans = [e for e in entries if e.id not in present]
    serials: dict[str, int] = {}
    for entry in entries:
        serials[entry.series] = max(serials.get(entry.series, 0), entry.serial)
    changes = []
    result = dict(by_id)
    for item in sorted((i for i in items if registered(i) and i.id not in by_id), key=lambda i: (i.valid_from, i.id)):
        fingerprint = (item.category, item.valid_from.isoformat(), item.title)
        moved = next((o for o in orphans if o.fingerprint == fingerprint), None)
        if moved is not None:
            orphans.remove(moved)
            del result[moved.id]
            result[item.id] = replace(moved, id=item.id)
            changes.append(f"{moved.number}：{moved.id} → {item.id}（文件改名，编号不变）")
            continue
        series = f"{item.category}-{item.valid_from.year}"
        serials[series] = serials.get(series, 0) + 1
        number = config.site.index_pattern.format(
            org_code=config.site.org_code, category=item.category, year=item.valid_from.year, serial=serials[series]
        )
        result[item.id] = Entry(item.id, number, series, serials[series], item.title, item.category, item.valid_from.isoformat())
        changes.append(f"{number}：{item.id}（新登记）")
    return tuple(sorted(result.values(), key=lambda e: (e.series, e.serial))), changes


def dump_register(entries: tuple[Entry, ...]) -> bytes:
    numbers = [{key: getattr(e, key) for key in ENTRY_KEYS} for e in entries]
    return (HEADER + yaml.safe_dump({"numbers": numbers}, allow_unicode=True, sort_keys=False, width=1000)).encode("utf-8")


def number_items(
    items: tuple[Item, ...], entries: tuple[Entry, ...], register_path: str
) -> tuple[tuple[Item, ...], list[Problem]]:
    """Items with their 索引号, and a problem for each item the register does not know yet."""
    numbers = {e.id: e.number for e in entries}
    stale = [
        Problem(i.source, i.line, f"这个事项还没有索引号。请运行 python build.py register，并把 {register_path} 一起提交。")
        for i in items
        if registered(i) and i.id not in numbers
    ]
    return tuple(replace(i, index_number=numbers.get(i.id, "")) for i in items), stale
