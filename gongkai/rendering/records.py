"""Turns the supervision report, the archive register and the disclosure requests into the internal site's
record pages (督查情况, 归档登记, 依申请公开登记) and into the `report` command's text, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from gongkai.model import Audience, Config, Item
from gongkai.register import Entry, reviewed
from gongkai.rendering.charts import department_bars, window_timeline
from gongkai.supervision import Report
from gongkai.visibility import exposure

Output = tuple[str, bytes]


@dataclass(frozen=True)
class RegisterRow:
    number: str
    entry: Entry | None
    item: Item | None  # None: the file was deleted; its number stays taken

    @property
    def title(self) -> str:
        return self.item.title if self.item else (self.entry.title if self.entry else "")

    @property
    def review(self) -> tuple[str, str]:
        """审核人 and 审核日期: the item's while its review holds, else what the register kept of a removed one."""
        if self.item is not None:
            held = reviewed(self.item)
            return held if held else ("", "")
        return (self.entry.reviewed_by, self.entry.reviewed_on) if self.entry else ("", "")


def register_rows(items: tuple[Item, ...], entries: tuple[Entry, ...]) -> tuple[RegisterRow, ...]:
    by_id = {i.id: i for i in items}
    rows = [RegisterRow(e.number, e, by_id.get(e.id)) for e in entries]
    return tuple(rows)


def registered(rows: tuple[RegisterRow, ...], day: date) -> tuple[RegisterRow, ...]:
    """The rows members may read on `day`: an item numbered ahead of its window, or set back to draft, is not
    shown (nor its title) until they may see it; a deleted file's row stays, its number taken."""

    def readable(row: RegisterRow) -> bool:
        if row.item is not None:
            return exposure(row.item, Audience.INTERNAL, day) is not None
        return row.entry is not None and row.entry.valid_from <= day.isoformat()  # ISO dates sort as text

    return tuple(row for row in rows if readable(row))


def status_of(row: RegisterRow, day: date) -> str:
    """The status of a row members may read (see `registered`)."""
    if row.item is None:
        return "已移除" if row.entry and row.entry.retired_on else "源文件已删除"
    seen = exposure(row.item, Audience.INTERNAL, day)
    if seen is not None and not seen.full:
        return "已撤销"
    return "已到期" if seen and seen.archived else "正在公开"


def records_text(report: Report, rows: tuple[RegisterRow, ...]) -> tuple[str, ...]:
    """What the record pages show that is no item's own text (requests, deleted files' titles): members may
    read it, so a passage of it in a forbidden item is a coincidence, not a leak."""
    requests = [text for r in report.requests for text in (r.applicant, r.subject, r.reason)]
    deleted = registered(tuple(row for row in rows if row.item is None), report.day)
    return (*requests, *(row.title for row in deleted))


def render_records(report: Report, rows: tuple[RegisterRow, ...], config: Config, page: Callable[..., Output]) -> list[Output]:
    """The internal site's record pages, paths relative to the internal site; `page(path, template, **context)`
    is the site's own page renderer, so they share its layout, links and context."""
    charts = {
        "departments": department_bars(report.items, config, report.day),
        "timeline": window_timeline(report.items, config, report.day),
    }
    rows = registered(rows, report.day)
    status = {row.number: status_of(row, report.day) for row in rows}
    return [
        page("report.html", "report.html", report=report, charts=charts),
        page("register.html", "register.html", rows=rows, status=status),
        page("requests.html", "requests.html", requests=report.requests),
        ("register.csv", register_csv(rows, config, report.day)),
        ("register.json", _json([_register_record(r, config, report.day) for r in rows])),
    ]


def register_csv(rows: tuple[RegisterRow, ...], config: Config, day: date) -> bytes:
    """The `registered` rows as CSV. UTF-8 with BOM so that Excel opens it as Chinese; csv quotes commas, quotes and newlines in titles."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = {"number": "索引号", "title": "标题", "category": "类别", "issuer": "发布机构", "doc_number": "文号",
              "date": "成文日期", "valid_from": "公开日期", "valid_until": "截止日期", "scope": "公开范围", "status": "状态",
              "source": "源文件", "reviewed_by": "审核人", "reviewed_on": "审核日期", "retired_on": "移除日期",
              "retired_reason": "移除原因"}  # fmt: skip
    writer.writerow(header.values())
    for row in rows:
        record = _register_record(row, config, day)
        writer.writerow(["" if record.get(key) is None else record.get(key) for key in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _register_record(row: RegisterRow, config: Config, day: date) -> dict[str, Any]:
    item = row.item
    entry = config.entry(item.category) if item else None
    return {
        "number": row.number,
        "title": row.title,
        "category": entry.name if entry else (row.entry.category if row.entry else ""),
        "issuer": item.issuer if item else "",
        "doc_number": item.doc_number if item else "",
        "date": item.date.isoformat() if item else "",
        "valid_from": item.valid_from.isoformat() if item else (row.entry.valid_from if row.entry else ""),
        "valid_until": item.valid_until.isoformat()
        if item and item.valid_until
        else (row.entry.valid_until if row.entry else ""),
        "scope": item.scope.label if item else "",
        "status": status_of(row, day),
        "source": item.source if item else "",
        "reviewed_by": row.review[0],
        "reviewed_on": row.review[1],
        "retired_on": row.entry.retired_on if row.entry and not item else "",
        "retired_reason": row.entry.retired_reason if row.entry and not item else "",
    }


def _json(value: Any) -> bytes:
    # Compact: with indent, json falls back from its C encoder to Python, 10x slower on 10,000 items.
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def report_json(report: Report) -> bytes:
    return _json(
        {
            "date": report.day.isoformat(),
            "overdue": report.overdue,
            "catalog": [
                {
                    "key": c.entry.key,
                    "name": c.entry.name,
                    "kind": c.entry.kind.value,
                    "every": c.entry.every,
                    "status": c.status,
                    "current": [i.id for i in c.current],
                    "last": c.last.id if c.last else None,
                    "last_date": c.last.valid_from.isoformat() if c.last else None,
                    "due": c.due.isoformat() if c.due else None,
                }
                for c in report.catalog
            ],
            "departments": [{"name": d.name, "count": d.count, "quota": d.quota, "met": d.met} for d in report.departments],
            "findings": [{"path": f.path, "line": f.line, "message": f.message} for f in report.findings],
            "requests": [
                {
                    "id": r.id,
                    "received": r.received.isoformat(),
                    "applicant": r.applicant,
                    "subject": r.subject,
                    "decision": r.decision,
                    "reason": r.reason,
                    "decided_on": r.decided_on.isoformat() if r.decided_on else None,
                }
                for r in report.requests
            ],
        }
    )


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["部分", "名称", "状态", "最近一期", "下次应公开", "说明"])
    for c in report.catalog:
        last = c.last.valid_from.isoformat() if c.last else ""
        writer.writerow(
            ["公开目录", c.entry.name, c.label, last, c.due.isoformat() if c.due else "", f"当前 {len(c.current)} 项"]
        )
    for d in report.departments:
        writer.writerow(["部门", d.name, "达标" if d.met else "未达标", "", "", f"本月 {d.count} 项 / 至少 {d.quota} 项"])
    for f in report.findings:
        writer.writerow(["提醒", f"{f.path}:{f.line}", "", "", "", f.message])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_text(report: Report) -> str:
    lines = [f"督查情况（{report.day.isoformat()}）", "", "公开目录："]
    width = max((len(c.entry.name) for c in report.catalog), default=4)
    for c in report.catalog:
        last = f"最近 {c.last.valid_from}" if c.last else "尚无"
        due = f"下次应在 {c.due} 前" if c.due else ""
        lines.append(f"  {c.entry.name.ljust(width, '　')}  {c.label:　<4}  {last}  {due}".rstrip())
    lines += ["", "部门本月公开情况："]
    for d in report.departments:
        lines.append(f"  {d.name}：{d.count} / {d.quota} 项  {'达标' if d.met else '未达标'}")
    pending = [r for r in report.requests if r.decision == "pending"]
    lines += ["", f"依申请公开：共 {len(report.requests)} 件，办理中 {len(pending)} 件"]
    if report.findings:
        lines += ["", f"需要处理（{len(report.findings)} 条）："]
        lines += [f"  {f}" for f in report.findings]
    lines += ["", "结论：有逾期事项，请尽快处理。" if report.overdue else "结论：没有逾期事项。"]
    return "\n".join(lines)
