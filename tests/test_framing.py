"""One framing rule for every request `serve` reads, before any routing: a body is framed by at most one
Content-Length of digits, never by Transfer-Encoding, and a request whose body is not read ends its connection,
so no body is ever answered as the next request (request smuggling), on any route, whatever the answer."""

from __future__ import annotations

import base64
import re
import socket
import threading

import pytest

from gongkai.desk import security
from gongkai.desk.app import Desk, open_desk
from gongkai.serving import Session, make_server
from tests.scratch import item, make_site
from tests.test_desk_app import DAY
from tests.test_desk_serving import WAIT, served, token  # noqa: F401 (a fixture)


def exchange(port: int, data: bytes) -> list[bytes]:
    """Sends `data` on one connection and reads until the server closes it: the status line of each answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(data)
        connection.settimeout(WAIT)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return re.findall(rb"HTTP/1\.1 \d{3}", received)  # each answer's status line (the bodies here hold none)


def smuggled(port: int) -> bytes:
    """A whole second request, to be sent as the body of the first."""
    return f"GET /internal/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize("target", ["/public/nonexist", "/public/", "/", "/desk/", "/__gongkai/nothing"])
def test_a_body_no_route_reads_is_never_answered_as_the_next_request(served, target):  # noqa: F811
    server, _ = served
    port = server.server_address[1]
    inner = smuggled(port)
    outer = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(inner)}\r\n\r\n".encode()
    answers = exchange(port, outer + inner)
    assert len(answers) == 1, answers  # the first answer only; the connection ended with it


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ("Content-Length: 0\r\nContent-Length: {n}\r\n", b"400"),  # two lengths: which one?
        ("Content-Length: {n}\r\nContent-Length: {n}\r\n", b"400"),
        ("Content-Length: +{n}\r\n", b"400"),
        ("Content-Length: {n}, {n}\r\n", b"400"),
        ("Content-Length: 0x1f\r\n", b"400"),
        ("Transfer-Encoding: chunked\r\n", b"411"),
        ("Transfer-Encoding : chunked\r\n", b"400"),  # a space before the colon hides the headers after it
        ("TRANSFER-ENCODING: identity\r\nContent-Length: {n}\r\n", b"411"),
        ("Transfer-Encoding:\tchunked\r\nContent-Length: {n}\r\n", b"411"),
        ("X-Folded: a\r\n b\r\nContent-Length: {n}\r\n", b"400"),  # an obsolete folded line
    ],
)
@pytest.mark.parametrize("method", ["GET /public/ ", "POST /desk/api/save "])
def test_a_body_framed_any_other_way_is_refused_and_ends_the_connection(served, fields, status, method):  # noqa: F811
    server, desk = served
    port = server.server_address[1]
    inner = smuggled(port)
    head = f"{method}HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
    head += f"X-Desk-Token: {token(desk)}\r\n" + fields.format(n=len(inner)) + "\r\n"
    answers = exchange(port, head.encode() + inner)
    assert len(answers) == 1 and answers[0].split()[1] == status, answers


def test_a_refused_sign_in_never_answers_the_body_as_a_request(tmp_path):
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    users = tmp_path / "users.txt"
    users.write_text(security.user_line("张三", "correct horse") + "\n", "utf-8")
    desk = open_desk(paths, DAY, "127.0.0.1", users, "")
    assert isinstance(desk, Desk)
    server = make_server(paths.output, Session(), 0, desk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    port = server.server_address[1]
    right = "Basic " + base64.b64encode("张三:correct horse".encode()).decode()
    try:
        inner = f"GET /internal/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {right}\r\n\r\n".encode()
        outer = f"GET /public/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(inner)}\r\n\r\n".encode()
        answers = exchange(port, outer + inner)
        assert [a.split()[1] for a in answers] == [b"401"]
    finally:
        server.shutdown()
        server.server_close()


def test_a_request_without_a_body_keeps_its_connection(served):  # noqa: F811
    server, _ = served
    port = server.server_address[1]
    first = f"GET /public/nonexist HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n".encode()
    second = f"GET /public/nothing HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    assert [a.split()[1] for a in exchange(port, first + second)] == [b"404", b"404"]  # keep-alive still works
