"""Turns a period's tally and the 备案 list into tables, and tables into text, CSV, JSON and .xlsx for superiors."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gongkai.filing import Filed
from gongkai.periods import Tally
from gongkai.rendering.charts import stacked_bars

Cell = str | int


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Statement:
    """A titled set of tables: the period report (上报) or the 备案 list."""

    title: str
    lede: str
    day: date
    tables: tuple[Table, ...]


def tally_statement(tally: Tally, organisation: str) -> Statement:
    period = tally.period
    totals = tally.totals
    counted = f"（统计至 {tally.cutoff.isoformat()}，本期尚未结束）" if tally.cutoff < period.end else ""
    lede = (
        f"{organisation}{period.label}（{period.start.isoformat()} 至 {period.end.isoformat()}）党务公开情况{counted}："
        f"公开事项 {totals.total} 项，其中党内 {totals.internal} 项、向社会 {totals.public} 项。"
    )
    scope_header = ("党内", "向社会", "合计")
    feedback, requests = tally.feedback, tally.requests
    tables = (
        Table(
            "按类别",
            ("类别", *scope_header),
            tuple((c.label, c.internal, c.public, c.total) for c in (*tally.by_category, totals)),
        ),
        Table(
            "按部门",
            ("部门", *scope_header),
            tuple((c.label, c.internal, c.public, c.total) for c in tally.by_department),
        ),
        Table(
            "撤销事项",
            ("索引号", "标题", "公开期限", "撤销说明"),
            tuple(
                (i.index_number or "待登记", i.title, f"{i.valid_from} 至 {i.valid_until or '长期'}", i.withdrawn_reason)
                for i in tally.withdrawals
            ),
        ),
        Table(
            "意见反馈",
            ("收到", "已答复", "超期未答复或超期答复"),
            ((feedback["received"], feedback["answered"], feedback["overdue"]),),
        ),
        Table(
            "依申请公开",
            ("收到申请", "同意公开", "部分公开", "不予公开", "办理中"),
            (tuple(requests[k] for k in ("received", "granted", "partly", "refused", "pending")),),
        ),
        Table(
            "各部门完成情况",
            ("部门", "每月至少", "月数", "应公开", "实际公开", "未达标的月份"),
            tuple(
                (
                    q.name,
                    q.quota,
                    len(q.counts),
                    q.expected,
                    q.count,
                    "、".join(f"{m.year}年{m.month}月" for m in q.short_months) or "无",
                )
                for q in tally.quotas
            ),
        ),
    )
    return Statement(f"党务公开情况统计（{period.label}）", lede, tally.day, tables)


def filing_statement(filed: Sequence[Filed], organisation: str, day: date, label: str) -> Statement:
    lede = (
        f"{organisation}报上级备案的事项（{label}）：依申请公开中不予公开、部分公开的申请，"
        f"公开目录中暂不向社会公开的事项，以及已撤销的事项，共 {len(filed)} 项。"
    )
    table = Table(
        "备案清单",
        ("类型", "日期", "编号", "事项", "结果", "原因或说明", "源文件"),
        tuple((f.kind, f.day.isoformat(), f.reference, f.subject, f.outcome, f.reason, f"{f.source}:{f.line}") for f in filed),
    )
    return Statement(f"报上级备案清单（{label}）", lede, day, (table,))


def statement_text(statement: Statement) -> str:
    lines = [statement.title, "", statement.lede]
    for table in statement.tables:
        lines += ["", f"【{table.title}】"]
        if not table.rows:
            lines.append("  无")
            continue
        rows = [table.header, *(tuple(str(c) for c in row) for row in table.rows)]
        widths = [max(_width(row[n]) for row in rows) for n in range(len(table.header))]
        for row in rows:
            lines.append("  " + "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def statement_csv(statement: Statement) -> bytes:
    """Each table under its title, a blank row between; UTF-8 with BOM so that Excel opens it as Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([statement.title])
    writer.writerow([statement.lede])
    for table in statement.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statement_json(statement: Statement) -> bytes:
    document = {
        "title": statement.title,
        "summary": statement.lede,
        "date": statement.day.isoformat(),
        "tables": [{"title": t.title, "header": list(t.header), "rows": [list(r) for r in t.rows]} for t in statement.tables],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def statement_xlsx(statement: Statement) -> bytes:
    """A workbook with a summary sheet and a sheet per table. Byte for byte the same for the same statement:
    the document's dates are the report's day, and every member of the zip carries that date."""
    from openpyxl import Workbook  # loaded only when a workbook is asked for
    from openpyxl.styles import Alignment, Font
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    summary = book.active
    summary.title = "说明"
    summary.append([statement.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([statement.lede])
    summary["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    summary.column_dimensions["A"].width = 100
    for table in statement.tables:
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append(list(table.header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for n, name in enumerate(table.header):
            width = max([_width(str(name)), *(_width(str(row[n])) for row in table.rows)])
            sheet.column_dimensions[_column(n)].width = min(60, width + 2)
    moment = datetime(statement.day.year, statement.day.month, statement.day.day)
    book.properties.creator = "Gongkai"
    book.properties.created = book.properties.modified = moment
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # openpyxl's save_workbook would stamp the time of day
    return _restamp(raw.getvalue(), moment)


def _restamp(data: bytes, moment: datetime) -> bytes:
    """The same zip with every member dated `moment` (zipfile dates what it writes by the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            stamped.external_attr = info.external_attr
            target.writestr(stamped, source.read(info.filename))
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel refuses sheet names over 31 characters or with []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in title)[:31]


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def tally_charts(tally: Tally) -> dict[str, str]:
    """SVG charts for the HTML report, keyed by the title of the table each goes above."""
    by_scope = lambda counts: [(c.label, [("党内", c.internal), ("向社会", c.public)]) for c in counts]  # noqa: E731
    return {
        "按类别": stacked_bars("各类别公开事项数（党内 / 向社会）", by_scope(tally.by_category)),
        "按部门": stacked_bars("各部门公开事项数（党内 / 向社会）", by_scope(tally.by_department)),
        "各部门完成情况": stacked_bars(
            "各部门公开事项数与应公开数",
            [(q.name, [("实际公开", q.count), ("距应公开还差", max(q.expected - q.count, 0))]) for q in tally.quotas],
        ),
    }
