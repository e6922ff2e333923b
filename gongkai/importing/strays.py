"""Turns Word files lying in content/ that no item attaches or links to into build warnings: they are not
published, and an editor who dropped one there expected it to be."""

from __future__ import annotations

from collections.abc import Sequence

from gongkai.model import Item
from gongkai.problems import Problem
from gongkai.reading import Snapshot

WORD_SUFFIXES = (".docx", ".doc", ".wps")


def unused_word_files(snapshot: Snapshot, items: Sequence[Item]) -> list[Problem]:
    used = {attachment.source for item in items for attachment in item.attachments}
    warnings = []
    for relpath in sorted(snapshot.content):
        if not relpath.lower().endswith(WORD_SUFFIXES) or relpath in used:
            continue
        if any(part.startswith("_") for part in relpath.split("/")):
            continue  # _folders hold what editors keep aside on purpose, as for items
        path = snapshot.display(relpath)
        if relpath.lower().endswith(".docx"):
            todo = f"请运行 python build.py import {path} 转换为事项"
        else:
            todo = "请在 Word 或 WPS 中另存为 .docx 后运行 python build.py import 转换为事项"
        warnings.append(Problem(path, 1, f"这是 Word 文件，不会被发布。{todo}，或作为附件引用。"))
    return warnings
