"""Turns bytes into a file that replaces another whole: written to a fresh, unpredictable temporary file beside
it (O_EXCL, so a planted symlink or file of that name is never followed or reused), then renamed over it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_whole(target: Path, data: bytes, exclusive: bool = False) -> None:
    """Writes `data` to `target` all at once. `exclusive`: refuse (FileExistsError) when `target` already exists,
    even if another process creates it meanwhile."""
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), _mode(target))  # mkstemp's 0600 would hide a committed file from the web server
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if exclusive:
            os.link(temporary, target)  # link(2) never replaces: fails if the file appeared meanwhile
        else:
            os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _mode(target: Path) -> int:
    """The replaced file's permissions, else what a plain open() would have given a new file."""
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else 0o666 & ~_umask()


def _umask() -> int:
    """Read, not set: os.umask() would change it for every thread for a moment."""
    try:
        for line in Path("/proc/self/status").read_text("ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
