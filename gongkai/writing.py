"""The one writer: turns (path, bytes) pairs into the output folder, which is at every instant the old tree, the
new tree, or marked unfinished with a journal from which the next build repairs it completely.

Phase 1 writes every changed file into output/.gongkai-staging/ (a failure there removes it and leaves the old
tree as it was). Phase 2 only renames and removes: it first puts the journal in place (UNFINISHED: every path
about to be created, replaced or removed) and removes the seal (the build record), then moves the new files in
(deeper files before the pages that link to them), removes what is no longer wanted, and puts the manifest and
the seal back; removing UNFINISHED ends it. The manifest lists what we wrote, beside the marker, so that we
never delete what we did not write. One writer at a time: see locking.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gongkai.journal import (
    LEGACY_MANIFEST,
    MANIFEST,
    MARKER,
    STAGING,
    UNFINISHED,
    OutputRecord,
    WriteFailed,
    failure,
    files_on_disk,
    read_record,
    refuse_foreign,
    unfinished,
)
from gongkai.locking import acquire, release

__all__ = ["MANIFEST", "MARKER", "UNFINISHED", "Exclusive", "OutputRefused", "WriteFailed", "exclusive", "unfinished"]
__all__ += ["update_files", "write_tree"]

MARKER_TEXT = "Gongkai 生成的输出目录，请勿手工修改。\n".encode()
_BOOKKEEPING = {MARKER, MANIFEST, UNFINISHED, STAGING}


class OutputRefused(Exception):
    """The output folder is something we must not replace (exit code 2: the command, not the content, is wrong)."""


@dataclass(frozen=True)
class Exclusive:
    """An output folder while this process alone may write it: `root` to work in, `shown` for messages."""

    root: Path
    shown: Path


@contextmanager
def exclusive(output: Path, waiting: Callable[[], None] | None = None) -> Iterator[Exclusive]:
    """Waits until no other build writes `output`, then holds it (see locking.py)."""
    root = output.absolute()
    try:
        refuse_foreign(root, OutputRefused)
        held = acquire(root, waiting)
    except OSError as error:
        raise failure(output, error, False) from None
    # Whatever a build killed in phase 1 left is no one's now that we hold the folder.
    shutil.rmtree(root / STAGING, ignore_errors=True)
    try:
        yield Exclusive(root, output)
    finally:
        release(held)


def write_tree(
    output: Path | Exclusive,
    files: Iterable[tuple[str, bytes]],
    seal: tuple[str, bytes] | None = None,
    known: Mapping[str, str] | None = None,
) -> list[str]:
    """Makes the output hold exactly `files` and `seal`, a file vouching for the rest (the build record): it is
    removed before anything changes and written after everything else. Returns the paths written. `known`:
    the sha256 of files whose digest the caller already has (the build state), not computed again."""
    if not isinstance(output, Exclusive):
        with exclusive(output) as held:
            return write_tree(held, files, seal, known)
    root = output.root
    wanted = {_safe(path): data for path, data in files}  # all of it in hand before the disk is touched
    if seal is not None:
        wanted[_safe(seal[0])] = seal[1]
    known = known or {}
    hashes = {path: known.get(path) or hashlib.sha256(data).hexdigest() for path, data in wanted.items()}
    record = read_record(root)
    if record.trusted:
        changed = [p for p in wanted if not (record.manifest.get(p) == hashes[p] and _size(root / p) == len(wanted[p]))]
    else:  # interrupted, or no manifest: what is on disk is all we know
        present = files_on_disk(root, _BOOKKEEPING)
        if stray := sorted(present - set(wanted) - record.ours):
            raise OutputRefused(_unknown_message(output.shown, stray))
        changed = [p for p in wanted if p not in present or _bytes(root / p) != wanted[p]]
    removed = {p for p in record.ours - set(wanted) if os.path.lexists(root / p)}
    if os.path.lexists(root / LEGACY_MANIFEST):
        removed.add(LEGACY_MANIFEST)
    sealed = seal[0] if seal is not None else None
    changes = {p: wanted[p] for p in changed if p != sealed}
    if sealed is not None:
        changes[sealed] = wanted[sealed]  # always rewritten: it goes first and comes back last
    _apply(output, record, changes, removed, hashes, sealed)
    return sorted((p for p in changes if p != sealed), key=_leaves_first)


def update_files(output: Path | Exclusive, files: Iterable[tuple[str, bytes]], remove: Iterable[str] = ()) -> list[str]:
    """Rewrites a few files of a built output and removes `remove` (say, the build record and the memory, which
    no longer describe the tree), keeping the manifest true to the disk: serve's redraw of an edited item,
    ahead of the full build. Journaled like any write. Returns the paths written."""
    if not isinstance(output, Exclusive):
        with exclusive(output) as held:
            return update_files(held, files, remove)
    record = read_record(output.root)
    if not record.trusted:
        raise OutputRefused(f"{output.shown}: 还没有完整生成过（或上次生成被中断），不能只更新部分文件。")
    changes = {_safe(path): data for path, data in files}
    removed = {_safe(path) for path in remove} - set(changes)
    hashes = {p: h for p, h in record.manifest.items() if p not in removed}
    hashes |= {p: hashlib.sha256(data).hexdigest() for p, data in changes.items()}
    _apply(output, record, changes, {p for p in removed if os.path.lexists(output.root / p)}, hashes, None)
    return list(changes)


def _apply(
    output: Exclusive,
    record: OutputRecord,
    changes: dict[str, bytes],
    removed: set[str],
    hashes: dict[str, str],
    seal: str | None,
) -> None:
    """Phase 1 then phase 2 (see the module's docstring)."""
    root, staging = output.root, output.root / STAGING
    journal = sorted(set(changes) | removed | record.journal)
    try:
        staging.mkdir()
        _in_parallel([(staging / path, data) for path, data in changes.items()], _create)
        _create(staging / MANIFEST, json.dumps(hashes, sort_keys=True).encode())
        _create(staging / UNFINISHED, json.dumps({"journal": journal}, ensure_ascii=False, indent=0).encode())
        if not (root / MARKER).is_file():
            _create(staging / MARKER, MARKER_TEXT)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise failure(output.shown, error, False, root) from None
        raise
    try:
        os.replace(staging / UNFINISHED, root / UNFINISHED)  # from here on, a fault leaves a repairable tree
        if (staging / MARKER).exists():
            os.replace(staging / MARKER, root / MARKER)
        if seal is not None and os.path.lexists(root / seal):
            os.unlink(root / seal)
        conflicting = _conflicting(set(changes), removed)
        _remove(root, sorted(conflicting, key=_leaves_first))
        _move_in(staging, root, [p for p in changes if p != seal])
        _remove(root, sorted(removed - conflicting, key=_leaves_first))
        os.replace(staging / MANIFEST, root / MANIFEST)
        if seal is not None:
            os.replace(staging / seal, root / seal)
        shutil.rmtree(staging)
        os.unlink(root / UNFINISHED)
    except OSError as error:
        raise failure(output.shown, error, True, root) from None


def _move_in(staging: Path, root: Path, paths: list[str]) -> None:
    """Renames each staged file over its place, deepest first. A folder that does not exist yet is moved in
    whole (one rename for all of a first build's items)."""
    present: dict[str, bool] = {"": True}
    moved: set[str] = set()
    for path in sorted(paths, key=_leaves_first):
        parts = path.split("/")
        folders = ["/".join(parts[:n]) for n in range(1, len(parts))]
        if any(folder in moved for folder in folders):
            continue
        missing = next((f for f in folders if not present.setdefault(f, (root / f).is_dir())), None)
        if missing is None:
            os.replace(staging / path, root / path)
        else:
            os.rename(staging / missing, root / missing)
            moved.add(missing)
            present[missing] = True


def _conflicting(changes: set[str], removed: set[str]) -> set[str]:
    """Removed files in the way of a new one: a file where a folder must go, or inside a folder that becomes a file."""
    folders = {str(parent) for path in changes for parent in PurePosixPath(path).parents}
    return {r for r in removed if r in folders or any(str(parent) in changes for parent in PurePosixPath(r).parents)}


def _remove(root: Path, paths: list[str]) -> None:
    for path in paths:
        (root / path).unlink(missing_ok=True)
        parent = (root / path).parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


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
    """A new file in the staging folder (never there before: O_EXCL)."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as error:
        error.filename = error.filename or os.fspath(target)  # the message names the file the disk refused
        raise
    finally:
        os.close(descriptor)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if not path.is_symlink() else None
    except OSError:
        return None


def _leaves_first(path: str) -> tuple[int, str]:
    return (-path.count("/"), path)


def _safe(relpath: str) -> str:
    """`relpath` as a plain path inside the output, never one of our own bookkeeping files."""
    parts = relpath.split("/")
    if any(part in ("", ".", "..") for part in parts):  # rare: normalise, then judge
        path = PurePosixPath(relpath)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError(f"refusing to write outside the output folder: {relpath!r}")
        relpath, parts = path.as_posix(), list(path.parts)
    if parts[0] in _BOOKKEEPING or relpath == LEGACY_MANIFEST:
        raise ValueError(f"refusing to overwrite the writer's own bookkeeping: {relpath!r}")
    return relpath


def _unknown_message(shown: Path, stray: list[str]) -> str:
    listed = "、".join(stray[:5]) + (f" 等 {len(stray)} 个文件" if len(stray) > 5 else "")
    return (
        f"{shown}/{MANIFEST}: 生成记录丢失或损坏，无法确定 {shown}/ 中哪些文件是 Gongkai 生成的。"
        f"以下文件不属于本次构建：{listed}。为免删除您的文件，构建没有继续。"
        f"请把要保留的文件移到别处，再删除 {shown}/ 文件夹后重新构建。"
    )
