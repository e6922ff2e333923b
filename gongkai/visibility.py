"""Decides, in the one place that does, what each audience sees on a given day; every output obeys it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from gongkai.model import Audience, CatalogEntry, Item, Status


@dataclass(frozen=True)
class Exposure:
    archived: bool  # the window has ended: internal archive (归档) only
    full: bool  # False: only the withdrawal notice (title and reason), never body or attachments


def exposure(item: Item, audience: Audience, day: date) -> Exposure | None:
    """How `audience` may see `item` on `day`, or None when it must not see it at all."""
    start = reaches(item, audience)
    if start is None or day < start:
        return None
    ended = item.valid_until is not None and day > item.valid_until
    if ended and audience is Audience.PUBLIC:
        return None
    return Exposure(archived=ended, full=item.status is Status.PUBLISHED)


def reaches(item: Item, audience: Audience) -> date | None:
    """The first day `audience` may see `item` (its end aside), or None when it never may."""
    # 审核把关: an item waiting for review (or changed since) is a draft to every audience.
    if item.status is Status.DRAFT or item.review.holds:
        return None
    if audience is Audience.INTERNAL:
        return item.valid_from
    # 先党内、后党外: a public item reaches the public only from public_from; members see it from valid_from.
    if item.scope is not Audience.PUBLIC:
        return None
    return max(item.valid_from, item.public_from or item.valid_from)


@dataclass(frozen=True)
class Shown:
    item: Item
    full: bool


@dataclass(frozen=True)
class View:
    """What one audience sees on one day, sorted for display: pinned first, then newest."""

    audience: Audience
    day: date
    current: tuple[Shown, ...]
    archive: tuple[Shown, ...]
    # Items this audience saw on an earlier day and no longer sees: their address keeps a notice (see notice()).
    notices: tuple[tuple[Item, Notice], ...] = ()

    def in_category(self, key: str) -> tuple[Shown, ...]:
        return tuple(s for s in self.current if s.item.category == key)

    @property
    def everything(self) -> tuple[Shown, ...]:
        return self.current + self.archive

    def only(self, categories: tuple[str, ...], carried: Collection[str] | None = None) -> View:
        """What is current, limited to `categories` (empty: all) and to the categories whose entries use the
        carrier (`carried`, see `carried_by`; None: no limit): a board's or the kiosk's share of the view."""
        keep = set(categories)
        return View(
            self.audience,
            self.day,
            tuple(
                s
                for s in self.current
                if (not keep or s.item.category in keep) and (carried is None or s.item.category in carried)
            ),
            (),
        )

    def on_site(self, catalog: tuple[CatalogEntry, ...]) -> View:
        """The share of a website: the public site carries only the entries that use `sites`; the internal
        site is the members' record and archive, and shows all they may see."""
        if self.audience is Audience.INTERNAL:
            return self
        carried = carried_by(catalog, "sites")
        return View(
            self.audience,
            self.day,
            tuple(s for s in self.current if s.item.category in carried),
            tuple(s for s in self.archive if s.item.category in carried),
            tuple(n for n in self.notices if n[0].category in carried),
        )

    def listed(self, catalog: tuple[CatalogEntry, ...]) -> tuple[CatalogEntry, ...]:
        """The categories a site lists (home page, category pages). The public site leaves out those that can
        never be public there: not carried on the site, or internal by the catalogue with no public exception
        (an item made public with scope_reason) in view."""
        if self.audience is Audience.INTERNAL:
            return catalog
        present = {s.item.category for s in self.everything}
        carried = carried_by(catalog, "sites")
        return tuple(e for e in catalog if e.key in carried and (e.scope is not Audience.INTERNAL or e.key in present))


def carried_by(catalog: tuple[CatalogEntry, ...], carrier: str) -> frozenset[str]:
    """The keys of the catalogue entries whose items `carrier` (sites, boards, kiosk) shows."""
    return frozenset(e.key for e in catalog if carrier in e.carriers)


def view(items: tuple[Item, ...], audience: Audience, day: date) -> View:
    current, archive, notices = [], [], []
    for item in items:
        seen = exposure(item, audience, day)
        if seen is not None:
            (archive if seen.archived else current).append(Shown(item, seen.full))
        elif (left := notice(item, audience, day)) is not None:
            notices.append((item, left))
    return View(
        audience,
        day,
        tuple(sorted(current, key=_display_order)),
        tuple(sorted(archive, key=_archive_order)),
        tuple(sorted(notices, key=lambda pair: pair[0].id)),
    )


@dataclass(frozen=True)
class Notice:
    """What stays at the address of an item its audience no longer sees: that it ended or was withdrawn, and when
    it was last seen. Never its text, summary or files."""

    last_day: date  # the last day the audience saw the item
    withdrawn: bool


def notice(item: Item, audience: Audience, day: date) -> Notice | None:
    """A notice when `audience` saw `item` on some day up to `day` but no longer sees it (its window ended, or
    it was withdrawn and its window ended), so old links and QR codes land somewhere honest; None when the
    audience sees it today or never saw it. Exposure only changes on the item's boundaries, so they are asked."""
    if exposure(item, audience, day) is not None:
        return None
    last_seen = None
    for boundary in sorted(_boundaries(item)):
        if boundary > day:
            break
        if exposure(item, audience, boundary) is not None:
            last_seen = boundary
        elif last_seen is not None:
            return Notice(last_day=boundary - timedelta(days=1), withdrawn=item.status is Status.WITHDRAWN)
    return None


def _display_order(shown: Shown) -> tuple:
    item = shown.item
    return (not item.pinned, -item.valid_from.toordinal(), -item.date.toordinal(), item.id)


def _archive_order(shown: Shown) -> tuple:
    item = shown.item
    return (-(item.valid_until or item.valid_from).toordinal(), item.id)


def item_change(item: Item, audience: Audience, day: date) -> date | None:
    """The first day after `day` on which `audience`'s view of `item` changes. Exposure only changes on the
    item's own boundaries (start, going public, the day after its end), so only those are checked."""
    now = exposure(item, audience, day)
    return next((d for d in sorted(_boundaries(item)) if d > day and exposure(item, audience, d) != now), None)


def _boundaries(item: Item) -> set[date]:
    """The days on which exposure may change: start, going public, the day after the end."""
    boundaries = {item.valid_from, item.public_from or item.valid_from}
    if item.valid_until is not None and item.valid_until < date.max:  # the last day has no day after
        boundaries.add(item.valid_until + timedelta(days=1))
    return boundaries


def next_change(items: tuple[Item, ...], audience: Audience, day: date) -> date | None:
    """The first day after `day` on which what `audience` sees changes: an item starts, goes public or ends."""
    return min((d for item in items if (d := item_change(item, audience, day)) is not None), default=None)
