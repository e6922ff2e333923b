"""The desk mends a file its form cannot open (broken YAML, GBK, a missing ---) as text, checked by the real
parser; and the edit page links to the item's pages only where they exist, saying why not elsewhere."""

from __future__ import annotations

import codecs
import json
import re
from datetime import date

import pytest

from gongkai.desk.app import Desk, Request, open_desk
from gongkai.desk.saving import fingerprint
from gongkai.pipeline import Options, build
from tests.scratch import item, make_site
from tests.test_desk_app import SAME, post

DAY = date(2026, 11, 20)
BROKEN = "---\ntitle: 关于召开党员大会的通知\ncategory: notice\nscope: public\nvalid_from: 2026-11-15\nsummary: 时间: 下午: 三点\n---\n正文。\n"


@pytest.fixture
def desk(tmp_path) -> Desk:
    files = {
        "n/broken.md": BROKEN,
        "n/ok.md": item("已公开的通知", valid_until="2026-12-31"),
        "n/later.md": item("下月的通知", valid_from="2026-12-05"),
        "n/members.md": item("只给党员看的通知", scope="internal"),
        "n/gbk.md": item("旧电脑上写的通知").encode("gb18030"),
    }
    paths = make_site(tmp_path, files)
    opened = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(opened, Desk)
    opened.hosts = frozenset({SAME["host"]})
    return opened


def page(desk: Desk, relpath: str) -> str:
    return desk.handle(Request("GET", f"/desk/edit?path={relpath}", {})).body.decode()


def mend_setup(desk: Desk, relpath: str) -> dict:
    return json.loads(re.search(r'id="mend-setup">(.*?)</script>', page(desk, relpath), re.S).group(1))


def test_a_broken_file_opens_as_text_with_the_parsers_errors_by_line(desk):
    html = page(desk, "n/broken.md")
    assert 'id="item-form"' not in html and 'id="mend-text"' in html
    assert "请用文本编辑器" not in html  # nobody is sent to find the file by hand
    setup = mend_setup(desk, "n/broken.md")
    assert setup["text"] == BROKEN and setup["hash"] == fingerprint(BROKEN.encode())
    assert [e["line"] for e in setup["errors"]] == [6]
    assert "summary" in setup["errors"][0]["message"] or "冒号" in setup["errors"][0]["message"]


def test_mending_checks_refuses_while_unreadable_and_saves_once_the_form_can_open_it(desk):
    target = desk.paths.content / "n/broken.md"
    hash_ = fingerprint(target.read_bytes())
    status, found = post(desk, "/desk/api/mend", {"path": "n/broken.md", "hash": hash_, "text": BROKEN, "save": True})
    assert status == 422 and "还不能保存" in found["refused"] and found["errors"][0]["line"] == 6
    assert target.read_text("utf-8") == BROKEN  # nothing written
    fixed = BROKEN.replace("summary: 时间: 下午: 三点", "summary: 时间：下午三点")
    status, found = post(desk, "/desk/api/mend", {"path": "n/broken.md", "hash": hash_, "text": fixed})
    assert status == 200 and found["errors"] == [] and not found["unreadable"]
    assert target.read_text("utf-8") == BROKEN  # a check writes nothing
    status, found = post(desk, "/desk/api/mend", {"path": "n/broken.md", "hash": hash_, "text": fixed, "save": True})
    assert status == 200 and found["saved"] == "n/broken.md"
    assert target.read_text("utf-8") == fixed
    assert 'id="item-form"' in page(desk, "n/broken.md")  # the form opens it now


def test_mending_keeps_the_files_bom_and_line_endings(tmp_path):
    broken = BROKEN.replace("\n", "\r\n").encode()
    paths = make_site(tmp_path, {"n/crlf.md": codecs.BOM_UTF8 + broken})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    desk.hosts = frozenset({SAME["host"]})
    setup = mend_setup(desk, "n/crlf.md")
    assert "\r" not in setup["text"].replace("\r\n", "")  # shown as the browser will hand it back
    fixed = setup["text"].replace("\r\n", "\n").replace("时间: 下午: 三点", "下午三点")
    status, _ = post(desk, "/desk/api/mend", {"path": "n/crlf.md", "hash": setup["hash"], "text": fixed, "save": True})
    assert status == 200
    assert (paths.content / "n/crlf.md").read_bytes() == codecs.BOM_UTF8 + fixed.replace("\n", "\r\n").encode()


def test_a_gbk_file_is_shown_decoded_and_saved_as_utf8(desk):
    setup = mend_setup(desk, "n/gbk.md")
    assert "旧电脑上写的通知" in setup["text"] and "GBK" in setup["note"]
    status, found = post(desk, "/desk/api/mend", {"path": "n/gbk.md", "hash": setup["hash"], "text": setup["text"], "save": True})
    assert status == 200 and found["errors"] == []
    assert (desk.paths.content / "n/gbk.md").read_text("utf-8") == setup["text"]


def test_mending_never_overwrites_a_file_changed_since_it_was_opened(desk):
    setup = mend_setup(desk, "n/broken.md")
    target = desk.paths.content / "n/broken.md"
    target.write_text(BROKEN + "别人加的一行。\n", "utf-8")
    fixed = BROKEN.replace("时间: 下午: 三点", "下午三点")
    status, found = post(desk, "/desk/api/mend", {"path": "n/broken.md", "hash": setup["hash"], "text": fixed, "save": True})
    assert status == 409 and "改过" in found["refused"]
    assert target.read_text("utf-8").endswith("别人加的一行。\n")


@pytest.mark.parametrize("relpath", ["../site_config.yaml", "n/none.md", "attachments/x.pdf"])
def test_mending_writes_only_existing_item_files_inside_content(desk, relpath):
    status, found = post(desk, "/desk/api/mend", {"path": relpath, "hash": "", "text": "---\ntitle: x\n---\n", "save": True})
    assert status == 404 and "不存在" in found["refused"]
    assert not (desk.paths.content / "n/none.md").exists()


def test_preview_links_only_to_pages_that_exist_and_say_why_not(desk):
    for relpath in ("n/broken.md", "n/gbk.md"):  # a site that builds, so the pages exist where they should
        (desk.paths.content / relpath).unlink()
    build(desk.paths, Options(day=DAY, posters=False))
    ok = page(desk, "n/ok.md")
    assert 'href="/internal/items/n/ok.html"' in ok and 'href="/public/items/n/ok.html"' in ok
    later = page(desk, "n/later.md")
    assert 'href="/internal/items/n/later.html"' not in later and "2026-12-05 起才会显示" in later
    members = page(desk, "n/members.md")
    assert 'href="/internal/items/n/members.html"' in members
    assert 'href="/public/items/n/members.html"' not in members and "不在公开网站上显示" in members
