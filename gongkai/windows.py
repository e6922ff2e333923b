"""Turns items as written into items with effective windows: an open-ended item ends when a newer one replaces it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import groupby

from gongkai.model import Audience, Item, Status


def settle_windows(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """固定公开 items without an end are renewed: each is superseded the day a newer published item of its
    category starts. A public successor replaces any predecessor; an internal one only internal ones, so the
    public never loses an item to something it cannot see."""
    by_category = sorted(items, key=lambda i: (i.category, i.valid_from, i.id))
    settled: dict[str, Item] = {}
    for _, group in groupby(by_category, key=lambda i: i.category):
        members = list(group)
        for item in members:
            if item.valid_until is None and item.status is not Status.DRAFT:
                successor = next((s for s in members if _supersedes(s, item)), None)
                if successor is not None:
                    item = replace(item, valid_until=successor.valid_from - timedelta(days=1))
            settled[item.id] = item
    return tuple(settled[i.id] for i in items)


def _supersedes(newer: Item, older: Item) -> bool:
    return (
        newer.status is Status.PUBLISHED
        and not newer.review.holds  # waiting for review, it is shown nowhere: it replaces nothing yet
        and newer.valid_from > older.valid_from
        and (newer.scope is Audience.PUBLIC or older.scope is Audience.INTERNAL)
    )
