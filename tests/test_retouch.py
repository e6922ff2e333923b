"""serve's quick redraw of an edited item is the build's own page, never a different answer: the pages it
writes ahead of the full build are byte for byte a clean build's, it steps aside for any change beyond an
item's text, and after any sequence of saves the output equals a clean build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.pipeline import Options, Paths, build, build_kept
from gongkai.preview import Rebuilder
from gongkai.retouch import retouch
from gongkai.serving import Session
from tests.scratch import item, make_site, tree

DAY = date(2026, 11, 20)
OPTIONS = Options(day=DAY, posters=False)
FILES = {
    "a.md": item("公开事项", valid_until="2026-12-31", body="第一段。"),
    "b.md": item("党内事项", scope="internal", body="只在党内。"),
    "c.md": item("整改后再次公开", reopens="a", body="再次公开。", public_from="2026-11-18"),
    "d.md": item("已撤销事项", status="withdrawn", withdrawn_on="2026-11-16", withdrawn_reason="内容有误", body="不应出现。"),
    "e.md": item("已到期事项", valid_from="2026-10-01", valid_until="2026-10-31", body="归档。"),
}


def clean_build(paths: Paths, name: str = "clean") -> dict[str, bytes]:
    clean = paths.output.with_name(name)
    shutil.rmtree(clean, ignore_errors=True)
    build(Paths(paths.content, paths.config, paths.templates, clean), OPTIONS)
    return {path: data for path, data in tree(clean).items() if not path.startswith(".cache/")}


def test_redrawn_pages_are_the_clean_build_pages(tmp_path):
    paths = make_site(tmp_path, FILES)
    last = build_kept(paths, OPTIONS)
    assert last is not None
    for name in FILES:
        edited = (paths.content / name).read_text("utf-8") + "\n新增一段**说明**。\n"
        (paths.content / name).write_text(edited, "utf-8")
        pages = retouch(last, {name: edited.encode()})
        assert pages, name
        expected = clean_build(paths)
        for path, data in pages:
            assert data == expected[path], path
        assert "新增一段" in pages[0][1].decode() or name == "d.md"  # a withdrawn item shows no text
        (paths.content / name).write_text(FILES[name], "utf-8")


def test_anything_beyond_the_text_goes_to_the_full_build(tmp_path):
    paths = make_site(tmp_path, FILES)
    last = build_kept(paths, OPTIONS)
    assert last is not None
    beyond = {
        "title": item("公开事项（修订）", valid_until="2026-12-31", body="第一段。"),
        "window": item("公开事项", valid_until="2027-01-31", body="第一段。"),
        "scope": item("公开事项", scope="internal", valid_until="2026-12-31", body="第一段。"),
        "broken": "---\ntitle: [\n---\n",
        "image": item("公开事项", valid_until="2026-12-31", body="![图](missing.png)"),
    }
    for what, text in beyond.items():
        assert retouch(last, {"a.md": text.encode()}) is None, what
    assert retouch(last, {"new.md": item("新事项").encode()}) is None


edits = st.lists(
    st.tuples(st.sampled_from(sorted(FILES)), st.sampled_from(["text", "revert", "title", "delete", "same"]), st.integers(0, 3)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None)
@given(edits)
def test_saves_through_serve_equal_a_clean_build(tmp_path_factory, sequence):
    root = tmp_path_factory.mktemp("retouch")
    paths = make_site(root, FILES)
    rebuild = Rebuilder(paths, OPTIONS, Session())
    assert rebuild.once()
    expected = clean_build(paths)
    for name, kind, n in sequence:
        path = paths.content / name
        if kind == "text":
            path.write_text(FILES[name] + f"\n第{n}次修改。\n", "utf-8")
        elif kind == "revert":
            path.write_text(FILES[name], "utf-8")
        elif kind == "title":
            path.write_text(FILES[name].replace("title: ", f"title: 改{n}", 1), "utf-8")
        elif kind == "same" and path.exists():  # saved without a change
            path.write_bytes(path.read_bytes())
        elif kind == "delete":
            path.unlink(missing_ok=True)
        if rebuild.once(frozenset({path.absolute()})):
            expected = clean_build(paths)
        # A failed build (deleting the item another re-discloses) leaves the last good output as it was.
        assert _published(paths.output) == expected, (name, kind)


def _published(output: Path) -> dict[str, bytes]:
    return {path: data for path, data in tree(output).items() if not path.startswith(".cache/")}


def test_a_save_without_changes_keeps_the_quick_path(tmp_path, capsys):
    paths = make_site(tmp_path, FILES)
    rebuild = Rebuilder(paths, OPTIONS, Session())
    assert rebuild.once()
    saved = paths.content / "a.md"
    saved.write_bytes(saved.read_bytes())
    assert rebuild.once(frozenset({saved.absolute()}))
    capsys.readouterr()
    saved.write_text(FILES["a.md"] + "\n补充说明。\n", "utf-8")
    assert rebuild.once(frozenset({saved.absolute()}))
    assert "已更新 2 个页面" in capsys.readouterr().out


def test_a_restyled_template_cannot_publish_a_withdrawn_items_new_text_ahead_of_the_build(tmp_path):
    """The last build's markers cannot know text written since: the redraw scans for the new text too."""
    files = {"w.md": item("已撤销事项", status="withdrawn", withdrawn_on="2026-11-16", withdrawn_reason="有误", body="")}
    paths = make_site(tmp_path, files)
    page = paths.templates / "item.html"
    page.write_text(page.read_text("utf-8").replace("</article>", "{{ item.body_html | safe }}</article>", 1), "utf-8")
    assert "{{ item.body_html | safe }}</article>" in page.read_text("utf-8")
    last = build_kept(paths, OPTIONS)
    assert last is not None  # nothing to leak yet: the body is empty
    secret = item(
        "已撤销事项",
        status="withdrawn",
        withdrawn_on="2026-11-16",
        withdrawn_reason="有误",
        body="撤销后新写进正文的内容不应公开",
    )
    assert retouch(last, {"w.md": secret.encode()}) is None
