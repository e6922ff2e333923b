"""Turns the editor's questions into answers: a new item file from the catalogue (`new`), what each output shows
on a day (`list`), and when it next changes (`next-change`)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from gongkai.model import Audience, Config, Item, Status
from gongkai.parsing.config import parse_config
from gongkai.parsing.placeholders import NEW_BODY
from gongkai.pipeline import Paths, parse
from gongkai.problems import EXIT_OK, EXIT_USAGE
from gongkai.reading import read_snapshot
from gongkai.visibility import exposure, item_change


def new_item(config: Config, category: str, title: str, scope: str | None, day: date, existing: set[str]) -> tuple[str, str]:
    """(path inside content/, text) of a new item: today, the category's default window, scope and department.
    Raises ValueError (with a message for the editor) for an unknown category or a taken name."""
    entry = next((e for e in config.catalog if category in (e.key, e.name)), None)
    if entry is None:
        keys = "、".join(e.key for e in config.catalog)
        raise ValueError(f"目录里没有“{category}”这个类别。可用：{keys}")
    scope = scope or (entry.scope.value if entry.scope else "public")  # the catalogue's 范围 unless told otherwise
    front: dict[str, Any] = {"title": title, "category": entry.key, "scope": scope, "valid_from": day.isoformat()}
    if entry.default_days:
        front["valid_until"] = (day + timedelta(days=entry.default_days - 1)).isoformat()
    if entry.department:
        front["department"] = entry.department
    slug = re.sub(r"[^\w-]+", "-", title).strip("-")[:40] or "item"
    relpath = f"{day.year}/{entry.key}/{day.isoformat()}-{slug}.md"
    if relpath in existing or relpath.rsplit(".", 1)[0] + ".yaml" in existing:
        raise ValueError(f"content/{relpath} 已经存在，不会覆盖。请换一个标题，或直接编辑那个文件。")
    # Dates unquoted, as every example in the editors' guide writes them (YAML would quote a date-like string).
    text = re.sub(
        r"^(\w+): '(\d{4}-\d{2}-\d{2})'$", r"\1: \2", yaml.safe_dump(front, allow_unicode=True, sort_keys=False), flags=re.M
    )
    body = f"{NEW_BODY}\n"
    return relpath, f"---\n{text}---\n{body}"


@dataclass(frozen=True)
class Row:
    item: Item
    audience: Audience
    state: str  # 正在公开 | 撤销公告 | 尚未开始 | 尚未开始（撤销公告） | 待审核 | 已到期


def listing(items: tuple[Item, ...], audiences: list[Audience], day: date, which: str) -> list[Row]:
    """which: current (default) | upcoming | expired | all."""
    rows = []
    for audience in audiences:
        for item in items:
            if item.status is Status.DRAFT:
                continue
            seen = exposure(item, audience, day)
            if seen is None:
                later = item.valid_from > day or (audience is Audience.PUBLIC and (item.public_from or item.valid_from) > day)
                reaches = audience is Audience.INTERNAL or item.scope is Audience.PUBLIC
                ended = item.valid_until is not None and day > item.valid_until
                if reaches and item.review.holds and not (ended and audience is Audience.PUBLIC):
                    state = "待审核"  # shown nowhere until reviewed, whether or not its window has begun
                elif reaches and later:
                    # A withdrawn item begins as a withdrawal notice, not as its text: say so before it appears.
                    state = "尚未开始（撤销公告）" if item.status is Status.WITHDRAWN else "尚未开始"
                else:
                    state = ""
            elif seen.archived:
                state = "已到期"
            else:
                state = "正在公开" if seen.full else "撤销公告"
            wanted = {"current": ("正在公开", "撤销公告"), "upcoming": ("尚未开始", "尚未开始（撤销公告）", "待审核")}
            wanted["expired"] = ("已到期",)
            if state and (which == "all" or state in wanted[which]):
                rows.append(Row(item, audience, state))
    return sorted(rows, key=lambda r: (r.audience.value, r.item.valid_from, r.item.id))


def _record(row: Row) -> dict[str, Any]:
    item = row.item
    return {
        "audience": row.audience.value, "state": row.state, "id": item.id, "title": item.title, "category": item.category,
        "valid_from": item.valid_from.isoformat(), "valid_until": item.valid_until.isoformat() if item.valid_until else None,
        "public_from": item.public_from.isoformat() if item.public_from else None, "source": item.source,
    }  # fmt: skip


def format_rows(rows: list[Row], form: str) -> str:
    if form == "json":
        return json.dumps([_record(r) for r in rows], ensure_ascii=False, indent=2)
    if form == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(_record(rows[0]) if rows else ["audience"]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(_record(r) for r in rows)
        return out.getvalue().rstrip("\n")
    table = [("输出", "状态", "开始", "结束", "标题（文件）")]
    for r in rows:
        until = r.item.valid_until.isoformat() if r.item.valid_until else "长期"
        label = "党内" if r.audience is Audience.INTERNAL else "公开"
        table.append((label, r.state, r.item.valid_from.isoformat(), until, f"{r.item.title}（{r.item.source}）"))
    widths = [max(_width(row[column]) for row in table) + 2 for column in range(4)]
    lines = ["".join(_pad(cell, width) for cell, width in zip(row, widths, strict=False)) + row[4] for row in table]
    lines.append(f"共 {len(rows)} 项")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a terminal gives `text`: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@dataclass(frozen=True)
class Change:
    item: Item
    audience: Audience
    what: str  # 开始公开 | 向社会公开 | 公开期满 | 被新一期替换


def next_change(items: tuple[Item, ...], day: date) -> tuple[date | None, list[Change]]:
    """The first day after `day` on which any output changes, and what changes then."""
    changes = [(when, item, audience) for item in items for audience in Audience if (when := item_change(item, audience, day))]
    best = min((when for when, _, _ in changes), default=None)
    return best, [Change(item, audience, _what(item, audience, when)) for when, item, audience in changes if when == best]


def _what(item: Item, audience: Audience, boundary: date) -> str:
    if item.valid_until is not None and boundary == item.valid_until + timedelta(days=1):
        return "公开期满"
    if audience is Audience.PUBLIC and item.public_from == boundary and item.public_from != item.valid_from:
        return "向社会公开"
    return "开始公开"


def editing_command(paths: Paths, args: argparse.Namespace) -> int:
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    if args.command == "new":
        config = parse_config(snapshot.config, snapshot.config_path)
        day = args.date or datetime.now(ZoneInfo(config.site.timezone)).date()
        try:
            relpath, text = new_item(config, args.category, args.title, args.scope, day, set(snapshot.content))
        except ValueError as refusal:
            print(f"无法新建：{refusal}", file=sys.stderr)
            return EXIT_USAGE
        target = paths.content / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
            file.write(text)
        print(target)
        return EXIT_OK
    config, items, _ = parse(snapshot)
    day = args.date or datetime.now(ZoneInfo(config.site.timezone)).date()
    if args.command == "list":
        audiences = [Audience(args.audience)] if args.audience else list(Audience)
        print(format_rows(listing(items, audiences, day, args.which or "current"), args.format))
        return EXIT_OK
    when, changes = next_change(items, day)
    if args.format == "json":
        records = [{"id": c.item.id, "title": c.item.title, "audience": c.audience.value, "change": c.what} for c in changes]
        print(
            json.dumps(
                {"date": day.isoformat(), "next_change": when.isoformat() if when else None, "changes": records},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif when is None:
        print(f"{day} 之后，各输出不会再因日期而变化。")
    else:
        print(f"下一次变化：{when}（{(when - day).days} 天后）")
        for c in changes:
            print(f"  {c.what}：{c.item.title}（{'党内' if c.audience is Audience.INTERNAL else '公开'}，{c.item.source}）")
    return EXIT_OK
