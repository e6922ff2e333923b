"""new, list and next-change on the sample and on edge dates: window boundaries, public_from, supersession."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.cli import main
from tests.scratch import REPO, item, make_site


def cli(paths, *args: str) -> int:
    return main(
        [args[0], "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates), *args[1:]]
    )


def test_new_writes_a_valid_item_and_never_overwrites(tmp_path, capsys):
    paths = make_site(tmp_path, {})
    assert cli(paths, "new", "notice", "关于开展主题党日活动的通知", "--date", "2026-11-20") == 0
    created = capsys.readouterr().out.strip()
    assert created == f"{paths.content}/2026/notice/2026-11-20-关于开展主题党日活动的通知.md"
    text = Path(created).read_text("utf-8")
    assert "valid_from: '2026-11-20'" in text and "valid_until: '2026-11-29'" in text and "department: 办公室" in text
    assert cli(paths, "check", "--date", "2026-11-20") == 1  # valid, but not yet registered
    assert "还没有索引号" in capsys.readouterr().err
    assert cli(paths, "new", "notice", "关于开展主题党日活动的通知", "--date", "2026-11-20") == 2
    assert "已经存在，不会覆盖" in capsys.readouterr().err
    assert cli(paths, "new", "nosuch", "标题") == 2
    assert "目录里没有“nosuch”" in capsys.readouterr().err


def test_new_by_category_name_and_internal_scope(tmp_path, capsys):
    paths = make_site(tmp_path, {})
    assert cli(paths, "new", "组织设置", "2027年上半年组织设置", "--scope", "internal", "--date", "2027-01-04") == 0
    text = Path(capsys.readouterr().out.strip()).read_text("utf-8")
    assert "category: org" in text and "scope: internal" in text and "valid_until" not in text  # open-ended


FILES = {
    "window.md": item("窗口事项", valid_from="2026-11-10", valid_until="2026-11-20"),
    "later.md": item("先党内后党外", valid_from="2026-11-18", valid_until="2026-11-30", public_from="2026-11-22"),
    "h1.md": item("上半年组织设置", category="org", valid_from="2026-01-05"),
    "h2.md": item("下半年组织设置", category="org", valid_from="2026-11-25"),
    "inner.md": item("党内通报", scope="internal", valid_from="2026-11-01", valid_until="2026-11-30"),
    "draft.md": item("草稿", status="draft"),
}


def listed(paths, capsys, *args: str) -> list[dict]:
    assert cli(paths, "list", "--format", "json", *args) == 0
    return json.loads(capsys.readouterr().out)


def test_list_on_window_boundaries(tmp_path, capsys):
    paths = make_site(tmp_path, FILES)
    on_last_day = listed(paths, capsys, "--date", "2026-11-20", "--audience", "public")
    assert {r["id"] for r in on_last_day} == {"window", "h1"}
    after = listed(paths, capsys, "--date", "2026-11-21", "--audience", "public")
    assert {r["id"] for r in after} == {"h1"}
    assert {r["id"] for r in listed(paths, capsys, "--date", "2026-11-21", "--expired")} == {"window"}
    upcoming = listed(paths, capsys, "--date", "2026-11-20", "--upcoming", "--audience", "public")
    assert {r["id"] for r in upcoming} == {"later", "h2"}
    members = listed(paths, capsys, "--date", "2026-11-20", "--audience", "internal")
    assert {r["id"] for r in members} == {"window", "later", "h1", "inner"}
    assert all(r["id"] != "draft" for r in listed(paths, capsys, "--date", "2026-11-20", "--all"))


def test_list_formats(tmp_path, capsys):
    paths = make_site(tmp_path, FILES)
    assert cli(paths, "list", "--date", "2026-11-20", "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("audience,state,id,title")
    assert cli(paths, "list", "--date", "2026-11-20") == 0
    assert "共 6 项" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("day", "when", "changes"),
    [
        ("2026-11-18", "2026-11-21", {("window", "internal", "公开期满"), ("window", "public", "公开期满")}),
        ("2026-11-21", "2026-11-22", {("later", "public", "向社会公开")}),
        # h1 is superseded when h2 starts: both outputs change that day
        (
            "2026-11-23",
            "2026-11-25",
            {
                ("h1", "internal", "公开期满"),
                ("h1", "public", "公开期满"),
                ("h2", "internal", "开始公开"),
                ("h2", "public", "开始公开"),
            },
        ),
    ],
)
def test_next_change(tmp_path, capsys, day, when, changes):
    paths = make_site(tmp_path, FILES)
    assert cli(paths, "next-change", "--date", day, "--format", "json") == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["next_change"] == when
    assert {(c["id"], c["audience"], c["change"]) for c in answer["changes"]} == changes


def test_next_change_on_the_sample(capsys):
    args = ["next-change", "--content", str(REPO / "content"), "--config", str(REPO / "site_config.yaml"), "--date", "2026-11-20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("下一次变化：2026-11-23（3 天后）")
    assert "向社会公开：关于拟接收预备党员的公示" in out
