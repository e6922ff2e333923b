"""Turns a rendered public tree into a verdict: every trace of what the public must not see is reported."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

from gongkai.model import Audience, Item
from gongkai.problems import Problem
from gongkai.visibility import exposure, notice


@dataclass(frozen=True)
class Marker:
    text: str
    item: Item
    what: str
    coincidence_possible: bool = False  # a title may also occur, legitimately, in what the public sees


def forbidden(items: Iterable[Item], audience: Audience, day: date) -> list[Marker]:
    """Titles, page paths and attachment names of whatever `audience` must not see on `day`. An item it saw
    before keeps a notice at its address: that page and its title are allowed, nothing else of the item."""
    items = tuple(items)
    shown = {i.id: exposure(i, audience, day) for i in items}
    allowed_files = {a.source for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    allowed_names = {a.name for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    markers = []
    for item in items:
        seen = shown[item.id]
        if seen is None:
            markers.append(Marker(item.page_path, item, "网页路径"))
            if item.title:
                markers.append(Marker(item.title, item, "标题", coincidence_possible=True))
        if seen is None or not seen.full:
            for attachment in item.attachments:
                if attachment.source not in allowed_files:
                    markers.append(Marker(attachment.output_path, item, "附件"))
                    if attachment.name not in allowed_names:
                        markers.append(Marker(attachment.name, item, "附件名", coincidence_possible=True))
    noticed = {i.id for i in items if shown[i.id] is None and notice(i, audience, day) is not None}
    return [m for m in markers if m.item.id not in noticed or m.what not in ("网页路径", "标题")]


# Where an item can show up in what we render: a link or file path, a text between tags, a JSON string.
_PATHS = re.compile(rb"(?:items|files)/[^\"'<>\s]+")
_TEXTS = re.compile(r'>([^<>]+)<|"((?:[^"\\]|\\.)*)"')


def scan(
    outputs: Iterable[tuple[str, bytes]], markers: list[Marker], where: str, allowed_text: Callable[[], str]
) -> list[Problem]:
    """One problem per leaking item, naming what leaked and where.

    Each file is read once, whatever the number of markers: every path it links to or names is looked up
    among the forbidden paths, and every text between tags (or JSON string) among the forbidden titles and
    file names. A title that also occurs in what the public may read (`allowed_text`) is a coincidence."""
    by_path = {m.text: m for m in markers if m.what in ("网页路径", "附件")}
    by_text = {m.text: m for m in markers if m.what not in ("网页路径", "附件")}
    allowed: str | None = None
    found: dict[str, tuple[Marker, list[str]]] = {}
    for path, data in outputs:
        hits = [m for m in (by_path.get(path.split("/", 1)[-1]),) if m]  # the forbidden file itself
        for raw in _PATHS.findall(data):
            reference = unquote(raw.decode("utf-8", "replace").split("#")[0])  # a %23 is part of the name
            if reference in by_path:
                hits.append(by_path[reference])
        if path.endswith(".json"):
            hits += [m for text in _strings(data) if (m := by_text.get(text)) is not None]
        else:
            for tagged, quoted in _TEXTS.findall(data.decode("utf-8", "replace")):  # one decode per file
                if tagged:
                    text = html.unescape(tagged) if "&" in tagged else tagged
                else:
                    text = _json_string(quoted) if "\\" in quoted else quoted
                marker = by_text.get(text.strip())
                if marker is not None:
                    hits.append(marker)
        for marker in hits:
            if marker.coincidence_possible:
                allowed = allowed if allowed is not None else allowed_text()
                if marker.text in allowed:
                    continue
            entry = found.setdefault(marker.item.id, (marker, []))
            if path not in entry[1]:
                entry[1].append(path)
    problems = []
    for marker, paths in found.values():
        files = paths[0] + (f" 等 {len(paths)} 个文件" if len(paths) > 1 else "")
        message = (
            f"泄露检查未通过：{where}的 {files} 含有不应出现的{marker.what}“{marker.text}”。"
            "构建已停止，输出目录保持不变。请检查模板，或联系维护人员。"
        )
        problems.append(Problem(marker.item.source, marker.item.line, message))
    return problems


def _strings(data: bytes) -> Iterator[str]:
    """Every string (keys too) of a JSON document, stripped; parsed by the C decoder, 10x faster than a regex."""
    try:
        document = json.loads(data)
    except ValueError:
        document = [_json_string(quoted) for _, quoted in _TEXTS.findall(data.decode("utf-8", "replace"))]
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value.strip()
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _json_string(raw: str) -> str:
    """A quoted string's text with its backslash escapes undone (JSON's, which HTML attributes never use)."""
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw
