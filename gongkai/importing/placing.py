"""Turns a Word file named on the command line into a new item file and its images under content/ (never
overwriting, all or nothing), then tells the editor what was recognised and what the parser still misses."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gongkai.importing.draft import Draft, ImportRefused, draft_from_docx, item_text
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_item
from gongkai.problems import EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from gongkai.reading import read_snapshot


def import_command(
    content: Path, config_path: Path, templates: Path, source: Path, category: str, scope: str, keep: bool, day: date | None
) -> int:
    try:
        data = source.read_bytes()
    except OSError as error:
        print(f"命令用法错误：无法读取 {source}：{error.strerror}。请检查文件名和路径。", file=sys.stderr)
        return EXIT_USAGE
    snapshot = read_snapshot(content, config_path, templates)
    config = parse_config(snapshot.config, snapshot.config_path)
    day = day or datetime.now(ZoneInfo(config.site.timezone)).date()
    try:
        draft = draft_from_docx(data, config, day, name=source.name, category=category, scope=scope, keep_original=keep)
    except ImportRefused as refusal:
        usage = str(refusal).startswith(("目录里没有", "公开范围"))
        print(f"{'命令用法错误' if usage else source}{'：' if usage else ':1: '}{refusal}", file=sys.stderr)
        return EXIT_USAGE if usage else EXIT_CONTENT
    taken = _taken(content, draft)
    if taken:
        print(f"{taken} 已经存在，不会覆盖。如果要重新导入，请先删除或改名那个文件。", file=sys.stderr)
        return EXIT_USAGE
    target = content / draft.relpath
    try:
        _place(content, draft)
    except OSError as error:
        print(f"{target}:1: 无法写入：{error.strerror}。没有留下任何新文件，请检查磁盘空间和文件夹权限。", file=sys.stderr)
        return EXIT_CONTENT
    print(f"已导入：{target}")
    for line in draft.recognised:
        print(f"  {line}")
    for note in draft.notes:
        print(f"  请注意：{note}")
    after = read_snapshot(content, config_path, templates)
    item, errors, warnings = parse_item(after, config, draft.relpath)
    if item is not None:
        until = item.valid_until.isoformat() if item.valid_until else "长期（到有新的同类事项时更新）"
        print(f"  公开期限：{item.valid_from} 至 {until}")
    for problem in [*errors, *warnings]:
        print(problem, file=sys.stderr)
    if errors:
        print(
            f"\n事项文件已生成，但还有 {len(errors)} 处需要补充或修改（见上），改好后运行 python build.py check。",
            file=sys.stderr,
        )
        return EXIT_CONTENT
    print("请打开文件核对正文，然后运行 python build.py register 登记索引号。")
    return EXIT_OK


def _taken(content: Path, draft: Draft) -> str:
    item = content / draft.relpath
    for path in (item, item.with_suffix(".yaml"), *(content / relpath for relpath, _ in draft.files)):
        if path.exists():
            return str(path)
    return ""


def _place(content: Path, draft: Draft) -> None:
    """Images first, the item last, each opened with "x" so that nothing is overwritten even in a race; if any
    write fails, what this import wrote is removed again."""
    written: list[Path] = []
    made: list[Path] = []
    try:
        for relpath, data in [*draft.files, (draft.relpath, item_text(draft).encode("utf-8"))]:
            target = content / relpath
            for folder in reversed(target.parents):
                if folder.is_relative_to(content) and not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            with target.open("xb") as file:
                written.append(target)
                file.write(data)
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            folder.rmdir()
        raise
