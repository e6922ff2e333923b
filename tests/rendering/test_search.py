"""Site search: each site's Pagefind index holds exactly what that site shows, is made the same every time,
is reused when no item page changed, and finds Chinese words in a real browser (Debian's Chromium)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai import leaks
from gongkai.model import Audience
from gongkai.pipeline import Options, Paths, build, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from gongkai.rendering import search
from gongkai.rendering.search import FOLDER, index_site, readable
from tests.browser import serve
from tests.golden import sample_snapshot
from tests.scratch import item, make_site
from tests.strategies import BASE, corpora, snapshot
from tests.test_leaks import expected

# Pagefind itself is under test here: its results are never taken from the run's kept indexes (tests/memo.py).
pytestmark = pytest.mark.real_pagefind

DAY = date(2026, 11, 20)


def index_text(outputs, audience: Audience) -> bytes:
    """A site's index files as the scanner reads them (decompressed), all in one."""
    prefix = f"{audience.value}/{FOLDER}/"
    files = [(path, data) for path, data in outputs if path.startswith(prefix)]
    assert files, f"no {prefix}"
    return b"\n".join(path.encode() + b"\n" + data for path, data in readable(files))


@settings(max_examples=12, deadline=None)  # each example runs Pagefind twice (about 1 s)
@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_an_index_holds_nothing_its_site_must_not_show(corpus, day):
    outputs = run(snapshot(corpus), Options(day=day, posters=False)).outputs
    for audience in Audience:
        text = index_text(outputs, audience).lower()  # Pagefind's words are lower case
        for spec in corpus:
            seen = expected(spec, corpus, audience, day)
            token = spec.token.lower().encode()
            if seen == "hidden":
                assert token not in text, (audience, spec)
            elif seen == "ended":  # its old address keeps a notice with the title; nothing of its text is searchable
                for secret in (f"正文{spec.token}body", f"摘要{spec.token}sum", spec.passage, f"附件{spec.token}"):
                    assert secret.lower().encode() not in text, (audience, spec, secret)
            elif seen == "notice":  # a withdrawn item: its title and the reason only
                assert f"标题{spec.token}".lower().encode() in text and "撤销说明".encode() in text
                for secret in (f"正文{spec.token}body", f"摘要{spec.token}sum", spec.passage, f"附件{spec.token}"):
                    assert secret.lower().encode() not in text, (audience, spec, secret)
            else:
                assert f"正文{spec.token}body".lower().encode() in text, (audience, spec)
        if audience is Audience.PUBLIC:
            for spec in corpus:  # members' feedback never reaches the public index
                assert spec.remarks[0].encode() not in text and spec.remarks[1].encode() not in text


def test_the_scanner_reads_a_leaked_title_in_an_index():
    """Held to the same scan as the pages: a hidden item's title in a fragment stops the build."""
    result = run(sample_snapshot(), Options(day=DAY, posters=False))
    markers = leaks.forbidden(result.items, Audience.PUBLIC, DAY)
    hidden = next(m.item for m in markers if m.text == m.item.title)
    page = f'<html lang="zh-CN"><body><main data-pagefind-body><h1>{hidden.title}</h1><p>正文。</p></main></body></html>'
    index = index_site([("items/x.html", page.encode())])
    problems = leaks.scan(readable(index.files), markers, leaks.OUTPUTS[Audience.PUBLIC], lambda: "")
    assert [p.path for p in problems] == [hidden.source]


def test_same_input_same_index_bytes():
    first, second = (dict(run(sample_snapshot(), Options(day=DAY, posters=False)).outputs) for _ in range(2))
    index = {path: data for path, data in first.items() if f"/{FOLDER}/" in path}
    assert len([p for p in index if p.endswith(".pf_fragment")]) > 10
    assert index == {path: data for path, data in second.items() if f"/{FOLDER}/" in path}


def test_an_index_is_reused_when_no_item_page_changed(tmp_path, monkeypatch):
    paths = make_site(tmp_path, {"a.md": item("党费收缴情况", valid_until="2026-12-31")})
    build(paths, Options(day=DAY, posters=False))
    before = {p: p.read_bytes() for p in (paths.output / "public" / FOLDER).rglob("*") if p.is_file()}

    def no_pagefind(pages):
        raise AssertionError("Pagefind ran although no item page changed")

    monkeypatch.setattr(search, "_pagefind", no_pagefind)
    assert build(paths, Options(day=DAY, posters=False), always=True) is not None  # every page rendered again
    assert before == {p: p.read_bytes() for p in (paths.output / "public" / FOLDER).rglob("*") if p.is_file()}
    with pytest.raises(AssertionError, match="no item page changed"):  # an edited public item is indexed again
        (paths.content / "a.md").write_text(item("党费收缴情况", valid_until="2026-12-31", body="新正文。"), "utf-8")
        build(paths, Options(day=DAY, posters=False))


def test_a_missing_pagefind_is_reported_in_chinese(tmp_path, monkeypatch):
    paths = make_site(tmp_path, {"a.md": item()})
    monkeypatch.setattr(search, "_executable", lambda: str(tmp_path / "no-such-pagefind"))
    with pytest.raises(Problems) as failure:
        build(paths, Options(day=DAY, posters=False))
    assert "生成站内搜索索引失败" in str(failure.value) and "requirements.txt:1:" in str(failure.value)
    assert not paths.output.exists()


def test_search_off_still_renders_the_search_page():
    outputs = dict(run(sample_snapshot(), Options(day=DAY, posters=False, search=False)).outputs)
    assert "public/search.html" in outputs and not any(f"/{FOLDER}/" in path for path in outputs)


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Paths:
    """A public 党费 item, a public 发展对象 notice, a members-only 党费 item and a withdrawn notice."""
    files = {
        "dues.md": item("2026年第三季度党费收缴情况", category="dues", valid_until="2026-12-31", body="应缴党费 88 人，已全部收缴。"),
        "candidates.md": item("关于确定发展对象的公示", valid_until="2026-12-31", body="拟确定许文博同志为发展党员对象。"),
        "secret.md": item("机关党费内部核对说明", scope="internal", valid_until="2026-12-31", body="党费核对内部专用。"),
        "gone.md": item("党费使用公示（更正前）", status="withdrawn", withdrawn_reason="数字有误", withdrawn_on="2026-11-16",
                        valid_until="2026-12-31", body="党费撤销正文不应被搜到。"),
    }  # fmt: skip
    paths = make_site(tmp_path_factory.mktemp("search"), files)
    build(paths, Options(day=DAY, posters=False))
    return paths


def ask(page, query: str) -> list[str]:
    page.fill("#search-query", query)
    page.press("#search-query", "Enter")
    page.wait_for_selector(f'#search-status[data-done="{query}"]', timeout=60_000)
    return page.locator("#search-results li").all_inner_texts()


def test_public_search_in_a_browser_finds_chinese_words(sites, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with serve(sites.output) as base:
        page.goto(base + "public/search.html")
        results = ask(page, "党费")
        assert len(results) == 2, results  # the public item, and the withdrawn notice by its title
        dues = page.locator("#search-results li", has_text="第三季度党费收缴情况")
        assert dues.locator(".meta").inner_text() == "党费收缴 · 2026-11-15"
        assert dues.locator(".snippet mark").first.inner_text() == "党费"
        assert "已全部收缴" in dues.locator(".snippet").inner_text()
        assert "机关党费内部核对说明" not in page.content()  # members only
        assert "撤销正文" not in page.content() and "数字有误" in page.content()
        dues.locator("a").click()
        page.wait_for_url("**/items/**")
        assert page.locator("h1").inner_text() == "2026年第三季度党费收缴情况"
        page.goto(base + "public/search.html?q=" + "发展党员")  # a shared link with the query
        page.wait_for_selector('#search-status[data-done="发展党员"]', timeout=60_000)
        assert "关于确定发展对象的公示" in page.locator("#search-results").inner_text()
        page.goto(base + "internal/search.html")
        assert any("机关党费内部核对说明" in r for r in ask(page, "党费"))  # members find it on their own site
    assert errors == []
    page.close()


def test_opened_from_disk_the_search_page_says_why_it_cannot_search(sites, browser):
    page = browser.new_page()
    page.goto((sites.output / "public" / "search.html").as_uri())
    assert "直接打开网页文件时无法搜索" in page.locator("main").inner_text()
    assert page.locator("#search-query").is_disabled()
    page.close()


def test_pagefind_leaves_no_process_and_no_file_behind(tmp_path, monkeypatch):
    """Indexing happens in memory: the process ends with the build and writes nothing where it ran."""
    paths = make_site(tmp_path / "site", {"a.md": item()})
    # An empty folder of its own to run in: the repository is shared with tests running in parallel.
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=DAY, posters=False))
    assert list(Path.cwd().iterdir()) == [] and not (tmp_path / "site" / "output").exists()
    assert [name for name in _children() if "pagefind" in name] == []


def _children() -> list[str]:
    """The names of this process's children still running (from /proc: field 4 of stat is the parent's id)."""
    mine, found = str(os.getpid()), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == mine and fields[0] != "Z":
                found.append((stat.parent / "comm").read_text().strip())
        except OSError:
            continue  # ended meanwhile
    return found
