"""Turns a reporting period and the items, feedback and requests into the figures sent up to superiors (上报)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from gongkai.cadence import add_months
from gongkai.model import Audience, Config, DisclosureRequest, Item, Status

DECISIONS = ("granted", "partly", "refused", "pending")
UNASSIGNED = "（未写部门）"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str  # 2026年11月, 2026年第四季度, 2026年, 2026-11-01 至 2026-11-30

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def month(text: str) -> Period:
    """`2026-11`: that calendar month."""
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not found or not 1 <= int(found[2]) <= 12:
        raise ValueError(f"月份“{text}”格式不对，请写成 YYYY-MM，例如 2026-11")
    start = date(int(found[1]), int(found[2]), 1)
    return Period(start, add_months(start, 1) - timedelta(days=1), f"{start.year}年{start.month}月")


def quarter(text: str) -> Period:
    """`2026Q4` (or 2026q4, 2026-Q4): that calendar quarter."""
    found = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text)
    if not found:
        raise ValueError(f"季度“{text}”格式不对，请写成 YYYYQn，例如 2026Q4")
    start = date(int(found[1]), 3 * int(found[2]) - 2, 1)
    names = "一二三四"
    return Period(start, add_months(start, 3) - timedelta(days=1), f"{start.year}年第{names[int(found[2]) - 1]}季度")


def year(text: str) -> Period:
    """`2026`: that calendar year."""
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"年份“{text}”格式不对，请写成 YYYY，例如 2026")
    return Period(date(int(text), 1, 1), date(int(text), 12, 31), f"{text}年")


def between(start: date, end: date) -> Period:
    if end < start:
        raise ValueError(f"--to（{end}）早于 --from（{start}）")
    return Period(start, end, f"{start.isoformat()} 至 {end.isoformat()}")


@dataclass(frozen=True)
class Count:
    """Items published in the period under one heading (a category or a department), by scope."""

    label: str
    internal: int
    public: int

    @property
    def total(self) -> int:
        return self.internal + self.public


@dataclass(frozen=True)
class Quota:
    """A department against its monthly quota, month by month through the period."""

    name: str
    quota: int  # per month
    counts: tuple[tuple[date, int], ...]  # (first day of the month, items that began in it)

    @property
    def count(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def expected(self) -> int:
        return self.quota * len(self.counts)

    @property
    def short_months(self) -> tuple[date, ...]:
        return tuple(m for m, n in self.counts if n < self.quota)


@dataclass(frozen=True)
class Tally:
    """What a period shows, counted as of `day` (the report's date): nothing members cannot yet see."""

    period: Period
    day: date
    cutoff: date  # the last day counted: the period's end, or `day` if the period has not ended
    published: tuple[Item, ...]
    by_category: tuple[Count, ...]
    by_department: tuple[Count, ...]
    withdrawals: tuple[Item, ...]
    feedback: dict[str, int]  # received, answered, overdue
    requests: dict[str, int]  # received, granted, partly, refused, pending
    quotas: tuple[Quota, ...]

    @property
    def totals(self) -> Count:
        return Count("合计", sum(c.internal for c in self.by_category), sum(c.public for c in self.by_category))


def tally(items: tuple[Item, ...], requests: tuple[DisclosureRequest, ...], config: Config, period: Period, day: date) -> Tally:
    """Items count in the period they began (valid_from), each once, by its scope; a withdrawal counts in the
    period it was made (withdrawn_on); feedback and requests where they were received, with their state at the cutoff."""
    cutoff = min(period.end, day)
    counted = tuple(
        sorted(
            (i for i in items if i.status is not Status.DRAFT and not i.review.holds and period.start <= i.valid_from <= cutoff),
            key=lambda i: (i.valid_from, i.id),
        )
    )
    withdrawals = tuple(
        i
        for i in sorted(items, key=lambda i: (i.valid_from, i.id))
        # A withdrawal counts in the period it was made (withdrawn_on, required with every withdrawal).
        if i.status is Status.WITHDRAWN and i.withdrawn_on is not None and period.start <= i.withdrawn_on <= cutoff
    )
    return Tally(
        period=period,
        day=day,
        cutoff=cutoff,
        published=counted,
        by_category=tuple(_count(e.name, [i for i in counted if i.category == e.key]) for e in config.catalog),
        by_department=_by_department(counted, config),
        withdrawals=withdrawals,
        feedback=_feedback(items, period.start, cutoff, config.supervision.feedback_days),
        requests=_requests(requests, period.start, cutoff),
        quotas=_quotas(counted, config, period.start, cutoff),
    )


def _count(label: str, items: list[Item]) -> Count:
    public = sum(1 for i in items if i.scope is Audience.PUBLIC)
    return Count(label, len(items) - public, public)


def _by_department(items: tuple[Item, ...], config: Config) -> tuple[Count, ...]:
    names = [d.name for d in config.departments]
    names += sorted({i.department for i in items if i.department and i.department not in names})
    counts = [_count(name, [i for i in items if i.department == name]) for name in names]
    if unassigned := [i for i in items if not i.department]:
        counts.append(_count(UNASSIGNED, unassigned))
    return tuple(counts)


def _feedback(items: tuple[Item, ...], start: date, cutoff: date, limit: int) -> dict[str, int]:
    """Received in the period; answered by the cutoff; overdue: not answered within `limit` days (answered
    late, or still unanswered at the cutoff after more than `limit` days)."""
    figures = {"received": 0, "answered": 0, "overdue": 0}
    for item in items:
        if item.status is Status.DRAFT:
            continue
        for entry in item.feedback:
            if not start <= entry.date <= cutoff:
                continue
            figures["received"] += 1
            answered = bool(entry.response) and (entry.responded_on is None or entry.responded_on <= cutoff)
            figures["answered"] += answered
            waited = ((entry.responded_on or cutoff) if answered else cutoff) - entry.date
            figures["overdue"] += waited.days > limit
    return figures


def _requests(requests: tuple[DisclosureRequest, ...], start: date, cutoff: date) -> dict[str, int]:
    """Received in the period, by their decision as it stood at the cutoff (decided later: still pending)."""
    figures = dict.fromkeys(("received", *DECISIONS), 0)
    for request in requests:
        if not start <= request.received <= cutoff:
            continue
        figures["received"] += 1
        decided_later = request.decided_on is not None and request.decided_on > cutoff
        figures["pending" if decided_later else request.decision] += 1
    return figures


def _quotas(items: tuple[Item, ...], config: Config, start: date, cutoff: date) -> tuple[Quota, ...]:
    """每月各科室必须上报一篇: each department's items per calendar month of the period, against its quota."""
    months = []
    first = start.replace(day=1)
    while first <= cutoff:
        months.append(first)
        first = add_months(first, 1)
    return tuple(
        Quota(
            d.name,
            d.monthly_quota,
            tuple((m, sum(1 for i in items if i.department == d.name and i.valid_from.replace(day=1) == m)) for m in months),
        )
        for d in config.departments
    )
