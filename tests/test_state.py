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
