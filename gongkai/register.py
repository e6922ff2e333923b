"""Turns the archive register file (归档登记, register.yaml) and the items into stable 索引号 for every item.

Numbers are kept in a committed file rather than derived, because a derived serial (the nth item of a
category and year) would change whenever an older item is added or removed; here a number, once given,
is never changed or reused. `python build.py register` gives numbers to new items and follows renamed
files; `check` fails while any item has none."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import yaml

from gongkai.model import Config, Item, ReviewState, Status
from gongkai.parsing.fields import Fields, load_mapping
from gongkai.parsing.text import MAX_REGISTER_BYTES, decode
from gongkai.problems import Problem, Problems

HEADER = """\
# 归档登记（索引号分配表）。由 python build.py register 生成和更新，请与内容一起提交。
# 不要手工修改编号：编号一经分配，永不改变、永不重复使用（文件删除后编号仍保留在这里）。
"""
ENTRY_KEYS = ("id", "number", "series", "serial", "title", "category", "valid_from")
# Written only when set: what the register keeps of a reviewed item, and of an item retired on purpose.
RECORD_KEYS = ("valid_until", "reviewed_by", "reviewed_on", "retired_on", "retired_reason")


@dataclass(frozen=True)
class Entry:
    id: str  # the item's path inside content/ without extension
    number: str  # the 索引号
    series: str  # category-year: serials count within it
    serial: int
    title: str
    category: str
    valid_from: str
    valid_until: str = ""
    reviewed_by: str = ""
    reviewed_on: str = ""
    retired_on: str = ""  # set by `retire`: the file is gone on purpose, the entry stays (已移除)
    retired_reason: str = ""
    line: int = 0  # where the entry starts in register.yaml, for messages

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        """What identifies an item across a rename of its file."""
        return (self.category, self.valid_from, self.title)


def parse_register(data: bytes | None, path: str) -> tuple[Entry, ...]:
    if not data:
        return ()
    problems: list[Problem] = []
    text = decode(data, path, problems, MAX_REGISTER_BYTES)
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
    fields.check_keys((*ENTRY_KEYS, *RECORD_KEYS))
    return Entry(
        id=fields.text("id", required=True),
        number=fields.text("number", required=True),
        series=fields.text("series", required=True),
        serial=fields.integer("serial", minimum=1, required=True) or 0,
        title=fields.text("title"),
        category=fields.text("category"),
        valid_from=fields.text("valid_from"),
        **{key: fields.text(key) for key in RECORD_KEYS},
        line=fields.line,
    )


def registered(item: Item) -> bool:
    """Drafts get a number only when they are published."""
    return item.status is not Status.DRAFT


def update_register(entries: tuple[Entry, ...], items: tuple[Item, ...], config: Config) -> tuple[tuple[Entry, ...], list[str]]:
    """New numbers for unregistered items, renamed files followed. Returns (entries, what changed, in words)."""
    by_id = {e.id: e for e in entries}
    present = {i.id for i in items}
    orphans = [e for e in entries if e.id not in present and not e.retired_on]  # a retired number follows nothing
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
    for item in items:
        entry = result.get(item.id)
        if entry is not None and not entry.retired_on and (review := reviewed(item)) and review != entry_review(entry):
            result[item.id] = replace(entry, reviewed_by=review[0], reviewed_on=review[1])
            changes.append(f"{entry.number}：{item.id}（审核：{review[0]}，{review[1]}）")
    return tuple(sorted(result.values(), key=lambda e: (e.series, e.serial))), changes


def reviewed(item: Item) -> tuple[str, str] | None:
    """The reviewer and date the register keeps for an item whose review holds."""
    if item.review is ReviewState.PASSED and item.reviewed_on is not None:
        return item.reviewed_by, item.reviewed_on.isoformat()
    return None


def entry_review(entry: Entry) -> tuple[str, str] | None:
    return (entry.reviewed_by, entry.reviewed_on) if entry.reviewed_by else None


def dump_register(entries: tuple[Entry, ...]) -> bytes:
    numbers = [
        {key: getattr(e, key) for key in ENTRY_KEYS} | {key: value for key in RECORD_KEYS if (value := getattr(e, key))}
        for e in entries
    ]
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


def vanished(
    entries: tuple[Entry, ...], items: tuple[Item, ...], day: date, register_path: str, content_root: str
) -> list[Problem]:
    """Nothing published vanishes: an entry whose item has been shown (its day has come) but whose file is gone
    is an error, unless the file was renamed (an unregistered item with its category, start and title) or
    retired on purpose. A retired entry's path may not be used again: the number would follow the new file."""
    present = {i.id for i in items}
    numbered = {e.id for e in entries}
    renamed = {(i.category, i.valid_from.isoformat(), i.title) for i in items if registered(i) and i.id not in numbered}
    problems = []
    for e in entries:
        where = f"{content_root}/{e.id}"
        if e.retired_on and e.id in present:
            message = (
                f"{where} 的索引号 {e.number} 已于 {e.retired_on} 移除（retire），但又出现了同名文件。"
                "移除的编号不再使用：请给新文件换一个名字，再运行 python build.py register。"
            )
            problems.append(Problem(register_path, e.line, message))
        elif not e.retired_on and e.id not in present and e.valid_from <= day.isoformat() and e.fingerprint not in renamed:
            message = (
                f"已公开的事项“{e.title}”（索引号 {e.number}，{e.valid_from} 起公开）的文件 {where} 不见了。"
                "公开过的事项不能删除：请恢复文件，要撤下就改为 status: withdrawn 并写明 withdrawn_on 和 withdrawn_reason；"
                f"确需从归档中移除，请运行 python build.py retire {where} --reason 原因。"
            )
            problems.append(Problem(register_path, e.line, message))
    return problems


def retire(entry: Entry, item: Item | None, day: date, reason: str) -> Entry:
    """The register entry of an item removed on purpose: its number, title, window, review and the reason."""
    if item is None:
        return replace(entry, retired_on=day.isoformat(), retired_reason=reason)
    review = reviewed(item) or entry_review(entry) or ("", "")
    return replace(
        entry,
        title=item.title,
        valid_from=item.valid_from.isoformat(),
        valid_until=item.valid_until.isoformat() if item.valid_until else "",
        reviewed_by=review[0],
        reviewed_on=review[1],
        retired_on=day.isoformat(),
        retired_reason=reason,
    )
