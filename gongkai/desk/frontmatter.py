"""Turns an item file's bytes and a set of changed keys into new bytes, editing only the lines of those keys.

A person may go on editing a file by hand after the desk saved it, and may have written comments and an
order of keys that matter to them: so the file is never dumped whole. Each top-level key's lines are found
by the YAML node marks, a changed key's lines are replaced by a fresh `key: value`, and everything else
(comments, order, quoting, line endings, a BOM) stays byte for byte."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from gongkai.schema import ITEM_SCHEMA

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_RESOLVERS = {
    first: [(tag, regex) for tag, regex in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = _RESOLVERS  # dates stay text, as the parser reads them


class _Dumper(yaml.SafeDumper):
    yaml_implicit_resolvers = _RESOLVERS  # so a date is written bare (2026-11-15), not quoted


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None  # several lines: a block a person can read and edit
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)

ORDER = {key.key: index for index, key in enumerate(ITEM_SCHEMA)}


class Unreadable(ValueError):
    """The file's front matter is not a YAML mapping: the desk cannot edit it key by key."""


@dataclass(frozen=True)
class Document:
    """An item file taken apart: its lines (LF), where the YAML lies, each top-level key's lines, the body."""

    lines: tuple[str, ...]
    yaml_start: int  # index of the first YAML line
    yaml_end: int  # index after the last YAML line (the closing --- of a .md file)
    spans: Mapping[str, tuple[int, int]]  # key -> [first, after-last) line indexes in `lines`
    values: Mapping[str, Any]  # key -> value as written (dates as text)
    comments: Mapping[str, str]  # key -> the comment after its value on its one line, e.g. "  # why"
    markdown: bool
    bom: bool
    crlf: bool

    @property
    def body(self) -> str:
        if self.markdown:
            return "\n".join(self.lines[self.yaml_end + 1 :])
        body = self.values.get("body")
        return body if isinstance(body, str) else ""


def read(data: bytes, relpath: str) -> Document:
    """Raises Unreadable (with a message for the clerk) when the file cannot be edited key by key."""
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("文件不是 UTF-8 编码，请先用编辑器另存为 UTF-8。") from None
    crlf = "\r\n" in text
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    markdown = relpath.lower().endswith(".md")
    start, end = 0, len(lines)
    if markdown:
        if not lines or lines[0].rstrip() != "---":
            raise Unreadable("文件第一行不是 ---。")
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), 0)
        if not end:
            raise Unreadable("开头的设置部分没有以 --- 结束。")
        start = 1
    try:
        node = yaml.compose("\n".join(lines[start:end]), Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"第 {mark.line + 1 + start} 行" if mark else "开头的设置"
        raise Unreadable(f"{line}有格式错误。") from None
    if node is None:
        return Document(lines, start, end, {}, {}, {}, markdown, bom, crlf)
    if not isinstance(node, yaml.MappingNode):
        raise Unreadable("开头的设置应是“键: 值”的形式。")
    spans: dict[str, tuple[int, int]] = {}
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    constructor = _Loader("")
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.value in spans:
            raise Unreadable(f"第 {key_node.start_mark.line + 1 + start} 行的键无法识别或写了两次。")
        first = key_node.start_mark.line + start
        after = value_node.end_mark.line + start + (0 if value_node.end_mark.column == 0 else 1)
        # Blank lines and comments at the left margin after a value belong to no key: never edited away.
        while after > first + 1 and (not lines[after - 1].strip() or lines[after - 1].startswith("#")):
            after -= 1
        spans[key_node.value] = (first, max(after, first + 1))
        rest = lines[first][value_node.end_mark.column :] if value_node.end_mark.line + start == first else ""
        if isinstance(value_node, yaml.ScalarNode) and rest.strip().startswith("#"):
            comments[key_node.value] = rest
        values[key_node.value] = constructor.construct_object(value_node, deep=True)
    return Document(lines, start, end, spans, values, comments, markdown, bom, crlf)


def entry(key: str, value: Any) -> list[str]:
    """The lines of `key: value` as a person would write them."""
    text = yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
    return text.rstrip("\n").split("\n")


def edit(document: Document, changes: Mapping[str, Any], body: str | None = None) -> bytes:
    """The file with `changes` applied (a value of None removes the key) and, when given, a new body.
    With no changes and the same body, these are the very bytes that were read."""
    lines = list(document.lines)
    if body is not None and body != document.body:
        if document.markdown:
            lines[document.yaml_end + 1 :] = body.split("\n")
        else:
            changes = {**changes, "body": body}
    added = [key for key in changes if key not in document.spans and changes[key] is not None]
    replaced = sorted((key for key in changes if key in document.spans), key=lambda k: document.spans[k][0], reverse=True)
    # New keys go after the last key (before trailing comments), in the schema's order.
    end = document.yaml_end - (0 if document.markdown or document.lines[-1] else 1)  # before a final newline
    insert_at = max((span[1] for span in document.spans.values()), default=end)
    new_lines = [line for key in sorted(added, key=lambda k: ORDER.get(k, len(ORDER))) for line in entry(key, changes[key])]
    lines[insert_at:insert_at] = new_lines
    for key in replaced:
        first, after = document.spans[key]
        value = changes[key]
        lines[first:after] = [] if value is None else _keep_comment(document.comments.get(key, ""), entry(key, value))
    text = "\n".join(lines)
    if document.crlf:
        text = text.replace("\n", "\r\n")
    return (codecs.BOM_UTF8 if document.bom else b"") + text.encode("utf-8")


def _keep_comment(comment: str, new: list[str]) -> list[str]:
    """A one-line `key: value  # why` keeps its comment when only the value changes."""
    return [new[0] + comment] if comment and len(new) == 1 else new


def create(values: Mapping[str, Any], body: str, markdown: bool = True) -> bytes:
    """A new item file: the keys in the schema's order, then the body."""
    ordered = sorted((k for k, v in values.items() if v is not None), key=lambda k: ORDER.get(k, len(ORDER)))
    front = [line for key in ordered for line in entry(key, values[key])]
    if markdown:
        return "\n".join(["---", *front, "---", body]).encode("utf-8")
    lines = front + (entry("body", body) if body else [])
    return ("\n".join(lines) + "\n").encode("utf-8")
