"""Turns a request's head into what `serve` may answer: only the four sections' own files, only to requests that
name this machine, and only bodies framed one way (connections and their bounds: connections.py)."""

from __future__ import annotations

import email.message
import os
import re
from urllib.parse import unquote_to_bytes

SECTIONS = ("internal", "public", "kiosk", "posters")


def own_hosts(port: int) -> frozenset[str]:
    """The Host headers a request to this preview carries. A page of another site whose name an attacker points
    at 127.0.0.1 (DNS rebinding) sends that site's name, and is refused."""
    names = ("127.0.0.1", "localhost", "[::1]")
    return frozenset(f"{name}:{port}" for name in names) | (frozenset(names) if port == 80 else frozenset())


def section_file(home: str, path: str) -> str | None:
    """The file or folder that the decoded URL path `path` names inside one of the four sections of the output
    folder `home` (a real path: no symlink in it), or None: never `..`, never a dot-file (.cache, the build
    record, the marker, temporaries), never through a symlink out of its section, never server/."""
    names = _names(path)
    if names is None:
        return None
    target = os.path.realpath(os.path.join(home, *names))  # symlinks followed: where the bytes would come from
    return target if _inside(os.path.join(home, names[0]), target) else None


def open_section_file(home: str, path: str) -> tuple[int, str] | None:
    """`section_file`'s file or folder already open: (descriptor, real path), or None. It is opened as named,
    symlinks followed, and where it really lies is read back from the descriptor (/proc/self/fd) and held to
    the same rules: two system calls where resolving each part of the path first takes one a part (each a
    hand-over of the GIL among serve's threads), and no moment between the check and the open."""
    names = _names(path)
    if names is None:
        return None
    try:  # never waits: a FIFO planted in the output is no file to serve
        descriptor = os.open(os.path.join(home, *names), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:  # a file replaced since it was opened reads as "… (deleted)": still the bytes of one whole build
        target = os.readlink(f"/proc/self/fd/{descriptor}").removesuffix(" (deleted)")
    except OSError:  # no /proc (not Linux): the path resolved part by part
        target = os.path.realpath(os.path.join(home, *names))
    if _inside(os.path.join(home, names[0]), target):
        return descriptor, target
    os.close(descriptor)
    return None


def _names(path: str) -> list[str] | None:
    """The names a URL path gives inside the output, or None: not one of the four sections, or a dot-name."""
    parts = path.split("/")
    if parts[0] != "" or len(parts) < 2 or parts[1] not in SECTIONS:
        return None
    names = [name for name in parts[1:] if name]  # "//" and a trailing "/" name nothing
    return None if any(name.startswith(".") for name in names) else names


def _inside(section: str, target: str) -> bool:
    """Whether the real path `target` lies in `section` (a real path), and not in a dot-folder of it."""
    inside = target[len(section) :]
    return target.startswith(section) and (not inside or inside.startswith("/")) and "/." not in inside


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")  # control characters and the backslash (a separator elsewhere)


def decoded_path(target: str) -> str | None:
    """The path of a request target, percent-decoded exactly once (a `%252e` stays the name `%2e`), or None when
    it is no path we answer: not origin-form, not UTF-8, or holding a backslash or a control character."""
    if not target.startswith("/"):
        return None
    try:
        path = unquote_to_bytes(target.split("?", 1)[0].split("#", 1)[0]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _UNSAFE.search(path):
        return None
    return path


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a header name (RFC 9110 token)
_LENGTH = re.compile(r"[0-9]{1,15}")  # ASCII digits only: no sign, no inner space, no list; under a petabyte


def framing_fault(headers: email.message.Message) -> str | None:
    """Why the head of a request cannot tell where its body ends (so where the next request begins), or None.
    Two readers of one head must never disagree (request smuggling): at most one Content-Length, of digits only;
    no Transfer-Encoding; every header line a `name: value` whose name is a token and whose value is on one line.
    A line the parser could not take as a header (`Transfer-Encoding : chunked`) ends its headers early: the
    rest is left as the message's payload, and a defect is noted."""
    if headers.defects or headers.get_payload():
        return "请求头中有无法识别的行。"
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name) or "\r" in value or "\n" in value:
            return "请求头中有无法识别的行。"
        if name.lower() == "transfer-encoding":
            return "不接受分块传输（Transfer-Encoding），请注明内容长度（Content-Length）。"
    lengths = headers.get_all("Content-Length", [])
    if len(lengths) > 1 or (lengths and not _LENGTH.fullmatch(lengths[0].strip(" \t"))):
        return "请求长度（Content-Length）无法识别。"
    return None


def declared_length(headers: email.message.Message) -> int:
    """The length of the body of a request whose framing was found sound (0 when it declares none)."""
    return int(headers.get("Content-Length", "0").strip(" \t"))
