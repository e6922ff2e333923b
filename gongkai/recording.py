"""Turns a reviewer's approval (`review`) or a decision to remove an item (`retire`) into surgical edits of the
item's file and the archive register: other lines, key order and comments stay as the editor wrote them."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from gongkai.model import Config, Item, ReviewState
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import is_item_file, parse_item
from gongkai.pipeline import Paths, parse
from gongkai.problems import EXIT_OK, EXIT_USAGE, Problem, Problems
from gongkai.reading import Snapshot, read_snapshot
from gongkai.register import dump_register, parse_register, retire
from gongkai.replacing import replace_whole

REVIEW_KEYS = ("reviewed_by", "reviewed_on", "reviewed_hash")


class Refused(Exception):
    """A command that cannot be carried out as asked; the message says why and what to do, in Chinese."""


def set_keys(text: str, values: dict[str, str], remove: tuple[str, ...] = ()) -> str:
    """`text` (an item file) with top-level front-matter keys set to `values` (replaced where they are, else
    added at the end of the front matter) and the keys in `remove` deleted; every other line kept as it was."""
    newline = "\r\n" if "\r\n" in text else "\n"
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text.removeprefix(bom).split(newline)
    if lines and lines[0].rstrip() == "---":  # .md: the front matter lies between the two --- lines
        start = 1
        end = next((n for n in range(1, len(lines)) if lines[n].rstrip() in ("---", "...")), None)
        if end is None:
            raise Refused("文件的设置部分没有结束的 --- 行。请先改正（python build.py check 会指出位置）。")
    else:  # .yaml: everything is front matter; new keys go before the body, which is long and last
        start = 0
        end = next((n for n in range(len(lines)) if lines[n].startswith("body:")), len(lines))
        while end > start and not lines[end - 1].strip():
            end -= 1
    kept, pending = lines[:start], dict(values)
    n = start
    while n < end:
        key = lines[n].split(":", 1)[0] if not lines[n][:1].isspace() and ":" in lines[n] else None
        span = n + 1
        while span < end and lines[span][:1].isspace() and lines[span].strip():  # the key's continuation lines
            span += 1
        if key in pending:
            kept.append(f"{key}: {_scalar(pending.pop(key))}")
        elif key not in remove:
            kept.extend(lines[n:span])
        n = span
    kept += [f"{key}: {_scalar(value)}" for key, value in pending.items()]
    return bom + newline.join(kept + lines[end:])


def _scalar(value: str) -> str:
    """YAML for a value: plain where it reads back as itself (names, dates), quoted otherwise."""
    try:
        loaded = yaml.safe_load(f"k: {value}")
    except yaml.YAMLError:
        loaded = None
    plain = isinstance(loaded, dict) and str(loaded.get("k")) == value and "#" not in value
    return value if plain else json.dumps(value, ensure_ascii=False)


def review_command(paths: Paths, target: Path, by: str, day: date | None) -> int:
    """`python build.py review PATH --by NAME`: records the review in the item and in the register."""
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config = parse_config(snapshot.config, snapshot.config_path)
    day = day or _today(config)
    try:
        relpath = _relpath(paths.content, target, snapshot, must_exist=True)
        if by not in config.review.reviewers:
            known = "、".join(config.review.reviewers) or "（还没有配置审核人）"
            raise Refused(f"“{by}”不在 {snapshot.config_path} 的 review.reviewers 中。可选：{known}")
    except Refused as refusal:
        print(f"命令用法错误：{refusal}", file=sys.stderr)
        return EXIT_USAGE
    edited, register, number = reviewed(snapshot, config, relpath, by, day)
    _replace_file(paths.content / relpath, edited)
    print(f"已记录审核：{snapshot.display(relpath)}（审核人 {by}，审核日期 {day}）")
    if register is not None:
        _replace_file(Path(snapshot.register_path), register)
        print(f"已在 {snapshot.register_path} 中记下审核人和审核日期（{number}）。")
    print("请把改动一起提交。")
    return EXIT_OK


def reviewed(snapshot: Snapshot, config: Config, relpath: str, by: str, day: date) -> tuple[bytes, bytes | None, str]:
    """A review by `by` on `day` of the item at `relpath` (inside content/), as files: the item's new bytes, the
    register's new bytes (None when the item has no 索引号 yet) and its 索引号. Raises Problems for an item that
    does not parse (nothing can be approved that would not be shown)."""
    original = _text(snapshot, relpath)
    stripped = set_keys(original, {}, remove=REVIEW_KEYS)
    item = _parsed(snapshot, config, relpath, stripped)  # what the reviewer approves: the file without a review
    values = {"reviewed_by": by, "reviewed_on": day.isoformat(), "reviewed_hash": item.review_hash}
    edited = set_keys(original, values)
    approved = _parsed(snapshot, config, relpath, edited)
    assert approved.review is ReviewState.PASSED, approved.review  # the hash written is the hash of what is shown
    entries = parse_register(snapshot.register, snapshot.register_path)
    entry = next((e for e in entries if e.id == approved.id), None)
    if entry is None:
        return edited.encode("utf-8"), None, ""
    updated = tuple(replace(e, reviewed_by=by, reviewed_on=day.isoformat()) if e is entry else e for e in entries)
    return edited.encode("utf-8"), dump_register(updated), entry.number


def retire_command(paths: Paths, target: Path, reason: str, day: date | None) -> int:
    """`python build.py retire PATH --reason …`: the register keeps the item's number, title, window and the
    reason (归档登记 lists it as 已移除); then the file is deleted."""
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config, items, _ = parse(snapshot)
    day = day or _today(config)
    entries = parse_register(snapshot.register, snapshot.register_path)
    try:
        relpath = _relpath(paths.content, target, snapshot, must_exist=False)
        item_id = relpath.rsplit(".", 1)[0] if relpath in snapshot.content else relpath
        entry = next((e for e in entries if e.id == item_id), None)
        if not reason.strip():
            raise Refused("请用 --reason 写明移除的原因，它会留在归档登记中。")
        if entry is None:
            raise Refused(f"{snapshot.display(item_id)} 没有索引号，从未登记：直接删除文件即可。")
        if entry.retired_on:
            raise Refused(f"{snapshot.display(item_id)}（{entry.number}）已于 {entry.retired_on} 移除。")
    except Refused as refusal:
        print(f"命令用法错误：{refusal}", file=sys.stderr)
        return EXIT_USAGE
    item: Item | None = next((i for i in items if i.id == item_id), None)
    updated = tuple(retire(e, item, day, reason.strip()) if e is entry else e for e in entries)
    _replace_file(Path(snapshot.register_path), dump_register(updated))
    if item is not None:
        (paths.content / relpath).unlink()
    print(
        f"已移除 {snapshot.display(item_id)}：索引号 {entry.number} 保留在 {snapshot.register_path}，归档登记中显示为“已移除”。"
    )
    print(f"请把 {snapshot.register_path} 和删除的文件一起提交。")
    return EXIT_OK


def _relpath(content: Path, target: Path, snapshot: Snapshot, must_exist: bool) -> str:
    """The item's path inside content/: with its extension when the file is there, else without (an id)."""
    try:
        relpath = target.resolve().relative_to(content.resolve()).as_posix()
    except ValueError:
        raise Refused(
            f"{target} 不在事项文件夹 {snapshot.content_root}/ 里。请写事项文件的路径，如 {snapshot.content_root}/adhoc/通知.md。"
        ) from None
    if relpath in snapshot.content:
        if not is_item_file(relpath):
            raise Refused(f"{target} 不是事项文件（.md 或 .yaml）。")
        return relpath
    if not must_exist:
        return relpath.removesuffix(".md").removesuffix(".yaml")
    raise Refused(f"找不到事项文件 {target}。")


def _text(snapshot: Snapshot, relpath: str) -> str:
    try:
        return snapshot.content[relpath].decode("utf-8")
    except UnicodeDecodeError:
        raise Problems([Problem(snapshot.display(relpath), 1, "文件不是 UTF-8 编码，请用 UTF-8 另存后再审核。")]) from None


def _parsed(snapshot: Snapshot, config: Config, relpath: str, text: str) -> Item:
    """The item as `text` would parse, or its problems (raised: nothing is written)."""
    edited = replace(snapshot, content={**snapshot.content, relpath: text.encode("utf-8")})
    item, errors, _ = parse_item(edited, config, relpath)
    if errors or item is None:
        raise Problems(errors)
    return item


def _replace_file(target: Path, data: bytes) -> None:
    """Never half a file: written beside it, then renamed over it."""
    replace_whole(target, data)


def _today(config: Config) -> date:
    return datetime.now(ZoneInfo(config.site.timezone)).date()
