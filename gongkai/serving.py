"""Turns the output folder into a live preview on 127.0.0.1: serves the last good build, tells open pages to
reload after each rebuild (server-sent events) and overlays the errors of a failed one."""

from __future__ import annotations

import html
import http.server
import io
import json
import os
import select
import socket
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gongkai.admission import SECTIONS, declared_length, decoded_path, framing_fault, open_section_file, own_hosts
from gongkai.connections import HeadReader, PreviewServer
from gongkai.desk.app import Desk
from gongkai.desk.exchange import admitted, answer
from gongkai.reloading import EVENTS, LIVE_RELOAD_BYTES, Session
from gongkai.writing import unfinished


def make_server(output: Path, session: Session, port: int, desk: Desk | None = None, host: str = "127.0.0.1") -> PreviewServer:
    """The preview on 127.0.0.1, or on `host` when the desk serves another address (it then asks every
    request for a password: gongkai/desk/exchange.py)."""

    class Handler(_PreviewHandler):
        root = output.absolute()
        home = os.path.realpath(output)
        state = session
        editing = desk

    server = PreviewServer((host, port), Handler)
    port = server.server_address[1]
    Handler.hosts = own_hosts(port) | frozenset({f"{host}:{port}"})
    if desk is not None:  # the names the desk answers to, now that the port is known
        desk.hosts = frozenset(f"{name}:{port}" for name in desk.hosts)
    return server


class _PreviewHandler(http.server.BaseHTTPRequestHandler):
    root: Path
    home: str  # the output folder's real path
    state: Session
    hosts: frozenset[str]
    server: PreviewServer
    editing: Desk | None = None  # the 编辑台 at /desk/ (gongkai/desk/)
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # an answer's last packet goes at once, not after the client's delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for build messages

    def setup(self) -> None:
        super().setup()
        self.head = HeadReader(self.connection)
        self.rfile = io.BufferedReader(self.head)

    def handle_one_request(self) -> None:
        self.head.deadline = time.monotonic() + self.server.head_seconds  # idle or slow, a connection ends here
        self.unread = 0  # bytes of the current request's body not yet read
        self.server.reading(self.request)  # until its head is in, it may be dropped to make room
        super().handle_one_request()

    def parse_request(self) -> bool:
        """The request line and headers, refused (400, then closed) unless where the body ends is beyond doubt:
        one rule for every method and route, before any of them answers."""
        parsed = super().parse_request()
        self.server.answering(self.request)  # its head is in (a slow client may have trickled it): not dropped
        if not parsed:
            return False
        fault = framing_fault(self.headers)
        if fault is not None:
            self.close_connection = True
            self._send(400, "text/plain; charset=utf-8", fault.encode())
            return False
        self.unread = declared_length(self.headers)
        return True

    def end_headers(self, body: bytes = b"") -> None:
        """The head, and `body` with it in one write: one system call (one hand-over of the GIL among serve's
        threads) where writing them apart took two."""
        # A body left unread, by any answer (a refusal, a 404, a 401), would be read as the next request.
        if self.unread and not self.close_connection:
            self.send_header("Connection", "close")
        if self.request_version == "HTTP/0.9":  # no head at all
            self.wfile.write(body)
            return
        self._headers_buffer.extend((b"\r\n", body))
        self.flush_headers()

    def _admit(self) -> tuple[str, str] | None:
        """(decoded path, signed-in user or '') once the request is for us (its Host), well-formed and (with a
        desk on another address) signed in; None when it was answered already."""
        self.head.deadline = None
        self.connection.settimeout(self.server.send_seconds)
        if len(self.headers.get_all("Host", [])) != 1:
            self._send(400, "text/plain; charset=utf-8", "请求缺少 Host，或有多个。".encode())
            return None
        if self.headers["Host"].lower() not in self.hosts:
            self._send(421, "text/plain; charset=utf-8", "这是本机预览，只接受 127.0.0.1 或 localhost 的地址。".encode())
            return None
        path = decoded_path(self.path)
        if path is None:
            self._send(400, "text/plain; charset=utf-8", "无法识别的地址。".encode())
            return None
        user = admitted(self, self.editing) if self.editing is not None else ""
        if user is None:
            return None  # asked for a password
        return path, user

    def _body(self, length: int) -> bytes:
        """The request's body, read against one deadline for all of it (raises TimeoutError when it passes)."""
        self.head.deadline = self.server.body_deadline(length)
        try:
            data = self.rfile.read(length)
            self.unread -= len(data)
            return data
        finally:
            self.head.deadline = None
            self.connection.settimeout(self.server.send_seconds)

    def do_POST(self) -> None:
        admission = self._admit()
        if admission is None:
            return
        path, user = admission
        if self.editing is not None and path.startswith("/desk/"):
            answer(self, self.editing, user, self._body)
        else:
            self._send(405, "text/plain; charset=utf-8", "只有编辑台接受提交。".encode())

    def do_GET(self) -> None:
        admission = self._admit()
        if admission is None:
            return
        path, user = admission
        if self.editing is not None and (path == "/desk" or path.startswith("/desk/")):
            answer(self, self.editing, user, self._body)
            return
        if path == EVENTS:
            self._events()
            return
        if path == "/":
            links = "".join(f'<li><a href="/{s}/">{s}</a></li>' for s in (*SECTIONS, *(("desk",) if self.editing else ())))
            self._send(
                200,
                "text/html; charset=utf-8",
                f"<!DOCTYPE html><meta charset=utf-8><title>预览</title><ul>{links}</ul>".encode(),
            )
            return
        opened = open_section_file(self.home, path)
        if opened is not None and self._mixed():
            os.close(opened[0])
            self._send(503, "text/html; charset=utf-8", self._mixed_page())
            return
        mode = os.fstat(opened[0]).st_mode if opened is not None else 0
        if opened is not None and stat.S_ISDIR(mode):
            os.close(opened[0])
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", quote(path) + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            opened = open_section_file(self.home, f"{path}index.html")  # checked as any file: it may be a symlink
            mode = os.fstat(opened[0]).st_mode if opened is not None else 0
        data = None
        if opened is not None:
            # One open: the whole file from one build, never half of a rewrite (the writer replaces files whole).
            with os.fdopen(opened[0], "rb") as file:
                if stat.S_ISREG(mode):  # not a folder, FIFO or device planted in the output
                    try:
                        data = file.read()
                    except OSError:
                        data = None
        if opened is None or data is None:
            self._send(404, "text/plain; charset=utf-8", "没有这个页面".encode())
            return
        target = opened[1]
        kind = _content_type(target)
        if kind.startswith("text/html"):
            data = data.replace(b"</body>", LIVE_RELOAD_BYTES + b"</body>", 1)
        self._send(200, kind, data)

    def _mixed(self) -> bool:
        """An interrupted write left the output a possible mix of two builds, and it is not serve's own build
        that is now making it whole: show why instead of it."""
        with self.state.changed:
            writing = self.state.writing
        return not writing and unfinished(self.root)

    def _mixed_page(self) -> bytes:
        with self.state.changed:
            errors = list(self.state.errors)
        what = (
            "构建失败，请按下面的文件和行号修改，保存后会自动重新生成并刷新：\n\n" + "\n".join(errors)
            if errors
            else "请稍候：重新生成完成后会自动刷新；若一直停在这里，请保存任一文件或重新运行 serve。"
        )
        return (
            "<!DOCTYPE html><html lang=zh-CN><meta charset=utf-8><title>预览暂停</title><body>"
            "<h1>输出文件夹上一次生成被中断，内容可能新旧混杂，预览暂不显示</h1>"
            f'<pre style="white-space:pre-wrap">{html.escape(what)}</pre>'
            '<script>new EventSource("/__gongkai/events").addEventListener("reload", function () '
            "{ location.reload(); });</script></body></html>"
        ).encode()

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if status in (400, 405, 421):  # not understood, not for us, or with a body left unread: nothing more on it
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers(data)

    def _events(self) -> None:
        if not self.server.stream_opened():
            self._send(503, "text/plain; charset=utf-8", "打开的预览页面太多，请关掉一些。".encode())
            return
        self.close_connection = True  # the stream ends with the connection
        try:
            self._stream(self.state)
        except OSError:
            return  # the client went away, or stopped reading
        finally:
            self.server.stream_closed()

    def _stream(self, state: Session) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        with state.changed:
            seen = state.generation
            errors = list(state.errors)
        self._event("errors", errors)
        while True:
            with state.changed:
                state.changed.wait_for(lambda seen=seen: state.generation != seen or state.closed, self.server.keep_alive_seconds)
                if state.closed:
                    return
                changed, had_errors, errors = state.generation != seen, bool(errors), list(state.errors)
                written = state.since(seen) if changed else []
                seen = state.generation
            if not changed:
                if self._hung_up():
                    return
                self.wfile.write(b": keep-alive\n\n")
            elif errors or had_errors:
                self._event("errors", errors)  # shows the overlay, or clears it after a fix
            if changed and not errors and written:
                self._event("reload", written)
            self.wfile.flush()

    def _hung_up(self) -> bool:
        """Whether the client closed its end (a browser sends nothing more on an event stream)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)

    def _event(self, name: str, data: list[str]) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()


_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8", ".svg": "image/svg+xml", ".pdf": "application/pdf", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8",
}  # fmt: skip


def _content_type(name: str) -> str:
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return _TYPES.get(suffix, "application/octet-stream")
