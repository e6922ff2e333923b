"""Many slow connections against `serve` (slowloris): one address holds at most its share of the room (its other
connections wait their turn), and when all the room is taken, the connection that has been reading its head the
longest gives way to a new one, never one being answered or streaming. Clients come from distinct 127.80.x.y
addresses (all loopback on Linux)."""

from __future__ import annotations

import socket

from gongkai.connections import waiting_on_client
from tests.test_preview import Events, handmade, request_line  # noqa: F401 (handmade: a fixture)

WAIT = 60.0  # generous: only a server that never makes room waits this long


def connect(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT, source_address=(source, 0))


def status_of(connection: socket.socket) -> int:
    return int(connection.makefile("rb").readline().split()[1])


def closed_by_server(connection: socket.socket) -> bool:
    """Whether the server has ended the connection (its end is read at once: nothing else was sent on it)."""
    connection.setblocking(False)  # a look, not a wait
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        connection.settimeout(WAIT)


def wait_open(server, count: int) -> None:
    """Until `count` connections have their room (accepted in turn: each one's place in line is known)."""
    with server.room:
        assert server.room.wait_for(lambda: server.connections == count, WAIT)


def test_one_address_holds_at_most_its_share_and_the_rest_wait_their_turn(handmade):  # noqa: F811
    server, _ = handmade
    server.per_address, server.parked_allowed = 3, 1
    server.head_seconds = WAIT  # nothing here ends on its own
    port = server.server_address[1]
    mine = [connect(port, "127.80.0.1") for _ in range(3)]
    try:
        wait_open(server, 3)
        fourth = connect(port, "127.80.0.1")
        mine.append(fourth)
        fourth.sendall(request_line(port, "/public/index.html"))
        with server.room:
            assert server.room.wait_for(lambda: sum(map(len, server.parked.values())) == 1, WAIT)
            assert server.connections == 3
        assert not closed_by_server(fourth)
        with connect(port, "127.80.0.1") as fifth:  # one too many waiting: told to come back
            fifth.sendall(request_line(port, "/public/index.html"))
            assert status_of(fifth) == 503
        with connect(port, "127.80.0.2") as other:  # another address has its own share
            other.sendall(request_line(port, "/public/index.html"))
            assert status_of(other) == 200
        mine[0].close()  # room for the waiting one of that address
        assert status_of(fourth) == 200
    finally:
        for connection in mine:
            connection.close()


def test_a_new_request_takes_the_room_of_the_slowest_head(handmade):  # noqa: F811
    server, _ = handmade
    server.capacity = 4
    server.head_seconds = WAIT  # the slow heads never end on their own
    port = server.server_address[1]
    slow = []
    try:
        for n in range(server.capacity):  # idle: nothing sent yet, in the order of their arrival
            slow.append(connect(port, f"127.80.1.{n + 1}"))
            wait_open(server, n + 1)
        for round_ in range(3):  # each new request is answered; each time the slowest head is dropped
            with connect(port, f"127.80.2.{round_ + 1}") as new:
                new.sendall(request_line(port, "/public/index.html"))
                assert status_of(new) == 200
            assert [closed_by_server(c) for c in slow] == [n <= round_ for n in range(len(slow))]
            wait_open(server, server.capacity - 1)  # the answered one has ended too
            slow.append(connect(port, f"127.80.3.{round_ + 1}"))  # and a new slow one takes the room back
            slow[-1].sendall(b"G")
            wait_open(server, server.capacity)
    finally:
        for connection in slow:
            connection.close()


def test_a_connection_being_answered_or_streaming_is_never_dropped(handmade):  # noqa: F811
    server, _ = handmade
    server.capacity = 2
    server.head_seconds = WAIT
    port = server.server_address[1]
    stream = Events(port)
    try:
        stream.wait_for("errors", 1)
        idle = connect(port, "127.80.4.1")
        wait_open(server, 2)
        with connect(port, "127.80.4.2") as new:
            new.sendall(request_line(port, "/public/index.html"))
            assert status_of(new) == 200
        assert closed_by_server(idle)
        with server.room:
            assert server.streams == 1
        assert stream.reader.is_alive()
        idle.close()
    finally:
        stream.close()


def test_only_a_connection_waiting_on_its_client_may_be_dropped():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert waiting_on_client(ours)  # all it sent was read: the client holds things up
        theirs.sendall(b"GET / HTTP/1.1\r\n")
        assert not waiting_on_client(ours)  # a request its worker has yet to read (a burst): kept
        ours.recv(100)
        theirs.shutdown(socket.SHUT_WR)
        assert waiting_on_client(ours)  # the client hung up
    assert not waiting_on_client(ours)  # closed by its worker already: its room is being freed anyway
