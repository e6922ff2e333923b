"""Two cores, one answer: what the forked half computes comes back whole, its errors join the parent's, and
a build is byte for byte the same whether it ran on one core or two."""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

import pytest

from gongkai.parallel import both, split
from gongkai.pipeline import Options, Paths, build
from gongkai.problems import Problem, Problems
from tests.scratch import item, make_site, tree


def test_both_computes_each_side_once_in_its_own_process():
    parent = os.getpid()
    first, second = both(lambda: ("first", os.getpid()), lambda: ("second", os.getpid()))
    assert first == ("first", parent)
    assert second[0] == "second" and second[1] != parent  # forked: the machine's second core can take it


def test_problems_of_both_sides_are_reported_together():
    def fails(name: str):
        raise Problems([Problem(f"content/{name}.md", 1, "错误")])

    with pytest.raises(Problems) as raised:
        both(lambda: fails("a"), lambda: fails("b"))
    assert [p.path for p in raised.value.problems] == ["content/a.md", "content/b.md"]


def test_a_crash_in_the_child_surfaces_as_without_the_fork():
    with pytest.raises(ZeroDivisionError):
        both(lambda: 1, lambda: 1 / 0)


def test_a_child_killed_midway_is_made_up_for_here():
    def dies_in_the_child() -> str:
        if os.getpid() != parent:
            os._exit(9)  # as if the system had killed it
        return "computed here"

    parent = os.getpid()
    assert both(lambda: 1, dies_in_the_child) == (1, "computed here")


def test_split_keeps_order_and_runs_serially_beside_other_threads():
    values = list(range(1000))
    assert split(lambda chunk: [v * 2 for v in chunk], values) == [v * 2 for v in values]
    pids: list[int] = []
    done = threading.Event()
    sleeper = threading.Thread(target=done.wait)
    sleeper.start()
    try:  # with another thread alive, forking is unsafe: everything runs here
        split(lambda chunk: pids.extend([os.getpid()] * len(chunk)) or list(chunk), values)
    finally:
        done.set()
        sleeper.join()
    assert set(pids) == {os.getpid()}


def test_one_core_and_two_build_the_same_bytes(tmp_path, monkeypatch):
    files = {f"n{n:03d}.md": item(f"第{n}号通知", scope="internal" if n % 3 == 0 else "public") for n in range(240)}
    files["broken-never.md"] = item("草稿", status="draft")
    paths = make_site(tmp_path, files)
    options = Options(day=date(2026, 11, 20), posters=False)
    assert threading.active_count() == 1  # so this build does fork
    build(paths, options)
    monkeypatch.setenv("GONGKAI_SERIAL", "1")
    serial = Paths(paths.content, paths.config, paths.templates, tmp_path / "serial")
    build(serial, options)
    published = lambda root: {p: d for p, d in tree(root).items() if not p.startswith(".cache/")}  # noqa: E731
    assert published(paths.output) == published(serial.output)


def test_a_failure_here_stops_the_child():
    def waits_forever() -> None:
        threading.Event().wait()

    with pytest.raises(KeyError):
        both(lambda: {}["missing"], waits_forever)
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    assert children == []  # none left running, none left a zombie
