"""Turns two independent pure computations into one wall-clock span on two cores: the second runs in a forked
child (copy-on-write: it sees everything computed so far without copying it) and its result comes back pickled.

Threads would not help (the GIL); a process pool would re-import everything and pickle the inputs. Forking
is safe only while this process has a single thread, so with other threads running (serve's watcher and
server), or off Linux, both run here, one after the other — same results, no speed-up."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gongkai.problems import Problems

A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")
R = TypeVar("R")


def both(first: Callable[[], A], second: Callable[[], B], worth_it: bool = True) -> tuple[A, B]:
    """(first(), second()), computed at the same time when that is safe and `worth_it`. A `Problems` raised
    by either is raised here, both sides' problems together (so a run still reports every error at once).
    Should the child fail in any other way (a bug, the system killing it), `second` runs again here, so the
    failure surfaces as it would have without the fork."""
    if not worth_it or not _can_fork():
        return _together(first, second)
    read, write = os.pipe()
    # Objects the collector moves between generations are written to, which copies their pages into the
    # child; frozen, the heap both sides share stays shared (the gc documentation's advice for fork).
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any of the parent's cleanup
        gc.disable()
        os.close(read)
        try:
            try:
                message: tuple[str, Any] = ("ok", second())
            except Problems as failure:
                message = ("problems", failure.problems)
            with os.fdopen(write, "wb") as pipe:
                pickle.dump(message, pipe, protocol=pickle.HIGHEST_PROTOCOL)  # streamed: no second copy
        finally:
            os._exit(0)
    os.close(write)
    received: list[bool] = []

    def receive() -> B:
        received.append(True)
        return _receive(read, pid, second)

    try:
        return _together(first, receive)
    finally:
        gc.unfreeze()
        if not received:  # `first` failed before the child's result was read: stop the child and collect it
            os.close(read)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def split(function: Callable[[Sequence[T]], list[R]], values: Sequence[T], least: int = 200) -> list[R]:
    """function(values), computed as two halves at the same time; `function` maps a chunk to one result per
    value, in order. Fewer than `least` values are not worth a fork."""
    if len(values) < least:
        return function(values)
    middle = len(values) // 2
    head, tail = both(lambda: function(values[:middle]), lambda: function(values[middle:]))
    return head + tail


def _together(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    problems = []
    results: list = [None, None]
    for index, side in enumerate((first, second)):
        try:
            results[index] = side()
        except Problems as failure:
            problems.extend(failure.problems)
    if problems:
        raise Problems(problems)
    return results[0], results[1]


def _receive(read: int, pid: int, second: Callable[[], B]) -> B:
    try:
        with os.fdopen(read, "rb") as pipe:
            kind, value = pickle.load(pipe)
    except Exception:
        kind, value = "lost", None
    finally:
        os.waitpid(pid, 0)
    if kind == "problems":
        raise Problems(value)
    return value if kind == "ok" else second()


def _can_fork() -> bool:
    # Linux only: macOS's system libraries are not fork-safe, and Windows has no fork.
    single = threading.active_count() == 1
    return sys.platform.startswith("linux") and single and os.environ.get("GONGKAI_SERIAL") != "1"
