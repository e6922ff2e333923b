from datetime import date

from gongkai.model import Audience, Status
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import is_item_file, parse_items
from gongkai.parsing.text import MAX_TEXT_BYTES
from gongkai.reading import read_snapshot
from tests.scratch import item, make_site


def parse(tmp_path, files):
    paths = make_site(tmp_path, files)
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    return parse_items(snapshot, parse_config(snapshot.config, snapshot.config_path))


def test_defaults_from_catalogue_and_site(tmp_path):
    parsed = parse(tmp_path, {"a.md": item(category="通知公告")})  # the category's name works as well as its key
    (only,) = parsed.items
    assert only.category == "notice"
    assert only.valid_until == date(2026, 11, 24)  # default_days 10, both ends inclusive
    assert only.department == "办公室" and only.issuer == "中共测试单位委员会"
    assert only.date == only.valid_from and only.status is Status.PUBLISHED and only.scope is Audience.PUBLIC


def test_aliases(tmp_path):
    parsed = parse(tmp_path, {"a.md": item(scope="党内"), "b.md": item(scope="社会", status="草稿"), "c.md": item(scope="党外")})
    assert [(i.scope, i.status) for i in parsed.items] == [
        (Audience.INTERNAL, Status.PUBLISHED),
        (Audience.PUBLIC, Status.DRAFT),
        (Audience.PUBLIC, Status.PUBLISHED),
    ]


def test_yaml_items_take_body_and_open_ended_fixed_items(tmp_path):
    yaml_item = "title: 组织设置\ncategory: org\nscope: public\nvalid_from: 2026-01-01\nbody: |\n  **加粗**\n"
    (only,) = parse(tmp_path, {"a/b.yaml": yaml_item}).items
    assert only.id == "a/b"
    assert only.valid_until is None
    assert "<strong>加粗</strong>" in only.body_html


def test_ignored_files():
    assert is_item_file("a/b.md") and is_item_file("a.yaml") and is_item_file("x.yml")
    assert not is_item_file("_draft.md") and not is_item_file("_old/a.md") and not is_item_file("a/.hidden.md")
    assert not is_item_file("requests/r1.yaml") and not is_item_file("a.pdf")


def test_extra_is_free_form(tmp_path):
    (only,) = parse(tmp_path, {"a.md": item(extra={"会议": "支委会", "人数": 7})}).items
    assert only.extra == {"会议": "支委会", "人数": 7}


def test_attachments_resolve_relative_to_the_item(tmp_path):
    files = {"2026/a.md": item(attachments=["../docs/x.pdf", "y.pdf"]), "docs/x.pdf": b"1", "2026/y.pdf": b"2"}
    (only,) = parse(tmp_path, files).items
    assert [(a.name, a.source) for a in only.attachments] == [("x.pdf", "docs/x.pdf"), ("y.pdf", "2026/y.pdf")]


def test_aliases_and_deep_nesting_in_extra_are_located_errors(tmp_path):
    bomb = "---\ntitle: x\ncategory: notice\nscope: public\nvalid_from: 2026-11-15\nextra:\n  a: &a [1, 1]\n  b: [*a, *a]\n---\n"
    deep = bomb.replace("  a: &a [1, 1]\n  b: [*a, *a]\n", "  a: " + "[" * 5000 + "]" * 5000 + "\n")
    parsed = parse(tmp_path, {"bomb.md": bomb, "deep.md": deep})
    assert parsed.items == ()
    assert [(p.path.rsplit("/", 1)[1], p.line) for p in parsed.errors] == [("bomb.md", 8), ("deep.md", 7)]


def test_item_files_are_bounded_in_size_but_attachments_are_not(tmp_path):
    big = item(body="正文。" * (MAX_TEXT_BYTES // 9), attachments=["big.pdf"])
    fits = item(body="正" * (MAX_TEXT_BYTES // 3 - 200), attachments=["big.pdf"])
    assert len(big.encode()) > MAX_TEXT_BYTES >= len(fits.encode())
    parsed = parse(tmp_path, {"big.md": big, "fits.md": fits, "big.pdf": b"%PDF" + bytes(3 * MAX_TEXT_BYTES)})
    assert [i.id for i in parsed.items] == ["fits"]
    (error,) = parsed.errors
    assert error.path.endswith("content/big.md") and error.line == 1
    assert "文件太大（2.0 MB），超过了 2 MB 的上限" in error.message
