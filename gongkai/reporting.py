"""Turns a build's result and the `report` command's choices into the bytes it prints or saves: the period
report for superiors (上报), the 备案 list, or the supervision report as a workbook. Internal only: nothing here
reaches a public output."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from gongkai import periods
from gongkai.filing import filing
from gongkai.model import Audience
from gongkai.parsing.config import parse_config
from gongkai.periods import Period, tally
from gongkai.pipeline import Options, Paths, run
from gongkai.problems import EXIT_OK, EXIT_OVERDUE, EXIT_USAGE
from gongkai.reading import Snapshot, read_snapshot
from gongkai.rendering.records import report_csv, report_json, report_text
from gongkai.rendering.site import SitePages
from gongkai.rendering.statements import (
    Statement,
    Table,
    filing_statement,
    statement_csv,
    statement_json,
    statement_text,
    statement_xlsx,
    tally_charts,
    tally_statement,
)
from gongkai.replacing import replace_whole
from gongkai.supervision import Report


def period_of(
    month: str | None, quarter: str | None, year: str | None, start: date | None, end: date | None, day: date
) -> Period | None:
    """The period the options name, or None (the supervision report of `day`). Raises ValueError, in Chinese."""
    if month:
        return periods.month(month)
    if quarter:
        return periods.quarter(quarter)
    if year:
        return periods.year(year)
    if start:
        return periods.between(start, end or day)
    return None


def statement(result, snapshot: Snapshot, period: Period | None, filed: bool, form: str) -> bytes:
    """The period report, or with `filed` the 备案 list (of `period`, or of everything up to the day)."""
    organisation = result.config.site.name
    requests = result.report.requests
    if filed:
        label = period.label if period else f"截至 {result.day.isoformat()}"
        chosen = filing(result.items, requests, result.config, result.day, period)
        document, charts = filing_statement(chosen, organisation, result.day, label), {}
    else:
        counted = tally(result.items, requests, result.config, period, result.day)
        document, charts = tally_statement(counted, organisation), tally_charts(counted)
    return render(result, snapshot, document, charts, form)


def render(result, snapshot: Snapshot, document: Statement, charts: dict[str, str], form: str) -> bytes:
    if form == "text":
        return (statement_text(document) + "\n").encode("utf-8")
    if form == "csv":
        return statement_csv(document)
    if form == "json":
        return statement_json(document)
    if form == "xlsx":
        return statement_xlsx(document)
    # The internal site's own page renderer: its layout and stylesheet link, as for the supervision page.
    site = SitePages(result.views[Audience.INTERNAL], result.config, snapshot.templates, snapshot.templates_root)
    _, html = site.page("report.html", "statement.html", statement=document, charts=charts)
    return html


def supervision_xlsx(report: Report) -> bytes:
    """The supervision report (督查) as a workbook, for those who file it as a spreadsheet."""
    tables = (
        Table(
            "公开目录",
            ("类别", "公开形式", "状态", "最近一期", "下次应公开", "正在公开"),
            tuple(
                (
                    c.entry.name,
                    c.entry.kind.label,
                    c.label,
                    c.last.valid_from.isoformat() if c.last else "",
                    c.due.isoformat() if c.due else "",
                    len(c.current),
                )
                for c in report.catalog
            ),
        ),
        Table(
            "部门本月",
            ("部门", "本月公开", "每月至少", "情况"),
            tuple((d.name, d.count, d.quota, "达标" if d.met else "未达标") for d in report.departments),
        ),
        Table("需要处理", ("位置", "说明"), tuple((f"{f.path}:{f.line}", f.message) for f in report.findings)),
    )
    conclusion = "有逾期事项，请尽快处理。" if report.overdue else "没有逾期事项。"
    return statement_xlsx(Statement(f"督查情况（{report.day.isoformat()}）", f"结论：{conclusion}", report.day, tables))


def report_command(paths: Paths, args: argparse.Namespace) -> int:
    form, out = args.format, args.out
    if form == "xlsx" and out is None:
        print("命令用法错误：xlsx 是 Excel 文件，不能显示在屏幕上。请加 --out 文件名，例如 --out 统计.xlsx。", file=sys.stderr)
        return EXIT_USAGE
    if args.end is not None and args.start is None:
        print("命令用法错误：--to 要和 --from 一起用，例如 --from 2026-10-01 --to 2026-12-31。", file=sys.stderr)
        return EXIT_USAGE
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    if out is not None and (place := _protected(out, paths, snapshot)):
        print(f"命令用法错误：--out {out} {place}，不能写在那里。请写到别的文件夹，例如 --out 督查报告.{form}。", file=sys.stderr)
        return EXIT_USAGE
    result = run(snapshot, Options(day=args.date, posters=False))
    report = result.report
    try:
        period = period_of(args.month, args.quarter, args.year, args.start, args.end, result.day)
    except ValueError as refusal:
        print(f"命令用法错误：{refusal}。", file=sys.stderr)
        return EXIT_USAGE
    if args.filing or period is not None:
        data = statement(result, snapshot, period, args.filing, form)
    elif form == "text":
        data = (report_text(report) + "\n").encode("utf-8")
    elif form == "html":
        data = dict(result.outputs)["internal/report.html"]
    elif form == "xlsx":
        data = supervision_xlsx(report)
    else:
        data = report_csv(report) if form == "csv" else report_json(report)
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        replace_whole(out, data)  # never a half-written file
        print(f"已写入 {out}")
    return EXIT_OVERDUE if report.overdue else EXIT_OK


def _protected(out: Path, paths: Paths, snapshot: Snapshot) -> str | None:
    """Why `out` may not be written, if it may not: a report never replaces the site's own files, and never lands
    where a build or a deploy would publish it (the internal report put in front of readers)."""
    if out.is_dir():
        return "是一个文件夹"
    for file, what in ((paths.config, "是配置文件"), (Path(snapshot.register_path), "是归档登记")):
        if out.resolve() == file.resolve():
            return what
    folders = [(paths.content, "事项文件夹"), (paths.templates, "模板文件夹"), (paths.output, "输出文件夹")]
    targets = parse_config(snapshot.config, snapshot.config_path).deploy
    folders += [(Path(t.dest), f"发布目标“{t.key}”的文件夹") for t in targets if not t.remote]
    for folder, what in folders:
        if out.resolve().is_relative_to(folder.resolve()):
            return f"位于{what} {folder}/ 里面"
    return None
