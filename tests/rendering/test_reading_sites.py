"""Both sites as their readers get them, in Chromium: every page kind on a phone (390 px) and a desktop
(1366 px) with real content — a 46-character title, a 40-row 8-column table, a long URL — checked by axe-core
and by the page's own geometry, not by eye."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page

from gongkai import leaks
from gongkai.model import Audience, Item, Status
from gongkai.pipeline import Options, Paths, build, build_kept, run
from gongkai.visibility import Notice, notice, view
from tests.browser import serve
from tests.scratch import REPO, SAMPLE_DATE, item, make_site
from tests.strategies import BASE, corpora, snapshot
from tests.test_deploy import PASSWORD, get, nginx  # noqa: F401 - nginx is a fixture
from tests.test_leaks import expected

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
LONG_TITLE = "关于青川市自然资源局机关二〇二六年度党员教育培训经费预算执行情况及下一年度培训计划安排的公示"
LONG_URL = "https://www.qc-zrzyj.example.cn/dangwu/attachments/2026/training/budget-execution-detail-report-final-version.pdf"


def long_table_item() -> str:
    """An item with the kind of table real documents have: 40 rows of 8 columns, and a long link."""
    header = "| 序号 | 培训项目 | 承办部门 | 开始日期 | 结束日期 | 参训人数 | 预算（元） | 执行（元） |"
    rows = [
        f"| {n} | 第{n}期党员教育专题培训班 | 宣传教育科 | 2026-{1 + n % 12:02d}-{1 + n % 28:02d} "
        f"| 2026-{1 + n % 12:02d}-{2 + n % 27:02d} | {20 + n} | {12000 + 150 * n:,}.00 | {11000 + 140 * n:,}.00 |"
        for n in range(1, 41)
    ]
    table = "\n".join([header, "|" + "---|" * 8, *rows])
    return (
        f"---\ntitle: {LONG_TITLE}\ncategory: training\nscope: public\nvalid_from: 2026-11-18\n"
        "doc_number: 青自然资党〔2026〕118号\nsummary: 二〇二六年度党员教育培训经费预算执行情况。\n---\n"
        f"经费执行明细如下。\n\n{table}\n\n完整报告：<{LONG_URL}>\n\n"
        "- 培训经费按照专款专用的原则管理，严格执行审批程序，不得挪作他用。\n"
        "- 对执行中发现的问题，已责成相关部门限期整改，整改情况将另行公开。\n"
    )


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reading")
    shutil.copytree(REPO / "content", root / "content")
    (root / "content/periodic/training-budget-long.md").write_text(long_table_item(), "utf-8")
    paths = Paths(root / "content", REPO / "site_config.yaml", REPO / "templates", root / "output")
    build(paths, Options(day=date.fromisoformat(SAMPLE_DATE), posters=False))
    return paths.output


# One page of each kind on each site (the sample on 2026-11-20 and the long-table item).
PAGES = [
    "public/index.html",
    "public/categories/training.html",
    "public/items/periodic/training-budget-long.html",
    "public/items/adhoc/awards-2026-withdrawn.html",
    "public/items/adhoc/awards-2025.html",  # its window ended in February: a notice stays at its address
    "public/groups/org_setup.html",
    "public/404.html",
    "internal/index.html",
    "internal/categories/dues.html",
    "internal/items/periodic/training-budget-long.html",
    "internal/items/adhoc/awards-2025.html",
    "internal/catalog.html",
    "internal/archive.html",
    "internal/register.html",
    "internal/report.html",
    "internal/requests.html",
    "internal/404.html",
]


@pytest.fixture(scope="module")
def base_url(output):
    with serve(output) as url:
        yield url


def open_page(browser, url: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 768})
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.ok, url
    return page


@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_page_scroll_on_a_phone(browser, base_url, path):
    page = open_page(browser, base_url + path, 390)
    try:
        width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path}: the page is {width[0]} px wide on a {width[1]} px screen"
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violation(browser, base_url, path, width):
    assert AXE.exists(), "run `make test`: its `npm ci` installs axe-core"
    page = open_page(browser, base_url + path, width)
    try:
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "axe.run(document).then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
        )
        assert violations == [], f"{path} at {width} px"
    finally:
        page.context.close()


# ---- links that outlive the window: notice pages ---------------------------------------------------------


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
@settings(max_examples=25, deadline=None)
def test_notice_pages_show_only_the_title_and_only_for_items_the_public_saw(corpus, day):
    """At an item's public address: its page while the public sees it; after that a notice with its title and
    nothing else of it; nothing at all for an item the public never saw (model: tests/test_leaks.expected)."""
    outputs = dict(run(snapshot(corpus), Options(day=day, posters=False)).outputs)
    for spec in corpus:
        page = outputs.get(f"public/items/items/{spec.token}.html")
        seen = expected(spec, corpus, Audience.PUBLIC, day)
        if seen == "hidden":
            assert page is None, spec
        elif seen == "ended":
            text = page.decode()
            assert f"标题{spec.token}" in text and "结束" in text and ("撤销。" in text) == (spec.status == "withdrawn")
            for secret in (f"正文{spec.token}", f"摘要{spec.token}", f"附件{spec.token}", "撤销说明", "files/"):
                assert secret not in text, (spec, secret)


def scratch_item(**keys) -> Item:
    """A public item shown from 2026-11-01, with `keys` changed."""
    start = date(2026, 11, 1)
    fields = dict(
        id="a", source="content/a.md", title="通知", category="notice", scope=Audience.PUBLIC, valid_from=start,
        valid_until=None, public_from=None, status=Status.PUBLISHED, withdrawn_reason="", department="", issuer="",
        doc_number="", date=start, pinned=False, summary="", body_html="",
    )  # fmt: skip
    return Item(**(fields | keys))


def test_notice_is_due_only_after_the_public_saw_the_item():
    public = scratch_item(valid_until=date(2026, 11, 30))
    assert notice(public, Audience.PUBLIC, date(2026, 11, 30)) is None  # still shown
    assert notice(public, Audience.PUBLIC, date(2027, 1, 1)) == Notice(date(2026, 11, 30), withdrawn=False)
    assert notice(public, Audience.PUBLIC, date(2026, 10, 1)) is None  # not yet begun
    assert notice(public, Audience.INTERNAL, date(2027, 1, 1)) is None  # members keep it in the archive
    late = replace(public, public_from=date(2026, 11, 20))
    assert notice(late, Audience.PUBLIC, date(2027, 1, 1)) == Notice(date(2026, 11, 30), withdrawn=False)
    withdrawn = replace(public, status=Status.WITHDRAWN)
    assert notice(withdrawn, Audience.PUBLIC, date(2027, 1, 1)) == Notice(date(2026, 11, 30), withdrawn=True)
    for never in (replace(public, scope=Audience.INTERNAL), replace(public, status=Status.DRAFT)):
        assert notice(never, Audience.PUBLIC, date(2027, 1, 1)) is None
    assert view((public,), Audience.PUBLIC, date(2027, 1, 1)).notices == ((public, Notice(date(2026, 11, 30), False)),)


def test_a_notice_page_carries_the_title_and_the_end_and_the_scan_forbids_the_rest(tmp_path):
    files = {
        "old.md": item("旧的公示", valid_from="2026-10-01", valid_until="2026-10-10", summary="旧的摘要内容", body="旧的正文内容", attachments=["名单.pdf"]),
        "名单.pdf": b"%PDF-1.4",
    }  # fmt: skip
    paths = make_site(tmp_path, files)
    result = build_kept(paths, Options(day=date(2026, 11, 20), posters=False))
    assert result is not None
    page = (paths.output / "public/items/old.html").read_text("utf-8")
    assert "旧的公示" in page and '本事项公开期已于 <time datetime="2026-10-10">2026-10-10</time> 结束' in page
    assert "旧的正文内容" not in page and "旧的摘要内容" not in page and "名单" not in page
    assert not (paths.output / "public/files/名单.pdf").exists()
    assert "旧的公示" in (paths.output / "internal/archive.html").read_text("utf-8")  # members keep the item
    # The scan allows the notice's title and address, and still forbids the item's files.
    public = [(p, d) for p, d in result.result.outputs if p.startswith("public/")]
    assert leaks.scan(public, list(result.markers), "公开输出", lambda: "") == []
    leaky = [(p, d.replace(b"</h1>", b'</h1><a href="../files/%E5%90%8D%E5%8D%95.pdf">x</a>')) for p, d in public]
    problems = leaks.scan(leaky, list(result.markers), "公开输出", lambda: "")
    assert problems and all(p.path.endswith("content/old.md") and "附件" in p.message for p in problems)


# ---- 404 pages through the generated nginx configuration -------------------------------------------------


def test_a_missing_address_gets_the_site_404_page_through_nginx(nginx):  # noqa: F811 - the imported fixture
    base, _, said = nginx
    assert "[warn]" not in said
    status, _, body = get(base + "/public/items/2024/no-such-item.html")
    text = body.decode()
    assert status == 404 and "找不到这个页面" in text and '<base href="/public/">' in text
    css = re.search(r'href="(assets/style\.[0-9a-f]+\.css)"', text).group(1)
    assert get(base + "/public/" + css)[0] == 200  # its links work from any depth
    assert get(base + "/internal/nothing.html")[0] == 401  # members only, 404 or not
    status, _, body = get(base + "/internal/nothing.html", "editor", PASSWORD)
    assert status == 404 and "找不到这个页面" in body.decode() and '<base href="/internal/">' in body.decode()


# ---- reading: text sizes, unbroken dates, metadata rows, 大字, skip link, titles, icon, print --------------


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("path", PAGES)
def test_text_is_at_least_14px_and_dates_never_break(browser, base_url, path, width):
    page = open_page(browser, base_url + path, width)
    try:
        # SVG charts are drawn to their own scale (their text is sized by the chart's viewBox), so left out here.
        small = page.evaluate("""[...document.querySelectorAll('body *:not(svg *)')].filter(e =>
            e.offsetParent !== null && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
            && parseFloat(getComputedStyle(e).fontSize) < 14).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim())""")
        assert small == [], path
        broken = page.evaluate("""[...document.querySelectorAll('time, .nobreak')].filter(e =>
            e.offsetParent !== null && e.getClientRects().length > 1).map(e => e.textContent)""")
        assert broken == [], path
    finally:
        page.context.close()


def test_metadata_labels_sit_beside_their_values_on_a_phone(browser, base_url):
    page = open_page(browser, base_url + "public/items/periodic/training-budget-long.html", 390)
    try:
        rows = page.evaluate("""[...document.querySelectorAll('.metadata dt')].map(dt =>
            [dt.textContent, dt.getBoundingClientRect().top, dt.nextElementSibling.getBoundingClientRect().top])""")
        assert len(rows) >= 5 and all(abs(label - value) < 2 for _, label, value in rows), rows
        # The table scrolls inside its box, which keyboard users can reach.
        box = page.evaluate("""(() => { const b = document.querySelector('.body .table-scroll');
            return [b.scrollWidth > b.clientWidth, b.tabIndex, b.getAttribute('role')]; })()""")
        assert box == [True, 0, "region"]
    finally:
        page.context.close()


def test_large_text_mode_is_a_remembered_choice_and_reading_needs_no_script(browser, base_url):
    page = open_page(browser, base_url + "public/index.html", 390)
    try:
        size = "parseFloat(getComputedStyle(document.body).fontSize)"
        before = page.evaluate(size)
        button = page.get_by_role("button", name="大字")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert page.evaluate(size) > before and button.get_attribute("aria-pressed") == "true"
        page.goto(base_url + "internal/index.html")  # the same browser remembers it on the next page
        assert page.evaluate(size) > before
        assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"
        page.get_by_role("button", name="大字").click()
        assert page.evaluate(size) == before
    finally:
        page.context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        quiet = context.new_page()
        quiet.goto(base_url + "public/index.html")
        assert quiet.locator(".large-toggle").is_hidden()  # no button that cannot work
        assert quiet.get_by_role("heading", level=1).is_visible()
    finally:
        context.close()


def test_skip_link_comes_first_and_moves_to_the_text(browser, base_url):
    page = open_page(browser, base_url + "public/items/periodic/training-budget-long.html", 1366)
    try:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement.id === 'main'")
    finally:
        page.context.close()


def test_each_site_and_page_has_its_own_tab_title_and_the_menu_marks_the_page(output):
    public = (output / "public/index.html").read_text("utf-8")
    internal = (output / "internal/index.html").read_text("utf-8")
    assert "<title>首页 - 公开网站 - 青川市自然资源局党务公开</title>" in public
    assert "<title>首页 - 党内网站 - 青川市自然资源局党务公开</title>" in internal
    assert f"<title>{LONG_TITLE} - 公开网站 - " in (output / "public/items/periodic/training-budget-long.html").read_text("utf-8")
    group = (output / "public/groups/org_setup.html").read_text("utf-8")
    assert '<a href="../groups/org_setup.html" aria-current="page">组织建设</a>' in group
    assert group.count('aria-current="page"') == 1
    # The public menu: groups the public has items in, never one of members-only entries.
    nav = public[public.index("<nav") : public.index("</nav>")]
    assert "组织建设" in nav and "决策及执行" in nav and "党风廉政建设" not in nav  # integrity, discipline: internal
    icon = unquote(re.search(r'<link rel="icon" href="data:image/svg\+xml,([^"]+)"', public).group(1))
    assert ">青</text>" in icon and "url(" not in icon and "@import" not in icon


def test_home_counts_withdrawn_items_apart(output):
    home = (output / "public/index.html").read_text("utf-8")
    listed = json.loads((output / "public/items.json").read_text("utf-8"))["items"]
    full, withdrawn = sum(not i["withdrawn"] for i in listed), sum(i["withdrawn"] for i in listed)
    assert withdrawn == 1 and full > 1
    assert f"正在公开的事项共 {full} 项；另有已撤销的事项 {withdrawn} 项" in home


def test_a_long_item_prints_from_the_first_page_with_its_links_spelled_out(browser, base_url, tmp_path):
    page = open_page(browser, base_url + "public/items/periodic/training-budget-long.html", 1366)
    try:
        pdf = tmp_path / "item.pdf"
        page.pdf(path=str(pdf), format="A4")
    finally:
        page.context.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert len(pages) > 2  # a long item: the test means something
    first = "".join(pages[0].split())
    assert "".join(LONG_TITLE.split()) in first and "经费执行明细如下" in first
    assert "主导航" not in text and "跳到正文" not in text and "大字" not in "".join(text.split())[:200]
    assert "budget-execution-detail-report" in "".join(text.split())
