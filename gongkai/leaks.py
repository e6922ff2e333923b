"""Turns a rendered public tree into a verdict: every trace of what the public must not see is reported."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
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
    coincidence_possible: bool = False  # a title may also occur, legitimately, in what the public sees


def forbidden(items: Iterable[Item], audience: Audience, day: date) -> list[Marker]:
    """Titles, page paths and attachment names of whatever `audience` must not see on `day`."""
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
    return markers


def scan(
    outputs: Iterable[tuple[str, bytes]], markers: list[Marker], where: str, allowed_text: Callable[[], str]
) -> list[Problem]:
    """One problem per leaking item, naming what leaked and where. All markers are searched in one pass per
    file (a trie-shaped regular expression), so the cost grows with the size of the output, not markers × files.
    A title found that also occurs in what the public may read (`allowed_text`) is a coincidence, not a leak."""
    needles: dict[bytes, Marker] = {}
    for marker in markers:
        # Paths also appear percent-encoded in links; texts appear as they are or HTML-escaped.
        is_path = marker.what in ("网页路径", "附件")
        forms = (marker.text, quote(marker.text, safe="/")) if is_path else (marker.text, html.escape(marker.text, quote=False))
        for form in forms:
            needles.setdefault(form.encode("utf-8"), marker)
    if not needles:
        return []
    pattern = _trie(list(needles))
    by_path = {m.text: m for m in markers if m.what in ("网页路径", "附件")}
    allowed: str | None = None
    found: dict[str, tuple[Marker, list[str]]] = {}
    for path, data in outputs:
        own = by_path.get(path.split("/", 1)[-1])  # the forbidden file itself, e.g. public/items/x.html
        hits = [own] if own else []
        position = 0
        while (match := pattern.search(data, position)) is not None:
            hits.append(needles[match.group()])
            position = match.start() + 1
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


def _trie(needles: list[bytes]) -> re.Pattern[bytes]:
    """One regular expression matching any needle, shaped as a trie so that matching is a walk, not a
    try-each-alternative: `ab|ac` becomes `a(?:b|c)`."""
    root: dict = {}
    for needle in needles:
        node = root
        for byte in needle:
            node = node.setdefault(byte, {})
        node[None] = True

    def build(node: dict) -> bytes:
        ends = None in node
        branches = [re.escape(bytes([b])) + build(child) for b, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        return b"(?:" + body + b")?" if ends else body

    return re.compile(build(root))
