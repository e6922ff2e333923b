"""Turns `python build.py deploy TARGET` into checks and a release: the output must be a finished build of today's
inputs made for today, and a members-only source goes only where the generated nginx config guards it; then
releases.py makes the release (or the rollback)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from gongkai.model import Config, DeployTarget
from gongkai.parsing.config import parse_config
from gongkai.pipeline import BUILD_RUNNING, Paths
from gongkai.problems import EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from gongkai.reading import read_snapshot
from gongkai.rendering.server import PATH as NGINX_CONF
from gongkai.rendering.server import guarded_sources, served_roots
from gongkai.writing import exclusive, unfinished

RELEASES = "releases"  # beside `current` in a target's folder: one folder per release
_ALWAYS_OPEN = ("public",)  # open under every config: its releases, recorded or not, may return anywhere

Clock = Callable[[], datetime]  # an aware datetime: "now" for deploy, injectable so that tests pick the day


class DeployRefused(Exception):
    """The deploy would publish something stale, broken or to the wrong readers; nothing was changed."""


def check_build(output: Path, fingerprint: str, today: date, allow_past: bool) -> date:
    """The output must be a finished build of exactly the inputs there are now, made for today (or, when
    allowed, for a past day: never for a future one, whose items have not started). Returns the build date."""
    if unfinished(output):
        raise DeployRefused(
            f"{output}/ 里的上次构建没有完成（被中断或出错），其中可能新旧文件混杂。"
            "请重新运行 python build.py build，完成后再发布。"
        )
    try:
        record = json.loads((output / ".gongkai-build.json").read_text("utf-8"))
        built = date.fromisoformat(str(record["date"]))
    except (OSError, ValueError, TypeError, KeyError):
        raise DeployRefused(f"{output}/ 里没有构建结果。请先运行 python build.py build。") from None
    if record.get("inputs") != fingerprint:
        raise DeployRefused(
            "内容、配置或模板在上次成功构建之后有改动（或上次构建失败）。请先运行 python build.py build，确认没有错误后再发布。"
        )
    if built > today:
        raise DeployRefused(
            f"上次构建的日期是 {built}，晚于今天（{today}）：发布它会提前公开尚未开始的事项。"
            f"请运行 python build.py build（不加 --date）按今天重新构建后再发布。"
        )
    if built < today and not allow_past:
        raise DeployRefused(
            f"上次构建的日期是 {built}，早于今天（{today}）：其中可能有已经到期的事项，缺少今天应公开的事项。"
            f"请运行 python build.py build（不加 --date）按今天重新构建后再发布；"
            f"确需发布过去某天的构建（例如临时恢复），加 --allow-past-date。"
        )
    return built


def check_exposure(target: DeployTarget, config: Config) -> None:
    """A source only members may read goes only where the generated nginx config guards it.

    Local and remote targets are judged alike, by path: Gongkai cannot see which web server serves either
    machine, so the one place it can vouch for is the root that output/server/nginx.conf serves that source
    from behind server.auth_file / server.allow (the first local target of the source, else
    server.root/SOURCE). A target anywhere else, or inside a folder served openly, is refused: whatever
    serves it there was not configured by us."""
    guarded = guarded_sources(config)
    if target.source not in guarded:
        return
    host, path = _host_and_path(target)
    roots = served_roots(config)
    if f"{path}/current" != roots[target.source]:
        raise DeployRefused(
            f"发布目标“{target.key}”的 {target.source}/ 只供党内查看，但 {target.dest} 不是生成的 nginx 配置"
            f"（output/{NGINX_CONF}）加了访问限制的位置 {roots[target.source].removesuffix('/current')}，"
            f"发布过去可能任何人都能看到。请把这个目标的 dest 改为该位置（并在服务器上使用生成的 nginx 配置）。"
        )
    # What is served openly: the open sources' roots, and the `current` of every open target on this machine.
    open_paths = [roots[s] for s in roots if s not in guarded]
    open_paths += [f"{p}/current" for h, p in map(_host_and_path, _open_targets(config, guarded)) if h == host]
    inside = next((p for p in open_paths if PurePosixPath(path).is_relative_to(p)), None)
    if inside:
        raise DeployRefused(
            f"发布目标“{target.key}”的 {target.source}/ 只供党内查看，但 {target.dest} 位于公开发布的文件夹 {inside} 里面，"
            f"会被当作公开内容提供。请把它放到公开文件夹以外。"
        )


def check_rollback_exposure(target: DeployTarget, config: Config, name: str, opened: list[str] | None) -> None:
    """A rollback puts `name` live under today's nginx config: judged like a deploy (check_exposure), and while
    the source is served openly, only a release that was itself made open may return."""
    check_exposure(target, config)
    if target.source in guarded_sources(config) or target.source in _ALWAYS_OPEN or name in (opened or []):
        return
    raise DeployRefused(
        f"要回退到的版本 {RELEASES}/{name} 发布时 {target.source}/ 只供党内查看（或没有记录它的公开范围），"
        f"而现在的配置把 {target.source}/ 公开提供：回退会把党内内容放到任何人都能看到的地方。"
        f"请不要回退，改为重新构建后运行 python build.py deploy {target.key} 发布。"
    )


def _host_and_path(target: DeployTarget) -> tuple[str | None, str]:
    """(the machine, None for this one; the folder). user@host and host are the same machine."""
    login, path = target.dest.split(":", 1) if target.remote else (None, target.dest)
    return login.rpartition("@")[2] if login else None, path.rstrip("/")


def _open_targets(config: Config, guarded: tuple[str, ...]) -> list[DeployTarget]:
    return [t for t in config.deploy if t.source not in guarded]


def run_command(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployRefused(f"命令失败（{shlex.join(command[:3])} …）：{done.stderr.strip() or done.returncode}")
    return done.stdout


def deploy_command(paths: Paths, key: str, rollback: bool, allow_past: bool, clock: Callable[[], datetime]) -> int:
    from gongkai import releases  # after this module: releases uses its checks

    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config = parse_config(snapshot.config, snapshot.config_path)
    target = next((t for t in config.deploy if t.key == key), None)
    if target is None:
        known = "、".join(t.key for t in config.deploy) or "（还没有配置 deploy）"
        print(f"命令用法错误：没有名为“{key}”的发布目标。可用：{known}", file=sys.stderr)
        return EXIT_USAGE
    ssh = os.environ.get("GONGKAI_SSH", "ssh")  # e.g. "ssh -p 2222 -i ~/.ssh/gongkai"
    now = clock().astimezone(ZoneInfo(config.site.timezone))  # "today" is the site's, as for the build
    try:
        if rollback:  # back to a release that was live: no new content reaches anyone
            if target.remote:
                messages = releases.rollback_remote(target, config, ssh, run_command)
            else:
                messages = releases.rollback_local(target, config)
        else:
            # The build's own lock, held while checking and copying: a build running meanwhile is waited for,
            # never half-published.
            with exclusive(paths.output, lambda: _progress(BUILD_RUNNING.format(output=paths.output))):
                built = check_build(paths.output, snapshot.fingerprint, now.date(), allow_past)
                check_exposure(target, config)
                source = paths.output / target.source
                if not source.is_dir():
                    raise DeployRefused(f"{source}/ 不存在：上次构建没有生成 {target.source}。")
                openly = target.source not in guarded_sources(config)  # recorded: what a rollback may bring back
                if target.remote:
                    messages = releases.deploy_remote(source, target, now, ssh, run_command, openly)
                else:
                    messages = releases.deploy_local(source, target, now, openly)
            messages.insert(0, f"发布 {target.source}（构建日期 {built}）：")
    except DeployRefused as refusal:
        print(f"无法发布：{refusal}", file=sys.stderr)
        return EXIT_CONTENT
    print("\n".join(messages))
    return EXIT_OK


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
