"""Turns an item file the form cannot open (broken YAML, another encoding, a missing ---) into text the clerk
mends in the desk itself: shown decoded with the parser's errors by line, checked by the real parser, and saved
only once the form can open it, so nobody has to find the file in a text editor."""

from __future__ import annotations

import codecs
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gongkai.desk import security
from gongkai.desk.frontmatter import Unreadable, read
from gongkai.desk.replies import Response, as_json
from gongkai.desk.saving import fingerprint, write_whole
from gongkai.model import Config
from gongkai.parsing.items import is_item_file, parse_item
from gongkai.reading import Snapshot

if TYPE_CHECKING:
    from gongkai.desk.app import Desk


def as_text(data: bytes) -> tuple[str, str]:
    """The file's text for the mending box, and a note when it had to be decoded as GB18030 (a file saved by
    Notepad or WPS on a Chinese Windows): saving it from the desk writes UTF-8."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        note = "这个文件不是 UTF-8 编码（看起来是 GBK），下面按 GBK 显示；在这里保存时会转换为 UTF-8。"
        return data.decode("gb18030", "replace"), note


def problems(snapshot: Snapshot, config: Config, relpath: str, data: bytes) -> list[dict[str, Any]]:
    """The parser's errors for the file as `data`, each with its line: exactly what `check` would print."""
    trial = replace(snapshot, content={**snapshot.content, relpath: data})
    _, errors, _ = parse_item(trial, config, relpath)
    return [{"line": p.line, "message": p.message} for p in errors]


def mend(desk: Desk, data: dict[str, Any]) -> Response:
    """Checks the mended text (`save` false) or saves it (`save` true): saved only when the form can open it
    afterwards and the file on disk is still the one the clerk opened."""
    relpath, text = str(data.get("path") or ""), data.get("text")
    if not isinstance(text, str):
        return as_json(400, {"refused": "请求的内容无法识别。"})
    with desk.lock:
        snapshot, config = desk.site()
        on_disk = snapshot.content.get(relpath)
        target = security.inside(desk.paths.content, relpath)
        if on_disk is None or target is None or not is_item_file(relpath):
            return as_json(404, {"refused": f"content/{relpath} 已不存在。"})
        candidate = _as_bytes(text, on_disk)
        try:
            read(candidate, relpath)
            unreadable = ""
        except Unreadable as why:
            unreadable = str(why)
        found = {"errors": problems(snapshot, config, relpath, candidate), "unreadable": unreadable}
        if not data.get("save"):
            return as_json(200, found)
        if unreadable:
            return as_json(422, {**found, "refused": f"还不能保存：{unreadable}请按上面的提示改正后再保存。"})
        if fingerprint(on_disk) != str(data.get("hash", "")):
            changed = "您打开之后，这个文件已被别人（或别的程序）改过，这次没有保存。请先复制您改好的文字，刷新本页后再改。"
            return as_json(409, {**found, "refused": changed})
        write_whole(target, candidate)
        desk.forget()
    done = "已保存，正在打开表单…" if not found["errors"] else "已保存。表单中还有错误，请按提示修改。"
    return as_json(200, {**found, "saved": relpath, "hash": fingerprint(candidate), "done": done})


def _as_bytes(text: str, on_disk: bytes) -> bytes:
    """The mended text as the file's bytes: UTF-8, with the original's BOM and line endings (a browser's text
    box hands back LF only)."""
    text = text.replace("\r\n", "\n")
    if b"\r\n" in on_disk:
        text = text.replace("\n", "\r\n")
    return (codecs.BOM_UTF8 if on_disk.startswith(codecs.BOM_UTF8) else b"") + text.encode("utf-8")
