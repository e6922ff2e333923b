"""Properties of the one visibility rule, over random items and days."""

from datetime import date

from hypothesis import given

from gongkai.model import Audience, Item, Status
from gongkai.visibility import exposure, view
from tests.strategies import days, items


@given(items(), days)
def test_whatever_the_public_sees_members_see_too(item, day):
    public = exposure(item, Audience.PUBLIC, day)
    if public is not None:
        assert exposure(item, Audience.INTERNAL, day) is not None


@given(items(), days)
def test_public_sees_only_public_current_started_items(item, day):
    seen = exposure(item, Audience.PUBLIC, day)
    if seen is not None:
        assert item.scope is Audience.PUBLIC
        assert item.status is not Status.DRAFT
        assert item.valid_from <= day and (item.public_from is None or item.public_from <= day)
        assert item.valid_until is None or day <= item.valid_until
        assert not seen.archived


@given(items(), days)
def test_drafts_and_future_items_reach_no_audience(item, day):
    if item.status is Status.DRAFT or day < item.valid_from:
        assert all(exposure(item, audience, day) is None for audience in Audience)


@given(items(), days)
def test_withdrawn_items_only_ever_show_their_notice(item, day):
    for audience in Audience:
        seen = exposure(item, audience, day)
        if seen is not None:
            assert seen.full == (item.status is Status.PUBLISHED)


@given(items(), days)
def test_window_bounds_are_inclusive(item, day):
    seen = exposure(item, Audience.INTERNAL, day)
    if item.status is not Status.DRAFT and item.valid_from <= day:
        assert seen is not None
        assert seen.archived == (item.valid_until is not None and day > item.valid_until)


def make(**changes):
    base = dict(
        id="a", source="content/a.md", title="t", category="notice", scope=Audience.PUBLIC, valid_from=date(2026, 11, 10),
        valid_until=date(2026, 11, 20), public_from=date(2026, 11, 12), status=Status.PUBLISHED, withdrawn_reason="",
        department="", issuer="", doc_number="", date=date(2026, 11, 10), pinned=False, summary="", body_html="",
    )  # fmt: skip
    return Item(**{**base, **changes})


def test_boundaries_by_example():
    item = make()
    seen = {d: exposure(item, Audience.PUBLIC, date(2026, 11, d)) for d in (9, 10, 11, 12, 20, 21)}
    assert [d for d, s in seen.items() if s] == [12, 20]  # public from public_from to valid_until, inclusive
    members = {d: exposure(item, Audience.INTERNAL, date(2026, 11, d)) for d in (9, 10, 20, 21)}
    assert members[9] is None and not members[10].archived and not members[20].archived and members[21].archived


def test_view_sorts_pinned_first_then_newest():
    old = make(id="old", valid_from=date(2026, 11, 1), public_from=None)
    new = make(id="new", valid_from=date(2026, 11, 5), public_from=None)
    pinned = make(id="pinned", valid_from=date(2026, 10, 1), pinned=True, public_from=None)
    shown = view((old, new, pinned), Audience.PUBLIC, date(2026, 11, 15)).current
    assert [s.item.id for s in shown] == ["pinned", "new", "old"]
