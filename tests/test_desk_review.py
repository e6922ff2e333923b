"""The desk's 审核 and 更正 without a browser: 待审核 in the list, a review recorded only by a configured reviewer
(as `build.py review` records it), 更正 chosen when withdrawing, and the series/stage fields of the form."""

from __future__ import annotations

import json
import re

import pytest

from gongkai.desk import security
from gongkai.desk.app import Desk, Request, open_desk
from gongkai.model import ReviewState
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_item
from gongkai.reading import read_snapshot
from tests.scratch import CONFIG, item, make_site
from tests.test_desk_app import DAY, HOST, SAME, form_of, post

REVIEWED = {**CONFIG, "review": {"required": True, "reviewers": ["张审核", "李卫东"]}}
WINDOW = {"valid_from": "2026-11-20", "valid_until": "2026-12-31"}  # a review may not come after the start


@pytest.fixture
def desk(tmp_path) -> Desk:
    files = {"n/a.md": item("甲", **WINDOW), "n/b.md": item("乙（更正）", **WINDOW)}
    paths = make_site(tmp_path, files, REVIEWED)
    opened = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(opened, Desk)
    opened.hosts = frozenset({HOST})
    return opened


def as_user(desk: Desk, user: str, path: str, data: dict) -> tuple[int, dict]:
    """A POST by a signed-in user (as exchange.answer passes it on), with that user's token."""
    headers = {**SAME, "x-desk-token": security.csrf_token(desk.secret, user)}
    response = desk.handle(Request("POST", path, headers, json.dumps(data).encode(), user))
    return response.status, json.loads(response.body)


def review_state(desk: Desk, relpath: str) -> ReviewState:
    snapshot = read_snapshot(desk.paths.content, desk.paths.config, desk.paths.templates)
    found, errors, _ = parse_item(snapshot, parse_config(snapshot.config, snapshot.config_path), relpath)
    assert found is not None and not errors, errors
    return found.review


def row_state(desk: Desk, title: str) -> str:
    page = desk.handle(Request("GET", "/desk/", {})).body.decode()
    return re.search(rf'data-state="(\w+)" data-search="{re.escape(title)}', page).group(1)


def test_a_typed_reviewer_on_this_computer_records_the_review_as_the_command_does(desk):
    assert row_state(desk, "甲") == "待审核"
    page = desk.handle(Request("GET", "/desk/edit?path=n/a.md", {})).body.decode()
    assert "待审核：审核通过之前" in page and 'id="review-button"' in page and 'id="review-name"' in page
    setup = form_of(desk, "n/a.md")
    status, answer = post(desk, "/desk/api/review", {"path": "n/a.md", "hash": setup["hash"], "name": "张审核"})
    assert status == 200 and "审核人 张审核，审核日期 2026-11-20" in answer["done"]
    text = (desk.paths.content / "n/a.md").read_text("utf-8")
    assert "reviewed_by: 张审核\nreviewed_on: 2026-11-20\nreviewed_hash: " in text
    assert review_state(desk, "n/a.md") is ReviewState.PASSED
    assert row_state(desk, "甲") == "公开中"
    assert "已审核：张审核" in desk.handle(Request("GET", "/desk/edit?path=n/a.md", {})).body.decode()


def test_a_review_from_the_desk_lands_in_the_register(desk):
    setup = form_of(desk, "n/a.md")
    status, _ = post(desk, "/desk/api/save", {"path": "n/a.md", "hash": setup["hash"], "values": setup["values"]})
    assert status == 200  # registered: 索引号 given
    status, answer = post(desk, "/desk/api/review", {"path": "n/a.md", "hash": setup["hash"], "name": "李卫东"})
    assert status == 200 and "GK-notice-2026-" in answer["done"]
    register = (desk.paths.config.parent / "register.yaml").read_text("utf-8")
    assert "reviewed_by: 李卫东" in register


@pytest.mark.parametrize(("user", "name", "why"), [("", "王五", "“王五”不是审核人"), ("", "", "请填写审核人的姓名")])
def test_a_name_not_among_the_reviewers_is_refused(desk, user, name, why):
    before = (desk.paths.content / "n/a.md").read_bytes()
    status, answer = post(desk, "/desk/api/review", {"path": "n/a.md", "hash": form_of(desk, "n/a.md")["hash"], "name": name})
    assert status == 403 and why in answer["refused"] and "张审核、李卫东" in answer["refused"]
    assert (desk.paths.content / "n/a.md").read_bytes() == before


def test_with_users_only_the_signed_in_reviewer_counts(desk):
    desk.users = {"王五": "scrypt$x$y$z$a$b", "张审核": "scrypt$x$y$z$a$b"}  # signed in already (exchange.admitted)
    seen = form_of(desk, "n/a.md")["hash"]
    page = desk.handle(Request("GET", "/desk/edit?path=n/a.md", {}, user="王五")).body.decode()
    assert 'id="review-button"' not in page and "只有审核人" in page
    status, answer = as_user(desk, "王五", "/desk/api/review", {"path": "n/a.md", "hash": seen, "name": "张审核"})
    assert status == 403 and "您（王五）不是审核人" in answer["refused"]  # a typed name does not stand in
    assert review_state(desk, "n/a.md") is ReviewState.PENDING
    status, answer = as_user(desk, "张审核", "/desk/api/review", {"path": "n/a.md", "hash": seen})
    assert status == 200 and review_state(desk, "n/a.md") is ReviewState.PASSED


def test_a_review_of_a_file_changed_since_it_was_opened_is_refused(desk):
    seen = form_of(desk, "n/a.md")["hash"]
    target = desk.paths.content / "n/a.md"
    target.write_text(target.read_text("utf-8").replace("正文。", "别人改过的正文。"), "utf-8")
    status, answer = post(desk, "/desk/api/review", {"path": "n/a.md", "hash": seen, "name": "张审核"})
    assert status == 409 and "别人改过的正文。" in answer["disk"]
    assert "reviewed_by" not in target.read_text("utf-8")


def test_withdraw_may_name_the_correcting_item(desk):
    page = desk.handle(Request("GET", "/desk/edit?path=n/a.md", {})).body.decode()
    assert '<option value="n/b">乙（更正）（n/b）</option>' in page and '<option value="n/a">' not in page
    seen = form_of(desk, "n/a.md")["hash"]
    status, answer = post(desk, "/desk/api/withdraw", {"path": "n/a.md", "hash": seen, "reason": "有误", "replaced_by": "n/x"})
    assert status == 422 and "“n/x”不存在" in answer["refused"]
    status, answer = post(desk, "/desk/api/withdraw", {"path": "n/a.md", "hash": seen, "reason": "有误", "replaced_by": "n/b"})
    assert status == 200, answer
    text = (desk.paths.content / "n/a.md").read_text("utf-8")
    assert "withdrawn_on: 2026-11-20\nreplaced_by: n/b\n---" in text


def test_series_and_stage_are_form_fields_saved_as_keys(desk):
    page = desk.handle(Request("GET", "/desk/edit?path=n/a.md", {})).body.decode()
    assert 'id="in-series"' in page and 'id="in-stage"' in page and 'id="in-scope_reason"' in page
    setup = form_of(desk, "n/a.md")
    values = {**setup["values"], "series": "2026年发展党员", "stage": "确定入党积极分子"}
    status, answer = post(desk, "/desk/api/save", {"path": "n/a.md", "hash": setup["hash"], "values": values})
    assert status == 200, answer
    text = (desk.paths.content / "n/a.md").read_text("utf-8")
    assert "series: 2026年发展党员\nstage: 确定入党积极分子\n---" in text
    assert form_of(desk, "n/a.md")["values"]["stage"] == "确定入党积极分子"


def test_an_item_that_would_start_before_its_review_is_not_approved(desk):
    target = desk.paths.content / "n/a.md"
    target.write_text(item("甲", valid_from="2026-11-15"), "utf-8")
    status, answer = post(desk, "/desk/api/review", {"path": "n/a.md", "hash": form_of(desk, "n/a.md")["hash"], "name": "张审核"})
    assert status == 422 and "不能审核" in answer["refused"] and "n/a.md:" in answer["refused"]
    assert "reviewed_by" not in target.read_text("utf-8")
