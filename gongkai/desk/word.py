"""Turns a .docx uploaded to the desk into values for the new-item form, and holds its images (and the original,
if kept) until that item is saved: then they are placed under content/attachments/ with it, never before."""

from __future__ import annotations

import posixpath
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gongkai.desk import security
from gongkai.desk.replies import Response, as_json
from gongkai.desk.saving import write_whole
from gongkai.importing.draft import ImportRefused, draft_from_docx, refusal

if TYPE_CHECKING:
    from gongkai.desk.app import Desk

Files = tuple[tuple[str, bytes], ...]  # (path inside content/, bytes)
HELD_AT_MOST = 8  # imports waiting for their item's save; a clerk has one form open, a few tabs at most
HELD_BYTES = 200 * 1024 * 1024  # and their files' bytes together (one import holds up to ~150 MB: pictures, original)
# The parse of the largest accepted .docx adds ~110 MiB and takes a core for a second or two: one at a time.
IMPORTS_AT_ONCE = 1
IMPORT_WAIT_SECONDS = 10.0  # an import waits this long for the one before it, then is told to try again


def import_docx(desk: Desk, query: Mapping[str, str], data: bytes) -> Response:
    """The form's values drawn from the .docx, and a ticket for its files; or why it cannot be imported."""
    name = security.clean_name(query.get("name", ""))
    refused = refusal(data, name) or security.refuse_upload(name, data)
    if refused:
        return as_json(422, {"refused": f"{name}：{refused}"})
    _, config = desk.site()
    if not desk.importing.acquire(timeout=IMPORT_WAIT_SECONDS):
        return as_json(429, {"refused": f"{name}：正在导入别的文件，请稍后再试。"})
    try:
        draft = draft_from_docx(data, config, desk.today(config), name=name, keep_original=query.get("keep") == "1")
    except ImportRefused as why:
        return as_json(422, {"refused": f"{name}：{why}"})
    finally:
        desk.importing.release()
    clash = next((p for p, b in draft.files if _differs(desk, p, b)), None)
    if clash:
        return as_json(409, {"refused": f"content/{clash} 已有同名的另一个文件。请先把那个文件改名或移走，再导入。"})
    fields = draft.values
    values: dict[str, Any] = {
        key: str(fields[key]) for key in ("title", "doc_number", "date", "issuer") if fields.get(key) is not None
    }
    values["attachments"] = [path for path, content in draft.files if content == data]  # the kept original
    values["body"] = draft.markdown
    ticket = secrets.token_hex(12)
    with desk.lock:
        desk.held[ticket] = draft.files
        while len(desk.held) > HELD_AT_MOST or (len(desk.held) > 1 and _held_bytes(desk) > HELD_BYTES):
            del desk.held[next(iter(desk.held))]  # the oldest import's form was long abandoned
    return as_json(
        200,
        {
            "values": values,
            "import": ticket,
            "files": [path for path, _ in draft.files],
            "recognised": list(draft.recognised),
            "notes": list(draft.notes),
        },
    )


def _held_bytes(desk: Desk) -> int:
    return sum(len(content) for files in desk.held.values() for _, content in files)


def held_files(desk: Desk, data: Mapping[str, Any]) -> Files:
    """The files of the import the form came from that the item still uses (its text or its attachments)."""
    files = desk.held.get(str(data.get("import") or ""), ())
    values = data.get("values") if isinstance(data.get("values"), dict) else {}
    body = str(values.get("body", ""))
    attached = values.get("attachments") if isinstance(values.get("attachments"), list) else []
    return tuple((path, content) for path, content in files if path in attached or posixpath.basename(path) in body)


def place(desk: Desk, files: Files) -> list[str] | str:
    """Writes the held files inside content/ (never over another file): what was written, or why not."""
    written: list[str] = []
    for relpath, content in files:
        target = security.inside(desk.paths.content, relpath)
        if target is None or _differs(desk, relpath, content):
            unplace(desk, written)
            return f"content/{relpath} 已有同名的另一个文件，没有保存。请把那个文件改名或移走后再保存。"
        if not target.exists():
            write_whole(target, content, exclusive=True)
            written.append(relpath)
    return written


def unplace(desk: Desk, written: list[str]) -> None:
    """Removes what `place` wrote when the item itself could not be saved."""
    for relpath in written:
        target = security.inside(desk.paths.content, relpath)
        if target is not None:
            target.unlink(missing_ok=True)
            if not any(target.parent.iterdir()):
                target.parent.rmdir()  # the import's own folder, made for these files


def _differs(desk: Desk, relpath: str, content: bytes) -> bool:
    target = security.inside(desk.paths.content, relpath)
    return target is not None and target.exists() and target.read_bytes() != content
