"""Turns an output folder into a place where one process at a time writes: an exclusive flock on the folder itself.

Locking the folder's own descriptor writes nothing (a lock file would be one more thing in output/ to explain,
and to survive `rm -rf`). The lock dies with its process, so a build killed with kill -9 never blocks the next."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Held:
    root: Path
    descriptor: int
    created: bool  # this process made the folder: removed again if still empty on release


def acquire(root: Path, waiting: Callable[[], None] | None = None) -> Held:
    """Holds `root` (created if missing) for this process alone; calls `waiting` once if another holds it."""
    created = False
    told = False
    while True:
        if not root.is_dir():
            root.mkdir(parents=True, exist_ok=True)
            created = True
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None and not told:
                    waiting()
                    told = True
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            if _still_there(descriptor, root):
                return Held(root, descriptor, created)
        except BaseException:
            os.close(descriptor)
            raise
        # The holder removed the folder (a failed first build) or it was replaced: lock the one there now.
        os.close(descriptor)


def release(held: Held) -> None:
    if held.created:
        with contextlib.suppress(OSError):
            held.root.rmdir()  # only succeeds when empty: a failed first build leaves nothing behind
    os.close(held.descriptor)  # releases the lock


def _still_there(descriptor: int, root: Path) -> bool:
    try:
        path, held = os.stat(root), os.fstat(descriptor)
    except OSError:
        return False
    return (path.st_dev, path.st_ino) == (held.st_dev, held.st_ino)
