"""Turns a rendered public tree into a verdict: every trace of what the public must not see is reported."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from gongkai.model import Audience, Item
from gongkai.problems import Problem
from gongkai.visibility import exposure


@dataclass(frozen=True)
class Marker:
    text: str
    item: Item
    what: str


def forbidden(items: Iterable[Item], audience: Audience, day: date, allowed_text: str) -> list[Marker]:
    """Titles, page paths and attachment names of whatever `audience` must not see on `day`.

    A title that also occurs in what the audience may legitimately see (another item, the config, the
    templates) cannot tell a leak from a coincidence, so only its page path and files are checked."""
    items = tuple(items)
    shown = {i.id: exposure(i, audience, day) for i in items}
    allowed_files = {a.source for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    allowed_names = {a.name for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    markers = []
    for item in items:
        seen = shown[item.id]
        if seen is None:
            markers.append(Marker(item.page_path, item, "网页路径"))
            markers.append(Marker(quote(item.page_path), item, "网页路径"))
            if item.title and item.title not in allowed_text:
                markers.append(Marker(item.title, item, "标题"))
        if seen is None or not seen.full:
            for attachment in item.attachments:
                if attachment.source not in allowed_files:
                    markers.append(Marker(attachment.output_path, item, "附件"))
                    if attachment.name not in allowed_names and attachment.name not in allowed_text:
                        markers.append(Marker(attachment.name, item, "附件名"))
    return markers


def scan(outputs: Iterable[tuple[str, bytes]], markers: list[Marker], where: str) -> list[Problem]:
    """One problem per leaking item, naming what leaked and where."""
    needles = []
    for marker in markers:
        for form in dict.fromkeys((marker.text, html.escape(marker.text), quote(marker.text, safe="/"))):
            needles.append((form.encode("utf-8"), marker))
    found: dict[str, tuple[Marker, list[str]]] = {}
    for path, data in outputs:
        for needle, marker in needles:
            if needle in data or path.endswith("/" + marker.text):
                found.setdefault(marker.item.id, (marker, []))[1].append(path)
                break
    problems = []
    for marker, paths in found.values():
        files = paths[0] + (f" 等 {len(paths)} 个文件" if len(paths) > 1 else "")
        message = (
            f"泄露检查未通过：{where}的 {files} 含有不应出现的{marker.what}“{marker.text}”。"
            "构建已停止，输出目录保持不变。请检查模板，或联系维护人员。"
        )
        problems.append(Problem(marker.item.source, marker.item.line, message))
    return problems
