"""Incremental builds are a cache, never a different answer: after any sequence of edits, deletions, renames
and date changes, building over the previous output gives byte for byte what a clean build gives."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import UTC, date, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.incremental import CACHE, DAMAGED, Memory, load_memory
from gongkai.pipeline import Options, build, build_kept
from gongkai.preview import Rebuilder
from gongkai.serving import Session
from tests.scratch import item, make_site, tree

TITLES = ["党费收缴情况", "主题党日", "干部任前公示", "监督小组", "表彰决定"]

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("write"),
            st.integers(0, 5),
            st.sampled_from(TITLES),
            st.integers(-10, 10),
            st.sampled_from(["public", "internal"]),
        ),
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("rename"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("day"), st.integers(-12, 12)),
        st.tuples(st.just("template")),
        st.tuples(st.just("attach"), st.integers(0, 5)),
        st.tuples(st.just("reopen"), st.integers(0, 5)),
        st.tuples(st.just("retitle base"), st.sampled_from(TITLES)),
        st.tuples(st.just("category"), st.integers(0, 5), st.sampled_from(["dues", "org", "notice"])),
        st.tuples(st.just("config"), st.sampled_from(["测试单位党务公开", "测试单位党务公开栏"])),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=15, deadline=None)
@given(steps)
def test_incremental_equals_clean(tmp_path_factory, sequence):
    root = tmp_path_factory.mktemp("incremental")
    paths = make_site(root, {"base.md": item("基础事项", valid_from="2026-11-01", valid_until="2026-12-31")})
    day = date(2026, 11, 20)
    build(paths, Options(day=day, posters=False))
    for step in sequence:
        day = _apply(step, paths.content, paths.templates, day)
        incremental = build(paths, Options(day=day, posters=False))
        clean = paths.output.with_name("clean")
        if clean.exists():
            shutil.rmtree(clean)
        build(type(paths)(paths.content, paths.config, paths.templates, clean), Options(day=day, posters=False))
        # The cache itself may pickle differently; everything a reader gets must be identical.
        assert _published(paths.output) == _published(clean), (step, incremental is None)


# What PyYAML's safe loader can make of `extra` (with explicit tags: dates, binary, sets, ordered pairs).
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))])),
    st.binary(max_size=5),
)
_keys = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.dates())
yaml_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_keys, inner, max_size=4),
        st.lists(st.tuples(st.text(max_size=3), inner), max_size=3),  # !!omap, !!pairs
        st.sets(st.integers(), max_size=3),  # !!set: not remembered (a set's order is its history's)
    ),
    max_leaves=12,
)


def _published(output: Path) -> dict[str, bytes]:
    return {path: data for path, data in tree(output).items() if not path.startswith(".cache/")}


def _apply(step: tuple, content: Path, templates: Path, day: date) -> date:
    kind = step[0]
    if kind == "category" and (content / f"n{step[1]}.md").exists():
        text = (content / f"n{step[1]}.md").read_text("utf-8")
        (content / f"n{step[1]}.md").write_text(re.sub(r"(?m)^category: .*$", f"category: {step[2]}", text), "utf-8")
    elif kind == "config":  # the site's title shows on every page
        config = content.parent / "site_config.yaml"
        config.write_text(re.sub(r"(?m)^  title: .*$", f"  title: {step[1]}", config.read_text("utf-8")), "utf-8")
    if kind == "write":
        _, n, title, offset, scope = step
        start = date(2026, 11, 20) + timedelta(days=offset)
        (content / f"n{n}.md").write_text(item(f"{title}{n}", valid_from=start.isoformat(), scope=scope), "utf-8")
    elif kind == "delete":
        (content / f"n{step[1]}.md").unlink(missing_ok=True)
    elif kind == "rename" and (content / f"n{step[1]}.md").exists() and not (content / f"n{step[2]}.md").exists():
        (content / f"n{step[1]}.md").rename(content / f"n{step[2]}.md")
    elif kind == "day":
        return date(2026, 11, 20) + timedelta(days=step[1])
    elif kind == "template":
        style = templates / "style.css"
        style.write_text(style.read_text("utf-8") + "\n/* edited */\n", "utf-8")
    elif kind == "reopen":  # pages that link to each other show each other's titles
        (content / f"n{step[1]}.md").write_text(item(f"再次公开{step[1]}", reopens="base", valid_from="2026-11-15"), "utf-8")
    elif kind == "retitle base":
        (content / "base.md").write_text(item(step[1], valid_from="2026-11-01", valid_until="2026-12-31"), "utf-8")
    elif kind == "attach":
        (content / "files").mkdir(exist_ok=True)
        (content / "files/a.pdf").write_bytes(b"%PDF-1.4 " + str(step[1]).encode())
        text = item("带附件", attachments=["files/a.pdf"], valid_from="2026-11-15")
        (content / f"n{step[1]}.md").write_text(text, "utf-8")
    return day


@settings(max_examples=8, deadline=None)
@given(steps)
def test_serve_rebuilds_equal_clean(tmp_path_factory, sequence):
    """serve's Rebuilder, told only the paths that changed (as the watcher names them), keeps its inputs
    and outputs in memory and still ends each step byte for byte where a clean build does."""
    root = tmp_path_factory.mktemp("serve")
    paths = make_site(root, {"base.md": item("基础事项", valid_from="2026-11-01", valid_until="2026-12-31")})
    day = date(2026, 11, 20)
    rebuild = Rebuilder(paths, Options(day=day, posters=False), Session())
    assert rebuild.once()
    for step in sequence:
        before = _inputs(paths)
        day = _apply(step, paths.content, paths.templates, day)
        after = _inputs(paths)
        rebuild.options = replace(rebuild.options, day=day)
        changed = frozenset(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
        assert rebuild.once(changed), step
        clean = paths.output.with_name("clean")
        if clean.exists():
            shutil.rmtree(clean)
        build(type(paths)(paths.content, paths.config, paths.templates, clean), Options(day=day, posters=False))
        assert _published(paths.output) == _published(clean), step


def _inputs(paths) -> dict[Path, bytes]:
    """Every input file by absolute path, as a watcher would name the changed ones."""
    files = {paths.config.absolute(): paths.config.read_bytes()}
    for folder in (paths.content, paths.templates):
        files |= {p.absolute(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return files


def test_nothing_changed_means_nothing_written(tmp_path):
    paths = make_site(tmp_path, {"a.md": item("通知")})
    assert build(paths, Options(day=date(2026, 11, 20), posters=False)) is not None
    before = {p: p.stat().st_mtime_ns for p in paths.output.rglob("*") if p.is_file()}
    assert build(paths, Options(day=date(2026, 11, 20), posters=False)) is None
    assert {p: p.stat().st_mtime_ns for p in paths.output.rglob("*") if p.is_file()} == before
    (paths.output / "public/index.html").unlink()  # a file removed by hand: the output is not up to date
    assert build(paths, Options(day=date(2026, 11, 20), posters=False)) is not None
    assert (paths.output / "public/index.html").is_file()


def test_a_planted_pickle_is_never_run(tmp_path):
    import os
    import pickle

    paths = make_site(tmp_path, {"a.md": item("通知")})
    build(paths, Options(day=date(2026, 11, 20), posters=False))
    proof = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {proof}",))

    for name in ("build.pickle", "build.json"):
        (paths.output / ".cache" / name).write_bytes(pickle.dumps(Payload()))
    build(paths, Options(day=date(2026, 11, 21), posters=False))
    assert not proof.exists()


@pytest.mark.parametrize(
    "planted",
    [
        b"\x80\x04garbage",
        b'{"format": "gongkai-memory-3", "code": "x", "items": {}, "made": {"a": 1}, "scanned": {}}',
        b"[]",
        b'{"format": 1}',
    ],
)
def test_a_damaged_or_foreign_memory_is_ignored_with_a_warning(tmp_path, planted):
    paths = make_site(tmp_path, {"a.md": item("通知"), "b.md": item("公告", scope="internal")})
    day = date(2026, 11, 20)
    build(paths, Options(day=day, posters=False))
    clean = tree(paths.output)
    (paths.output / CACHE).write_bytes(planted)
    result = build(paths, Options(day=day, posters=False), always=True)
    assert f"{paths.output}/{CACHE}:1: {DAMAGED}" in [str(w) for w in result.warnings]
    assert tree(paths.output) == clean  # a full build, and the memory written afresh


def test_items_are_reused_from_memory_exactly(tmp_path):
    """The memory round trip is exact: the items read back are equal to (and print like) those parsed."""
    extra = {"s": "文", 1: [1.5, None, True], (1, 2): {"deep": [[float("inf"), -0.0]]}, "when": date(2026, 1, 2)}
    paths = make_site(tmp_path, {"a.md": item("通知"), "b.md": item("附件", feedback=[{"date": "2026-11-16", "summary": "问"}])})
    day = date(2026, 11, 20)
    first = build_kept(paths, Options(day=day, posters=False))
    parsed = {relpath: replace(p, item=replace(p.item, extra=extra)) for relpath, p in first.memory.items.items()}
    memory = Memory(parsed)
    again = load_memory_from(tmp_path, memory)
    assert again.items == parsed and repr(again.items) == repr(parsed)


@pytest.fixture(scope="module")
def parsed_once(tmp_path_factory):
    paths = make_site(tmp_path_factory.mktemp("extra"), {"a.md": item("通知")})
    return build_kept(paths, Options(day=date(2026, 11, 20), posters=False)).memory.items, paths.output


@settings(max_examples=200, deadline=None)
@given(yaml_values)
def test_any_yaml_value_round_trips_or_is_not_remembered(parsed_once, value):
    items, output = parsed_once
    parsed = {relpath: replace(p, item=replace(p.item, extra={"v": value})) for relpath, p in items.items()}
    again = load_memory_from(output, Memory(parsed))
    assert again.items in (parsed, {})
    if again.items:
        assert repr(again.items) == repr(parsed)


def load_memory_from(folder: Path, memory: Memory) -> Memory:
    (folder / "memory").mkdir(exist_ok=True)
    (folder / "memory" / CACHE).parent.mkdir(parents=True, exist_ok=True)
    (folder / "memory" / CACHE).write_bytes(memory.dump("v"))
    loaded = load_memory(folder / "memory", "v")
    assert not loaded.warnings
    return loaded


def test_an_extra_too_deep_or_too_large_or_self_containing_is_not_remembered(parsed_once):
    items, output = parsed_once
    deep: list = []
    for _ in range(200):
        deep = [deep]
    wide = ["x"] * 50_000
    looped: list = []
    looped.append(looped)
    for value in (deep, wide, looped):
        parsed = {relpath: replace(p, item=replace(p.item, extra={"v": value})) for relpath, p in items.items()}
        assert load_memory_from(output, Memory(parsed)).items == {}


def test_a_save_while_the_boards_are_drawn_supersedes_them(tmp_path, monkeypatch):
    """serve's second pass draws the boards (seconds each); a save meanwhile stops it before the next board and
    the newer save is built at once, never after the stale boards. The end is still a clean build's output."""
    from gongkai import pipeline
    from tests.scratch import CONFIG

    config = {**CONFIG, "boards": {"office": {"title": "机关", "audience": "public"}}}
    paths = make_site(tmp_path, {"a.md": item("通知"), "b.md": item("公告")}, config)
    day = date(2026, 11, 20)
    rebuild = Rebuilder(paths, Options(day=day), Session())
    assert rebuild.once()
    real, calls = pipeline.render_posters, []

    def drawing(sources, files, cache, progress=None, checkpoint=None):
        if any(cache.get(s.board.key, ("",))[0] != s.key for s in sources):  # a board is about to be drawn
            if not calls:  # the clerk saves again meanwhile, as the watcher would report it
                (paths.content / "a.md").write_text(item("通知（第三版）"), "utf-8")
                rebuild._pending.add(paths.content / "a.md")
                rebuild._again.set()
            calls.append("stopped")
            drawn = real(sources, files, cache, progress, checkpoint)
            calls[-1] = "drawn"
            return drawn
        return real(sources, files, cache, progress, checkpoint)

    monkeypatch.setattr(pipeline, "render_posters", drawing)
    (paths.content / "a.md").write_text(item("通知（第二版）"), "utf-8")
    rebuild(frozenset({paths.content / "a.md"}))
    assert calls == ["stopped", "drawn"]  # the second version's board abandoned before drawing, the third's drawn
    clean = type(paths)(paths.content, paths.config, paths.templates, tmp_path / "clean")
    build(clean, Options(day=day))
    assert _published(paths.output) == _published(clean.output)
    assert "通知（第三版）" in (paths.output / "public/items/a.html").read_text("utf-8")


def test_serves_first_pass_never_keeps_a_list_that_now_shows_a_forbidden_item(tmp_path):
    """A list kept stale in the first pass must have been scanned against the markers of now: an item just made
    internal is a new public marker, so the public lists are made at once and the public index is left out."""
    paths = make_site(tmp_path, {"a.md": item("将转为党内的通知"), "b.md": item("公告")})
    day = date(2026, 11, 20)
    first = build_kept(paths, Options(day=day, posters=False), hold=True)
    (paths.content / "a.md").write_text(item("将转为党内的通知", scope="internal"), "utf-8")
    quick = build_kept(paths, Options(day=day, posters=False, slow_later=True), first.memory, hold=True)
    meanwhile = dict(quick.result.outputs)
    assert "将转为党内的通知" not in meanwhile["public/items.json"].decode()  # made again, at once
    assert "public/items.json" not in quick.later and "public/pagefind" in quick.later
    assert not any(path.startswith("public/pagefind/") for path in meanwhile)  # left out until the second pass
    assert "internal/items.json" in quick.later  # the members' list may wait: their markers did not change


def test_serve_puts_pages_first_and_the_changed_boards_after(tmp_path):
    """serve's first pass leaves out a board whose sources changed (its PDF takes seconds) and says so in the
    build record; the pass that follows draws it, and the output is then a clean build's."""
    from tests.scratch import CONFIG

    config = {**CONFIG, "boards": {"office": {"title": "机关", "audience": "public"}}}
    paths = make_site(tmp_path, {"a.md": item("通知"), "b.md": item("公告")}, config)
    day = date(2026, 11, 20)
    first = build_kept(paths, Options(day=day), hold=True)  # as serve builds: the files kept in memory
    assert "posters/office.pdf" in dict(first.result.outputs) and first.later == ()
    (paths.content / "a.md").write_text(item("通知（修订）"), "utf-8")
    quick = build_kept(paths, Options(day=day, slow_later=True), first.memory, hold=True)
    # The board, both search indexes and the lists of every item the title shows in wait for the second pass.
    waiting = {"office", "internal/pagefind", "public/pagefind", "internal/items.json", "public/items.json", "kiosk"}
    assert waiting <= set(quick.later) and "posters/office.pdf" not in dict(quick.result.outputs)
    before, meanwhile = dict(first.result.outputs), dict(quick.result.outputs)
    for path in ("public/items.json", "kiosk/slides.json", "public/pagefind/pagefind-entry.json"):
        assert meanwhile[path] == before[path]  # kept whole as they were (safe: no new forbidden marker)
    assert "public/items/a.html" in quick.result.written  # the page itself is in the first pass
    assert '"later"' in (paths.output / ".gongkai-build.json").read_text("utf-8")
    assert build(paths, Options(day=day)) is not None  # not taken as up to date
    clean = type(paths)(paths.content, paths.config, paths.templates, tmp_path / "clean")
    build(clean, Options(day=day))
    assert _published(paths.output) == _published(clean.output)
