"""Request smuggling against `serve`: a request's body is never answered as the next request, whatever the method,
route or answer, and a head whose body's end is in doubt (two lengths, a signed one, any Transfer-Encoding, a
header line that is not `token: value`) is refused with 400 and the connection ended."""

from __future__ import annotations

import socket
import threading

import pytest

from gongkai.desk import security
from gongkai.desk.app import Desk, open_desk
from gongkai.serving import Session, make_server
from tests.scratch import item, make_site
from tests.test_desk_app import DAY
from tests.test_preview import handmade  # noqa: F401 (a fixture)

WAIT = 60.0
WAIT = 12.0  # generous: a server that answered the smuggled request would instead wait for a third one


def answers(port: int, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The status and headers of every answer on one connection that `data` was sent on, read until the server
    closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(data)
        stream = b""
        while chunk := connection.recv(65536):
            stream += chunk
    found = []
    while stream:
        top, _, stream = stream.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        found.append((int(lines[0].split()[1]), fields))
        stream = stream[int(fields.get("content-length", "0")) :]
    return found


def smuggled(port: int, target: str = "/public/index.html") -> bytes:
    """A whole second request, sent as the body of the first (ending the connection when it is answered)."""
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()


def carrying(port: int, line: str, inner: bytes, *fields: str) -> bytes:
    """`line` with the request `inner` as its body, its length declared."""
    head = [line, f"Host: 127.0.0.1:{port}", f"Content-Length: {len(inner)}", *fields]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + inner


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("GET /public/nonexist HTTP/1.1", 404),
        ("GET /public/index.html HTTP/1.1", 200),
        ("GET / HTTP/1.1", 200),
        ("GET /public HTTP/1.1", 301),
        ("POST /public/index.html HTTP/1.1", 405),
        ("PUT /public/index.html HTTP/1.1", 501),
        ("OPTIONS * HTTP/1.1", 501),
    ],
)
def test_a_body_left_unread_is_never_answered_as_a_request(handmade, line, status):  # noqa: F811
    port = handmade[0].server_address[1]
    got = answers(port, carrying(port, line, smuggled(port)))
    assert [answer[0] for answer in got] == [status]
    assert got[0][1]["connection"] == "close"


def test_a_request_without_a_body_keeps_its_connection(handmade):  # noqa: F811
    port = handmade[0].server_address[1]
    first = f"GET /public/nonexist HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n".encode()
    assert [answer[0] for answer in answers(port, first + smuggled(port))] == [404, 200]


FAULTY = [
    ("Content-Length: 0", "Content-Length: 5"),  # two lengths: readers that take the first and the last disagree
    ("Content-Length: 5", "Content-Length: 5"),
    ("Content-Length: +5",),
    ("Content-Length: -0",),
    ("Content-Length: 5,5",),
    ("Content-Length: 0 5",),
    ("Content-Length: 0x5",),
    ("Content-Length: ５",),  # a full-width digit: int() takes it, the rule does not
    ("Transfer-Encoding: chunked",),
    ("Transfer-Encoding : chunked",),  # a space before the colon: the parser stops reading headers there
    ("transfer-ENCODING:\tchunked",),
    ("Transfer-Encoding: identity",),
    ("X Y: z",),
    ("X-Y\t: z",),
    ("X-Y: z", " folded onto it"),  # an obsolete continuation line
    (": no name",),
    ("X(Y): z",),
]


@pytest.mark.parametrize("fields", FAULTY)
def test_a_head_whose_body_end_is_in_doubt_is_refused_and_the_connection_ended(handmade, fields):  # noqa: F811
    port = handmade[0].server_address[1]
    inner = smuggled(port)
    head = ["GET /public/nonexist HTTP/1.1", f"Host: 127.0.0.1:{port}", *fields]
    got = answers(port, ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + b"0\r\n\r\n" + inner)
    assert [answer[0] for answer in got] == [400]
    assert got[0][1]["connection"] == "close"


@pytest.fixture
def guarded(tmp_path):
    """A desk with users: every request needs a name and password."""
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    users = tmp_path / "users.txt"
    users.write_text(security.user_line("张三", "correct horse") + "\n", "utf-8")
    desk = open_desk(paths, DAY, "127.0.0.1", users, "")
    assert isinstance(desk, Desk)
    server = make_server(paths.output, Session(), 0, desk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("line", ["GET /public/nonexist HTTP/1.1", "GET /desk/ HTTP/1.1", "POST /desk/api/save HTTP/1.1"])
def test_a_refused_sign_in_ends_the_connection_whatever_the_method(guarded, line):
    got = answers(guarded, carrying(guarded, line, smuggled(guarded, "/desk/")))
    assert [answer[0] for answer in got] == [401]
    assert got[0][1]["connection"] == "close"


def test_the_desk_refuses_two_lengths_before_its_own_rules(guarded):
    inner = smuggled(guarded, "/desk/")
    head = f"POST /desk/api/save HTTP/1.1\r\nHost: 127.0.0.1:{guarded}\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n"
    got = answers(guarded, head.encode() + b"12345" + inner)
    assert [answer[0] for answer in got] == [400]
