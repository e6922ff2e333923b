"""The desk's front-matter editor: an unchanged item keeps every byte; an edit touches only its key's lines."""

from __future__ import annotations

import codecs

import pytest

from gongkai.desk.frontmatter import Unreadable, create, edit, read
from tests.scratch import REPO

HAND_WRITTEN = """---
# 写给自己：这份通知每年十一月更新
title: 关于召开年度组织生活会的通知   # 以正式文件为准
scope: 党内
category: notice
valid_from: 2026-11-15

# 附件放在 attachments 里
attachments:
  - ../attachments/a.pdf
  - ../attachments/b.pdf
# 结尾的说明
---
正文第一段。

- 一
- 二
"""


def test_every_sample_item_is_unchanged_when_nothing_changes():
    sources = [p for p in (REPO / "content").rglob("*") if p.suffix in (".md", ".yaml") and not p.name.startswith("_")]
    sources = [p for p in sources if "requests" not in p.parts]
    assert len(sources) > 15
    for path in sources:
        data = path.read_bytes()
        document = read(data, path.name)
        assert edit(document, {}, document.body) == data, path


def test_crlf_and_bom_are_kept():
    data = codecs.BOM_UTF8 + HAND_WRITTEN.replace("\n", "\r\n").encode()
    document = read(data, "a.md")
    assert edit(document, {}, document.body) == data
    changed = edit(document, {"scope": "public"}, document.body)
    assert changed.startswith(codecs.BOM_UTF8) and b"\r\nscope: public\r\n" in changed
    assert changed.replace(b"scope: public", "scope: 党内".encode()) == data


def test_a_changed_value_replaces_only_its_lines_and_keeps_its_comment():
    document = read(HAND_WRITTEN.encode(), "a.md")
    changed = edit(document, {"title": "新标题", "valid_from": "2026-11-16"}, document.body).decode()
    expected = HAND_WRITTEN.replace("关于召开年度组织生活会的通知   #", "新标题   #").replace("2026-11-15", "2026-11-16")
    assert changed == expected


def test_a_list_is_replaced_without_the_comments_after_it():
    document = read(HAND_WRITTEN.encode(), "a.md")
    changed = edit(document, {"attachments": ["../attachments/c.pdf"]}, document.body).decode()
    assert "attachments:\n- ../attachments/c.pdf\n# 结尾的说明\n---\n" in changed
    assert "# 附件放在 attachments 里\n" in changed and "a.pdf" not in changed


def test_new_keys_follow_the_last_key_in_schema_order_and_removal_takes_the_lines():
    document = read(HAND_WRITTEN.encode(), "a.md")
    changed = edit(document, {"pinned": True, "department": "办公室", "attachments": None}, "新的正文\n").decode()
    expected = HAND_WRITTEN.split("attachments:\n")[0] + "department: 办公室\npinned: true\n# 结尾的说明\n---\n新的正文\n"
    assert changed == expected


def test_yaml_items_keep_their_body_as_a_block():
    data = "title: 标题\ncategory: notice  # 类别\nbody: |\n  第一段。\n\n  第二段。\n".encode()
    document = read(data, "a.yaml")
    assert document.body == "第一段。\n\n第二段。\n"
    assert edit(document, {}, document.body) == data
    changed = edit(document, {"category": "dues"}, "改后。\n").decode()
    assert changed == "title: 标题\ncategory: dues  # 类别\nbody: |\n  改后。\n"


def test_dates_are_written_bare_and_odd_texts_quoted():
    text = create({"title": "yes", "valid_from": "2026-11-15", "doc_number": "18", "summary": "一\n二"}, "正文\n").decode()
    assert text == "---\ntitle: 'yes'\nvalid_from: 2026-11-15\ndoc_number: '18'\nsummary: |-\n  一\n  二\n---\n正文\n"


@pytest.mark.parametrize("broken", ["title: 标题\n", "---\ntitle: [\n---\n", "---\n- a\n---\n"])
def test_files_that_cannot_be_edited_by_key_say_why(broken):
    with pytest.raises(Unreadable):
        read(broken.encode(), "a.md")
