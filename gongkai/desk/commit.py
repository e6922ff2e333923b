"""Turns the desk's 提交 into git: which files under content/ and register.yaml changed, and one commit of them
with the editor as author. Pushes only to a remote the person running `serve` named (--push)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

STATES = {"M": "已修改", "A": "新增", "D": "已删除", "R": "改名", "?": "新增"}


@dataclass(frozen=True)
class Change:
    path: str  # relative to the repository
    what: str  # 已修改 | 新增 | 已删除 | 改名


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=False, stdin=subprocess.DEVNULL
    )


def repository(folder: Path) -> Path | None:
    """The root of the git repository holding `folder`, or None."""
    try:
        done = _git(folder, "rev-parse", "--show-toplevel")
    except OSError:
        return None  # no git installed
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def pending(root: Path, paths: list[Path]) -> list[Change]:
    """What `paths` (the content folder and the register) hold that the last commit does not."""
    specs = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    done = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *specs)
    changes, fields = [], done.stdout.split("\0")
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        code = (entry[0] if entry[0] not in " ?" else entry[1]) if entry[:2] != "??" else "?"
        if code == "R":
            index += 1  # the old name follows a rename
        changes.append(Change(entry[3:], STATES.get(code, "已修改")))
    return changes


def commit(root: Path, paths: list[Path], message: str, author: str, push: str = "") -> str:
    """Commits the pending changes under `paths`; returns a sentence for the editor. Raises ValueError."""
    if not message.strip():
        raise ValueError("请写提交说明，例如“公开十一月党费收缴情况”。")
    if not author.strip():
        raise ValueError("请写上您的姓名（作为提交人）。")
    specs = [str(p.resolve().relative_to(root.resolve())) for p in paths]
    if not pending(root, paths):
        raise ValueError("没有需要提交的改动。")
    person = author.strip()
    ident = {"GIT_AUTHOR_NAME": person, "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_NAME": person, "GIT_COMMITTER_EMAIL": ""}
    env = {**os.environ, **ident}
    for args in (("add", "--all", "--", *specs), ("commit", "--quiet", "-m", message.strip(), "--", *specs)):
        done = _git(root, *args, env=env)
        if done.returncode != 0:
            raise ValueError(f"git 提交失败：{(done.stderr or done.stdout).strip()}")
    head = _git(root, "rev-parse", "--short", "HEAD").stdout.strip()
    said = f"已提交（{head}），提交人：{person}。"
    if push:
        done = _git(root, "push", push, "HEAD")
        said += "已推送到 " + push + "。" if done.returncode == 0 else f"推送到 {push} 失败：{done.stderr.strip()}"
    return said
