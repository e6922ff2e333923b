"""Turns items, requests and the catalogue into the supervision report (督查): what is due, late or missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongkai.cadence import MONTHS, add_months, next_due, period_end
from gongkai.model import Audience, CatalogEntry, Config, DisclosureRequest, Item, Kind
from gongkai.problems import Problem
from gongkai.visibility import exposure

OK, DUE_SOON, OVERDUE, NEVER, ADHOC = "ok", "due-soon", "overdue", "never", "adhoc"
MISSING = "missing"  # never published, and its first due date has passed: as late as an overdue renewal
STATUS_LABELS = {
    OK: "正常",
    DUE_SOON: "即将到期",
    OVERDUE: "已逾期",
    NEVER: "从未公开",
    MISSING: "从未公开，已逾期",
    ADHOC: "随时公开",
}
LATE = (OVERDUE, MISSING)


@dataclass(frozen=True)
class CatalogStatus:
    entry: CatalogEntry
    current: tuple[Item, ...]
    last: Item | None
    due: date | None
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class DepartmentStatus:
    name: str
    count: int
    quota: int

    @property
    def met(self) -> bool:
        return self.count >= self.quota


@dataclass(frozen=True)
class Report:
    day: date
    catalog: tuple[CatalogStatus, ...]
    departments: tuple[DepartmentStatus, ...]
    findings: tuple[Problem, ...]  # things to act on, each pinned to a file and line
    requests: tuple[DisclosureRequest, ...]
    items: tuple[Item, ...]

    @property
    def overdue(self) -> bool:
        return any(c.status in LATE for c in self.catalog) or any(f.message.startswith("【逾期】") for f in self.findings)


def supervise(items: tuple[Item, ...], requests: tuple[DisclosureRequest, ...], config: Config, day: date) -> Report:
    """What is due, late or missing on `day`, from what members may see that day."""
    # Members read the report (the internal site's 督查情况): it counts, charts and names only what they may see
    # on `day` — no draft, no item whose window has not begun (its findings come when it does).
    seen = tuple(i for i in items if exposure(i, Audience.INTERNAL, day) is not None)
    return Report(
        day=day,
        catalog=tuple(_catalog_status(entry, seen, config, day) for entry in config.catalog),
        departments=_departments(seen, config, day),
        findings=tuple(_findings(seen, requests, config, day)),
        requests=tuple(sorted(requests, key=lambda r: (r.received, r.id), reverse=True)),
        items=seen,
    )


def _catalog_status(entry: CatalogEntry, items: tuple[Item, ...], config: Config, day: date) -> CatalogStatus:
    mine = sorted((i for i in items if i.category == entry.key), key=lambda i: (i.valid_from, i.id))
    current = tuple(i for i in mine if (e := exposure(i, Audience.INTERNAL, day)) and not e.archived)
    last = mine[-1] if mine else None
    if entry.kind is Kind.ADHOC or not entry.every:
        return CatalogStatus(entry, current, last, None, ADHOC)
    if last is None:
        first = first_due(entry, config.supervision.start or min((i.valid_from for i in items), default=None))
        return CatalogStatus(entry, current, None, first, MISSING if first and day > first else NEVER)
    due = next_due(last.valid_from, entry.kind.value, entry.every)
    if day > due:
        status = OVERDUE
    elif (due - day).days <= config.supervision.due_soon_days:
        status = DUE_SOON
    else:
        status = OK
    return CatalogStatus(entry, current, last, due, status)


def first_due(entry: CatalogEntry, start: date | None) -> date | None:
    """When a fixed or periodic entry's first item is due, the catalogue starting on `start` (supervision.start;
    without it, the day the earliest item began): fixed facts are shown from the first day, a periodic entry
    within its first period. None: nothing to count from yet."""
    if start is None or entry.kind is Kind.ADHOC or not entry.every:
        return None
    return start if entry.kind is Kind.FIXED else period_end(start, entry.every)


def _departments(items: tuple[Item, ...], config: Config, day: date) -> tuple[DepartmentStatus, ...]:
    """Each 科室 files at least its quota of items a month (counted by the month an item starts)."""
    this_month = [i for i in items if (i.valid_from.year, i.valid_from.month) == (day.year, day.month)]
    return tuple(
        DepartmentStatus(d.name, sum(1 for i in this_month if i.department == d.name), d.monthly_quota)
        for d in config.departments
    )


def _findings(items: tuple[Item, ...], requests: tuple[DisclosureRequest, ...], config: Config, day: date) -> list[Problem]:
    findings = []
    limits = config.supervision
    for item in items:
        entry = config.entry(item.category)
        seen = exposure(item, Audience.INTERNAL, day)
        live = seen is not None and not seen.archived
        if item.scope is Audience.PUBLIC and (rule := entry.window_rule) and live:
            findings.extend(_window_finding(item, entry, rule))
        if live and item.valid_until is None and entry.every and add_months(item.valid_from, MONTHS[entry.every]) < day:
            findings.append(
                Problem(
                    item.source,
                    item.line,
                    f"长期公开的事项自 {item.valid_from} 起已超过更新周期（{entry.cadence}），请公开新的一期。",
                )
            )
        for feedback in item.feedback:
            waited = (day - feedback.date).days
            if not feedback.response and waited > limits.feedback_days:
                message = f"【逾期】{feedback.date} 收到的反馈“{feedback.summary}”已 {waited} 天未答复（时限 {limits.feedback_days} 天）。"
                findings.append(Problem(item.source, feedback.line, message))
    for request in requests:
        waited = (day - request.received).days
        if request.decision == "pending" and waited > limits.request_days:
            message = f"【逾期】依申请公开“{request.subject}”已受理 {waited} 天仍未答复（时限 {limits.request_days} 天）。"
            findings.append(Problem(request.source, request.line, message))
    return sorted(findings)


def _window_finding(item: Item, entry: CatalogEntry, rule: tuple[int, int]) -> list[Problem]:
    """每次公开的时间一般控制在7至15天: a public item's public window against its entry's range."""
    start = item.public_from or item.valid_from
    days = (item.valid_until - start).days + 1 if item.valid_until else None
    if days is not None and rule[0] <= days <= rule[1]:
        return []
    length = f"{days} 天" if days else "长期"
    expected = f"目录“{entry.name}”规定为" if entry.public_days else "一般应为"
    message = f"{entry.kind.label}事项向社会公开的期限为{length}，{expected} {rule[0]}–{rule[1]} 天。"
    return [Problem(item.source, item.line, message)]
