"""The 编辑台 in Debian's Chromium, against a real `serve` stack: write an item from the form to its preview page,
errors beside their fields, withdraw, refusals of cross-site and stale saves, and of an unguarded address."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from gongkai.desk.app import open_desk
from gongkai.pipeline import Options, Paths
from gongkai.preview import Rebuilder
from gongkai.serving import Session, make_server
from gongkai.watcher import Watcher
from tests.browser import serve
from tests.scratch import REPO, item, make_site
from tests.test_import import gongwen

DAY = date(2026, 11, 20)
TIMEOUT = 30_000  # ms: generous, the machine is shared


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


class Desk:
    def __init__(self, paths: Paths, session: Session, base: str) -> None:
        self.paths, self.session, self.base = paths, session, base

    def wait_for_output(self, relpath: str, text: str) -> str:
        """Waits (on the rebuild notifications) until output/relpath holds `text`."""
        target = self.paths.output / relpath

        def ready() -> bool:
            return target.is_file() and text in target.read_text("utf-8")

        with self.session.changed:
            assert self.session.changed.wait_for(ready, timeout=60), f"{relpath} never showed {text!r}"
        return target.read_text("utf-8")


@pytest.fixture
def desk(tmp_path) -> Iterator[Desk]:
    files = {
        "notice/a.md": item("关于召开党员大会的通知", valid_until="2026-12-31", body="原来的正文。"),
        "attachments/x.pdf": b"%PDF-1.4 test",
    }
    paths = make_site(tmp_path, files)
    session = Session()
    rebuild = Rebuilder(paths, Options(day=DAY, posters=False), session)
    register = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "register", "--content", str(paths.content), "--config", str(paths.config)],
        capture_output=True,
        check=True,
    )
    assert register.returncode == 0
    assert rebuild.once()
    opened = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert not isinstance(opened, str)
    server = make_server(paths.output, session, 0, opened)
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Desk(paths, session, f"http://127.0.0.1:{server.server_address[1]}")
    watcher.stop()
    session.close()
    server.shutdown()
    server.server_close()


def checked(page: Page) -> None:
    """Waits until the form's latest change has been checked by the server."""
    page.wait_for_function("() => { const s = document.getElementById('status').textContent; return s && s !== '正在检查…'; }")


def test_create_an_item_from_the_form_to_its_preview_page(desk, page):
    page.goto(f"{desk.base}/desk/new")
    page.fill("#in-title", "关于开展主题党日活动的通知")
    page.select_option("#in-category", label="通知公告")
    page.fill("#in-valid_from", "2026-11-18")
    expect(page.locator('[data-default="valid_until"]')).to_contain_text("2026-11-27")  # default 10 days
    page.fill("#in-doc_number", "测党〔2026〕9号")
    page.fill("#in-body", "## 活动安排\n\n1. 学习\n2. 讨论\n")
    checked(page)
    expect(page.locator("#status")).to_have_text("检查通过，可以保存")
    assert "<h2>活动安排</h2>" in (page.locator("#body-preview").get_attribute("srcdoc") or "")
    page.click("#save")
    page.wait_for_url("**/desk/edit?path=*")
    expect(page.locator("#notice")).to_have_text("已保存（索引号 GK-notice-2026-0002）")  # notice/a.md holds 0001
    saved = next(desk.paths.content.rglob("2026-11-18-*.md"))
    text = saved.read_text("utf-8")
    assert text.startswith("---\ntitle: 关于开展主题党日活动的通知\ncategory: notice\nscope: public\nvalid_from: 2026-11-18\n")
    assert "doc_number: 测党〔2026〕9号\n---\n## 活动安排" in text
    relpath = saved.relative_to(desk.paths.content).as_posix()
    assert f"id: {relpath[:-3]}" in (desk.paths.config.parent / "register.yaml").read_text("utf-8")  # 索引号 at once
    page_path = f"public/items/{relpath[:-3]}.html"
    desk.wait_for_output(page_path, "活动安排")
    page.goto(f"{desk.base}/{page_path}")
    expect(page.locator("h1")).to_contain_text("关于开展主题党日活动的通知")
    expect(page.locator("body")).to_contain_text("测党〔2026〕9号")
    page.goto(f"{desk.base}/desk/")
    row = page.locator("#items tbody tr", has_text="关于开展主题党日活动的通知")
    expect(row).to_contain_text("公开中")
    expect(row).not_to_contain_text("保存后分配")
    assert not page.errors


def test_a_word_import_fills_the_form_and_the_saved_item_shows_its_table_and_image(desk, page, tmp_path):
    source = tmp_path / "培训通知.docx"
    source.write_bytes(gongwen(signed="二〇二六年十一月十二日"))
    page.goto(f"{desk.base}/desk/")
    page.click("#import-word")
    page.wait_for_url("**/desk/new#word")
    page.check("#import-keep")
    page.set_input_files("#import-file", str(source))
    expect(page.locator("#in-title")).to_have_value("关于开展2026年度党员教育培训工作的通知")
    expect(page.locator("#in-doc_number")).to_have_value("青自然资党〔2026〕18号")
    expect(page.locator("#in-date")).to_have_value("2026-11-12")
    expect(page.locator("#in-attachments")).to_contain_text("培训通知.docx")
    expect(page.locator("#import-report")).to_contain_text("表格 1 个")
    assert "| 支部 | 姓名 | 学时 |" in page.input_value("#in-body")
    assert not list((desk.paths.content / "attachments").glob("2026-*"))  # nothing placed before the save
    page.select_option("#in-category", label="通知公告")
    checked(page)
    expect(page.locator("#status")).to_have_text("检查通过，可以保存")
    page.click("#save")
    page.wait_for_url("**/desk/edit?path=*")
    saved = next(desk.paths.content.rglob("2026-11-20-关于开展*.md"))
    relpath = saved.relative_to(desk.paths.content).as_posix()
    html = desk.wait_for_output(f"public/items/{relpath[:-3]}.html", "第一党支部")
    assert "<table>" in html
    page.goto(f"{desk.base}/public/items/{relpath[:-3]}.html")
    expect(page.locator("table")).to_contain_text("第一党支部")
    image = page.locator("article img, main img").first
    expect(image).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    expect(page.locator("body")).to_contain_text("培训通知.docx")
    assert not page.errors


def test_a_wrong_date_is_shown_beside_its_field_and_blocks_saving(desk, page):
    page.goto(f"{desk.base}/desk/edit?path=notice/a.md")
    checked(page)
    page.fill("#in-valid_until", "2026-11-01")
    checked(page)
    expect(page.locator('.msg[data-for="valid_until"]')).to_contain_text("早于 “开始公开”")
    expect(page.locator("#save")).to_be_disabled()
    expect(page.locator('.msg[data-for="title"]')).to_be_empty()
    page.fill("#in-valid_until", "2026-12-31")
    checked(page)
    expect(page.locator("#save")).to_be_enabled()


def test_a_refused_upload_is_said_beside_its_field(desk, page, tmp_path):
    refused = tmp_path / "通知.html"
    refused.write_text("<p>x</p>", encoding="utf-8")
    page.goto(f"{desk.base}/desk/edit?path=notice/a.md")
    checked(page)
    page.set_input_files("#upload-attachments", str(refused))
    expect(page.locator('.msg[data-for="attachments"]')).to_contain_text("通知.html：不接受“.html”文件")
    expect(page.locator("#in-attachments")).not_to_contain_text("通知.html")
    assert not page.errors


def test_withdraw_asks_for_the_reason_and_records_it_with_the_date(desk, page):
    page.goto(f"{desk.base}/desk/edit?path=notice/a.md")
    checked(page)
    page.click("#withdraw")
    page.fill("#withdraw-reason", "会议时间调整")
    page.click("#withdraw-confirm")
    page.wait_for_url("**withdrawn=1")
    expect(page.locator("#notice")).to_have_text("已撤销")
    text = (desk.paths.content / "notice/a.md").read_text("utf-8")
    assert "status: withdrawn\nwithdrawn_reason: 会议时间调整\nwithdrawn_on: 2026-11-20\n---\n原来的正文。" in text
    desk.wait_for_output("internal/items/notice/a.html", "会议时间调整")


def test_a_reviewer_records_the_review_and_a_withdrawal_names_its_correction(desk, page):
    config = yaml.safe_load(desk.paths.config.read_text("utf-8"))
    config["review"] = {"required": True, "reviewers": ["张审核"]}
    desk.paths.config.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    (desk.paths.content / "notice/b.md").write_text(item("更正后的通知", valid_from="2026-11-20"), "utf-8")
    page.goto(f"{desk.base}/desk/")
    expect(page.locator("#items tbody tr", has_text="更正后的通知")).to_contain_text("待审核")
    page.goto(f"{desk.base}/desk/edit?path=notice/b.md")
    checked(page)
    page.fill("#in-summary", "还没保存的修改")
    page.fill("#review-name", "张审核")
    page.click("#review-button")
    expect(page.locator("#review-msg")).to_contain_text("请先保存")
    page.fill("#in-summary", "")
    page.goto(f"{desk.base}/desk/edit?path=notice/b.md")
    checked(page)
    page.fill("#review-name", "张审核")
    page.click("#review-button")
    page.wait_for_url("**reviewed=1")
    expect(page.locator("#review-state")).to_contain_text("已审核：张审核")
    assert "reviewed_by: 张审核" in (desk.paths.content / "notice/b.md").read_text("utf-8")
    page.goto(f"{desk.base}/desk/edit?path=notice/a.md")
    checked(page)
    page.click("#withdraw")
    page.fill("#withdraw-reason", "内容有误，已更正")
    page.select_option("#withdraw-replaced-by", "notice/b")
    page.click("#withdraw-confirm")
    page.wait_for_url("**withdrawn=1")
    assert "replaced_by: notice/b\n" in (desk.paths.content / "notice/a.md").read_text("utf-8")
    assert not page.errors


def test_a_change_without_the_token_or_from_another_site_is_refused(desk, page, tmp_path):
    before = (desk.paths.content / "notice/a.md").read_bytes()
    page.goto(f"{desk.base}/desk/")
    body = '{"path": "notice/a.md", "reason": "恶意撤销"}'
    status = page.evaluate(
        "body => fetch('/desk/api/withdraw', {method: 'POST', body, headers: {'Content-Type': 'application/json'}})"
        ".then(r => r.json().then(d => [r.status, d.refused]))",
        body,
    )
    assert status[0] == 403 and "校验码" in status[1]
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "index.html").write_text("<!DOCTYPE html><title>x</title>", "utf-8")
    with serve(attacker) as other:
        page.goto(other)
        token = page.evaluate(f"fetch('{desk.base}/desk/', {{mode: 'no-cors'}}).then(() => 'sent')")
        assert token == "sent"  # an opaque answer: the other site cannot read the page, so not its token
        page.evaluate(
            f"fetch('{desk.base}/desk/api/withdraw', {{method: 'POST', mode: 'no-cors', body: {body!r}, "
            "headers: {'Content-Type': 'text/plain', 'X-Desk-Token': 'guess'}}).catch(() => null)"
        )
    assert (desk.paths.content / "notice/a.md").read_bytes() == before


def test_a_file_changed_since_the_form_opened_is_not_overwritten(desk, page):
    page.goto(f"{desk.base}/desk/edit?path=notice/a.md")
    checked(page)
    target = desk.paths.content / "notice/a.md"
    theirs = target.read_text("utf-8").replace("原来的正文。", "同事改过的正文。")
    target.write_text(theirs, "utf-8")
    page.fill("#in-title", "我改的标题")
    checked(page)
    page.click("#save")
    expect(page.locator("#conflict-dialog")).to_be_visible()
    expect(page.locator("#conflict-disk")).to_contain_text("同事改过的正文。")
    expect(page.locator("#conflict-mine")).to_contain_text("我改的标题")
    assert target.read_text("utf-8") == theirs


def test_serve_refuses_another_address_without_users(tmp_path):
    paths = make_site(tmp_path, {"a.md": item()})
    done = subprocess.run(
        [
            *(sys.executable, str(REPO / "build.py"), "serve", "--host", "192.0.2.10", "--port", "0", "--no-posters"),
            *("--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)),
            *("--output", str(paths.output)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert done.returncode == 2
    assert "拒绝在 192.0.2.10 上启动" in done.stderr and "--users" in done.stderr
    assert not Path(paths.output).exists()  # refused before building or listening


def test_a_file_the_form_cannot_open_is_mended_as_text_and_then_opens_in_the_form(desk, page):
    broken = desk.paths.content / "notice/b.md"
    broken.write_text(item("关于召开党员大会的通知", summary="x").replace("summary: x", "summary: 时间: 下午: 三点"), "utf-8")
    page.goto(f"{desk.base}/desk/edit?path=notice/b.md")
    expect(page.locator("#mend-errors")).to_contain_text("第 6 行")
    expect(page.locator("#mend-errors")).to_contain_text("请改用中文冒号")
    page.click("#mend-errors button.line")
    selected = page.evaluate(
        "() => { const t = document.getElementById('mend-text'); return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "summary: 时间: 下午: 三点"  # the line the error names, selected
    page.click("#mend-save")
    expect(page.locator("#mend-status")).to_contain_text("还不能保存")
    page.fill("#mend-text", page.input_value("#mend-text").replace("时间: 下午: 三点", "时间：下午三点"))
    page.click("#mend-check")
    expect(page.locator("#mend-errors")).to_contain_text("没有发现错误")
    page.click("#mend-save")
    page.wait_for_url("**/desk/edit?path=notice%2Fb.md")
    expect(page.locator("#in-summary")).to_have_value("时间：下午三点")
    assert "summary: 时间：下午三点" in broken.read_text("utf-8")
    assert not page.errors
