"""Turns a built output tree into a live release: a new release folder, then one symlink swap, locally or over
rsync/ssh. Readers see the old release or the new one, never a mix; `--rollback` swaps back."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gongkai.model import DeployTarget

RELEASES = "releases"
# Fingerprinted files a page still being read may ask for after the swap: carried into the new release.
_FINGERPRINTED = re.compile(r"^(assets/style|kiosk)\.[0-9a-f]+\.(css|js)$")


class DeployRefused(Exception):
    """The deploy would publish something stale or broken; nothing was changed."""


def check_build(output: Path, fingerprint: str) -> str:
    """The output must exist and be built from exactly the inputs there are now. Returns the build date."""
    try:
        record = json.loads((output / ".gongkai-build.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise DeployRefused(f"{output}/ 里没有构建结果。请先运行 python build.py build。") from None
    if record.get("inputs") != fingerprint:
        raise DeployRefused(
            "内容、配置或模板在上次成功构建之后有改动（或上次构建失败）。请先运行 python build.py build，确认没有错误后再发布。"
        )
    return str(record.get("date", ""))


def release_name(now: datetime, existing: list[str]) -> str:
    base = now.strftime("%Y%m%dT%H%M%S")
    name, n = base, 1
    while name in existing:
        n += 1
        name = f"{base}-{n:03d}"  # sorts after the plain name, and -010 after -009
    return name


def deploy_local(source: Path, target: DeployTarget, now: datetime) -> list[str]:
    dest = Path(target.dest)
    releases = dest / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    name = release_name(now, sorted(p.name for p in releases.iterdir()))
    partial = releases / f".{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    shutil.copytree(source, partial, symlinks=False)
    current = dest / "current"
    carried = _carry_fingerprinted(current, partial) if current.exists() else 0
    os.rename(partial, releases / name)  # complete before anyone can see it
    _point(dest, f"{RELEASES}/{name}")
    removed = _prune(releases, target.keep, keep_also=name)
    messages = [f"已发布到 {dest}/current → {RELEASES}/{name}"]
    if carried:
        messages.append(f"  保留了上一版的 {carried} 个样式/脚本文件，正在打开的页面不会缺样式")
    if removed:
        messages.append(f"  清理旧版本 {len(removed)} 个（保留最近 {target.keep} 个）：{'、'.join(removed)}")
    return messages


def rollback_local(target: DeployTarget) -> list[str]:
    dest = Path(target.dest)
    names = [p.name for p in (dest / RELEASES).iterdir()] if (dest / RELEASES).is_dir() else []
    current = os.readlink(dest / "current").rsplit("/", 1)[-1] if (dest / "current").is_symlink() else None
    previous = _before(names, current, str(dest))
    _point(dest, f"{RELEASES}/{previous}")
    return [f"已回退：{dest}/current → {RELEASES}/{previous}（原为 {current}）"]


def _point(dest: Path, relative: str) -> None:
    """One rename(2) replaces the symlink: there is no moment without `current`."""
    link = dest / ".current.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(relative, link)
    os.replace(link, dest / "current")


def _carry_fingerprinted(current: Path, new: Path) -> int:
    carried = 0
    for path in current.rglob("*"):
        relative = path.relative_to(current).as_posix()
        if path.is_file() and _FINGERPRINTED.match(relative) and not (new / relative).exists():
            (new / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, new / relative)
            carried += 1
    return carried


def _releases(names: list[str]) -> list[str]:
    """Finished releases in age order (the names sort by time); partial uploads start with a dot."""
    return sorted(n for n in names if not n.startswith("."))


def _stale(names: list[str], keep: int, newest: str) -> list[str]:
    """Releases beyond the newest `keep`, never the one just made."""
    releases = _releases(names)
    return [n for n in releases[:-keep] if n != newest] if len(releases) > keep else []


def _before(names: list[str], current: str | None, dest: str) -> str:
    """The release a rollback returns to: the one before `current`."""
    releases = _releases(names)
    if current not in releases or releases.index(current) == 0:
        raise DeployRefused(f"{dest} 没有更早的版本可以回退。")
    return releases[releases.index(current) - 1]


def _prune(releases: Path, keep: int, keep_also: str) -> list[str]:
    old = _stale([p.name for p in releases.iterdir()], keep, keep_also)
    for name in old:
        shutil.rmtree(releases / name)
    return old


Runner = Callable[[list[str]], str]


def _remote(target: DeployTarget, ssh: str, run: Runner) -> tuple[str, str, Callable[[str], str]]:
    """(host, path, a function running a shell script there)."""
    host, path = target.dest.split(":", 1)
    shell = shlex.split(ssh)
    return host, path.rstrip("/"), lambda script: run([*shell, host, script])


def deploy_remote(source: Path, target: DeployTarget, now: datetime, ssh: str, run: Runner) -> list[str]:
    """The same release-and-swap scheme on another machine: rsync into a partial folder, rename, swap over ssh."""
    host, path, remote = _remote(target, ssh, run)
    quoted = shlex.quote(path)
    existing = remote(f"mkdir -p {quoted}/{RELEASES} && ls -1 {quoted}/{RELEASES}").split()
    name = release_name(now, existing)
    partial = f"{path}/{RELEASES}/.{name}.partial"
    link_dest = [f"--link-dest={path}/current/"] if "current" in remote(f"ls -1 {quoted}").split() else []
    # --checksum: a rebuild within the same second has equal sizes and times; only content tells files apart.
    run(["rsync", "-a", "--checksum", "--delete", "-e", ssh, *link_dest, f"{source}/", f"{host}:{partial}/"])
    swap = (
        f"cd {quoted} && mv {shlex.quote(partial)} {RELEASES}/{name} && "
        f"ln -sfn {RELEASES}/{name} .current.tmp && mv -T .current.tmp current"
    )
    remote(swap)
    old = _stale(remote(f"ls -1 {quoted}/{RELEASES}").split(), target.keep, name)
    if old:
        remote(f"cd {quoted}/{RELEASES} && rm -rf " + " ".join(shlex.quote(n) for n in old))
    messages = [f"已发布到 {host}:{path}/current → {RELEASES}/{name}"]
    if old:
        messages.append(f"  清理旧版本 {len(old)} 个（保留最近 {target.keep} 个）")
    return messages


def rollback_remote(target: DeployTarget, ssh: str, run: Runner) -> list[str]:
    _, path, remote = _remote(target, ssh, run)
    quoted = shlex.quote(path)
    names = remote(f"ls -1 {quoted}/{RELEASES}").split()
    current = remote(f"readlink {quoted}/current").strip().rsplit("/", 1)[-1]
    previous = _before(names, current, target.dest)
    remote(f"cd {quoted} && ln -sfn {RELEASES}/{previous} .current.tmp && mv -T .current.tmp current")
    return [f"已回退：{target.dest}/current → {RELEASES}/{previous}（原为 {current}）"]


def run_command(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployRefused(f"命令失败（{shlex.join(command[:3])} …）：{done.stderr.strip() or done.returncode}")
    return done.stdout
