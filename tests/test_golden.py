"""The sample site, built for its fixed date, must match tests/golden/sample byte for byte (`make golden` to accept):
representative pages whole, every other file by its SHA-256."""

import json

import pytest

from tests.golden import MANIFEST, WHOLE, difference, golden_form, read_golden


def test_sample_site_matches_golden(sample):
    report = difference(read_golden(), golden_form(sample))
    if report:
        pytest.fail(report, pytrace=False)  # the diff alone: the assertion's repr would only repeat it


def test_golden_keeps_each_kind_of_page_whole_and_hashes_the_rest(sample):
    form = golden_form(sample)
    assert sorted(form) == sorted([*WHOLE, MANIFEST])  # every representative page still exists
    hashed = [line.split("  ", 1)[1] for line in form[MANIFEST].decode().splitlines()]
    assert sorted([*hashed, *WHOLE]) == sorted(p for p in sample if not p.startswith("."))


def test_a_difference_shows_the_first_changed_page_as_a_unified_diff(sample):
    expected = golden_form(sample)
    page = "public/items/adhoc/decision-committee.html"
    changed = {**sample, page: sample[page].replace("成文日期".encode(), "写成日期".encode(), 1)}
    changed["public/files/new.pdf"] = b"%PDF"  # a hashed file: the manifest differs, after the page
    report = difference(expected, golden_form(changed))
    lines = report.splitlines()
    assert lines[:2] == [f"differs: {page}", f"differs: {MANIFEST}"]
    diff = lines[lines.index(f"--- tests/golden/sample/{page}") :]
    assert diff[1] == f"+++ built/{page}" and diff[2].startswith("@@")
    assert any(line.startswith("-") and "成文日期" in line for line in diff)
    assert any(line.startswith("+") and "写成日期" in line for line in diff)
    assert difference(expected, golden_form(sample)) == ""


def test_sample_exercises_every_rule(sample):
    outputs = sample
    public = {p for p in outputs if p.startswith("public/")}
    internal = {p for p in outputs if p.startswith("internal/")}
    public_index = json.loads(outputs["public/items.json"])["items"]
    ids = {i["id"] for i in public_index}
    assert len(json.loads(outputs["internal/items.json"])["items"]) > len(ids) >= 8
    # 先党内后党外: public_from after the date keeps an item internal
    assert "internal/items/periodic/recruitment-probationary.html" in internal
    assert "periodic/recruitment-probationary" not in ids
    assert "periodic/recruitment-candidates" in ids
    # superseded fixed item: archived internally, gone publicly
    assert "fixed/2026-h1-org-setup" not in ids
    assert "2026年上半年党组织设置" in outputs["internal/archive.html"].decode()
    # withdrawn: notice only, no attachment
    withdrawn = outputs["public/items/adhoc/awards-2026-withdrawn.html"].decode()
    assert "本事项已撤销" in withdrawn and "拟表彰优秀共产党员" not in withdrawn
    assert not any("拟表彰名单.pdf" in p for p in public | internal)
    # drafts and future items appear nowhere
    for hidden in ("model-post-draft", "plan-2027-consultation"):
        assert not any(hidden in p for p in outputs)
    # internal attachments stay internal; the BOM and CRLF files were read
    assert "internal/files/attachments/三季度党费收缴明细.csv" in internal
    assert not any("党费" in p for p in public)
    assert "internal/items/periodic/budget-2026-10.html" in internal
    assert "internal/items/adhoc/appointment-internal.html" in internal
    assert not any("_template" in p for p in outputs)
