"""Turns the command line into pipeline calls, and their results into messages and exit codes for office staff."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from gongkai.arguments import parser
from gongkai.model import Audience
from gongkai.parsing.procedure import awaiting_review
from gongkai.pipeline import Options, Paths, Result, build, check, parse
from gongkai.problems import EXIT_CONTENT, EXIT_OK, EXIT_USAGE, Problem, Problems
from gongkai.reading import read_snapshot
from gongkai.register import dump_register, parse_register, update_register
from gongkai.replacing import replace_whole
from gongkai.writing import OutputRefused, WriteFailed


def main(argv: Sequence[str] | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """`clock`: what deploy takes as now (an aware datetime); tests pass one, so they need not run on that day."""
    args = parser().parse_args(argv)
    paths = Paths(content=args.content, config=args.config, templates=args.templates, output=args.output)
    if args.command == "build" and _inside(paths.output, paths.content):
        print(f"命令用法错误：输出文件夹 {paths.output} 不能放在 content/ 里面。", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "register":
            return _register(paths)
        if args.command == "report":
            from gongkai.reporting import report_command  # openpyxl loads only for a workbook

            return report_command(paths, args)
        if args.command == "deploy":
            from gongkai.deploy import deploy_command

            return deploy_command(paths, args.target, args.rollback, args.allow_past_date, clock or _now)
        if args.command == "serve":
            from gongkai.desk.app import open_desk
            from gongkai.preview import serve  # the watcher and server load only for `serve`

            desk = open_desk(paths, args.date, args.host, args.users, args.push)
            if isinstance(desk, str):
                print(f"无法启动：{desk}", file=sys.stderr)
                return EXIT_USAGE
            return serve(
                paths, Options(day=args.date, posters=not args.no_posters, search=not args.no_search), args.port, desk, args.host
            )
        if args.command == "import":
            from gongkai.importing.placing import import_command  # python-docx loads only for `import`

            scope, keep = args.scope, args.keep_original
            return import_command(args.content, args.config, args.templates, args.file, args.category, scope, keep, args.date)
        if args.command == "desk-user":
            from gongkai.desk.security import desk_user_command

            return desk_user_command(args.name)
        if args.command in ("new", "list", "next-change"):
            from gongkai.editing import editing_command

            return editing_command(paths, args)
        if args.command in ("review", "retire"):
            from gongkai.recording import retire_command, review_command

            if args.command == "review":
                return review_command(paths, args.file, args.by, args.date)
            return retire_command(paths, args.file, args.reason, args.date)
        progress = None if args.quiet else _progress
        options = Options(day=args.date, posters=not args.no_posters, search=not args.no_search, progress=progress)
        result = build(paths, options) if args.command == "build" else check(paths, options)
    except Problems as failure:
        _report_errors(failure.problems, args.command, paths.output)
        return EXIT_CONTENT
    except OutputRefused as refusal:
        print(f"命令用法错误：{refusal}", file=sys.stderr)
        return EXIT_USAGE
    except WriteFailed as failure:
        print(failure, file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        # Whatever was under way: the writer leaves output/ whole or marked unfinished, never a silent mix.
        print(f"\n已中断。若 {paths.output}/ 正在写入，它已被标记为未完成；下次构建会自动完整修复。", file=sys.stderr)
        return 130
    if result is None:
        if not args.quiet:
            print(f"内容、配置、模板和日期都与上次构建相同，{paths.output}/ 已是最新。")
        return EXIT_OK
    if not args.quiet:
        print(summary(result, args.command, paths.output))
    return EXIT_OK


def _register(paths: Paths) -> int:
    """The one command that writes beside the content: register.yaml, which editors commit."""
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config, items, _ = parse(snapshot)
    entries = parse_register(snapshot.register, snapshot.register_path)
    updated, changes = update_register(entries, items, config)
    if not changes:
        print(f"{snapshot.register_path} 已是最新，没有需要登记的新事项。")
        return EXIT_OK
    target = Path(snapshot.register_path)
    replace_whole(target, dump_register(updated))  # never a half-written register
    print(f"已更新 {target}（{len(changes)} 项）：")
    print("\n".join(f"  {change}" for change in changes))
    print(f"请把 {target} 和内容一起提交。")
    return EXIT_OK


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _inside(child: Path, parent: Path) -> bool:
    return child.resolve().is_relative_to(parent.resolve())


def _report_errors(problems: Sequence[Problem], command: str, output: Path) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    kept = f"{output}/ 保持原样，未做任何改动。" if command == "build" else ""
    print(f"\n共 {len(problems)} 个错误，请按上面的文件和行号逐一修改。{kept}", file=sys.stderr)


def summary(result: Result, command: str, output: Path) -> str:
    internal, public = result.views[Audience.INTERNAL], result.views[Audience.PUBLIC]
    done = f"构建完成，已写入 {output}/" if command == "build" else "检查通过，没有发现错误"
    lines = [f"{done}（公开日期 {result.day.isoformat()}）", ""]
    lines.append(f"  党内网站 internal/：正在公开 {len(internal.current)} 项，归档 {len(internal.archive)} 项")
    lines.append(f"  公开网站 public/：  正在公开 {len(public.current)} 项")
    files = Counter(path.split("/", 1)[0] for path, _ in result.outputs)
    lines.append(f"  文件：internal {files['internal']} 个，public {files['public']} 个，kiosk {files['kiosk']} 个")
    for board, seen in result.posters.items():
        lines.append(f"  海报 posters/{board}.pdf：{len(seen.current)} 项（{seen.audience.label}）")
    lines.append("")
    lines.append("  按类别（党内 / 公开）：")
    inside = Counter(s.item.category for s in internal.current)
    outside = Counter(s.item.category for s in public.current)
    width = max(len(e.name) for e in result.config.catalog)
    for entry in result.config.catalog:
        lines.append(f"    {entry.name.ljust(width, '　')}  {inside[entry.key]:>3} / {outside[entry.key]:<3}")
    if result.report and result.report.overdue:
        lines += ["", "  督查：有逾期事项，运行 python build.py report 查看。"]
    if waiting := awaiting_review(result.items):
        lines.append("")
        lines.append(f"  待审核 {len(waiting)} 项（审核前哪里都不显示）：")
        lines.extend(f"    {w}" for w in waiting)
    if result.warnings:
        lines.append("")
        lines.append(f"  警告 {len(result.warnings)} 条（不影响生成，建议核对）：")
        lines.extend(f"    {w}" for w in result.warnings)
    return "\n".join(lines)


def _now() -> datetime:
    return datetime.now(UTC)
