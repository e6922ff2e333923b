"""Turns files lying in content/ that will never be published — Word files no item attaches or links to, and
text files that look like items but are not named as one (`通知.md.txt`, `通知.markdown`) — into build
warnings: an editor who put one there expected it to be published."""

from __future__ import annotations

from collections.abc import Sequence

from gongkai.model import Item
from gongkai.problems import Problem
from gongkai.reading import Snapshot

WORD_SUFFIXES = (".docx", ".doc", ".wps")
# What editors' programs save an item as by mistake: Notepad adds .txt, some editors say .markdown.
MISNAMED_SUFFIXES = (".txt", ".markdown", ".mdown", ".mkd", ".yml.txt", ".yaml.txt")


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
    return warnings + _misnamed(snapshot, used)


def _misnamed(snapshot: Snapshot, used: set[str]) -> list[Problem]:
    """A text file that begins like an item (front matter) but whose name is not an item's."""
    warnings = []
    for relpath in sorted(snapshot.content):
        lower = relpath.lower()
        if not lower.endswith(MISNAMED_SUFFIXES) or relpath in used or any(p.startswith("_") for p in relpath.split("/")):
            continue
        head = snapshot.content[relpath][:200].lstrip(b"\xef\xbb\xbf").lstrip()
        if not (head.startswith(b"---") or b"title:" in head or "title：".encode() in head):
            continue  # an ordinary text attachment
        stem = relpath.rsplit("/", 1)[-1]
        for suffix in sorted(MISNAMED_SUFFIXES, key=len, reverse=True):
            if lower.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        stem = stem.removesuffix(".md").removesuffix(".MD")
        ending = "." + relpath.rsplit(".", 1)[-1]
        message = f"这个文件看起来是一个事项，但文件名以“{ending}”结尾，不会被发布。请改名为 {stem}.md（另存时“保存类型”选“所有文件”）。"
        warnings.append(Problem(snapshot.display(relpath), 1, message))
    return warnings
