"""The sample site, built for its fixed date, must match tests/golden/sample byte for byte (`make golden` to accept)."""

import json

from tests.golden import golden_form, read_golden, sample_outputs


def test_sample_site_matches_golden():
    expected = read_golden()
    actual = golden_form(sample_outputs())
    assert sorted(actual) == sorted(expected), "files differ: run `make golden` and review the diff"
    changed = [path for path in expected if actual[path] != expected[path]]
    assert changed == [], "run `make golden` and review the diff"


def test_sample_exercises_every_rule():
    outputs = sample_outputs()
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
