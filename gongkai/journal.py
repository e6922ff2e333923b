"""Turns an output folder's bookkeeping (marker, manifest, unfinished-write journal) into what the writer may
trust about it, and a failed write into a `path: message` line an office clerk can act on."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MARKER = ".gongkai-output"
# What we wrote, with hashes; beside the marker, not in .cache/, so that `rm -rf output/.cache` cannot make us
# forget which files are ours.
MANIFEST = ".gongkai-manifest.json"
LEGACY_MANIFEST = ".cache/manifest.json"  # where outputs built before the manifest moved keep it
# Present while a write is under way, and left behind by one that was interrupted: the tree may then be a mix of
# two builds. It holds the journal; the next build repairs the tree completely; deploy and serve refuse it.
UNFINISHED = ".gongkai-unfinished"
STAGING = ".gongkai-staging"  # phase 1 of a write; whatever a killed build left there is removed by the next


class WriteFailed(Exception):
    """The disk refused a write (full, read-only, no permission): exit 1 with `path: message`, no traceback."""


@dataclass(frozen=True)
class OutputRecord:
    """What the output folder says about itself."""

    manifest: Mapping[str, str] = field(default_factory=dict)  # path -> SHA-256 of what the last write left
    journal: frozenset[str] = frozenset()  # what an interrupted write was creating, replacing or removing
    interrupted: bool = False
    has_manifest: bool = False

    @property
    def trusted(self) -> bool:
        """Whether the manifest describes the disk: written by a write that finished."""
        return self.has_manifest and not self.interrupted

    @property
    def ours(self) -> frozenset[str]:
        """Every path we may have written, so may remove."""
        return frozenset(self.manifest) | self.journal


def unfinished(output: Path) -> bool:
    """Whether `output` holds an interrupted (possibly mixed) write."""
    return os.path.lexists(output / UNFINISHED)


def read_record(root: Path) -> OutputRecord:
    interrupted = unfinished(root)
    journal: frozenset[str] = frozenset()
    if interrupted:
        listed = _load(root / UNFINISHED)
        journal = _paths(listed.get("journal") if isinstance(listed, dict) else None) or frozenset()
    if not (root / MARKER).is_file():
        return OutputRecord(journal=journal, interrupted=interrupted)
    for name in (MANIFEST, LEGACY_MANIFEST):
        manifest = _load(root / name)
        valid = isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values())
        if valid and (paths := _paths(list(manifest))) is not None and len(paths) == len(manifest):
            return OutputRecord(manifest, journal, interrupted, True)
        if os.path.lexists(root / name):
            break  # a damaged manifest is no manifest, even with an old one beside it
    return OutputRecord(journal=journal, interrupted=interrupted)


def refuse_foreign(root: Path, refusal: type[Exception]) -> None:
    if os.path.lexists(root) and not root.is_dir():
        raise refusal(f"{root}: 输出位置是一个文件，不是文件夹。请换一个 --output。")
    ours = os.path.lexists(root / MARKER) or unfinished(root)  # an interrupted first build may not have the marker yet
    if root.is_dir() and not ours and any(e.name != STAGING for e in os.scandir(root)):
        raise refusal(
            f"{root}: 这个文件夹已有内容，但不是 Gongkai 生成的；为免删除您的文件，构建不会覆盖它。"
            "请换一个 --output，或先清空这个文件夹。"
        )


def files_on_disk(root: Path, bookkeeping: set[str]) -> set[str]:
    """Every file (and symbolic link) below `root` but our bookkeeping, as paths inside it."""
    found = set()
    for folder, folders, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        if not prefix:
            folders[:] = [f for f in folders if f not in bookkeeping]
            files = [f for f in files if f not in bookkeeping]
        found.update(prefix + name for name in files)
        found.update(prefix + name for name in folders if os.path.islink(os.path.join(folder, name)))
    return found


def failure(shown: Path, error: OSError, midway: bool, root: Path | None = None) -> WriteFailed:
    """`output/public/index.html: 磁盘空间已满…`: the file the disk refused, as the user named the output."""
    place = _shown_path(error.filename2 or error.filename, shown, root)
    reason = {
        errno.ENOSPC: "磁盘空间已满，无法写入。请清理磁盘空间后重新构建。",
        errno.EDQUOT: "超出磁盘配额，无法写入。请清理空间或联系管理员后重新构建。",
        errno.EROFS: "输出文件夹所在的磁盘是只读的，无法写入。请换一个可写的 --output。",
        errno.EACCES: "没有写入权限。请检查输出文件夹的权限，或换一个 --output。",
        errno.EPERM: "没有写入权限。请检查输出文件夹的权限，或换一个 --output。",
    }.get(error.errno or 0, f"无法写入（{error.strerror or error}）。请检查磁盘后重新构建。")
    if midway:
        after = f"{shown}/ 只更新了一部分，已标记为未完成（deploy 和 serve 不会使用它）；问题解决后重新构建即可完整修复。"
    else:
        after = f"{shown}/ 保持原样，未做任何改动。"
    return WriteFailed(f"{place}: {reason}{after}")


def _shown_path(filename: object, shown: Path, root: Path | None) -> str:
    if not isinstance(filename, str | bytes | os.PathLike):
        return str(shown)
    path = Path(os.fsdecode(filename))
    if root is None or not path.is_absolute():
        return str(path if root is not None else shown)
    for base in (root / STAGING, root):
        if path.is_relative_to(base):
            relative = path.relative_to(base).as_posix()
            return str(shown) if relative == "." else f"{shown}/{relative}"
    return str(path)


def _load(path: Path) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _paths(listed: object) -> frozenset[str] | None:
    """Paths from the output's own bookkeeping, which we delete by: anything that could lead outside is dropped."""
    if not isinstance(listed, list):
        return None
    # Relative, normalised, nowhere above the output: every part a plain name.
    return frozenset(
        path
        for path in listed
        if isinstance(path, str) and "\0" not in path and all(p not in ("", ".", "..") for p in path.split("/"))
    )
