"""new, list and next-change on the sample and on edge dates: window boundaries, public_from, supersession."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.cli import main
from tests.scratch import CONFIG, REPO, item, make_site


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
    assert "valid_from: 2026-11-20\n" in text and "valid_until: 2026-11-29\n" in text and "department: 办公室" in text
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


def test_placeholder_text_fails_check_and_is_a_warning_in_build(tmp_path, capsys):
    """`new`'s placeholder text, or a hint such as （标题） from the template, is never published unnoticed."""
    paths = make_site(tmp_path, {"hint.md": item("（标题）")})
    assert cli(paths, "new", "notice", "关于开展主题党日活动的通知", "--date", "2026-11-20") == 0
    created = Path(capsys.readouterr().out.strip())
    assert cli(paths, "register") == 0
    capsys.readouterr()
    assert cli(paths, "check", "--no-posters", "--date", "2026-11-20") == 1
    err = capsys.readouterr().err
    body_line = (
        created.read_text("utf-8")
        .split("\n")
        .index(next(line for line in created.read_text("utf-8").split("\n") if line.startswith("（在这里")))
    )
    assert f"{created}:{body_line + 1}: 正文还是 new 命令写的占位文字" in err
    assert "hint.md:2: “title”还是样板里的占位文字“（标题）”" in err
    output = ["--output", str(tmp_path / "out"), "--date", "2026-11-20", "--no-posters"]
    assert cli(paths, "build", *output) == 0
    assert "正文还是 new 命令写的占位文字" in capsys.readouterr().out


def test_scope_words_clerks_use_and_a_refusal_that_lists_them(tmp_path, capsys):
    paths = make_site(tmp_path, {"a.md": item("向社会公开的", scope="向社会公开"), "b.md": item("写错范围的", scope="公开")})
    assert cli(paths, "check", "--no-posters", "--date", "2026-11-20") == 1
    err = capsys.readouterr().err
    assert (
        "b.md:4: “scope”不能是“公开”。可以写：internal（或 党内、党内公开）；public（或 党外、社会、向社会公开、对外公开）。"
        in err
    )
    assert "a.md:4" not in err  # 向社会公开 is accepted
    assert cli(paths, "new", "notice", "党外范围的通知", "--scope", "党外", "--date", "2026-11-20") == 0
    assert "scope: public" in Path(capsys.readouterr().out.strip()).read_text("utf-8")
    with pytest.raises(SystemExit) as refused:
        cli(paths, "new", "notice", "范围写错", "--scope", "公开")
    assert refused.value.code == 2
    assert "命令用法错误：参数 --scope：公开范围“公开”不对。可以写：internal（或 党内" in capsys.readouterr().err


def test_an_item_saved_under_a_text_name_is_a_warning(tmp_path, capsys):
    files = {"通知.md.txt": item("记事本存的事项"), "说明.markdown": item("另一个"), "附件说明.txt": "普通的文字附件。"}
    paths = make_site(tmp_path, files)
    assert cli(paths, "build", "--output", str(tmp_path / "out"), "--date", "2026-11-20", "--no-posters") == 0
    out = capsys.readouterr().out
    assert "通知.md.txt:1: 这个文件看起来是一个事项，但文件名以“.txt”结尾，不会被发布。请改名为 通知.md" in out
    assert "说明.markdown:1: 这个文件看起来是一个事项，但文件名以“.markdown”结尾" in out
    assert "附件说明.txt" not in out


def test_upcoming_says_what_will_appear_and_what_waits_for_review(tmp_path, capsys):
    files = {
        "w.md": item(
            "撤销后才开始", valid_from="2026-12-01", status="withdrawn", withdrawn_reason="有误", withdrawn_on="2026-12-01"
        ),
        "held.md": item("待审事项", valid_from="2026-11-15"),
        "ok.md": item("审核过了吗", valid_from="2026-12-05"),
    }
    config = {**CONFIG, "review": {"required": True, "reviewers": ["李卫东"]}}
    paths = make_site(tmp_path, files, config)
    rows = listed(paths, capsys, "--date", "2026-11-20", "--upcoming", "--audience", "public")
    assert {r["id"]: r["state"] for r in rows} == {"w": "待审核", "held": "待审核", "ok": "待审核"}
    paths = make_site(tmp_path, files)  # no review required
    rows = listed(paths, capsys, "--date", "2026-11-20", "--upcoming", "--audience", "public")
    assert {r["id"]: r["state"] for r in rows} == {"w": "尚未开始（撤销公告）", "ok": "尚未开始"}
    assert cli(paths, "list", "--upcoming", "--audience", "public", "--date", "2026-11-20") == 0
    table = capsys.readouterr().out.splitlines()
    # Columns line up in a terminal: every title starts at the same display column.
    starts = {len(line.split("撤销后才开始")[0].encode("gbk")) for line in table if "撤销后才开始" in line}
    starts |= {len(line.split("审核过了吗")[0].encode("gbk")) for line in table if "审核过了吗" in line}
    assert len(starts) == 1, table
