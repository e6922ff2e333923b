"""The one writer: turns (path, bytes) pairs into the output folder, swapped in whole so no reader sees half a build."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

MARKER = ".gongkai-output"
_RENAME_EXCHANGE = 2


class OutputRefused(Exception):
    """The output folder is something we must not replace (exit code 2: the command, not the content, is wrong)."""


def write_tree(output: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Builds the new tree beside `output` and swaps it in; on any failure the old tree stays as it was."""
    output = output.absolute()
    _refuse_foreign(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; a web server must be able to read the tree
        for relpath, data in files:
            target = staging / _safe(relpath)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / MARKER).write_text("Gongkai 生成的输出目录，每次构建整体替换，请勿手工修改。\n", encoding="utf-8")
        _swap(staging, output)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


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
    if path.is_absolute() or ".." in path.parts or not path.parts:
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
