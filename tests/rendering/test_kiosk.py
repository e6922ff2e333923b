"""The kiosk page in a real browser (Debian's Chromium through Playwright), on a faked clock that moves only when told."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from gongkai.pipeline import Options, Paths, build
from tests.browser import CHROMIUM, CHROMIUM_ARGS, pause_clock, serve
from tests.golden import KIOSK_VIEWPORTS
from tests.scratch import CONFIG, item, make_site, tree

SHANGHAI = timezone(timedelta(hours=8))
DAY = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
    paths = site(tmp_path, {"long.md": item("长事项", body=long_body), "short.md": item("短事项", valid_from="2026-11-01")})
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
