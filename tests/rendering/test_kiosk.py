"""The kiosk page in a real browser (Debian's Chromium through Playwright), on a faked clock that moves only when told."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page

from gongkai.pipeline import Options, Paths, build
from tests.browser import pause_clock, serve
from tests.golden import KIOSK_VIEWPORTS
from tests.scratch import CONFIG, item, make_site, tree

SHANGHAI = timezone(timedelta(hours=8))
DAY = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.errors = []
    page.requests = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def site(tmp_path: Path, files: dict, kiosk: dict | None = None, day: date = DAY) -> Paths:
    config = copy.deepcopy(CONFIG) | {"kiosk": kiosk or {"title": "党务公开", "seconds_per_item": 15}}
    paths = make_site(tmp_path, files, config)
    build(paths, Options(day=day, posters=False))
    return paths


def state(page: Page) -> dict:
    return page.evaluate("({index: gongkaiKiosk.index, ids: gongkaiKiosk.slides.map(s => s.id), page: gongkaiKiosk.page})")


def shown_title(page: Page) -> str:
    return page.locator(".slide:not(.standby) h2").inner_text()


THREE = {f"n{i}.md": item(f"第{i}项通知", valid_from=f"2026-11-1{i}", valid_until="2026-12-31") for i in range(3)}


def open_kiosk(page: Page, url: str, at: datetime = MORNING) -> None:
    """The kiosk at `at` on a paused clock: every second the tests count is one they ran with clock.run_for."""
    pause_clock(page, at)
    page.goto(url)
    page.wait_for_function("window.gongkaiKiosk && gongkaiKiosk.index >= 0 || !document.getElementById('standby').hidden")


def test_rotation_timing_one_item_per_slide(tmp_path, page):
    paths = site(tmp_path, THREE)
    open_kiosk(page, (paths.output / "kiosk/index.html").as_uri())
    assert state(page)["ids"] == ["n2", "n1", "n0"]  # newest first, as on the sites
    assert shown_title(page) == "第2项通知"
    page.clock.run_for(14_500)
    assert state(page)["index"] == 0
    page.clock.run_for(1_000)
    assert state(page)["index"] == 1 and shown_title(page) == "第1项通知"
    page.keyboard.press("ArrowRight")
    assert shown_title(page) == "第0项通知"
    page.keyboard.press("ArrowLeft")
    assert shown_title(page) == "第1项通知"
    page.keyboard.press(" ")
    page.clock.run_for(60_000)
    assert shown_title(page) == "第1项通知" and page.locator("#paused").is_visible()
    page.keyboard.press(" ")
    page.clock.run_for(15_500)
    assert shown_title(page) == "第0项通知"
    assert page.evaluate("getComputedStyle(document.body).cursor") == "none"
    assert page.errors == []


def test_long_item_pages_within_its_slide(tmp_path, page):
    long_body = "\n\n".join(f"第{n}段：长内容在一张幻灯片里分页显示，速度适合阅读。" for n in range(80))
    paths = site(tmp_path, {"long.md": item("长事项", body=long_body), "short.md": item("短事项", valid_until="2026-12-31")})
    open_kiosk(page, (paths.output / "kiosk/index.html").as_uri())
    pages = page.evaluate("gongkaiKiosk.pages")
    assert shown_title(page) == "长事项" and pages >= 2
    for n in range(1, pages):
        page.clock.run_for(15_000)
        assert state(page)["page"] == n and shown_title(page) == "长事项"
    assert f"（第 {pages}/{pages} 页）" in page.locator("#position").inner_text()


def test_expiry_by_the_screen_clock_in_the_site_time_zone(tmp_path, page):
    files = {"ends.md": item("今天结束", valid_until="2026-11-20"), "stays.md": item("继续公开", valid_until="2026-11-30")}
    paths = site(tmp_path, files)
    # 23:59:30 in Shanghai is 15:59:30 UTC: a screen set to UTC must still drop the item at Shanghai's midnight.
    page.emulate_media()
    open_kiosk(page, (paths.output / "kiosk/index.html").as_uri(), datetime(2026, 11, 20, 23, 59, 0, tzinfo=SHANGHAI))
    assert sorted(state(page)["ids"]) == ["ends", "stays"]
    page.clock.run_for(15_000)
    assert sorted(state(page)["ids"]) == ["ends", "stays"]
    page.clock.run_for(60_000)  # past midnight: the page reloads at the boundary and shows one item
    page.wait_for_function("window.gongkaiKiosk && gongkaiKiosk.slides.length === 1")
    assert state(page)["ids"] == ["stays"]
    assert page.errors == []


def test_future_item_is_in_no_kiosk_file(tmp_path):
    files = {"now.md": item("当前事项"), "later.md": item("未来事项QXFUTURE", valid_from="2026-12-01", body="未来正文")}
    paths = site(tmp_path, files)
    kiosk = {p: d for p, d in tree(paths.output).items() if p.startswith("kiosk/")}
    assert kiosk and not any(b"QXFUTURE" in d or "未来正文".encode() in d for d in kiosk.values())
    assert json.loads(kiosk["kiosk/slides.json"])["next_change"] == "2026-11-25"  # now.md ends 11-24 (10 days)


def test_the_next_change_is_learned_only_from_what_the_screen_shows(tmp_path):
    """The screen reloads at the end of what it shows (now.md: after 11-24). The start of a hidden item (not
    begun, or not yet public: 先党内、后党外) is not the public's to know, so it never sets that day."""
    files = {
        "now.md": item("当前事项"),
        "soon.md": item("明天开始的事项", valid_from="2026-11-21"),
        "members.md": item("先党内后党外的事项", valid_from="2026-11-18", public_from="2026-11-21"),
        "inside.md": item("党内事项", scope="internal", valid_from="2026-11-18", valid_until="2026-11-22"),
    }
    slides = json.loads((site(tmp_path, files).output / "kiosk/slides.json").read_bytes())
    assert [s["id"] for s in slides["slides"]] == ["now"]
    assert slides["next_change"] == "2026-11-25"
    members = json.loads((site(tmp_path / "m", files, {"audience": "internal"}).output / "kiosk/slides.json").read_bytes())
    assert members["next_change"] == "2026-11-23"  # inside.md ends 11-22: members see it; soon.md is hidden


def test_internal_items_never_reach_a_public_kiosk(tmp_path):
    paths = site(tmp_path, {"in.md": item("党内QXINNER", scope="internal"), "out.md": item("公开事项")})
    assert not any(b"QXINNER" in d for p, d in tree(paths.output).items() if p.startswith("kiosk/"))


def test_swaps_to_a_new_build_over_http_between_slides(tmp_path, page):
    paths = site(tmp_path, THREE)
    with serve(paths.output) as base:
        open_kiosk(page, base + "kiosk/")
        page.evaluate("window.notReloaded = true")
        (paths.content / "new.md").write_text(item("新发布的事项", valid_from="2026-11-20"), "utf-8")
        build(paths, Options(day=DAY, posters=False))
        page.clock.run_for(30_500)  # a poll
        page.wait_for_function("gongkaiKiosk.pending !== null")
        title_before = shown_title(page)
        page.clock.run_for(15_000)  # the next slide boundary
        assert page.evaluate("window.notReloaded") is True
        assert "new" in state(page)["ids"] and title_before != ""
        assert page.locator(".slide:not(.standby)").count() == 1  # no blank between the two builds
        for _ in range(4):
            page.clock.run_for(15_000)
            if shown_title(page) == "新发布的事项":
                break
        assert shown_title(page) == "新发布的事项"
        assert all(url.startswith(base + "kiosk/") for url in page.requests), page.requests
    assert page.errors == []


def test_standby_when_nothing_is_current(tmp_path, page):
    paths = site(tmp_path, {"old.md": item("过期事项", valid_from="2026-01-01", valid_until="2026-01-10")})
    open_kiosk(page, (paths.output / "kiosk/index.html").as_uri())
    assert page.locator("#standby").is_visible()
    assert "暂无公开事项" in page.locator("#standby").inner_text()
    assert "一楼意见箱" in page.locator("footer").inner_text()
    assert page.locator("#clock-time").inner_text() == "10:00:00"
    page.clock.run_for(61_000)
    assert page.locator("#clock-time").inner_text() == "10:01:01"


def test_no_request_outside_its_folder_from_file(tmp_path, page):
    files = {
        "img.md": item("带图片", body="![图](pic.svg)"),
        "pic.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    }
    paths = site(tmp_path, files)
    open_kiosk(page, (paths.output / "kiosk/index.html").as_uri())
    assert page.locator(".slide img").evaluate("img => img.complete && img.naturalWidth > 0")
    root = (paths.output / "kiosk").as_uri() + "/"
    assert page.requests and all(url.startswith(root) for url in page.requests), page.requests
    assert page.errors == []


def test_a_day_of_rotation_keeps_the_heap_flat(tmp_path, page):
    files = {f"n{i}.md": item(f"第{i}项", valid_from="2026-11-01", valid_until="2027-06-30") for i in range(8)}
    paths = site(tmp_path, files)
    with serve(paths.output) as base:
        open_kiosk(page, base + "kiosk/")
        cdp = page.context.new_cdp_session(page)

        def heap() -> float:
            cdp.send("HeapProfiler.collectGarbage")
            return cdp.send("Runtime.getHeapUsage")["usedSize"]

        page.clock.run_for(3_600_000)  # warm up: the first hour settles caches
        before = heap()
        for _ in range(23):
            page.clock.run_for(3_600_000)
        growth = heap() - before
        assert page.evaluate("gongkaiKiosk.slides.length") == 8
    print(f"kiosk JS heap growth over a simulated day: {growth / 1e6:.2f} MB")
    assert growth < 10 * 1024 * 1024, f"heap grew by {growth / 1e6:.1f} MB over a day"
    assert page.errors == []


@pytest.mark.parametrize("name", KIOSK_VIEWPORTS)
def test_orientation_matches_golden(browser, sample, name):
    """The sample's kiosk at a fixed moment, compared with a golden image at a tolerance (`make golden IMAGES=1`)."""
    from PIL import Image

    from tests.golden import KIOSK_GOLDEN, kiosk_image, mean_difference

    actual = kiosk_image(browser, KIOSK_VIEWPORTS[name], sample)
    golden = Image.open(KIOSK_GOLDEN.format(name=name))
    assert actual.size == golden.size
    assert mean_difference(actual, golden) < 3.0


# --- Real content on the screen: long and wide items, withdrawn ones, QR codes (issue 16) ---------------------

LONG_URL = "https://example.cn/dw/files/2026/" + "dangfei-shoujiao-mingxi-" * 6 + "end.xlsx"
NAMES = ["张建国", "李红梅", "王志强", "赵丽娟", "刘洋", "陈晓东", "杨帆", "黄文静", "周海峰", "吴敏"]
HEADER = ["序号", "姓名", "所在支部", "月工资基数（元）", "缴纳比例", "月缴纳额（元）", "缴纳月份", "备注"]


def long_table(rows: int = 40) -> str:
    """A 40-row, 8-column 党费 table and a long URL after it, as a real quarterly notice has."""
    head = "| " + " | ".join(HEADER) + " |"
    rule = "|---|---|---|---|---|---|---|---|"
    body = [
        f"| {n} | {NAMES[n % 10]} | 第{n % 4 + 1}党支部 | {5200 + n * 37} | 1.0% | {52 + n * 0.37:.2f} | 2026年7月至9月 | 按时足额 |"
        for n in range(1, rows + 1)
    ]
    return "2026年第三季度党费收缴情况如下：\n\n" + "\n".join([head, rule, *body]) + f"\n\n明细下载：{LONG_URL}\n"


def open_paused(page: Page, url: str, at: datetime = MORNING) -> None:
    """Opens the kiosk on a paused fake clock: nothing moves until the test runs the clock on."""
    page.clock.install(time=at - timedelta(minutes=10))  # no page yet: nothing runs in these minutes
    page.clock.pause_at(at)  # ahead of the installed time, however long installing took
    page.goto(url)
    page.wait_for_function(
        "window.gongkaiKiosk && gongkaiKiosk.index >= 0 || !document.getElementById('standby').hidden", polling=50
    )


# Every row, list item, paragraph, heading and image of the visible screen lies inside the text's viewport
# (and the window), with room left of a list item for its marker; the header row leads each table.
SCREEN_GEOMETRY = """() => {
  const slide = document.querySelector('.slide:not(.standby)');
  const viewport = slide.querySelector('.viewport').getBoundingClientRect();
  const screens = [...slide.querySelectorAll('.screen')].filter(s => !s.hidden);
  const cut = [];
  for (const el of screens[0].querySelectorAll('tr, li, p, h1, h2, h3, h4, img, figure')) {
    if (el.closest('.lines')) continue;
    const r = el.getBoundingClientRect();
    if (r.top < viewport.top - 1 || r.bottom > viewport.bottom + 1 || r.left < viewport.left - 1 ||
        r.right > viewport.right + 1 || r.right > innerWidth || r.bottom > innerHeight) {
      cut.push(el.tagName + ': ' + el.textContent.slice(0, 30));
    }
    if (el.tagName === 'LI' && r.left - viewport.left < parseFloat(getComputedStyle(el).fontSize) * 1.5) {
      cut.push('LI marker: ' + el.textContent.slice(0, 30));
    }
  }
  const tables = [...screens[0].querySelectorAll('table')].map(t => ({
    header: t.tHead ? t.tHead.rows[0].innerText : null,
    first: t.rows[0] === (t.tHead && t.tHead.rows[0]),
    rows: [...t.tBodies[0].rows].map(r => r.cells[0].innerText),
  }));
  return {visible: screens.length, cut, tables, text: screens[0].innerText,
          wide: document.documentElement.scrollWidth > innerWidth};
}"""


def walk_screens(page: Page, seconds: int = 15) -> list[dict]:
    """The geometry of every screen of the current item, advancing the paused clock one screen at a time."""
    seen = []
    for n in range(page.evaluate("gongkaiKiosk.pages")):
        assert state(page)["page"] == n
        seen.append(page.evaluate(SCREEN_GEOMETRY))
        page.clock.run_for(seconds * 1000)
    return seen


VIEWPORTS = [("landscape", {"width": 1920, "height": 1080}), ("portrait", {"width": 1080, "height": 1920})]


@pytest.mark.parametrize(("name", "viewport"), VIEWPORTS)
def test_a_long_table_is_paged_by_rows_under_its_repeated_header(tmp_path, browser, name, viewport):
    files = {"dues.md": item("2026年第三季度党费收缴情况公示", body=long_table())}
    paths = site(tmp_path, files, {"seconds_per_item": 15, "max_screens": 60})
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    pages = page.evaluate("gongkaiKiosk.pages")
    screens = walk_screens(page)
    context.close()
    assert 2 <= pages <= 12, f"{pages} screens for a 40-row table"
    rows = []
    for n, screen in enumerate(screens):
        assert screen["visible"] == 1 and not screen["wide"]
        assert screen["cut"] == [], f"screen {n + 1}/{pages} cuts {screen['cut']}"
        for table in screen["tables"]:
            assert table["first"] and table["header"].split() == HEADER
            rows += table["rows"]
    assert rows == [str(n) for n in range(1, 41)]  # every row once, in order, none lost between screens
    assert sum("明细下载" in s["text"] for s in screens) == 1
    assert LONG_URL in "".join(s["text"].replace("\n", "") for s in screens)  # wrapped, not cut at the edge
    print(f"{name}: a 40×8 table item takes {pages} screens")


def decoded(page: Page, tmp_path: Path) -> list[str]:
    """The QR codes on the screen as a phone reads them: a screenshot through zbarimg."""
    import subprocess

    shot = tmp_path / "screen.png"
    page.screenshot(path=str(shot))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True)
    return out.stdout.split()


@pytest.mark.parametrize(("name", "viewport"), VIEWPORTS)
def test_a_long_item_shows_at_most_max_screens_then_a_qr_code_to_its_page(tmp_path, browser, name, viewport):
    files = {"dues.md": item("党费收缴情况", body=long_table()), "short.md": item("短事项", valid_until="2026-12-31")}
    paths = site(tmp_path, files, {"seconds_per_item": 15})  # max_screens: 3 by default
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    assert shown_title(page) == "党费收缴情况"
    assert page.evaluate("gongkaiKiosk.pages") == 4  # 3 screens of text and the QR screen
    for _ in range(3):
        assert page.evaluate(SCREEN_GEOMETRY)["cut"] == []
        page.clock.run_for(15_000)
    assert state(page)["page"] == 3 and shown_title(page) == "党费收缴情况"  # each screen its 15 s
    qr_screen = page.locator(".screen:not([hidden])")
    assert "扫码查看全文" in qr_screen.inner_text() and "前 3 屏" in qr_screen.inner_text()
    assert page.evaluate(SCREEN_GEOMETRY)["cut"] == []
    assert decoded(page, tmp_path) == ["https://example.cn/dw/items/dues.html"]
    assert "（第 4/4 页）" in page.locator("#position").inner_text()
    page.clock.run_for(14_000)
    assert shown_title(page) == "党费收缴情况"
    page.clock.run_for(1_000)
    assert shown_title(page) == "短事项" and page.evaluate("gongkaiKiosk.pages") == 1
    context.close()


def test_without_a_site_address_a_long_item_says_where_to_read_it(tmp_path, page):
    files = {"dues.md": item("党费收缴情况", body=long_table(), scope="internal")}
    config = copy.deepcopy(CONFIG) | {"kiosk": {"audience": "internal", "max_screens": 2}}  # no internal_url
    config["boards"] = {"room": {"title": "党员活动室公开栏", "audience": "internal"}}
    paths = make_site(tmp_path, files, config)
    build(paths, Options(day=DAY, posters=False))
    assert b"<svg" not in (paths.output / "kiosk/slides.json").read_bytes()
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    assert page.evaluate("gongkaiKiosk.pages") == 2
    page.clock.run_for(15_000)
    last = page.evaluate(SCREEN_GEOMETRY)
    assert last["cut"] == []
    assert "屏幕上只显示前 2 屏。全文请看“党员活动室公开栏”或向中共测试单位委员会查阅。" in last["text"]
    assert page.errors == []


def test_a_withdrawn_item_is_shown_as_a_notice(tmp_path, page):
    files = {
        "gone.md": item(
            "撤销的公示",
            status="withdrawn",
            withdrawn_reason="材料有误，重新公示",
            withdrawn_on="2026-11-18",
            body="撤销前的正文。",
        )
    }
    paths = site(tmp_path, files)
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    slide = page.locator(".slide:not(.standby)")
    assert slide.evaluate("s => s.classList.contains('withdrawn')") and slide.locator(".viewport").count() == 0
    text = slide.inner_text()
    assert "已撤销" in text and "撤销说明：材料有误，重新公示" in text and "撤销的公示" in text and "撤销日期：2026-11-18" in text
    assert "撤销前的正文" not in text and "撤销前的正文" not in page.content()
    stamp, title = (
        page.locator(f".slide {s}").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") for s in (".stamp", "h2")
    )
    assert stamp > title  # the withdrawal, not the title, is what the lobby reads first
    assert page.evaluate("gongkaiKiosk.pages") == 1


def test_no_pinned_badge_and_a_qr_code_on_every_slide_when_asked(tmp_path, page):
    files = {
        "top.md": item("置顶的通知", pinned=True),
        "other.md": item("其他通知", valid_from="2026-11-01", valid_until="2026-12-31"),
    }
    paths = site(tmp_path, files, {"qr": True})
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    for expected_id in ("top", "other"):
        assert state(page)["ids"][state(page)["index"]] == expected_id
        slide = page.locator(".slide:not(.standby)")
        assert "置顶" not in slide.inner_text().replace("置顶的通知", "")
        assert slide.locator(".corner-code").is_visible() and "扫码查看" in slide.inner_text()
        assert decoded(page, tmp_path) == [f"https://example.cn/dw/items/{expected_id}.html"]
        page.clock.run_for(15_000)


def test_images_scale_to_the_screen_and_a_long_url_wraps(tmp_path, page):
    files = {
        "img.md": item("带图片", body=f"![图](pic.svg)\n\n网址：{LONG_URL}\n\n- 第一条\n- 第二条"),
        "pic.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"/>',
    }
    paths = site(tmp_path, files)
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    size = page.evaluate(
        "() => { const v = document.querySelector('.viewport').getBoundingClientRect();"
        " const i = document.querySelector('.screen img').getBoundingClientRect();"
        " return {v: v.width, i: i.width, h: i.height, vh: v.height}; }"
    )
    assert size["i"] == pytest.approx(size["v"], abs=1) and size["h"] == pytest.approx(size["v"] / 4, abs=2)  # 40:10
    screens = walk_screens(page)
    assert all(s["cut"] == [] for s in screens) and not any(s["wide"] for s in screens)
    assert LONG_URL in "".join(s["text"].replace("\n", "") for s in screens)


def test_a_paragraph_taller_than_the_screen_is_shown_whole_lines_at_a_time(tmp_path, page):
    text = "".join(f"第{n}句：一段没有分段的长文字，也要整行整行地显示，不能切到字。" for n in range(90))
    paths = site(tmp_path, {"long.md": item("长段落", body=text)}, {"max_screens": 20})
    open_paused(page, (paths.output / "kiosk/index.html").as_uri())
    windows = page.evaluate(
        "() => [...document.querySelectorAll('.lines')].map(w => ({h: w.getBoundingClientRect().height,"
        " line: parseFloat(getComputedStyle(w.firstChild).lineHeight), s: parseFloat(w.style.height),"
        " total: w.firstChild.getBoundingClientRect().height}))"
    )
    assert len(windows) >= 2 and len(windows) == page.evaluate("gongkaiKiosk.pages")
    assert windows[0]["h"] == pytest.approx(windows[0]["s"], abs=0.05)  # the style is what shows (hidden screens measure 0)
    for window in windows:
        assert window["s"] / window["line"] == pytest.approx(round(window["s"] / window["line"]), abs=0.02)
    assert sum(w["s"] for w in windows) == pytest.approx(windows[0]["total"], abs=1)  # every line, once


def test_kiosk_screen_keys_are_checked(tmp_path):
    from gongkai.parsing.config import parse_config
    from gongkai.problems import Problems

    config = copy.deepcopy(CONFIG) | {"kiosk": {"max_screens": 0, "qr": "要"}}
    paths = make_site(tmp_path, {}, config)
    with pytest.raises(Problems) as failure:
        parse_config(paths.config.read_bytes(), "site_config.yaml")
    messages = [p.message for p in failure.value.problems]
    assert any("“max_screens”应是不小于 1" in m and "整数" in m for m in messages)
    assert any("“qr”只能写 true 或 false" in m for m in messages)
    good = parse_config(make_site(tmp_path / "ok", {}, copy.deepcopy(CONFIG)).config.read_bytes(), "site_config.yaml")
    assert (good.kiosk.max_screens, good.kiosk.qr) == (3, False)
