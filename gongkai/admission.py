"""Turns connections and request targets into what `serve` may answer: only the four sections' own files, only
to requests that name this machine, and only as many connections, as slow, as a preview can afford."""

from __future__ import annotations

import http.server
import io
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

SECTIONS = ("internal", "public", "kiosk", "posters")
# A preview serves one clerk's browser: these bounds are far above its needs and far below what hurts the machine.
CONNECTIONS = 128  # open at once; one more waits for a free one, then is told to come back
STREAMS = 32  # of which event streams (one per open tab); a browser opens at most 6 per host anyway
HEAD_SECONDS = 10.0  # from going idle to the end of a request's head; slower clients are dropped
SEND_SECONDS = 30.0  # for the client to take each chunk of an answer
KEEP_ALIVE_SECONDS = 15.0  # between two writes on an event stream, which tell a client that went away


def own_hosts(port: int) -> frozenset[str]:
    """The Host headers a request to this preview carries. A page of another site whose name an attacker points
    at 127.0.0.1 (DNS rebinding) sends that site's name, and is refused."""
    names = ("127.0.0.1", "localhost", "[::1]")
    return frozenset(f"{name}:{port}" for name in names) | (frozenset(names) if port == 80 else frozenset())


def section_file(root: Path, path: str) -> Path | None:
    """The file or folder that the decoded URL path `path` names inside one of the four sections, or None: never
    `..`, never a dot-file (.cache, the build record, the marker, temporaries), never through a symlink that
    leads out of its section, never anything else under the output folder (server/)."""
    parts = path.split("/")
    if parts[0] != "" or len(parts) < 2 or parts[1] not in SECTIONS:
        return None
    names = [name for name in parts[1:] if name]  # "//" and a trailing "/" name nothing
    if any(name.startswith(".") for name in names):
        return None
    home = Path(os.path.realpath(root))
    section = Path(os.path.realpath(home / names[0]))
    if section != home / names[0]:
        return None  # the section itself leads elsewhere
    target = Path(os.path.realpath(section.joinpath(*names[1:])))
    if not target.is_relative_to(section) or any(n.startswith(".") for n in target.relative_to(section).parts):
        return None
    return target


def decoded_path(target: str) -> str | None:
    """The path of a request target, percent-decoded exactly once (a `%252e` stays the name `%2e`), or None when
    it is no path we answer: not origin-form, not UTF-8, or holding a backslash or a control character."""
    if not target.startswith("/"):
        return None
    try:
        path = unquote_to_bytes(target.split("?", 1)[0].split("#", 1)[0]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\\" in path or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return None
    return path


class PreviewServer(http.server.ThreadingHTTPServer):
    """Loopback only, with a deep listen queue, and a bounded number of connections at once."""

    daemon_threads = True
    block_on_close = False  # an event stream lasts as long as its tab: stopping never waits for them
    request_queue_size = 1024  # 200 browsers' worth of requests at once wait in the kernel, not refused

    # The bounds, per server (a test narrows them).
    capacity, streams_allowed = CONNECTIONS, STREAMS
    head_seconds, send_seconds, keep_alive_seconds = HEAD_SECONDS, SEND_SECONDS, KEEP_ALIVE_SECONDS

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.room = threading.Condition()  # guards the two counts
        self.connections = self.streams = 0
        self.closing = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.room:
            free = self.room.wait_for(lambda: self.connections < self.capacity or self.closing, self.head_seconds)
            if not free or self.closing:
                _busy(request)
                self.shutdown_request(request)
                return
            self.connections += 1
            self.room.notify_all()  # for whoever counts
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._left()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._left()

    def _left(self) -> None:
        with self.room:
            self.connections -= 1
            self.room.notify_all()

    def stream_opened(self) -> bool:
        """Counts an event stream in, unless there are as many as allowed."""
        with self.room:
            if self.streams >= self.streams_allowed:
                return False
            self.streams += 1
            self.room.notify_all()
            return True

    def stream_closed(self) -> None:
        with self.room:
            self.streams -= 1
            self.room.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client that went away is no news; a bug is
            super().handle_error(request, client_address)

    def shutdown(self) -> None:
        with self.room:
            self.closing = True
            self.room.notify_all()
        super().shutdown()


def _busy(request: socket.socket) -> None:
    body = "预览服务器正忙，请稍后刷新。".encode()
    head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}"
    try:
        request.setblocking(False)  # the accepting thread never waits on one client
        request.send(head.encode() + b"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass


class HeadReader(io.RawIOBase):
    """A socket's bytes, each read bounded by what is left of the time allowed for the request's head."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("request head too slow")
            self.connection.settimeout(left)
        return self.connection.recv_into(buffer)
