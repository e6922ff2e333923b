"""The rendered sites as a reader gets them: valid HTML, every link resolving, nothing fetched from outside."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from gongkai.cli import main
from gongkai.rendering.templates import linker
from tests.scratch import REPO, default_sigint, item, make_site

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_page_is_valid_html(sample_folder):
    """The Nu HTML Checker over every generated page (the setup installs it with npm, and Java)."""
    assert VNU.exists() and shutil.which("java"), "run `make test`: it installs the Nu HTML Checker"
    pages = sorted(str(p) for p in sample_folder.rglob("*.html"))
    assert len(pages) > 50
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *pages], capture_output=True, text=True, preexec_fn=default_sigint
    )
    messages = json.loads(done.stderr)["messages"]
    assert [m for m in messages if m["type"] != "info"] == []


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            return  # the 404 page's: the site's root as nginx serves it, which is where that page lies
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))


def test_links_resolve_and_nothing_is_fetched_from_outside(sample_folder):
    for page in sample_folder.rglob("*.html"):
        parser = _Refs()
        parser.feed(page.read_text("utf-8"))
        for tag, _, ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme == "data":
                continue  # inline, no request (the empty favicon that stops a request for /favicon.ico)
            if parts.scheme or ref.startswith("//"):
                assert tag == "a" and parts.scheme in ("http", "https", "mailto", "tel"), (page, ref)
                continue  # a link the reader may follow, not a request the page makes
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), (page, ref)
            assert target.is_relative_to(page.parents[len(page.relative_to(sample_folder).parts) - 2]), (page, ref)
    for css in sample_folder.rglob("*.css"):
        assert not re.search(r"url\(|@import", css.read_text("utf-8"))


def test_internal_site_has_catalogue_and_archive_public_does_not(sample):
    assert "internal/catalog.html" in sample and "internal/archive.html" in sample
    assert "public/catalog.html" not in sample and "public/archive.html" not in sample
    assert "noindex" in sample["internal/index.html"].decode()


def test_every_page_shows_the_feedback_channels(sample):
    for page, data in sample.items():
        if not page.endswith(".html"):
            continue
        text = data.decode()
        assert "意见箱" in text and "0555-3210123" in text and "dangwu@qc-zrzyj.example.cn" in text, page


def test_item_page_shows_its_metadata(sample):
    page = sample["public/items/adhoc/decision-committee.html"].decode()
    for expected in (
        "关于调整机关党委委员的决定",
        "青自然资党〔2026〕18号",
        '成文日期</dt><dd><time datetime="2026-11-10">2026-11-10</time>',
        '2026-11-12</time> 至 <time datetime="2026-11-26">2026-11-26',  # dates never break inside themselves
    ):
        assert expected in page
    assert 'href="../../files/attachments/%E5%85%B3' in page  # attachments linked relative, percent-encoded


def test_home_groups_by_catalogue_with_pinned_first(sample):
    page = sample["public/index.html"].decode()
    assert page.index("<h2>组织建设</h2>") < page.index("<h2>决策及执行</h2>")
    appointments = page[page.index(">干部任免</a>") :]
    assert appointments.index("干部任前公示") < appointments.index("</ul>")


def test_linker_is_relative_and_encoded():
    url = linker("items/2026/11/a.html")
    assert url("index.html") == "../../../index.html"
    assert url("files/附件 1.pdf") == "../../../files/%E9%99%84%E4%BB%B6%201.pdf"
    assert linker("index.html")("items/a.html") == "items/a.html"


def test_chinese_file_names_and_spaces_work(tmp_path):
    paths = make_site(tmp_path, {"通知/第 1 号.md": item("中文文件名")})
    assert main(["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates),
                 "--output", str(paths.output), "--date", "2026-11-20", "-q"]) == 0  # fmt: skip
    page = paths.output / "public/items/通知/第 1 号.html"
    assert "中文文件名" in page.read_text("utf-8")
    assert "items/%E9%80%9A%E7%9F%A5/%E7%AC%AC%201%20%E5%8F%B7.html" in (paths.output / "public/index.html").read_text("utf-8")


def test_empty_site_renders(tmp_path):
    paths = make_site(tmp_path, {})
    assert main(["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates),
                 "--output", str(paths.output), "--date", "2026-11-20", "-q"]) == 0  # fmt: skip
    assert "暂无公开事项" in (paths.output / "public/index.html").read_text("utf-8")
    assert json.loads((paths.output / "public/items.json").read_text("utf-8"))["items"] == []


def test_posix_paths_only(sample):
    assert all(not posixpath.isabs(p) and "\\" not in p for p in sample)
