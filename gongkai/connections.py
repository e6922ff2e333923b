"""Turns accepted connections into served ones within what a preview can afford: as many at once, as slow, and
from one address, as one clerk's browser needs and far below what hurts the machine; the slowest head gives
way when all are taken, and every read of a head or body has one deadline for the whole."""

from __future__ import annotations

import collections
import contextlib
import http.server
import io
import select
import socket
import sys
import threading
import time
from typing import Any

# A preview serves one clerk's browser: these bounds are far above its needs and far below what hurts the machine.
CONNECTIONS = 128  # open at once; one more takes the room of the slowest head, or waits, then is told to come back
# Of which from one address (a browser opens 6-8 per host, plus its event streams): more from it wait their turn,
# parked without a thread (up to PARKED from all addresses, then told to come back), so that a slow client
# cannot take the room of everyone else, and one with many requests at once is still served, in turn.
PER_ADDRESS = 16
PARKED = 512
STREAMS = 32  # of which event streams (one per open tab); a browser opens at most 6 per host anyway
HEAD_SECONDS = 10.0  # from going idle to the end of a request's head; slower clients are dropped
SEND_SECONDS = 30.0  # for the client to take each chunk of an answer
# A desk request's body must arrive whole within 10 s plus 4 s per MiB (256 KiB/s, a slow office network): a
# 50 MB upload has 210 s, a form 18 s; a client that trickles it is cut off, however steady its trickle.
BODY_SECONDS = 10.0
BODY_BYTES_PER_SECOND = 256 * 1024
IDLE_WORKER_SECONDS = 30.0  # a worker thread with nothing to do for this long ends
KEEP_ALIVE_SECONDS = 15.0  # between two writes on an event stream, which tell a client that went away


class PreviewServer(http.server.HTTPServer):
    """Loopback only, with a deep listen queue; each connection served on a worker thread, as many workers as
    connections open at once (kept for the next burst until idle for a while), up to `capacity`."""

    request_queue_size = 1024  # 200 browsers' worth of requests at once wait in the kernel, not refused
    # The bounds, per server (a test narrows them).
    capacity, streams_allowed, per_address, parked_allowed = CONNECTIONS, STREAMS, PER_ADDRESS, PARKED
    head_seconds, send_seconds, keep_alive_seconds = HEAD_SECONDS, SEND_SECONDS, KEEP_ALIVE_SECONDS
    body_seconds, body_bytes_per_second = BODY_SECONDS, BODY_BYTES_PER_SECOND

    def body_deadline(self, length: int) -> float:
        """When a body of `length` bytes, starting now, must have arrived (time.monotonic())."""
        return time.monotonic() + self.body_seconds + length / self.body_bytes_per_second

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        # One lock guards the counts and the line of connections; waiting on it: the accepting thread and
        # counters on `room`, idle workers on `work` (woken one at a time: a burst never wakes them all).
        lock = threading.Lock()
        self.room, self.work = threading.Condition(lock), threading.Condition(lock)
        self.connections = self.streams = self.workers = 0
        self.waiting: collections.deque[tuple[Any, Any] | None] = collections.deque()
        self.closing = False
        # Each open connection: (its address, the turn at which it began reading its head, or None while it is
        # answered or streams). When all the room is taken, the one reading its head the longest is dropped.
        self.open: dict[Any, tuple[str, int | None]] = {}
        self.turn = 0
        self.by_address: collections.Counter[str] = collections.Counter()
        self.parked: dict[str, collections.deque[tuple[Any, Any]]] = {}  # address -> its connections over the cap
        self.wanting = False  # the accepting thread waits for room for a new connection
        super().__init__(address, handler)  # last: a failed bind closes the server, which uses the above

    def process_request(self, request: Any, client_address: Any) -> None:
        where = str(client_address[0])
        with self.room:
            if self.by_address[where] >= self.per_address:
                if sum(map(len, self.parked.values())) >= self.parked_allowed or self.closing:
                    _busy(request)
                    self.shutdown_request(request)
                else:
                    self.parked.setdefault(where, collections.deque()).append((request, client_address))
                    self.room.notify_all()
                return
            self.wanting = True
            self._evict()
            free = self.room.wait_for(lambda: self.connections < self.capacity or self.closing, self.head_seconds)
            self.wanting = False
            if not free or self.closing:
                _busy(request)
                self.shutdown_request(request)
                self._unpark()
                return
            self._start(request, client_address)

    def _evict(self) -> None:
        """With all the room taken, drops the connection that has been reading its head the longest (never one
        being answered or streaming): a slow or idle client gives way to a new one. Call with the lock held."""
        if self.connections < self.capacity:
            return
        reading = sorted((turn, id(request), request) for request, (_, turn) in self.open.items() if turn is not None)
        for _, _, request in reading:
            if waiting_on_client(request):
                self.open[request] = (self.open[request][0], None)  # dropped once
                with contextlib.suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)  # its worker's read ends at once; the worker closes it
                return

    def _start(self, request: Any, client_address: Any) -> None:
        """Gives a connection its room and a worker. Call with the lock held."""
        where = str(client_address[0])
        self.connections += 1
        self.by_address[where] += 1
        self.turn += 1
        self.open[request] = (where, self.turn)
        self.waiting.append((request, client_address))
        if self.connections > self.workers:  # no worker is free for it: one more (a thread costs 0.1 ms)
            self.workers += 1
            threading.Thread(target=self._work, daemon=True).start()
        else:
            self.work.notify()
        self.room.notify_all()

    def _unpark(self) -> None:
        """Starts parked connections whose address is under its cap again, while there is room and no new
        connection waits for it. Call with the lock held."""
        for where in list(self.parked):
            line = self.parked[where]
            while line and self.by_address[where] < self.per_address and self.connections < self.capacity:
                if self.wanting or self.closing:
                    return
                self._start(*line.popleft())
            if not line:
                del self.parked[where]

    def reading(self, request: Any) -> None:
        """The connection begins reading a request's head (again, after an answer): it may be dropped for room."""
        with self.room:
            if request in self.open and self.open[request][1] is None:
                self.turn += 1
                self.open[request] = (self.open[request][0], self.turn)

    def answering(self, request: Any) -> None:
        """The connection has its head and is being answered (or streams): it is not dropped for room."""
        with self.room:
            if request in self.open:
                self.open[request] = (self.open[request][0], None)

    def _work(self) -> None:
        while True:
            with self.work:
                if not self.work.wait_for(lambda: self.waiting, IDLE_WORKER_SECONDS) or self.waiting[0] is None:
                    self.workers -= 1
                    return
                request, client_address = self.waiting.popleft()
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                with self.room:
                    self.connections -= 1
                    where, _ = self.open.pop(request)
                    self.by_address[where] -= 1
                    if not self.by_address[where]:
                        del self.by_address[where]
                    self._unpark()
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

    def server_close(self) -> None:
        super().server_close()
        with self.room:
            for line in self.parked.values():
                for request, _ in line:
                    self.shutdown_request(request)
            self.parked.clear()
            self.waiting.append(None)  # tells every worker, once the connections before it are served, to end
            self.work.notify_all()


def waiting_on_client(request: socket.socket) -> bool:
    """Whether all a connection has sent was read (its worker waits for the client), not a request that arrived
    whole and that its worker has yet to read (a burst): only the former is dropped to make room. A look, never
    a wait (the socket's own timeout would make a read wait)."""
    poll = select.poll()
    try:
        poll.register(request, select.POLLIN | select.POLLRDHUP)
    except (ValueError, OSError):
        return False  # closed by its worker a moment ago: its room is being freed anyway
    events = poll.poll(0)
    return not events or bool(events[0][1] & ~select.POLLIN)  # nothing to read, or the client hung up


def _busy(request: socket.socket) -> None:
    body = "预览服务器正忙，请稍后刷新。".encode()
    head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}"
    try:
        request.setblocking(False)  # the accepting thread never waits on one client
        request.send(head.encode() + b"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass


class HeadReader(io.RawIOBase):
    """A socket's bytes, each read bounded by what is left of the time allowed for the request's head (or, set
    again, for its body): one deadline for the whole, which a trickle of bytes does not push back."""

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
