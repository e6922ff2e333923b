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
from tests.scratch import CONFIG, item, make_site

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
    assert opened.sign_in(header, "192.0.2.7").user == "张三"
    assert opened.sign_in(header.replace("Y", "Z", 1), "192.0.2.7").user is None


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


def page_of(desk: Desk, target: str) -> str:
    return desk.handle(Request("GET", target, {})).body.decode()


def test_a_save_says_it_worked_with_the_index_number(desk):
    setup = form_of(desk, "n/a.md")
    status, answer = post(desk, "/desk/api/save", {"path": "n/a.md", "hash": setup["hash"], "values": setup["values"]})
    assert status == 200 and answer["done"] == "已保存（索引号 GK-notice-2026-0001）"
    assert '<p class="notice" id="notice" role="status">已保存（索引号 GK-notice-2026-0001）</p>' in page_of(
        desk, "/desk/edit?path=n/a.md&saved=1"
    )
    assert 'id="notice"' not in page_of(desk, "/desk/edit?path=n/a.md")


def test_a_withdrawal_says_it_worked(desk):
    assert ">已撤销</p>" in page_of(desk, "/desk/edit?path=n/a.md&withdrawn=1")


def test_the_desk_pages_carry_no_inline_handler(desk):
    """The desk's CSP blocks inline handlers: one left in a page silently does nothing."""
    templates = desk.paths.templates / "desk"
    for name in ("commit.html", "edit.html", "list.html", "_layout.html"):
        assert not re.search(r"\son[a-z]+\s*=", (templates / name).read_text(encoding="utf-8")), name
    script = (templates / "desk.js").read_text(encoding="utf-8")
    assert 'commitForm.addEventListener("submit"' in script and "event.preventDefault()" in script


def test_the_preview_links_the_internal_sites_fingerprinted_stylesheet(desk):
    assert form_of(desk, "n/a.md")["stylesheet"] == ""  # not built yet: no link to a missing file
    assets = desk.paths.output / "internal" / "assets"
    assets.mkdir(parents=True)
    (assets / "style.0123abcd.css").write_text("body{}", encoding="utf-8")
    assert form_of(desk, "n/a.md")["stylesheet"] == "/internal/assets/style.0123abcd.css"


def test_messages_beside_fields_use_the_forms_labels(desk):
    values = {**form_of(desk, "n/a.md")["values"], "valid_from": "2026-11-15", "valid_until": "2026-11-01"}
    _, answer = post(desk, "/desk/api/check", {"path": "n/a.md", "values": values})
    texts = [m["text"] for m in answer["errors"]]
    assert any("“公开截止”（2026-11-01）早于 “开始公开”（2026-11-15）" in t for t in texts), texts
    assert not any("valid_until" in t or "valid_from" in t for t in texts)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("public_from 只用于 scope: public 的事项。", "“对外公开日期” 只用于 “公开范围”为“向社会公开” 的事项。"),
        ("请写 scope_reason 说明原因", "请写 “范围说明” 说明原因"),
        ("缺少“withdrawn_reason”", "缺少“撤销原因”"),
        ("目录是 scope: internal", "目录是 “公开范围”为“党内公开”"),
        ("content/2026/date.md 与 attachments/title.pdf", "content/2026/date.md 与 attachments/title.pdf"),
    ],
)
def test_key_names_become_labels_but_paths_stay(message, shown):
    from gongkai.desk.form import in_form_words

    assert in_form_words(message) == shown


def test_a_new_item_starts_with_its_catalogue_entrys_scope(tmp_path):
    config = json.loads(json.dumps(CONFIG))
    config["catalog"]["org"]["scope"] = "internal"
    desk = open_desk(make_site(tmp_path, {}, config), DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    setup = json.loads(re.search(r'id="setup">(.*?)</script>', page_of(desk, "/desk/new?category=org"), re.S).group(1))
    assert setup["values"]["scope"] == "internal" and setup["scopes"] == {"org": "internal", "dues": "public", "notice": "public"}
    assert (
        json.loads(re.search(r'id="setup">(.*?)</script>', page_of(desk, "/desk/new"), re.S).group(1))["values"]["scope"]
        == "public"
    )
    desk.hosts = frozenset({HOST})
    values = {"title": "支部设置", "category": "org", "valid_from": "2026-11-20", "body": "正文。"}
    status, answer = post(desk, "/desk/api/save", {"path": "", "values": values})
    assert status == 200, answer
    assert "scope: internal" in (desk.paths.content / answer["saved"]).read_text(encoding="utf-8")
