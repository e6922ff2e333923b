"""Turns the output folder into a live preview on 127.0.0.1: serves the last good build, tells open pages to
reload after each rebuild (server-sent events) and overlays the errors of a failed one."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from gongkai.desk.app import Desk
from gongkai.desk.exchange import admitted, answer

EVENTS = "/__gongkai/events"
SECTIONS = ("internal", "public", "kiosk", "posters")

# Injected into every HTML page as it is served (never into the files on disk): listens for rebuilds.
LIVE_RELOAD = """<script>
(function () {
  var source = new EventSource("/__gongkai/events");
  source.addEventListener("reload", function (event) {
    // The files that changed ("*": too many to list). A page reloads when it, or a file it may embed, changed.
    var changed = JSON.parse(event.data), here = decodeURIComponent(location.pathname).replace(/\\/$/, "/index.html");
    if (changed.some(function (p) { return p === "*" || p === here || !/\\.(html|json)$/.test(p); })) location.reload();
  });
  source.addEventListener("errors", function (event) {
    var problems = JSON.parse(event.data), box = document.getElementById("gongkai-errors");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "gongkai-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;white-space:pre-wrap;" +
        "background:rgba(40,0,0,.93);color:#fff;font:16px/1.7 monospace;cursor:auto";
      document.body.appendChild(box);
    }
    box.textContent = "构建失败：仍在显示上一次成功的结果。请按下面的文件和行号修改，保存后会自动刷新。\\n\\n" + problems.join("\\n");
  });
})();
</script>
"""


MAX_LISTED = 500  # beyond this many changed files a reload event says "*" (everything)
KEPT = 100  # generations whose changed files are remembered for listeners that fell behind


@dataclass
class Session:
    """What the server knows between rebuilds; shared by the request threads, guarded by one condition."""

    generation: int = 0
    errors: list[str] = field(default_factory=list)
    closed: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)
    written: dict[int, tuple[str, ...]] = field(default_factory=dict)  # generation -> URL paths it changed

    def succeeded(self, written: Iterable[str] = ()) -> None:
        """`written`: paths inside the output folder that this build changed."""
        paths = tuple(f"/{p}" for p in written if p.startswith(tuple(f"{s}/" for s in SECTIONS)))
        self._next([], paths if len(paths) <= MAX_LISTED else ("*",))

    def failed(self, errors: list[str]) -> None:
        self._next(errors, ())

    def _next(self, errors: list[str], paths: tuple[str, ...]) -> None:
        with self.changed:
            self.generation += 1
            self.errors = errors
            self.written[self.generation] = paths
            self.written.pop(self.generation - KEPT, None)
            self.changed.notify_all()

    def since(self, seen: int) -> list[str]:
        """The URL paths changed by the builds after generation `seen` (call with the condition held)."""
        paths: set[str] = set()
        for generation in range(seen + 1, self.generation + 1):
            paths.update(self.written.get(generation, ("*",)))  # forgotten: too far behind, reload anyway
        return ["*"] if "*" in paths or len(paths) > MAX_LISTED else sorted(paths)

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()


def make_server(
    output: Path, session: Session, port: int, desk: Desk | None = None, host: str = "127.0.0.1"
) -> http.server.ThreadingHTTPServer:
    class Handler(_PreviewHandler):
        root = output.absolute()
        state = session
        editing = desk

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    if desk is not None:  # the names the desk answers to, now that the port is known
        desk.hosts = frozenset(f"{name}:{server.server_address[1]}" for name in desk.hosts)
    return server


class _PreviewHandler(http.server.BaseHTTPRequestHandler):
    root: Path
    state: Session
    editing: Desk | None = None  # the 编辑台 at /desk/ (gongkai/desk/)
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for build messages

    def do_POST(self) -> None:
        user = admitted(self, self.editing) if self.editing else ""
        if user is not None and self.editing and unquote(urlsplit(self.path).path).startswith("/desk/"):
            answer(self, self.editing, user)
        elif user is not None:
            self._send(405, "text/plain; charset=utf-8", "只有编辑台接受提交。".encode())

    def do_GET(self) -> None:
        user = admitted(self, self.editing) if self.editing else ""
        if user is None:
            return  # asked for a password
        path = unquote(urlsplit(self.path).path)
        if self.editing and (path == "/desk" or path.startswith("/desk/")):
            answer(self, self.editing, user)
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
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not path.startswith(tuple(f"/{s}" for s in SECTIONS)):
            self._send(404, "text/plain; charset=utf-8", "没有这个页面".encode())
            return
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        try:
            data = target.read_bytes()  # one open: the whole file from one build, never half of a rewrite
        except OSError:
            self._send(404, "text/plain; charset=utf-8", "没有这个页面".encode())
            return
        kind = _content_type(target.name)
        if kind.startswith("text/html"):
            data = data.replace(b"</body>", LIVE_RELOAD.encode() + b"</body>", 1)
        self._send(200, kind, data)

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.state
        with state.changed:
            seen = state.generation
            errors = list(state.errors)
        try:
            self._event("errors", errors)
            while True:
                with state.changed:
                    state.changed.wait_for(lambda seen=seen: state.generation != seen or state.closed, timeout=15)
                    if state.closed:
                        return
                    changed, had_errors, errors = state.generation != seen, bool(errors), list(state.errors)
                    written = state.since(seen) if changed else []
                    seen = state.generation
                if not changed:
                    self.wfile.write(b": keep-alive\n\n")
                elif errors or had_errors:
                    self._event("errors", errors)  # shows the overlay, or clears it after a fix
                if changed and not errors and written:
                    self._event("reload", written)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

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
