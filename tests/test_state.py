"""The build state: an output is taken as it is while its key is unchanged, and its leak scan is reused only
while its bytes and the audience's forbidden markers are both unchanged."""

from __future__ import annotations

import pytest

from gongkai import leaks, state
from gongkai.model import Audience
from gongkai.problems import Problems
from gongkai.state import Guard, Planned, State, markers_digest, realise
from tests.test_visibility import make

PAGE = "public/items/open.html"
TEXT = "<p>关于调整年度党费收缴标准的说明</p>".encode()


def guard(markers: list[leaks.Marker]) -> dict[Audience, Guard]:
    return {Audience.PUBLIC: Guard(markers, markers_digest(markers), lambda: "", leaks.OUTPUTS[Audience.PUBLIC])}


def planned(key: str, renders: list[str]) -> Planned:
    def render() -> list[tuple[str, bytes]]:
        renders.append(key)
        return [(PAGE, TEXT)]

    return Planned(PAGE, key, render, Audience.PUBLIC)


@pytest.fixture
def scanned(monkeypatch) -> list[str]:
    """The paths each scan is handed, in order."""
    paths: list[str] = []
    honest = leaks.scan

    def counting(outputs, *rest):
        outputs = list(outputs)
        paths.extend(path for path, _ in outputs)
        return honest(outputs, *rest)

    monkeypatch.setattr(state.leaks, "scan", counting)
    return paths


def test_an_unchanged_key_reuses_the_output_and_its_scan(scanned):
    renders: list[str] = []
    first = realise([planned("k1", renders)], State(), guard([]), fork=False, keep_bytes=True)
    again = realise([planned("k1", renders)], first.state, guard([]), fork=False, keep_bytes=True)
    assert renders == ["k1"] and again.files == [(PAGE, TEXT)] and again.rendered == ()
    assert scanned == [PAGE]  # once, by the first build
    changed = realise([planned("k2", renders)], again.state, guard([]), fork=False)
    assert renders == ["k1", "k2"] and changed.rendered == (PAGE,)
    assert scanned == [PAGE]  # drawn again, to the same bytes, against the same markers: not scanned again


def test_a_kept_page_is_scanned_again_when_a_new_internal_title_appears(scanned):
    """The page is reused (its key is unchanged), but what the public must not see changed: an item with
    that very title became internal. The scan of the kept bytes runs again and stops the build."""
    renders: list[str] = []
    first = realise([planned("k1", renders)], State(), guard([]), fork=False, keep_bytes=True)
    secret = make(id="secret", source="content/secret.md", title="关于调整年度党费收缴标准的说明", scope=Audience.INTERNAL)
    markers = leaks.forbidden([secret], Audience.PUBLIC, secret.valid_from)
    with pytest.raises(Problems, match=r"content/secret\.md:1: 泄露检查未通过：公开输出的 public/items/open\.html"):
        realise([planned("k1", renders)], first.state, guard(markers), fork=False)
    assert renders == ["k1"] and scanned == [PAGE, PAGE]


def test_an_output_removed_from_disk_is_made_again():
    renders: list[str] = []
    first = realise([planned("k1", renders)], State(), guard([]), fork=False)
    gone = State(first.state.made, first.state.scanned, previous_bytes=lambda path: None)
    again = realise([planned("k1", renders)], gone, guard([]), fork=False)
    assert renders == ["k1", "k1"] and again.files == [(PAGE, TEXT)]


# --- What serve keeps between saves: item fingerprints and the passages of forbidden texts -------------------


def test_a_kept_fingerprint_stands_only_for_an_item_that_prints_alike():
    from datetime import UTC, datetime, timedelta, timezone

    from gongkai.planning import Prints

    base = make(extra={"a": 1, "b": 2}, title="关于调整党费标准的说明")
    first = Prints({})
    printed = first.of(base), first.of(base, row=True)
    again = Prints({}, first.now)
    same_values = make(extra=base.extra, title="".join(["关于调整", "党费标准的说明"]))  # equal, not the same objects
    assert (again.of(same_values), again.of(same_values, row=True)) == printed
    changed = [
        make(extra={"b": 2, "a": 1}, title=base.title),  # equal dict, other order: a template may show the order
        make(extra={"a": 1.0, "b": 2}, title=base.title),  # 1 == 1.0, printed otherwise
        make(extra=base.extra, title=base.title, pinned=1),  # True == 1
        make(extra={"t": datetime(2026, 1, 1, tzinfo=UTC)}, title=base.title),
    ]
    tz = make(extra={"t": datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))}, title=base.title)
    for other in [*changed, tz]:
        kept = Prints({}, first.now).of(other)
        assert kept == Prints({}).of(other)  # never the remembered print of another-looking item


def test_kept_passages_are_the_passages_cut_again():
    from datetime import date

    hidden = make(scope=Audience.INTERNAL, title="关于调整年度党费收缴标准的内部说明", summary="仅限党员阅读的补充材料",
                  body_html="<p>" + "本次调整涉及全体在职党员的月缴纳额，请各支部核对后上报。" * 3 + "</p>")  # fmt: skip
    day = date(2026, 11, 15)
    fresh = leaks.forbidden([hidden], Audience.PUBLIC, day)
    cuts = leaks.Cuts()
    assert leaks.forbidden([hidden], Audience.PUBLIC, day, cuts) == fresh
    kept = leaks.Cuts(last=cuts.now)
    assert leaks.forbidden([hidden], Audience.PUBLIC, day, kept) == fresh  # taken from what was kept
    edited = make(scope=Audience.INTERNAL, title=hidden.title, summary="改过的补充材料，仍只给党员看", body_html=hidden.body_html)
    assert leaks.forbidden([edited], Audience.PUBLIC, day, leaks.Cuts(last=kept.now)) == leaks.forbidden(
        [edited], Audience.PUBLIC, day
    )
