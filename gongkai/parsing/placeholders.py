"""Turns the placeholder text that `new` and the sample template leave in an item into problems: an item that
still says （在这里写正文…） or has the title （标题） must not be published without a word."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gongkai.model import Item
from gongkai.problems import Problem
from gongkai.reading import Snapshot

# What `python build.py new` writes as the text of a new item (gongkai/editing.py uses this very string).
NEW_BODY = "（在这里写正文。可以用 Markdown：空一行分段，- 开头列清单，| 画表格。）"
# A whole value that is a hint in full-width parentheses, as in content/_template.md: title: （标题）
_HINT = re.compile(r"^（[^（）]{1,40}）$")


def placeholder_problems(snapshot: Snapshot, items: Iterable[Item]) -> list[Problem]:
    """One problem per placeholder left in an item: the body `new` wrote, or a title or summary that is a hint."""
    problems = []
    for item in items:
        relpath = item.source.removeprefix(f"{snapshot.content_root}/")
        text = snapshot.content.get(relpath, b"").decode("utf-8", "replace")
        if NEW_BODY in text:
            line = text[: text.index(NEW_BODY)].count("\n") + 1
            problems.append(Problem(item.source, line, "正文还是 new 命令写的占位文字“（在这里写正文…）”。请换成正式的正文。"))
        for key, value in (("title", item.title), ("summary", item.summary)):
            if _HINT.match(value):
                line = _line_of(text, key, item.line)
                problems.append(Problem(item.source, line, f"“{key}”还是样板里的占位文字“{value}”。请写上正式的内容。"))
    return problems


def _line_of(text: str, key: str, default: int) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return default
