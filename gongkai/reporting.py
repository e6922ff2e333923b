"""Turns a build's result and the `report` command's choices into the bytes it prints or saves: the period
report for superiors (上报), the 备案 list, or the supervision report as a workbook. Internal only: nothing here
reaches a public output."""

from __future__ import annotations

from datetime import date

from gongkai import periods
from gongkai.filing import filing
from gongkai.model import Audience
from gongkai.periods import Period, tally
from gongkai.reading import Snapshot
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
