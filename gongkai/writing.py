"""The one writer: turns (path, bytes) pairs into the output folder without a reader ever seeing half a file.

A first build is written beside the output folder and swapped in whole. Later builds update it in place,
Lektor-style: only files whose bytes changed are written, each to a temporary file then renamed over the
old one; deeper files (item pages, attachments, stylesheets) before the pages that link to them, and
files that should no longer exist are removed last. A manifest of hashes makes "unchanged" cheap to know."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from pathlib import Path, PurePosixPath

MARKER = ".gongkai-output"
MANIFEST = ".cache/manifest.json"
# Present while a write is under way, and left behind by one that was interrupted: the tree may then be a mix of
# two builds. The next build repairs it completely; deploy and serve refuse it until then.
UNFINISHED = ".gongkai-unfinished"
_RENAME_EXCHANGE = 2


class OutputRefused(Exception):
    """The output folder is something we must not replace (exit code 2: the command, not the content, is wrong)."""


def write_tree(output: Path, files: Iterable[tuple[str, bytes]]) -> list[str]:
    """Makes `output` hold exactly `files`. Returns the paths written (not those left as they were)."""
    output = output.absolute()
    _refuse_foreign(output)
    wanted = {str(_safe(path)): data for path, data in files}  # all of it in hand before the disk is touched
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in wanted.items()}
    previous = _manifest(output)
    if previous is None:
        _write_fresh(output, wanted, hashes)
        return sorted(wanted)
    written = [
        path
        for path in sorted(wanted, key=_leaves_first)
        # unchanged since the last build (and not deleted or truncated by hand)
        if not (previous.get(path) == hashes[path] and _size(output / path) == len(wanted[path]))
    ]
    for _, level in groupby(written, key=lambda path: path.count("/")):  # leaves first: level by level
        _in_parallel([(output / path, wanted[path]) for path in level], _replace)
    for path in sorted(set(previous) - set(wanted), key=_leaves_first):
        (output / path).unlink(missing_ok=True)
        _remove_empty_parents(output / path, output)
    _replace(output / MANIFEST, json.dumps(hashes, sort_keys=True).encode())
    return written


def unfinished(output: Path) -> bool:
    """Whether `output` holds an interrupted (possibly mixed) write."""
    return (output / UNFINISHED).exists()


def update_files(output: Path, files: Iterable[tuple[str, bytes]], remove: Iterable[str] = ()) -> list[str]:
    """Rewrites a few files of a built output in place and removes `remove` (first, so that a failure half
    way leaves nothing that describes the old files), keeping the manifest true to the disk: serve's redraw
    of an edited item, ahead of the full build. Returns the paths written."""
    output = output.absolute()
    previous = _manifest(output)
    if previous is None:
        raise OutputRefused(f"{output}: 还没有完整生成过，不能只更新部分文件。")
    for path in remove:
        relpath = str(_safe(path))
        (output / relpath).unlink(missing_ok=True)
        previous.pop(relpath, None)
    written = []
    for path, data in files:
        relpath = str(_safe(path))
        _replace(output / relpath, data)
        previous[relpath] = hashlib.sha256(data).hexdigest()
        written.append(relpath)
    _replace(output / MANIFEST, json.dumps(previous, sort_keys=True).encode())
    return written


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _leaves_first(path: str) -> tuple[int, str]:
    return (-path.count("/"), path)


def _manifest(output: Path) -> dict[str, str] | None:
    if not (output / MARKER).exists():
        return None
    try:
        return json.loads((output / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None  # no usable manifest: write the whole tree afresh


def _write_fresh(output: Path, wanted: dict[str, bytes], hashes: dict[str, str]) -> None:
    """Builds the new tree beside `output` and swaps it in; on any failure the old tree stays as it was."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; a web server must be able to read the tree
        _in_parallel([(staging / relpath, data) for relpath, data in wanted.items()], _create)
        (staging / MARKER).write_text("Gongkai 生成的输出目录，请勿手工修改。\n", encoding="utf-8")
        (staging / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
        (staging / MANIFEST).write_text(json.dumps(hashes, sort_keys=True), encoding="utf-8")
        _swap(staging, output)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _in_parallel(files: list[tuple[Path, bytes]], write: Callable[[Path, bytes], None]) -> None:
    """Writes on two threads, each with its own folders. Creating a file costs the kernel far more than
    writing it on some disks, and two creations in one folder wait for each other; in two folders they do not."""
    folders: dict[Path, list[tuple[Path, bytes]]] = {}
    for target, data in files:
        folders.setdefault(target.parent, []).append((target, data))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    if len(files) < 200:
        for target, data in files:
            write(target, data)
        return
    shares: list[list[tuple[Path, bytes]]] = [[], []]
    for group in sorted(folders.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(lambda share=share: [write(t, d) for t, d in share]) for share in shares]:
            future.result()  # re-raises a failed write here


def _create(target: Path, data: bytes) -> None:
    with open(target, "wb") as file:
        file.write(data)


def _replace(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _refuse_foreign(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"{output}: 输出位置是一个文件，不是文件夹。请换一个 --output。")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).exists():
        raise OutputRefused(
            f"{output}: 这个文件夹已有内容，但不是 Gongkai 生成的；为免删除您的文件，构建不会覆盖它。"
            "请换一个 --output，或先清空这个文件夹。"
        )


def _safe(relpath: str) -> PurePosixPath:
    path = PurePosixPath(relpath)
    if path.is_absolute() or ".." in path.parts or not path.parts or path.as_posix() in (MARKER, MANIFEST):
        raise ValueError(f"refusing to write outside the output folder: {relpath!r}")
    return path


def _swap(staging: Path, output: Path) -> None:
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        return  # staging now holds the old tree; the caller removes it
    old = output.with_name(staging.name + "-old")
    os.rename(output, old)
    os.rename(staging, output)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): both names always exist, so there is no moment without output/."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
