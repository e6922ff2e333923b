from dataclasses import replace
from datetime import date

from gongkai.model import Audience, Status
from gongkai.windows import settle_windows
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
