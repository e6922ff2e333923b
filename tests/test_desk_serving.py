"""The desk behind `serve`, attacked over raw sockets: a change is judged by its head before its body is read,
a body must arrive whole within its deadline however steadily it trickles, and sign-in refusals reach the wire."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from gongkai.desk import security
from gongkai.desk.app import Desk, open_desk
from gongkai.desk.exchange import FORM_LIMIT
from gongkai.desk.signin import FAILURES_ALLOWED
from gongkai.serving import PreviewServer, Session, make_server
from tests.scratch import item, make_site
from tests.test_desk_app import DAY

WAIT = 60.0  # generous: a server that reads a refused body first would hang here instead of answering


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[PreviewServer, Desk]]:
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    server = make_server(paths.output, Session(), 0, desk)
    server.body_seconds = WAIT  # a test that wants a short deadline sets it
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server, desk
    server.shutdown()
    server.server_close()


def head(port: int, target: str, length: int | str, **extra: str) -> bytes:
    fields = {
        "Host": f"127.0.0.1:{port}",
        "Origin": f"http://127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Content-Length": str(length),
        **{name.replace("_", "-"): value for name, value in extra.items()},
    }
    return (f"POST {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v) + "\r\n").encode()


def token(desk: Desk) -> str:
    return security.csrf_token(desk.secret, "")


def answer_of(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The whole answer, read until the server closes the connection (each refusal here must close it)."""
    connection.settimeout(WAIT)
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), fields, body


@pytest.mark.parametrize(
    ("extra", "status", "why"),
    [
        ({"X-Desk-Token": ""}, 403, "缺少校验码"),
        ({"X-Desk-Token": "0" * 64}, 403, "缺少校验码"),
        ({"Origin": "http://evil.example", "X-Desk-Token": "{token}"}, 403, "不是从编辑台本身的页面发出的"),
        ({"Origin": "", "X-Desk-Token": "{token}"}, 403, "不是从编辑台本身的页面发出的"),
        ({"X-Desk-Token": "令牌"}, 403, "缺少校验码"),  # not ASCII: refused, not a crash
    ],
)
def test_a_change_refused_by_its_head_is_answered_without_reading_its_body(served, extra, status, why):
    server, desk = served
    port = server.server_address[1]
    extra = {k: v.format(token=token(desk)) for k, v in extra.items()}
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(head(port, "/desk/api/save", 1000, **extra))  # and never the 1,000 bytes
        got, fields, body = answer_of(connection)
    assert got == status and why in json.loads(body)["refused"]
    assert fields["connection"] == "close"


@pytest.mark.parametrize(
    ("target", "length"),
    [
        ("/desk/api/save", FORM_LIMIT + 1),  # a form is small
        ("/desk/api/check?x=1", FORM_LIMIT + 1),
        ("/desk/api/upload?name=a.pdf", security.UPLOAD_LIMIT + 1),  # an upload may be large, but not this
    ],
)
def test_a_declared_length_over_the_routes_limit_is_refused_before_reading(served, target, length):
    server, desk = served
    port = server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(head(port, target, length, X_Desk_Token=token(desk)))
        got, _, body = answer_of(connection)
    assert got == 413 and "内容太大" in json.loads(body)["refused"]


def test_an_upload_may_be_larger_than_a_form(served):
    server, desk = served
    port = server.server_address[1]
    data = b"%PDF-1.4\n" + b"0" * (FORM_LIMIT + 10)
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(head(port, "/desk/api/upload?name=big.pdf", len(data), X_Desk_Token=token(desk)) + data)
        connection.shutdown(socket.SHUT_WR)
        got, _, body = answer_of(connection)
    assert got == 200, body.decode()
    assert (desk.paths.content / "attachments/big.pdf").read_bytes() == data


def test_a_trickled_body_is_cut_off_at_its_deadline_while_others_are_answered(served):
    server, desk = served
    server.body_seconds = 0.5  # the whole body, not each byte: every byte below arrives well within it
    port = server.server_address[1]
    body = json.dumps({"path": "n/a.md", "values": {}}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as trickle:
        trickle.sendall(head(port, "/desk/api/check", len(body), X_Desk_Token=token(desk)) + body[:1])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as other:  # meanwhile, another clerk
            other.sendall(f"GET /desk/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            assert answer_of(other)[0] == 200
        trickle.settimeout(0.1)  # paces the drip; the loop ends on the server's doing, bounded at 600 bytes
        answered = b""
        for index in range(1, 600):
            try:
                trickle.send(body[index : index + 1] if index < len(body) - 1 else b" ")  # never the last byte
                if chunk := trickle.recv(65536):
                    answered += chunk
                    break
            except TimeoutError:
                continue
        trickle.settimeout(WAIT)
        while chunk := trickle.recv(65536):  # and then the server closes it
            answered += chunk
    assert answered.startswith(b"HTTP/1.1 408")
    assert "上传太慢" in json.loads(answered.partition(b"\r\n\r\n")[2])["refused"]


def test_a_whole_body_in_time_is_answered_and_the_connection_kept(served):
    server, desk = served
    port = server.server_address[1]
    body = json.dumps({"path": "n/a.md", "values": {"title": "甲"}}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        for _ in range(2):  # two requests on one connection: the first left nothing unread behind it
            connection.sendall(head(port, "/desk/api/check", len(body), X_Desk_Token=token(desk)) + body)
            reader = connection.makefile("rb")
            assert reader.readline().startswith(b"HTTP/1.1 200")
            length = 0
            while (line := reader.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert "errors" in json.loads(reader.read(length))


def test_sign_in_refusals_reach_the_browser_and_end_a_post(tmp_path):
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    users = tmp_path / "users.txt"
    users.write_text(security.user_line("张三", "correct horse") + "\n", "utf-8")
    desk = open_desk(paths, DAY, "127.0.0.1", users, "")
    assert isinstance(desk, Desk)
    server = make_server(paths.output, Session(), 0, desk)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    port = server.server_address[1]
    wrong = "Basic " + base64.b64encode("张三:guess".encode()).decode()
    try:
        statuses = []
        for _ in range(FAILURES_ALLOWED + 1):
            with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
                connection.sendall(head(port, "/desk/api/save", 1000, Authorization=wrong))  # body never sent
                got, fields, body = answer_of(connection)  # answered, and closed: the body is not waited for
                statuses.append(got)
        assert statuses == [401] * FAILURES_ALLOWED + [429]
        assert "密码错误次数过多" in body.decode() and int(fields["retry-after"]) >= 1
    finally:
        server.shutdown()
        server.server_close()
