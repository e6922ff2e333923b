"""索引号 are stable: never changed, never reused, whatever files are added, deleted or renamed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gongkai.model import Status
from gongkai.parsing.config import parse_config
from gongkai.register import dump_register, number_items, parse_register, update_register
from tests.scratch import REPO
from tests.test_visibility import make

CONFIG = parse_config((REPO / "site_config.yaml").read_bytes(), "site_config.yaml")


def new_item(n: int, day_offset: int, category: str):
    return make(id=f"f{n}", title=f"事项{n}", category=category, valid_from=date(2026, 1, 1) + timedelta(days=day_offset))


operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 700), st.sampled_from(["dues", "decisions"])),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("rename"), st.integers(0, 50)),
        st.tuples(st.just("register")),
    ),
    max_size=40,
)


@given(operations)
def test_numbers_are_stable_under_edits(ops):
    items, entries, n = [], (), 0
    ever: dict[str, str] = {}  # number -> the title it was first given to
    for op in ops:
        if op[0] == "add":
            items.append(new_item(n, op[1], op[2]))
            n += 1
        elif op[0] == "delete" and items:
            items.pop(op[1] % len(items))
        elif op[0] == "rename" and items:
            index = op[1] % len(items)
            items[index] = replace(items[index], id=items[index].id + "-renamed")
        before = {e.number: e.title for e in entries}
        entries, _ = update_register(entries, tuple(items), CONFIG)
        entries = parse_register(dump_register(entries), "register.yaml")  # through the file, as editors commit it
        numbers = [e.number for e in entries]
        assert len(numbers) == len(set(numbers)), "a number was reused"
        for entry in entries:
            assert before.get(entry.number, entry.title) == entry.title, "a number moved to another item"
            assert ever.setdefault(entry.number, entry.title) == entry.title
        numbered, stale = number_items(tuple(items), entries, "register.yaml")
        assert stale == [] and all(i.index_number for i in numbered)
        assert {e.number for e in entries} >= set(before)  # deleted items keep their numbers


def test_pattern_and_serials():
    items = (new_item(0, 40, "dues"), new_item(1, 10, "dues"), new_item(2, 400, "dues"))
    entries, changes = update_register((), items, CONFIG)
    assert {e.id: e.number for e in entries} == {
        "f1": "QCZRZY-dues-2026-0001",
        "f0": "QCZRZY-dues-2026-0002",
        "f2": "QCZRZY-dues-2027-0001",
    }
    assert len(changes) == 3
    assert update_register(entries, items, CONFIG) == (entries, [])


def test_drafts_are_not_numbered_until_published():
    draft = replace(new_item(0, 1, "dues"), status=Status.DRAFT)
    entries, _ = update_register((), (draft,), CONFIG)
    assert entries == ()
    assert number_items((draft,), entries, "register.yaml")[1] == []
    published = replace(draft, status=Status.PUBLISHED)
    assert len(number_items((published,), entries, "register.yaml")[1]) == 1


def test_a_register_of_ten_thousand_items_is_read():
    """The register grows by about 210 bytes per item: a 10,000-item site's is past the 2 MB an item may be."""
    entry = "- id: {0:05d}\n  number: QCZRZY-activities-2026-{0:05d}\n  series: activities-2026\n  serial: {0}\n"
    entry += "  title: 第{0}号公开事项：关于activities工作的情况说明，再加一些字使它更长一点\n"
    entry += "  category: activities\n  valid_from: '2026-11-14'\n"
    data = ("numbers:\n" + "".join(entry.format(n) for n in range(1, 10_001))).encode()
    assert len(data) > 2 * 1024 * 1024
    entries = parse_register(data, "register.yaml")
    assert len(entries) == 10_000 and entries[-1].serial == 10_000
