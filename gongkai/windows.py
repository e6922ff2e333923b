"""Turns items as written into items with effective windows: an open-ended item ends when a newer one replaces it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import groupby

from gongkai.model import Audience, Item, Status
from gongkai.visibility import reaches


def settle_windows(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """固定公开 items without an end are renewed: each ends the day before a newer published item of its category
    takes its place, which is the day that item reaches every audience the older one is for. So a public item
    stays public until its successor goes public (先党内、后党外: members see the successor first, and until it
    goes public the older one is still what the public is shown); an internal successor never replaces a public
    item, so the public never loses an item to something it cannot see."""
    by_category = sorted(items, key=lambda i: (i.category, i.valid_from, i.id))
    settled: dict[str, Item] = {}
    for _, group in groupby(by_category, key=lambda i: i.category):
        members = list(group)
        for item in members:
            if item.valid_until is None and item.status is not Status.DRAFT:
                days = [day for newer in members if (day := _takes_over(newer, item)) is not None]
                if days:
                    item = replace(item, valid_until=min(days) - timedelta(days=1))
            settled[item.id] = item
    return tuple(settled[i.id] for i in items)


def _takes_over(newer: Item, older: Item) -> date | None:
    """The day `newer` replaces `older`, or None if it never does."""
    if newer.status is not Status.PUBLISHED or newer.valid_from <= older.valid_from:
        return None
    audiences = (Audience.INTERNAL, Audience.PUBLIC) if older.scope is Audience.PUBLIC else (Audience.INTERNAL,)
    days = [reaches(newer, audience) for audience in audiences]  # None: waiting for review, or never public
    return None if None in days else max(d for d in days if d is not None)
