from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gongkai.model import Audience, ReviewState, Status
from gongkai.visibility import exposure
from gongkai.windows import settle_windows
from tests.strategies import BASE
from tests.test_visibility import make


def test_open_ended_item_is_superseded_by_the_next_one():
    first = make(id="h1", category="org", valid_from=date(2026, 1, 5), valid_until=None, public_from=None)
    second = replace(first, id="h2", valid_from=date(2026, 7, 6))
    settled = dict((i.id, i) for i in settle_windows((second, first)))
    assert settled["h1"].valid_until == date(2026, 7, 5)
    assert settled["h2"].valid_until is None


def test_drafts_and_withdrawn_items_do_not_supersede():
    first = make(id="h1", category="org", valid_from=date(2026, 1, 5), valid_until=None, public_from=None)
    draft = replace(first, id="d", valid_from=date(2026, 3, 1), status=Status.DRAFT)
    withdrawn = replace(first, id="w", valid_from=date(2026, 4, 1), status=Status.WITHDRAWN)
    assert settle_windows((first, draft, withdrawn))[0].valid_until is None


def test_internal_successor_does_not_take_a_public_item_from_the_public():
    public = make(id="p", category="org", valid_from=date(2026, 1, 5), valid_until=None, public_from=None)
    internal = replace(public, id="i", valid_from=date(2026, 3, 1), scope=Audience.INTERNAL)
    later_internal = replace(internal, id="j", valid_from=date(2026, 5, 1))
    settled = dict((i.id, i) for i in settle_windows((public, internal, later_internal)))
    assert settled["p"].valid_until is None
    assert settled["i"].valid_until == date(2026, 4, 30)


def test_other_categories_and_fixed_windows_are_untouched():
    a = make(id="a", category="org", valid_from=date(2026, 1, 5), valid_until=None)
    b = make(id="b", category="dues", valid_from=date(2026, 2, 5), valid_until=date(2026, 2, 20))
    assert settle_windows((a, b)) == (a, b)


def test_a_public_item_stays_public_until_its_successor_goes_public():
    """先党内、后党外 on a renewal: members see the new version from its start; the public keeps the old one until
    the new one goes public, so that on no day does it see neither (整改后再次公开, a renewed 组织设置)."""
    old = make(id="old", category="org", valid_from=date(2026, 1, 5), valid_until=None, public_from=None)
    new = replace(old, id="new", valid_from=date(2026, 7, 6), public_from=date(2026, 7, 20))
    settled = dict((i.id, i) for i in settle_windows((old, new)))
    assert settled["old"].valid_until == date(2026, 7, 19)
    for day in (date(2026, 7, 6), date(2026, 7, 19), date(2026, 7, 20)):
        public = [i for i in settled.values() if exposure(i, Audience.PUBLIC, day)]
        assert [i.id for i in public] == (["old"] if day < new.public_from else ["new"]), day
    # An internal item is for members only: its successor replaces it the day members see that.
    inner = replace(old, id="inner", scope=Audience.INTERNAL)
    assert settle_windows((inner, new))[0].valid_until == date(2026, 7, 5)


def test_a_successor_waiting_for_review_replaces_nothing_yet():
    old = make(id="old", category="org", valid_from=date(2026, 1, 5), valid_until=None, public_from=None)
    waiting = replace(old, id="new", valid_from=date(2026, 7, 6), review=ReviewState.PENDING)
    assert settle_windows((old, waiting))[0].valid_until is None


RENEWALS = st.lists(
    st.tuples(
        st.integers(0, 60),  # starts, days after BASE
        st.sampled_from(Audience),
        st.none() | st.integers(0, 30),  # goes public this many days after it starts
        st.sampled_from([Status.PUBLISHED, Status.PUBLISHED, Status.WITHDRAWN, Status.DRAFT]),
    ),
    min_size=1,
    max_size=6,
)


@given(RENEWALS)
def test_no_audience_loses_a_fixed_item_without_its_replacement_in_view(renewals):
    """Open-ended items of one category: the day after an item ends, everyone it was for and saw it on its last
    day (members; the public too for a public item) sees a newer one of the category (never a day of neither)."""
    written = tuple(
        make(
            id=f"r{n}",
            category="org",
            valid_from=BASE + timedelta(days=start),
            valid_until=None,
            scope=scope,
            status=status,
            public_from=BASE + timedelta(days=start + after) if after is not None and scope is Audience.PUBLIC else None,
        )
        for n, (start, scope, after, status) in enumerate(renewals)
    )
    settled = settle_windows(written)
    for item in settled:
        if item.valid_until is None:
            continue
        day = item.valid_until + timedelta(days=1)
        for audience in (Audience.INTERNAL, Audience.PUBLIC) if item.scope is Audience.PUBLIC else (Audience.INTERNAL,):
            if exposure(item, audience, item.valid_until) is None:
                continue  # the audience did not see it on its last day: nothing to lose
            current = [(o, exposure(o, audience, day)) for o in settled if o.valid_from > item.valid_from]
            assert any(seen and seen.full and not seen.archived for _, seen in current), (item.id, audience, settled)
