"""Turns the desk's answers into Responses: JSON, plain text, and the refusal that shows both versions of a file
changed on disk since its form was opened."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lowercase names
    body: bytes = b""
    user: str = ""  # who signed in ('' on 127.0.0.1 without users)


@dataclass(frozen=True)
class Response:
    status: int
    kind: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def as_json(status: int, data: Any) -> Response:
    return Response(status, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode())


def as_text(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", message.encode())


def conflict(on_disk: bytes | None, mine: bytes) -> Response:
    """The file changed on disk since the form was opened: nothing is saved, both versions are shown."""
    refused = (
        "您打开之后，这个文件已被别人（或别的程序）改过。为免冲掉对方的修改，这次没有保存。"
        "请对照下面两个版本，刷新页面后把您的修改重新填上再保存。"
    )
    disk = "（文件已被删除）" if on_disk is None else on_disk.decode("utf-8", "replace")
    return as_json(409, {"refused": refused, "disk": disk, "mine": mine.decode("utf-8", "replace")})
