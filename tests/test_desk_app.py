"""The desk's pure pieces without a browser: states, routing, refusals, uploads, passwords, saving and git."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest

from gongkai.desk import security
from gongkai.desk.app import Desk, Request, open_desk
from gongkai.parsing.items import ITEM_KEYS, SCOPES, STATUSES
from gongkai.schema import ITEM_SCHEMA, SCHEMA_BY_KEY
from tests.scratch import item, make_site

DAY = date(2026, 11, 20)
HOST = "127.0.0.1:8000"
SAME = {"host": HOST, "origin": f"http://{HOST}"}


@pytest.fixture
def desk(tmp_path) -> Desk:
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31"), "attachments/x.pdf": b"%PDF-1.4"})
    opened = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(opened, Desk)
    opened.hosts = frozenset({HOST})
    return opened


def token(desk: Desk) -> str:
    page = desk.handle(Request("GET", "/desk/", {})).body.decode()
    return re.search(r'name="desk-token" content="(\w+)"', page).group(1)


def post(desk: Desk, path: str, data: object, headers: dict | None = None) -> tuple[int, dict]:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    response = desk.handle(Request("POST", path, headers if headers is not None else {**SAME, "x-desk-token": token(desk)}, body))
    return response.status, json.loads(response.body)


def form_of(desk: Desk, relpath: str) -> dict:
    page = desk.handle(Request("GET", f"/desk/edit?path={relpath}", {})).body.decode()
    return json.loads(re.search(r'id="setup">(.*?)</script>', page, re.S).group(1))


def test_the_schema_is_the_parsers_keys_and_values():
    assert tuple(k.key for k in ITEM_SCHEMA) == ITEM_KEYS
    assert {v for v, _ in SCHEMA_BY_KEY["scope"].choices} == set(SCOPES.values())
    assert {v for v, _ in SCHEMA_BY_KEY["status"].choices} == set(STATUSES.values())


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"status": "draft"}, "草稿"),
        ({"status": "withdrawn", "withdrawn_reason": "错", "withdrawn_on": "2026-11-16"}, "已撤销"),
        ({"valid_from": "2026-11-21"}, "待公开"),
        ({"valid_until": "2026-11-19"}, "已到期"),
        ({"valid_until": "2026-11-20"}, "公开中"),
    ],
)
def test_state_follows_the_visibility_rule(tmp_path, keys, expected):
    paths = make_site(tmp_path, {"a.md": item(**{"valid_from": "2026-11-15", **keys})})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    page = desk.handle(Request("GET", "/desk/", {})).body.decode()
    assert f'data-state="{expected}"' in page


def test_unchanged_save_changes_no_byte_and_registers(desk):
    before = (desk.paths.content / "n/a.md").read_bytes()
    setup = form_of(desk, "n/a.md")
    status, answer = post(desk, "/desk/api/save", {"path": "n/a.md", "hash": setup["hash"], "values": setup["values"]})
    assert status == 200 and answer["registered"] == ["GK-notice-2026-0001：n/a（新登记）"]
    assert (desk.paths.content / "n/a.md").read_bytes() == before


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"host": HOST, "origin": "http://evil.example"}, "不是从编辑台本身"),
        ({"host": "evil.example:8000", "origin": "http://evil.example:8000"}, "不是编辑台的地址"),
        ({"host": HOST}, "不是从编辑台本身"),
        ({**SAME, "x-desk-token": "guess"}, "校验码"),
        (SAME, "校验码"),
    ],
)
def test_changes_from_elsewhere_are_refused(desk, headers, why):
    status, answer = post(desk, "/desk/api/withdraw", {"path": "n/a.md", "reason": "x"}, headers)
    assert status == 403 and why in answer["refused"]
    assert "withdrawn" not in (desk.paths.content / "n/a.md").read_text("utf-8")


def test_a_referer_of_the_desk_stands_in_for_a_missing_origin(desk):
    headers = {"host": HOST, "referer": f"http://{HOST}/desk/new", "x-desk-token": token(desk)}
    status, _ = post(desk, "/desk/api/check", {"values": {"title": "x"}}, headers)
    assert status == 200


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("a.svg", b"<svg><script>alert(1)</script></svg>", "SVG"),
        ("a.pdf", b"<html>", "不是真正的 .pdf"),
        ("a.exe", b"MZ", "不接受"),
        ("a.doc", b"\xd0\xcf", "另存为"),
    ],
)
def test_uploads_outside_the_allow_list_are_refused(desk, name, data, why):
    status, answer = post(desk, f"/desk/api/upload?name={name}", data)
    assert status == 422 and why in answer["refused"]


def test_upload_names_are_cleaned_and_a_clash_asks(desk):
    status, answer = post(desk, "/desk/api/upload?name=../../etc/通知%0A附件.PDF", b"%PDF-1.7 a")
    assert status == 200 and answer["path"] == "attachments/通知附件.pdf"
    assert (desk.paths.content / "attachments/通知附件.pdf").read_bytes() == b"%PDF-1.7 a"
    status, answer = post(desk, "/desk/api/upload?name=x.pdf", b"%PDF-1.7 other")
    assert status == 409 and answer["exists"] == "attachments/x.pdf"
    status, _ = post(desk, "/desk/api/upload?name=x.pdf&replace=1", b"%PDF-1.7 other")
    assert status == 200 and (desk.paths.content / "attachments/x.pdf").read_bytes() == b"%PDF-1.7 other"


def test_paths_outside_content_are_refused(desk, tmp_path):
    for relpath in ("../site_config.yaml", "/etc/passwd.md", "../x.md", "n/../../x.md"):
        status, answer = post(desk, "/desk/api/save", {"path": relpath, "values": {"title": "x"}})
        assert status == 400 and "不是 content/ 中的事项文件" in answer["refused"], relpath
    assert security.inside(desk.paths.content, "../x.md") is None
    (desk.paths.content / "link").symlink_to(tmp_path)
    assert security.inside(desk.paths.content, "link/x.md") is None


def test_passwords_and_the_address_rule(tmp_path):
    line = security.user_line("张三", "correct horse")
    name, stored = line.split(":", 1)
    assert name == "张三" and security.verify_password("correct horse", stored)
    assert not security.verify_password("wrong horse", stored)
    paths = make_site(tmp_path, {"a.md": item()})
    refused = open_desk(paths, DAY, "192.0.2.10", None, "")
    assert isinstance(refused, str) and "--users" in refused
    users = tmp_path / "users.txt"
    users.write_text(f"# 编辑\n{line}\n坏的一行\n", "utf-8")
    refused = open_desk(paths, DAY, "192.0.2.10", users, "")
    assert isinstance(refused, str) and refused.startswith(f"{users}:3: ")
    users.write_text(line + "\n", "utf-8")
    opened = open_desk(paths, DAY, "192.0.2.10", users, "")
    assert isinstance(opened, Desk) and opened.hosts == frozenset({"192.0.2.10"})
    header = "Basic " + __import__("base64").b64encode("张三:correct horse".encode()).decode()
    assert opened.signed_in(header) == "张三" and opened.signed_in(header.replace("Y", "Z", 1)) is None


def test_commit_shows_and_commits_content_and_register_with_the_editor_as_author(desk):
    root = desk.paths.content.parent
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    page = desk.handle(Request("GET", "/desk/commit", {})).body.decode()
    assert "新增：content/n/a.md" in page and "site_config.yaml" not in page
    status, answer = post(desk, "/desk/api/commit", {"message": "公开通知", "name": "李四"})
    assert status == 200 and "提交人：李四" in answer["done"], answer
    log = subprocess.run(["git", "-C", str(root), "log", "--format=%an|%s", "--name-only"], capture_output=True, text=True)
    assert log.stdout.startswith("李四|公开通知") and "content/n/a.md" in log.stdout and "site_config.yaml" not in log.stdout
    assert subprocess.run(["git", "-C", str(root), "remote"], capture_output=True, text=True).stdout == ""
    status, answer = post(desk, "/desk/api/commit", {"message": "再来", "name": "李四"})
    assert status == 422 and "没有需要提交" in answer["refused"]
