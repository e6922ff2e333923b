"""`serve` end to end over real HTTP: edits reach the browser, errors overlay, a rebuild is never seen half-done."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gongkai.pipeline import Options
from gongkai.preview import Rebuilder
from gongkai.serving import EVENTS, Session, make_server
from gongkai.watcher import Watcher
from gongkai.writing import UNFINISHED, unfinished
from tests.scratch import item, make_site

WAIT = 60.0  # generous: the condition waited on holds in well under a second on an idle machine


class Events:
    """Reads the server-sent events stream on a thread, as a browser's EventSource does."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[str, list[str]]] = []
        self.arrived = threading.Condition()
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self._socket.sendall(f"GET {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self._stream = self._socket.makefile("rb")
        assert self._stream.readline().startswith(b"HTTP/1.1 200")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        name = None
        try:
            for raw in self._stream:  # the headers first: no line of theirs starts with "event: " or "data: "
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    with self.arrived:
                        self.received.append((name, json.loads(line[6:])))
                        self.arrived.notify_all()
        except (OSError, ValueError):
            return

    def count(self, name: str) -> int:
        with self.arrived:
            return sum(1 for n, _ in self.received if n == name)

    def wait_for(self, name: str, count: int, timeout: float = WAIT) -> list[str]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: self.count(name) >= count, timeout):
                raise AssertionError(f"no {name} event #{count}: {self.received}")
            return [data for n, data in self.received if n == name][count - 1]

    def close(self) -> None:
        self._socket.shutdown(socket.SHUT_RDWR)  # as a closed tab: the server sees the end of its stream
        self._socket.close()


@pytest.fixture
def preview(tmp_path):
    paths = make_site(tmp_path, {"a.md": item("第一版标题", valid_until="2026-12-31")})
    session = Session()
    rebuild = Rebuilder(paths, Options(day=None, posters=False), session)
    assert rebuild.once()
    server = make_server(paths.output, session, 0)
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
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
    assert events.wait_for("errors", 3) == []  # the fix clears the overlay, then the pages reload
    with events.arrived:  # (a save may bring two reloads: its pages, then its search indexes)
        assert events.arrived.wait_for(lambda: "第四版" in get(port, "/public/items/a.html")[1], WAIT)


def test_text_edit_is_served_before_the_full_rebuild(preview):
    paths, port = preview
    events = Events(port)
    assert events.wait_for("errors", 1) == []
    (paths.content / "a.md").write_text(item("第一版标题", valid_until="2026-12-31", body="新的正文。"), "utf-8")
    first = events.wait_for("reload", 1)
    assert "/public/items/a.html" in first and "/internal/items/a.html" in first
    assert "新的正文" in get(port, "/public/items/a.html")[1]
    with events.arrived:  # then the full build: the kiosk's slides carry the text too
        full = events.arrived.wait_for(lambda: any("/kiosk/index.html" in d for n, d in events.received if n == "reload"), WAIT)
    assert full, events.received
    assert "新的正文" in get(port, "/kiosk/slides.json")[1]


def test_requests_during_rebuilds_never_see_a_partial_site(preview):
    paths, port = preview
    failures: list[str] = []
    stop = threading.Event()
    events = Events(port)
    events.wait_for("errors", 1)

    def load() -> None:  # bounded: at most 1,500 rounds, on loopback
        for _ in range(1500):
            if stop.is_set():
                return
            for path in ("/public/", "/public/items.json", "/internal/index.html"):
                status, body = get(port, path)
                complete = body.rstrip().endswith(("</html>", "}"))
                if status != 200 or not complete:
                    failures.append(f"{path} {status} {body[-40:]!r}")

    workers = [threading.Thread(target=load) for _ in range(2)]
    for worker in workers:
        worker.start()

    def shows(titles: set[str]) -> bool:
        status, body = get(port, "/public/items.json")  # made in a save's second pass: the whole rebuild is done
        return status == 200 and {row["title"] for row in json.loads(body)["items"]} - {"第一版标题"} == titles

    for n in range(1, 16):  # each round changes the set of items: each has its rebuild
        extra = {f"n{k}.md": item(f"第{k}项", valid_until="2026-12-31") for k in range(n % 4 * 5)}
        for name in list(paths.content.glob("n*.md")):
            if name.name not in extra:
                name.unlink()
        for name, text in extra.items():
            (paths.content / name).write_text(text, "utf-8")
        titles = {f"第{k}项" for k in range(n % 4 * 5)}
        with events.arrived:  # this edit's rebuild is done (the load ran all through it): woken by each event
            assert events.arrived.wait_for(lambda titles=titles: shows(titles), WAIT), n
    stop.set()
    for worker in workers:
        worker.join()
    assert failures == []


SECRET = "草稿全文：尚未公开"  # in every file outside the four sections: no answer may carry it


@pytest.fixture
def handmade(tmp_path):
    """A served output laid out by hand, with everything a build leaves beside the four sections."""
    output = tmp_path / "output"
    for relpath in (".cache/build.pickle", ".cache/manifest.json", ".gongkai-build.json", ".gongkai-output",
                    "server/nginx.conf", "public/.hidden.html", "public/items/.a.html.123.tmp"):  # fmt: skip
        (output / relpath).parent.mkdir(parents=True, exist_ok=True)
        (output / relpath).write_text(SECRET, "utf-8")
    (output / "public/items").mkdir(parents=True, exist_ok=True)
    (output / "public/index.html").write_text("<html><body>首页</body></html>", "utf-8")
    (output / "public/items/通知.html").write_text("<html><body>通知</body></html>", "utf-8")
    (output / "posters").mkdir()
    (output / "public/server").symlink_to(output / "server")  # symlinks out of a section
    (output / "public/record.json").symlink_to(output / ".gongkai-build.json")
    (output / "public/hidden.html").symlink_to(output / "public/.hidden.html")
    (output / "kiosk").symlink_to(output / "server")
    (output / "public/same.html").symlink_to(output / "public/index.html")  # a symlink within it is fine
    (output / "posters/index.html").symlink_to(output / ".gongkai-build.json")  # a folder's page too
    session = Session()
    server = make_server(output, session, 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server, session
    session.close()
    server.shutdown()
    server.server_close()


def raw(port: int, request: bytes) -> tuple[int, str]:
    """One request sent byte for byte (clients would normalise `..` away), then the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def request_line(port: int, target: str, host: str | None = None) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\nConnection: close\r\n\r\n".encode()


ESCAPES = [
    "/public/../.cache/build.pickle",
    "/public/%2e%2e/.gongkai-build.json",
    "/public/%2E%2E/.gongkai-build.json",
    "/posters/../server/nginx.conf",
    "/public/%252e%252e/.gongkai-build.json",  # double encoding: decoded once, it is a name, not `..`
    "/public/%2e%2e%2f.cache%2fmanifest.json",
    "/public/..%5c.gongkai-build.json",
    "/public\\..\\.gongkai-build.json",
    "/public/%00/../.gongkai-build.json",
    "/public/index.html%00.json",
    "/public/./../.gongkai-build.json",
    "/public/items/../../server/nginx.conf",
    "/public/../../etc/passwd",
    "/.cache/build.pickle",
    "/.gongkai-build.json",
    "/.gongkai-output",
    "/server/nginx.conf",
    "//server/nginx.conf",
    "/publicx/../.gongkai-build.json",
    "/public/.hidden.html",
    "/public/items/.a.html.123.tmp",
    "/public/server/nginx.conf",
    "/public/record.json",
    "/public/hidden.html",
    "/kiosk/nginx.conf",
    "/posters/",
    "/public/%ff.html",
    "http://127.0.0.1/.gongkai-build.json",
    "*",
]


@pytest.mark.parametrize("target", ESCAPES)
def test_only_the_sections_own_files_are_served(handmade, target):
    port = handmade[0].server_address[1]
    status, body = raw(port, request_line(port, target))
    assert status in (400, 404) and SECRET not in body


def test_the_sections_files_are_served(handmade):
    port = handmade[0].server_address[1]
    assert raw(port, request_line(port, "/public/index.html"))[0] == 200
    assert raw(port, request_line(port, "/public/same.html"))[1].startswith("<html><body>首页")
    assert "通知" in raw(port, request_line(port, "/public/items/%E9%80%9A%E7%9F%A5.html"))[1]
    assert raw(port, request_line(port, "/public//index.html?x=1"))[0] == 200
    status, _ = raw(port, request_line(port, "/public"))
    assert status == 301


def test_a_fifo_or_a_folder_planted_in_a_section_is_no_page(handmade):
    server, _ = handmade
    port = server.server_address[1]
    output = Path(server.RequestHandlerClass.home)
    os.mkfifo(output / "public" / "pipe.html")  # opening it to read would wait for a writer forever
    (output / "public" / "empty").mkdir()  # a folder without index.html
    assert raw(port, request_line(port, "/public/pipe.html"))[0] == 404
    assert raw(port, request_line(port, "/public/empty/"))[0] == 404
    assert raw(port, request_line(port, "/public/index.html"))[0] == 200  # and serve goes on


@pytest.mark.parametrize(
    "host, status",
    [
        ("localhost:{port}", 200),
        ("LOCALHOST:{port}", 200),
        ("[::1]:{port}", 200),
        ("127.0.0.1:{port}", 200),
        ("evil.example:{port}", 421),  # DNS rebinding: another site's name pointed at 127.0.0.1
        ("127.0.0.1", 421),
        ("localhost:1{port}", 421),
        ("127.0.0.1.evil.example:{port}", 421),
    ],
)
def test_only_its_own_host_names_are_answered(handmade, host, status):
    port = handmade[0].server_address[1]
    answer, body = raw(port, request_line(port, "/public/index.html", host.format(port=port)))
    assert answer == status
    assert answer == 200 or "只接受 127.0.0.1 或 localhost" in body


def test_a_request_without_one_host_is_refused(handmade):
    port = handmade[0].server_address[1]
    assert raw(port, b"GET /public/index.html HTTP/1.0\r\n\r\n")[0] == 400
    twice = f"GET /public/index.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\n\r\n"
    assert raw(port, twice.encode())[0] == 400


def closed_by_server(connection: socket.socket, drip: bytes = b"") -> bool:
    """Feeds `drip` a byte at a time (a slow client) until the server hangs up; bounded at 600 tries."""
    connection.settimeout(0.1)  # paces the drip; the loop ends on the server's doing, not on a clock
    for index in range(600):
        try:
            if index < len(drip):
                connection.send(drip[index : index + 1])
            if connection.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_idle_and_slow_connections_are_dropped(handmade):
    server, _ = handmade
    server.head_seconds = 0.5
    port = server.server_address[1]
    with socket.create_connection(("127.0.0.1", port)) as idle:
        assert closed_by_server(idle)
    with socket.create_connection(("127.0.0.1", port)) as slow:  # each byte in time, the whole head too late
        assert closed_by_server(slow, request_line(port, "/public/index.html") * 20)


def test_connections_are_bounded_and_served_in_turn(handmade):
    server, _ = handmade
    server.capacity = 3
    server.head_seconds = WAIT  # the wait for a free one does not end on its own
    server.keep_alive_seconds = 0.2  # how soon a stream notices its client went
    port = server.server_address[1]
    held = [Events(port) for _ in range(3)]  # being answered: never dropped to make room
    waiting = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
    try:
        for connection in waiting:
            connection.sendall(request_line(port, "/public/index.html"))
        with server.room:
            assert server.connections == 3  # the others wait in the listen queue, not on threads of their own
        for stream in held:
            stream.close()
        for connection in waiting:  # each gets its turn as the one before it ends
            connection.settimeout(WAIT)
            assert connection.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    finally:
        for connection in waiting:
            connection.close()


def test_event_streams_end_when_the_client_goes_or_serve_stops(handmade):
    server, session = handmade
    server.keep_alive_seconds = 0.2
    port = server.server_address[1]
    gone, staying = Events(port), Events(port)
    gone.wait_for("errors", 1)
    staying.wait_for("errors", 1)
    gone.close()
    with server.room:
        assert server.room.wait_for(lambda: server.streams == 1, WAIT)
    session.close()
    staying.reader.join(WAIT)
    assert not staying.reader.is_alive()
    with server.room:
        assert server.room.wait_for(lambda: server.streams == 0, WAIT)


def test_mixed_output_is_not_shown_when_the_build_fails(tmp_path):
    """An interrupted build left the output possibly mixed; serve's build then fails: the errors, not the tree."""
    paths = make_site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")})
    session = Session()
    rebuild = Rebuilder(paths, Options(day=None, posters=False), session)
    assert rebuild.once()
    (paths.output / UNFINISHED).write_text("", "utf-8")  # as a killed build leaves it
    (paths.content / "a.md").write_text(item("通知", valid_until="2026-13-45"), "utf-8")
    assert not rebuild.once()
    server = make_server(paths.output, session, 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        status, page = get(server.server_address[1], "/public/index.html")
        assert status == 503 and "新旧混杂" in page and f"{paths.content}/a.md:6: " in page
        assert get(server.server_address[1], "/")[0] == 200  # the index of the sections still answers
    finally:
        session.close()
        server.shutdown()
        server.server_close()


def watch(paths, delay: float = 0.05):
    """A watcher whose calls are kept, and a condition to wait on them."""
    calls: list[frozenset] = []
    arrived = threading.Condition()

    def rebuild(changed: frozenset) -> None:
        with arrived:
            calls.append(changed)
            arrived.notify_all()

    return Watcher([paths.content, paths.config], rebuild, delay=delay), calls, arrived


def test_watcher_ignores_editor_temporary_files(tmp_path):
    paths = make_site(tmp_path, {})
    watcher, calls, arrived = watch(paths)
    watcher.start()
    try:
        (paths.content / ".a.md.swp").write_text("x", "utf-8")
        (paths.content / "b.md~").write_text("x", "utf-8")
        (paths.content / "c.md").write_text("x", "utf-8")  # events come in order: the others came first
        with arrived:
            assert arrived.wait_for(lambda: (paths.content / "c.md").absolute() in frozenset().union(*calls), WAIT)
            assert frozenset().union(*calls) == {(paths.content / "c.md").absolute()}
    finally:
        watcher.stop()


def test_watcher_makes_one_call_of_a_burst_of_events(tmp_path):
    from watchdog.events import FileCreatedEvent, FileModifiedEvent

    paths = make_site(tmp_path, {})
    watcher, calls, arrived = watch(paths, delay=1.0)  # the events below come microseconds apart
    watcher.start()
    try:
        a, b = paths.content / "a.md", paths.content / "b.md"
        for event in (FileCreatedEvent(str(a)), FileModifiedEvent(str(a)), FileModifiedEvent(str(b))):
            watcher.on_any_event(event)
        with arrived:
            assert arrived.wait_for(lambda: calls, WAIT)
            assert calls == [frozenset({a.absolute(), b.absolute()})]
    finally:
        watcher.stop()


def start_serve(tmp_path, ignore_sigint: bool = False) -> tuple[subprocess.Popen, int, list[str]]:
    """`build.py serve` as a child with default signal handling (or SIGINT ignored, as a background job of a
    non-interactive shell starts it); returns it once it serves, with its port and the lines it printed."""
    from tests.scratch import REPO

    paths = make_site(tmp_path, {"a.md": item("通知")})
    args = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    disposition = signal.SIG_IGN if ignore_sigint else signal.SIG_DFL
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", *args, "--output", str(paths.output), "--port", "0", "--no-posters"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, disposition),
    )  # fmt: skip
    lines: list[str] = []
    assert process.stdout is not None
    watchdog = threading.Timer(WAIT, process.kill)  # a serve that never says it is up ends the loop below
    watchdog.start()
    try:
        for line in process.stdout:  # ends when the child does
            lines.append(line)
            if line.startswith("预览："):
                return process, int(line.split("http://127.0.0.1:")[1].split("/")[0]), lines
    finally:
        watchdog.cancel()
    process.kill()
    raise AssertionError(f"serve did not start: {lines} {process.communicate(timeout=WAIT)}")


@pytest.mark.parametrize(
    "signum, ignore_sigint",
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True), (signal.SIGTERM, True)],
    ids=["SIGINT", "SIGTERM", "SIGINT-started-ignored", "SIGTERM-started-ignored"],
)
def test_serve_exits_cleanly_on_a_signal(tmp_path, signum, ignore_sigint):
    process, port, lines = start_serve(tmp_path, ignore_sigint)
    try:
        assert get(port, "/public/index.html")[0] == 200
        events = Events(port)  # an open tab's event stream must not hold serve up
        events.wait_for("errors", 1)
        process.send_signal(signum)
        out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "正在退出" in "".join(lines) + out and "Traceback" not in err
    events.reader.join(WAIT)
    assert not events.reader.is_alive()  # the stream ended
    with pytest.raises(ConnectionRefusedError):  # the port is closed
        socket.create_connection(("127.0.0.1", port), timeout=WAIT).close()
    assert not unfinished(tmp_path / "output")


def test_a_port_in_use_is_a_message_not_a_traceback(tmp_path, capsys):
    from gongkai.preview import serve

    paths = make_site(tmp_path, {"a.md": item("通知")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = serve(paths, Options(day=None, posters=False), taken.getsockname()[1])
    assert code == 2
    assert "端口可能已被占用，请用 --port 换一个" in capsys.readouterr().err
