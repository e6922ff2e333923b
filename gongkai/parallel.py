"""Turns two independent pure computations into one wall-clock span on two cores: the second runs in a forked
child (copy-on-write: it sees everything computed so far without copying it) and its result comes back pickled.

Threads would not help (the GIL); a process pool would re-import everything and pickle the inputs. Forking
is safe only while this process has a single thread, so with other threads running (serve's watcher and
server), or where fork does not exist, both run here, one after the other — same results, no speed-up."""

from __future__ import annotations

import gc
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gongkai.problems import Problems

A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")
R = TypeVar("R")


def both(first: Callable[[], A], second: Callable[[], B], worth_it: bool = True) -> tuple[A, B]:
    """(first(), second()), computed at the same time when that is safe and `worth_it`. A `Problems` raised
    by either is raised here, both sides' problems together (so a run still reports every error at once)."""
    if not worth_it or not _can_fork():
        return _together(first, lambda: second())
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
                message = ("ok", second())
            except Problems as failure:
                message = ("problems", failure.problems)
            except BaseException:  # any failure must reach the parent, which raises it
                message = ("crash", traceback.format_exc())
            with os.fdopen(write, "wb") as pipe:
                pickle.dump(message, pipe, protocol=pickle.HIGHEST_PROTOCOL)  # streamed: no second copy
        finally:
            os._exit(0)
    os.close(write)
    try:
        return _together(first, lambda: _receive(read, pid))
    finally:
        gc.unfreeze()


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


def _receive(read: int, pid: int) -> Any:
    try:
        with os.fdopen(read, "rb") as pipe:
            kind, value = pickle.load(pipe)
    except EOFError:
        raise RuntimeError("the forked half of the build ended without a result") from None
    finally:
        os.waitpid(pid, 0)
    if kind == "problems":
        raise Problems(value)
    if kind == "crash":
        raise RuntimeError(f"the forked half of the build failed:\n{value}")
    return value


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1 and os.environ.get("GONGKAI_SERIAL") != "1"
