"""`serve` end to end over real HTTP: edits reach the browser, errors overlay, a rebuild is never seen half-done."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from gongkai.pipeline import Options
from gongkai.preview import Rebuilder
from gongkai.serving import EVENTS, Session, make_server
from gongkai.watcher import Watcher
from tests.scratch import item, make_site


class Events:
    """Reads the server-sent events stream on a thread, as a browser's EventSource does."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[str, list[str]]] = []
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._connection.request("GET", EVENTS)
        self._response = self._connection.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = None
        try:
            for raw in self._response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.received.append((name, json.loads(line[6:])))
        except (OSError, ValueError):
            return

    def wait_for(self, name: str, count: int, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = [data for n, data in self.received if n == name]
            if len(events) >= count:
                return events[count - 1]
            time.sleep(0.02)
        raise AssertionError(f"no {name} event #{count}: {self.received}")


@pytest.fixture
def preview(tmp_path):
    paths = make_site(tmp_path, {"a.md": item("第一版标题", valid_until="2026-12-31")})
    session = Session()
    rebuild = Rebuilder(paths, Options(day=None, posters=False), session)
    assert rebuild.once()
    server = make_server(paths.output, session, 0)
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield paths, server.server_address[1]
    watcher.stop()
    session.close()
    server.shutdown()
    server.server_close()


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


def test_edit_break_fix_cycle(preview):
    paths, port = preview
    status, page = get(port, "/public/items/a.html")
    assert status == 200 and "第一版标题" in page and "EventSource" in page
    events = Events(port)
    assert events.wait_for("errors", 1) == []  # the state on connecting: no errors
    (paths.content / "a.md").write_text(item("第二版标题", valid_until="2026-12-31"), "utf-8")
    events.wait_for("reload", 1)
    assert "第二版标题" in get(port, "/public/items/a.html")[1]
    (paths.content / "a.md").write_text(item("第三版", valid_until="2026-13-45"), "utf-8")
    errors = events.wait_for("errors", 2)
    assert errors and errors[0].startswith(f"{paths.content}/a.md:6: ")
    assert "第二版标题" in get(port, "/public/items/a.html")[1]  # the last good build is still served
    (paths.content / "a.md").write_text(item("第四版", valid_until="2026-12-31"), "utf-8")
    events.wait_for("reload", 2)
    assert "第四版" in get(port, "/public/items/a.html")[1]


def test_text_edit_is_served_before_the_full_rebuild(preview):
    paths, port = preview
    events = Events(port)
    assert events.wait_for("errors", 1) == []
    (paths.content / "a.md").write_text(item("第一版标题", valid_until="2026-12-31", body="新的正文。"), "utf-8")
    first = events.wait_for("reload", 1)
    assert "/public/items/a.html" in first and "/internal/items/a.html" in first
    assert "新的正文" in get(port, "/public/items/a.html")[1]
    deadline = time.monotonic() + 10  # then the full build: the kiosk's slides carry the text too
    while not any("/kiosk/index.html" in data for name, data in events.received if name == "reload"):
        assert time.monotonic() < deadline, events.received
        time.sleep(0.02)
    assert "新的正文" in get(port, "/kiosk/slides.json")[1]


def test_requests_during_rebuilds_never_see_a_partial_site(preview):
    paths, port = preview
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:  # bounded: at most 1,500 requests or 15 seconds, on loopback
        deadline = time.monotonic() + 15
        for _ in range(1500):
            if stop.is_set() or time.monotonic() > deadline:
                return
            for path in ("/public/", "/public/items.json", "/internal/index.html"):
                status, body = get(port, path)
                complete = body.rstrip().endswith(("</html>", "}"))
                if status != 200 or not complete:
                    failures.append(f"{path} {status} {body[-40:]!r}")

    workers = [threading.Thread(target=load) for _ in range(2)]
    for worker in workers:
        worker.start()
    for n in range(15):
        extra = {f"n{k}.md": item(f"第{k}项", valid_until="2026-12-31") for k in range(n % 4 * 5)}
        for name in list(paths.content.glob("n*.md")):
            if name.name not in extra:
                name.unlink()
        for name, text in extra.items():
            (paths.content / name).write_text(text, "utf-8")
        time.sleep(0.15)
    stop.set()
    for worker in workers:
        worker.join()
    assert failures == []


def test_unknown_paths_and_traversal_are_refused(preview):
    _, port = preview
    assert get(port, "/")[0] == 200
    assert get(port, "/public/nope.html")[0] == 404
    assert get(port, "/public/../../etc/passwd")[0] == 404
    assert get(port, "/.cache/manifest.json")[0] == 404


def test_ctrl_c_exits_cleanly(tmp_path):
    import signal
    import subprocess
    import sys

    from tests.scratch import REPO

    paths = make_site(tmp_path, {"a.md": item("通知")})
    args = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", *args, "--output", str(paths.output), "--port", "0", "--no-posters"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (paths.output / "public/index.html").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "正在退出" in out and "Traceback" not in err


def test_watcher_ignores_editor_temporary_files(tmp_path):
    calls = []
    paths = make_site(tmp_path, {})
    watcher = Watcher([paths.content, paths.config], calls.append, delay=0.3)
    watcher.start()
    try:
        (paths.content / ".a.md.swp").write_text("x", "utf-8")
        (paths.content / "b.md~").write_text("x", "utf-8")
        time.sleep(1.0)
        assert calls == []
        (paths.content / "c.md").write_text("x", "utf-8")
        (paths.content / "c.md").write_text("xy", "utf-8")
        time.sleep(1.0)
        # Several events, one debounced rebuild, naming the file.
        assert calls == [frozenset({(paths.content / "c.md").absolute()})]
    finally:
        watcher.stop()
