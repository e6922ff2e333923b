"""Turns a checked output folder into a live release: a new release folder, then one symlink swap, locally or over
rsync/ssh. Readers see the old release or the new one, never a mix; a rollback returns to what was live before,
following the history of what was live (never to a release that was itself rolled back)."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gongkai.deploy import RELEASES, DeployRefused, check_rollback_exposure
from gongkai.model import Config, DeployTarget
from gongkai.replacing import replace_whole

# The releases that were live, oldest first, one name a line, beside `current` (outside what is served). A
# rollback returns to the line before the last, never to a release that was itself rolled back.
HISTORY = "history"
# The releases made while their source was open to everyone, one name a line, beside `history`. Only these may
# return by rollback while the source is served openly: a members-only release (the kiosk before its audience
# became public), or one whose audience is not recorded, never goes live at an open address.
OPEN = "open"
# Fingerprinted files a page still being read may ask for after the swap: carried into the new release.
_FINGERPRINTED = re.compile(r"^(assets/(style|search)|kiosk)\.[0-9a-f]+\.(css|js)$")


def release_name(now: datetime, existing: list[str]) -> str:
    base = now.strftime("%Y%m%dT%H%M%S")
    name, n = base, 1
    while name in existing:
        n += 1
        name = f"{base}-{n:03d}"  # sorts after the plain name, and -010 after -009
    return name


def live_history(recorded: list[str] | None, releases: list[str], current: str | None) -> list[str]:
    """What was live, oldest first, made true to the disk: releases since removed drop out, and `current`
    is the last entry (a swap interrupted before its history was written is taken as what it left live).
    Without a history (releases made before it existed), the releases up to `current` in name order."""
    finished = _releases(releases)
    if recorded is None:
        recorded = finished[: finished.index(current) + 1] if current in finished else finished
    history = [name for name in recorded if name in finished]
    if current in history:
        return history[: history.index(current) + 1]
    return [*history, current] if current in finished else history


def _rolled_back(history: list[str], dest: str) -> list[str]:
    if len(history) < 2:
        raise DeployRefused(f"{dest} 没有更早的、曾经发布过的版本可以回退。")
    return history[:-1]


def _kept(history: list[str], releases: list[str], keep: int) -> tuple[list[str], list[str]]:
    """(the history kept, the releases to remove): the last `keep` that were live stay; releases that were
    rolled back, or are older, go."""
    kept = history[-keep:]
    return kept, [name for name in _releases(releases) if name not in kept]


def _releases(names: list[str]) -> list[str]:
    """Finished releases in name order; partial uploads start with a dot."""
    return sorted(n for n in names if n and not n.startswith("."))


# ---- local ----------------------------------------------------------------------------------------------


def deploy_local(source: Path, target: DeployTarget, now: datetime, openly: bool) -> list[str]:
    """`openly`: the source is served to everyone under the config being deployed (recorded for rollback)."""
    dest = Path(target.dest)
    releases = dest / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    names = [p.name for p in releases.iterdir()]
    history = live_history(_read_history(dest), names, _current(dest))
    name = release_name(now, sorted(names))
    partial = releases / f".{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    shutil.copytree(source, partial, symlinks=False)
    current = dest / "current"
    carried = _carry_fingerprinted(current, partial) if current.exists() else 0
    os.rename(partial, releases / name)  # complete before anyone can see it
    kept, removed = _kept([*history, name], [*names, name], target.keep)
    opened = [n for n in _read_list(dest, OPEN) or [] if n in kept] + ([name] if openly else [])
    _write_list(dest, OPEN, opened)  # before the swap: a release is never live without its audience on record
    _point(dest, f"{RELEASES}/{name}")
    _write_history(dest, kept)  # before pruning: a history never names more than the disk holds for long
    for old in removed:
        shutil.rmtree(releases / old)
    messages = [f"已发布到 {dest}/current → {RELEASES}/{name}"]
    if carried:
        messages.append(f"  保留了上一版的 {carried} 个样式/脚本文件，正在打开的页面不会缺样式")
    if removed:
        messages.append(f"  清理旧版本 {len(removed)} 个（保留最近发布的 {target.keep} 个）：{'、'.join(removed)}")
    return messages


def rollback_local(target: DeployTarget, config: Config) -> list[str]:
    dest = Path(target.dest)
    names = [p.name for p in (dest / RELEASES).iterdir()] if (dest / RELEASES).is_dir() else []
    current = _current(dest)
    history = _rolled_back(live_history(_read_history(dest), names, current), target.dest)
    check_rollback_exposure(target, config, history[-1], _read_list(dest, OPEN))
    _point(dest, f"{RELEASES}/{history[-1]}")
    _write_history(dest, history)
    return [f"已回退：{dest}/current → {RELEASES}/{history[-1]}（原为 {current}，它不会再被回退到）"]


def _current(dest: Path) -> str | None:
    return os.readlink(dest / "current").rsplit("/", 1)[-1] if (dest / "current").is_symlink() else None


def _read_history(dest: Path) -> list[str] | None:
    return _read_list(dest, HISTORY)


def _write_history(dest: Path, history: list[str]) -> None:
    _write_list(dest, HISTORY, history)


def _read_list(dest: Path, name: str) -> list[str] | None:
    try:
        return (dest / name).read_text("utf-8").split()
    except FileNotFoundError:
        return None


def _write_list(dest: Path, name: str, names: list[str]) -> None:
    """Written beside and renamed over: a reader finds the old list or the new one, never half of one."""
    replace_whole(dest / name, "".join(f"{n}\n" for n in names).encode("utf-8"))


def _point(dest: Path, relative: str) -> None:
    """One rename(2) replaces the symlink: there is no moment without `current`."""
    link = dest / f".current.{secrets.token_hex(8)}"  # unpredictable: symlink(2) fails rather than reuse a planted one
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


# ---- remote ---------------------------------------------------------------------------------------------

Runner = Callable[[list[str]], str]
_PART = "@@gongkai@@"  # separates the parts of the remote state (release names never contain @)


def _remote(target: DeployTarget, ssh: str, run: Runner) -> tuple[str, str, Callable[[str], str]]:
    """(host, path, a function running a shell script there)."""
    host, path = target.dest.split(":", 1)
    shell = shlex.split(ssh)
    return host, path.rstrip("/"), lambda script: run([*shell, host, script])


_ABSENT = "@@none@@"  # stands for a list file that does not exist


def _remote_state(remote: Callable[[str], str], quoted: str) -> tuple[list[str], str | None, list[str] | None, list[str] | None]:
    """(release names, the current release, the recorded history or None, the open releases or None) in one
    round trip."""
    lists = " && echo {0} && ".join(f"if [ -f {n} ]; then cat {n}; else echo {_ABSENT}; fi" for n in (HISTORY, OPEN))
    out = remote(
        f"mkdir -p {quoted}/{RELEASES} && cd {quoted} && ls -1 {RELEASES} && echo {_PART} && "
        f"(readlink current || true) && echo {_PART} && " + lists.format(_PART)
    )
    names, link, recorded, opened = [*out.split(_PART, 3), "", "", ""][:4]
    current = link.strip().rsplit("/", 1)[-1] or None
    return names.split(), current, _listed(recorded), _listed(opened)


def _listed(text: str) -> list[str] | None:
    return None if text.strip() == _ABSENT else text.split()


def _remote_list(name: str, names: list[str]) -> str:
    """The shell lines that write a list file whole: a fresh temporary file (mktemp, O_EXCL), one rename."""
    lines = " ".join(shlex.quote(n) for n in names)
    return f'temporary=$(mktemp .{name}.XXXXXXXX) && printf \'%s\\n\' {lines} > "$temporary" && mv -f "$temporary" {name}'


def _remote_swap(name: str, history: list[str]) -> str:
    """The shell lines that point `current` at `name` (one rename) and then record the history (one rename)."""
    return f"ln -sfn {RELEASES}/{shlex.quote(name)} .current.tmp && mv -T .current.tmp current && " + _remote_list(
        HISTORY, history
    )


def deploy_remote(source: Path, target: DeployTarget, now: datetime, ssh: str, run: Runner, openly: bool) -> list[str]:
    """The same release-and-swap scheme on another machine: rsync into a partial folder, rename, swap over ssh."""
    host, path, remote = _remote(target, ssh, run)
    quoted = shlex.quote(path)
    names, current, recorded, opened = _remote_state(remote, quoted)
    history = live_history(recorded, names, current)
    name = release_name(now, names)
    partial = f"{path}/{RELEASES}/.{name}.partial"
    link_dest = [f"--link-dest={path}/current/"] if current else []
    # --checksum: a rebuild within the same second has equal sizes and times; only content tells files apart.
    run(["rsync", "-a", "--checksum", "--delete", "-e", ssh, *link_dest, f"{source}/", f"{host}:{partial}/"])
    kept, old = _kept([*history, name], [*names, name], target.keep)
    opened = [n for n in opened or [] if n in kept] + ([name] if openly else [])
    remote(
        f"cd {quoted} && mv {shlex.quote(partial)} {RELEASES}/{name} && {_remote_list(OPEN, opened)} && "
        f"{_remote_swap(name, kept)}"
    )
    if old:
        remote(f"cd {quoted}/{RELEASES} && rm -rf " + " ".join(shlex.quote(n) for n in old))
    messages = [f"已发布到 {host}:{path}/current → {RELEASES}/{name}"]
    if old:
        messages.append(f"  清理旧版本 {len(old)} 个（保留最近发布的 {target.keep} 个）")
    return messages


def rollback_remote(target: DeployTarget, config: Config, ssh: str, run: Runner) -> list[str]:
    _, path, remote = _remote(target, ssh, run)
    quoted = shlex.quote(path)
    names, current, recorded, opened = _remote_state(remote, quoted)
    history = _rolled_back(live_history(recorded, names, current), target.dest)
    check_rollback_exposure(target, config, history[-1], opened)
    remote(f"cd {quoted} && {_remote_swap(history[-1], history)}")
    return [f"已回退：{target.dest}/current → {RELEASES}/{history[-1]}（原为 {current}，它不会再被回退到）"]
