"""Turns requests and items into the 备案 list: what was not disclosed, in whole or in part, and why.

The city plan (梅州市住建局, 2011) asks for three things to be filed with the superior: catalogue items that
暂时不宜公开或不能公开 (here: items kept narrower than their catalogue entry's scope, with their scope_reason),
disclosed items that are 变更、撤销或终止 (here: withdrawn items, with their withdrawn_reason), and 依申请公开
requests and their handling (here: the refused and partly granted ones, with their reasons; the full request
register is the internal site's 依申请公开 page). Drafts are not filed: a draft is unfinished work, not a
decision not to disclose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongkai.model import Audience, Config, DisclosureRequest, Item, Status
from gongkai.periods import Period

REQUEST, WITHDRAWN, NARROWED = "依申请公开", "撤销", "暂不公开"


@dataclass(frozen=True)
class Filed:
    """One line of the 备案 list."""

    kind: str  # REQUEST, WITHDRAWN or NARROWED
    day: date  # decided on (requests), or began (items)
    reference: str  # the request's id or the item's 索引号
    subject: str
    outcome: str
    reason: str
    source: str
    line: int


def filing(
    items: tuple[Item, ...], requests: tuple[DisclosureRequest, ...], config: Config, day: date, period: Period | None = None
) -> tuple[Filed, ...]:
    """Everything to file as of `day`, or only what falls in `period`: a request by its decision date, an item
    by its window (a withdrawal notice on display in the period, or a narrowed item shown in it)."""
    cutoff = min(period.end, day) if period else day
    first = period.start if period else date.min
    filed = []
    for request in requests:
        decided = request.decided_on or request.received
        if request.decision in ("refused", "partly") and first <= decided <= cutoff:
            filed.append(
                Filed(
                    REQUEST,
                    decided,
                    request.id,
                    request.subject,
                    request.decision_label,
                    request.reason,
                    request.source,
                    request.line,
                )
            )
    for item in items:
        if (
            item.status is Status.DRAFT
            or item.review.holds
            or item.valid_from > cutoff
            or (item.valid_until and item.valid_until < first)
        ):
            continue
        reference = item.index_number or "待登记"
        if item.status is Status.WITHDRAWN:
            filed.append(
                Filed(
                    WITHDRAWN,
                    item.withdrawn_on or item.valid_from,
                    reference,
                    item.title,
                    "已撤销",
                    item.withdrawn_reason,
                    item.source,
                    item.line,
                )
            )
        entry = config.entry(item.category)
        if entry.scope is Audience.PUBLIC and item.scope is Audience.INTERNAL:
            filed.append(
                Filed(NARROWED, item.valid_from, reference, item.title, "仅党内公开", item.scope_reason, item.source, item.line)
            )
    order = {REQUEST: 0, NARROWED: 1, WITHDRAWN: 2}
    return tuple(sorted(filed, key=lambda f: (order[f.kind], f.day, f.reference, f.source)))
