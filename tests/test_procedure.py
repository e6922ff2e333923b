"""The procedure of the plans (issue #15 items 1, 3, 4, 6): 审核 before anything is shown, withdrawal dates and
corrections, nothing published vanishing (retire), and the stages of one matter; none of it reaching the public
beyond what the public may see."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from gongkai.cli import main
from gongkai.incremental import Memory
from gongkai.model import Audience, ReviewState
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_item, parse_items
from gongkai.pipeline import Options, run
from gongkai.reading import read_snapshot
from gongkai.recording import set_keys
from tests.scratch import CONFIG, item, make_site, tree
from tests.strategies import BASE, DEFAULT_DAYS, Spec, corpora, snapshot

REVIEWER = "张审核QRV"  # unique: if it is in a file, a review record is in it
REVIEWED = {**CONFIG, "review": {"required": True, "reviewers": [REVIEWER, "李卫东"]}}
DAY = "2026-11-20"


def cli(paths, *args: str) -> int:
    where = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    return main([*args, *where, "--output", str(paths.output)])


def result(paths, day: str = DAY):
    return run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=date.fromisoformat(day), posters=False))


def page(outputs, audience: str, item_id: str) -> str:
    return dict(outputs).get(f"{audience}/items/{item_id}.html", b"").decode()


# --- 审核 ------------------------------------------------------------------------------------------------


def test_an_unreviewed_item_is_shown_nowhere_and_listed_by_check(tmp_path, capsys):
    paths = make_site(tmp_path, {"a.md": item("待审事项"), "b.md": item("另一事项", valid_from="2026-11-10")}, REVIEWED)
    built = result(paths)
    assert all(not built.views[a].everything for a in Audience)
    assert cli(paths, "register") == 0  # waiting for review, it is numbered like anything scheduled
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 0  # waiting is normal work, not an error
    out = capsys.readouterr().out
    assert "待审核 2 项（审核前哪里都不显示）：" in out
    assert f"{paths.content}/a.md:2: 待审核：“待审事项”。审核前哪里都不显示。审核后运行 python build.py review" in out


def test_review_records_the_reviewer_surgically_and_shows_the_item(tmp_path, capsys):
    text = (
        "---\n# 办公室起草\ntitle: 审核事项\ncategory: notice   # 通知公告\nscope: public\nvalid_from: 2026-11-15\n---\n正文。\n"
    )
    paths = make_site(tmp_path, {"a.md": text.replace("\n", "\r\n")}, REVIEWED)
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-14") == 0
    written = (paths.content / "a.md").read_bytes().decode()
    lines = written.split("\r\n")
    assert lines[:6] == text.split("\n")[:6] and lines[-3:] == ["---", "正文。", ""]  # comments, order, CRLF kept
    assert lines[6:9] == [f"reviewed_by: {REVIEWER}", "reviewed_on: 2026-11-14", lines[8]]
    assert lines[8].startswith("reviewed_hash: ") and len(lines[8]) == len("reviewed_hash: ") + 12
    built = result(paths)
    (shown,) = built.views[Audience.PUBLIC].current
    assert shown.item.review is ReviewState.PASSED
    internal, public = page(built.outputs, "internal", "a"), page(built.outputs, "public", "a")
    assert f"<dt>审核人</dt><dd>{REVIEWER}</dd>" in internal and "<dt>审核日期</dt><dd>2026-11-14</dd>" in internal
    assert REVIEWER not in public and "审核人" not in public and "审核日期" not in public


def test_a_change_after_review_voids_it(tmp_path, capsys):
    paths = make_site(tmp_path, {"a.md": item("审核事项")}, REVIEWED)
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-15") == 0
    assert result(paths).views[Audience.PUBLIC].current
    reviewed = (paths.content / "a.md").read_text("utf-8")
    for change in (
        reviewed.replace("正文。", "正文（改）。"),
        reviewed.replace("title: 审核事项", "title: 审核事项（改）"),
        reviewed.replace("scope: public", "scope: internal"),
        reviewed.replace("valid_from: '2026-11-15'", "valid_from: '2026-11-16'"),
    ):
        assert change != reviewed
        (paths.content / "a.md").write_text(change, "utf-8")
        built = result(paths)
        assert not built.views[Audience.INTERNAL].everything, change
        assert built.items[0].review is ReviewState.CHANGED
    assert cli(paths, "register") == 0
    capsys.readouterr()
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 0
    assert "原审核已作废，需重新审核" in capsys.readouterr().out
    (paths.content / "a.md").write_text(reviewed.replace("正文。", "正文。  "), "utf-8")  # trailing spaces do not count
    assert result(paths).items[0].review is ReviewState.PASSED


def test_a_swapped_file_or_anything_else_shown_added_after_review_voids_it(tmp_path):
    files = {"a.md": item("审核事项", attachments=["f/结果.pdf"], body="正文。\n\n![图](f/图.png)"), "f/结果.pdf": b"%PDF-1.4 A"}
    paths = make_site(tmp_path, {**files, "f/图.png": b"\x89PNG first"}, REVIEWED)
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-15") == 0
    assert result(paths).items[0].review is ReviewState.PASSED
    reviewed = (paths.content / "a.md").read_text("utf-8")
    edits = {
        "summary": reviewed.replace("title:", "summary: 新加的摘要\ntitle:"),
        "doc_number": reviewed.replace("title:", "doc_number: 测党〔2026〕1号\ntitle:"),
        "issuer": reviewed.replace("title:", "issuer: 另一机构\ntitle:"),
        "department": reviewed.replace("title:", "department: 机关党委\ntitle:"),
        "date": reviewed.replace("title:", "date: 2026-11-01\ntitle:"),
        "pinned": reviewed.replace("title:", "pinned: true\ntitle:"),
        "public_from": reviewed.replace("title:", "public_from: 2026-11-18\ntitle:"),
        "series": reviewed.replace("title:", "series: 一件事\nstage: 第一阶段\ntitle:"),
    }
    for key, edited in edits.items():
        (paths.content / "a.md").write_text(edited, "utf-8")
        assert result(paths).items[0].review is ReviewState.CHANGED, key
    (paths.content / "a.md").write_text(reviewed, "utf-8")
    for swapped in ("f/结果.pdf", "f/图.png"):  # the same names, other bytes: the item's file is untouched
        original = (paths.content / swapped).read_bytes()
        (paths.content / swapped).write_bytes(original + b" swapped")
        built = result(paths)
        assert built.items[0].review is ReviewState.CHANGED, swapped
        assert not built.views[Audience.PUBLIC].everything and not built.views[Audience.INTERNAL].everything
        (paths.content / swapped).write_bytes(original)
    assert result(paths).items[0].review is ReviewState.PASSED


def test_a_file_swapped_under_a_cached_item_voids_its_review(tmp_path):
    files = {"a.md": item("审核事项", attachments=["f/结果.pdf"]), "f/结果.pdf": b"%PDF-1.4 A"}
    paths = make_site(tmp_path, files, REVIEWED)
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-15") == 0
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config = parse_config(snapshot.config, snapshot.config_path)
    memory = Memory()
    assert parse_items(snapshot, config, memory).items[0].review is ReviewState.PASSED
    swapped = replace(snapshot, content={**snapshot.content, "f/结果.pdf": b"%PDF-1.4 B"})
    assert parse_items(swapped, config, memory).items[0].review is ReviewState.CHANGED
    assert parse_items(snapshot, config, memory).items[0].review is ReviewState.PASSED


def test_review_refuses_a_date_after_the_start_and_an_unknown_reviewer(tmp_path, capsys):
    paths = make_site(tmp_path, {"a.md": item("审核事项")}, REVIEWED)
    before = (paths.content / "a.md").read_bytes()
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-16") == 1
    assert "a.md:7: 审核日期（2026-11-16）晚于开始公开的日期（2026-11-15）：事项不能在审核之前公开。" in capsys.readouterr().err
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", "王五", "--date", "2026-11-10") == 2
    assert f"“王五”不在 {paths.config} 的 review.reviewers 中。可选：{REVIEWER}、李卫东" in capsys.readouterr().err
    assert cli(paths, "review", str(tmp_path / "elsewhere.md"), "--by", REVIEWER) == 2
    assert (paths.content / "a.md").read_bytes() == before


def test_hand_written_or_unknown_reviews_are_errors_with_lines(tmp_path, capsys):
    files = {
        "a.md": item(reviewed_by=REVIEWER, reviewed_on="2026-11-10"),
        "b.md": item(reviewed_by="张审核", reviewed_on="2026-11-10", reviewed_hash="0123456789ab"),
        "c.md": item(reviewed_on="2026-11-10"),
        "d.md": item(审核人=REVIEWER),
    }
    paths = make_site(tmp_path, files, REVIEWED)
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 1
    err = capsys.readouterr().err
    assert f"a.md:6: 审核记录缺少 reviewed_hash。请用 python build.py review {paths.content}/a.md --by 审核人" in err
    assert f"b.md:6: 审核人“张审核”不在 site_config.yaml 的 review.reviewers 中。您是不是想写“{REVIEWER}”？" in err
    assert "c.md:6: 审核记录缺少 reviewed_by（审核人）。" in err
    assert "d.md:6: 未知的键“审核人”。您是不是想写“reviewed_by”？" in err


def test_without_required_review_a_void_review_is_a_warning_and_the_item_stays(tmp_path, capsys):
    config = {**CONFIG, "review": {"reviewers": [REVIEWER]}}
    paths = make_site(tmp_path, {"a.md": item("审核事项")}, config)
    assert result(paths).views[Audience.PUBLIC].current  # not required: shown without review
    assert cli(paths, "review", str(paths.content / "a.md"), "--by", REVIEWER, "--date", "2026-11-15") == 0
    reviewed = (paths.content / "a.md").read_text("utf-8")
    (paths.content / "a.md").write_text(reviewed.replace("正文。", "正文（改）。"), "utf-8")
    built = result(paths)
    assert built.views[Audience.PUBLIC].current and built.items[0].review is ReviewState.NOT_REQUIRED
    assert any("原审核已作废" in w.message and w.line == 8 for w in built.warnings)
    assert "审核人" not in page(built.outputs, "internal", "a")


def test_review_config_is_strict(tmp_path, capsys):
    for review, message in (
        ({"required": True}, "review.required 为 true 时，必须在 reviewers 里列出审核人姓名。"),
        ({"required": True, "reviewers": ["甲", "甲"]}, "审核人“甲”重复列出。"),
        ({"requird": True}, "未知的键“requird”（review 部分）。您是不是想写“required”？"),
    ):
        paths = make_site(tmp_path, {"a.md": item()}, {**CONFIG, "review": review})
        assert cli(paths, "check", "--no-posters", "--date", DAY) == 1
        assert message in capsys.readouterr().err
    assert parse_config(yaml.safe_dump(REVIEWED, allow_unicode=True).encode(), "c.yaml").review.required


def test_set_keys_keeps_everything_else():
    yaml_item = "title: 甲\n# 注释\nreviewed_by: 旧\nreviewed_on: 2026-01-01\nbody: |\n  正文\n  第二行\n"
    edited = set_keys(yaml_item, {"reviewed_by": "新", "reviewed_hash": "abc"})
    assert (
        edited == "title: 甲\n# 注释\nreviewed_by: 新\nreviewed_on: 2026-01-01\nreviewed_hash: abc\nbody: |\n  正文\n  第二行\n"
    )
    assert (
        set_keys(edited, {}, remove=("reviewed_by", "reviewed_on", "reviewed_hash"))
        == "title: 甲\n# 注释\nbody: |\n  正文\n  第二行\n"
    )
    bom = "\ufeff---\ntitle: 甲\nreviewed_by:\n  - 多行\n---\n正文\n"
    assert set_keys(bom, {"reviewed_by": "a: b"}) == '\ufeff---\ntitle: 甲\nreviewed_by: "a: b"\n---\n正文\n'


# --- 撤销 and 更正 -----------------------------------------------------------------------------------------


def test_withdrawal_date_and_correction_link_both_ways_only_where_both_are_seen(tmp_path):
    files = {
        "old.md": item("原公示", status="withdrawn", withdrawn_on="2026-11-18", withdrawn_reason="名单有误", replaced_by="new"),
        "new.md": item("更正后的公示", valid_from="2026-11-19"),
        "old2.md": item("原通报", status="withdrawn", withdrawn_on="2026-11-18", withdrawn_reason="有误", replaced_by="inside"),
        "inside.md": item("党内更正QIN", scope="internal", valid_from="2026-11-19"),
    }
    built = result(make_site(tmp_path, files))
    outputs = dict(built.outputs)
    old = page(built.outputs, "public", "old")
    assert "撤销日期：2026-11-18" in old and "更正后的事项：" in old and "更正后的公示" in old
    assert "本事项更正了：" in page(built.outputs, "public", "new") and "原公示" in page(built.outputs, "public", "new")
    assert "更正后的事项" not in page(built.outputs, "public", "old2")  # the correction is internal: no title, no link
    assert "更正后的事项：" in page(built.outputs, "internal", "old2") and "原通报" in page(built.outputs, "internal", "inside")
    public = b"".join(data for path, data in built.outputs if path.startswith(("public/", "kiosk/")))
    assert "党内更正QIN".encode() not in public and b"items/inside" not in public
    records = {r["id"]: r for r in json.loads(outputs["public/items.json"])["items"]}
    assert records["old"]["withdrawn_on"] == "2026-11-18" and records["old"]["replaced_by"]["title"] == "更正后的公示"
    assert "replaced_by" not in records["old2"] and records["new"]["corrects"][0]["title"] == "原公示"
    slides = {s["id"]: s for s in json.loads(outputs["kiosk/slides.json"])["slides"]}
    assert slides["old"]["withdrawn_on"] == "2026-11-18"


def test_withdrawal_keys_are_strict(tmp_path, capsys):
    files = {
        "a.md": item(status="withdrawn", withdrawn_reason="有误"),
        "b.md": item(status="withdrawn", withdrawn_on="2026-11-01", withdrawn_reason="有误"),
        "c.md": item(replaced_by="a"),
        "d.md": item(status="withdrawn", withdrawn_on="2026-11-16", withdrawn_reason="有误", replaced_by="d"),
        "e.md": item(withdrawn_on="2026-11-16"),
        "f.md": item(撤销日期="2026-11-16"),
    }
    paths = make_site(tmp_path, files)
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 1
    err = capsys.readouterr().err
    assert "a.md:6: 已撤销（withdrawn）的事项必须写 withdrawn_on（撤销日期）" in err
    assert "b.md:7: 撤销日期（2026-11-01）早于开始公开的日期（2026-11-15）。" in err
    assert "c.md:6: replaced_by 只用于已撤销（status: withdrawn）的事项" in err
    assert "d.md:2: replaced_by 不能指向本事项自己。" in err
    assert "f.md:6: 未知的键“撤销日期”。您是不是想写“withdrawn_on”？" in err
    del files["a.md"], files["b.md"], files["c.md"], files["d.md"], files["f.md"]
    paths = make_site(tmp_path / "2", files)
    assert any("写了 withdrawn_on，但 status 不是 withdrawn" in w.message for w in result(paths).warnings)


# --- nothing published vanishes ---------------------------------------------------------------------------


def registered_site(tmp_path: Path):
    files = {"shown.md": item("已公开事项", valid_until="2026-11-30"), "later.md": item("未来事项", valid_from="2026-12-01")}
    paths = make_site(tmp_path, files)
    assert cli(paths, "register") == 0
    return paths


def test_deleting_a_shown_item_fails_check_and_build_saying_how_to_withdraw_it(tmp_path, capsys):
    paths = registered_site(tmp_path)
    assert cli(paths, "build", "--no-posters", "--date", DAY) == 0
    before = tree(paths.output)
    (paths.content / "shown.md").unlink()
    (paths.content / "later.md").unlink()  # never shown: its number simply stays taken
    capsys.readouterr()
    for command in ("check", "build"):
        assert cli(paths, command, "--no-posters", "--date", "2026-11-21") == 1
        err = capsys.readouterr().err
        assert f"{paths.config.parent}/register.yaml:" in err and "已公开的事项“已公开事项”" in err
        assert "请恢复文件，要撤下就改为 status: withdrawn" in err
        assert f"python build.py retire {paths.content}/shown --reason 原因" in err
        assert "未来事项" not in err
    assert tree(paths.output) == before


def test_a_renamed_file_is_not_a_vanished_one(tmp_path):
    paths = registered_site(tmp_path)
    (paths.content / "shown.md").rename(paths.content / "renamed.md")
    assert cli(paths, "build", "--no-posters", "--date", DAY) == 0  # unregistered: a warning in build
    assert cli(paths, "register") == 0
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 0


def test_retire_keeps_number_title_window_and_reason_in_the_register(tmp_path, capsys):
    paths = registered_site(tmp_path)
    number = next(i.index_number for i in result(paths).items if i.id == "shown")
    args = ["retire", str(paths.content / "shown.md"), "--reason", "误发QRT，经批准移除", "--date", DAY]
    assert cli(paths, *args) == 0
    assert not (paths.content / "shown.md").exists()
    entry = next(
        e for e in yaml.safe_load((paths.config.parent / "register.yaml").read_text("utf-8"))["numbers"] if e["id"] == "shown"
    )
    assert entry["number"] == number and entry["title"] == "已公开事项"
    assert (entry["valid_from"], entry["valid_until"], entry["retired_on"]) == ("2026-11-15", "2026-11-30", DAY)
    assert entry["retired_reason"] == "误发QRT，经批准移除"
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 0
    built = result(paths)
    outputs = dict(built.outputs)
    register = outputs["internal/register.html"].decode()
    assert number in register and "已移除" in register and "误发QRT" in register
    assert "误发QRT".encode() in outputs["internal/register.csv"]
    public = b"".join(data for path, data in built.outputs if path.startswith(("public/", "kiosk/")))
    assert "误发QRT".encode() not in public and "已公开事项".encode() not in public
    assert cli(paths, *args) == 2  # retired already
    (paths.content / "shown.md").write_text(item("新事项"), "utf-8")
    capsys.readouterr()
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 1
    assert "移除的编号不再使用：请给新文件换一个名字" in capsys.readouterr().err


def test_retire_after_the_file_is_gone_and_refusals(tmp_path, capsys):
    paths = registered_site(tmp_path)
    (paths.content / "shown.md").unlink()
    assert cli(paths, "retire", str(paths.content / "shown.md"), "--reason", "经批准移除", "--date", DAY) == 0
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 0
    (paths.content / "new.md").write_text(item("未登记"), "utf-8")
    assert cli(paths, "retire", str(paths.content / "new.md"), "--reason", "x") == 2
    assert "没有索引号，从未登记：直接删除文件即可。" in capsys.readouterr().err


# --- 阶段 --------------------------------------------------------------------------------------------------


def test_each_stage_page_lists_the_stages_its_reader_may_see_in_order(tmp_path):
    files = {
        "s1.md": item(
            "积极分子通报",
            scope="internal",
            valid_from="2026-05-11",
            valid_until="2026-05-20",
            series="发展党员",
            stage="确定入党积极分子",
        ),
        "s2.md": item("发展对象公示", valid_from="2026-11-16", series="发展党员", stage="确定发展对象"),
        "s3.md": item("预备党员公示", valid_from="2026-11-18", series="发展党员", stage="接收预备党员"),
        "s4.md": item("以后的阶段", valid_from="2026-12-01", series="发展党员", stage="转正"),
        "x.md": item("无关事项", series="别的事"),
    }
    built = result(make_site(tmp_path, files))
    internal = page(built.outputs, "internal", "s3")
    assert internal.index("确定入党积极分子") < internal.index("确定发展对象") < internal.index("接收预备党员")
    assert "同一事项的各阶段：发展党员" in internal and "转正" not in internal and "以后的阶段" not in internal
    public = page(built.outputs, "public", "s2")
    assert "确定发展对象" in public and "接收预备党员" in public and "积极分子" not in public
    assert "同一事项的各阶段" not in page(built.outputs, "public", "x")  # a series of one shows nothing


def test_series_keys_are_checked(tmp_path, capsys):
    files = {
        "a.md": item(series="2026年发展党员"),
        "b.md": item(series="2026年发展党员"),
        "c.md": item(series="2026年发展党"),
        "d.md": item(stage="确定发展对象"),
    }
    paths = make_site(tmp_path, files)
    assert cli(paths, "check", "--no-posters", "--date", DAY) == 1
    assert "d.md:6: 写了 stage（阶段名称），请同时写 series" in capsys.readouterr().err
    del files["d.md"]
    built = result(make_site(tmp_path / "2", files))
    assert [w.message for w in built.warnings if w.path.endswith("c.md") and w.message.startswith("series")] == [
        "series“2026年发展党”只有这一个事项，和“2026年发展党员”很像。如果是同一件事，请写成一样的。"
    ]


# --- never leak: review state, series and correction links over random corpora -------------------------------


@dataclass(frozen=True)
class Steps:
    reviewed: bool
    series: str | None
    replaced_by: int | None  # another spec's n, for withdrawn specs


@st.composite
def procedure_corpora(draw) -> tuple[tuple[Spec, ...], dict[int, Steps]]:
    corpus = draw(corpora)
    steps = {}
    for spec in corpus:
        others = [o.n for o in corpus if o.n != spec.n]
        target = draw(st.none() | st.sampled_from(others)) if spec.status == "withdrawn" and others else None
        steps[spec.n] = Steps(draw(st.booleans()), draw(st.sampled_from([None, "甲事", "乙事"])), target)
    return corpus, steps


def procedure_snapshot(corpus: tuple[Spec, ...], steps: dict[int, Steps]):
    base = snapshot(corpus)
    config_bytes = yaml.safe_dump(REVIEWED, allow_unicode=True).encode()
    base = replace(base, config=config_bytes)
    config = parse_config(config_bytes, "site_config.yaml")
    content = dict(base.content)
    for spec in corpus:
        relpath, extra = f"items/{spec.token}.md", {}
        step = steps[spec.n]
        if step.series:
            extra["series"], extra["stage"] = step.series, f"阶段{spec.token}STG"
        if step.replaced_by is not None:
            extra["replaced_by"] = f"items/QX{step.replaced_by:03d}Z"
        text = set_keys(content[relpath].decode(), extra)
        if step.reviewed:
            parsed, errors, _ = parse_item(replace(base, content={**content, relpath: text.encode()}), config, relpath)
            assert parsed is not None and not errors, errors
            on = (spec.valid_from - timedelta(days=1)).isoformat()
            text = set_keys(text, {"reviewed_by": REVIEWER, "reviewed_on": on, "reviewed_hash": parsed.review_hash})
        content[relpath] = text.encode()
    return replace(base, content=content)


def until(spec: Spec, corpus: tuple[Spec, ...], steps: dict[int, Steps]) -> date | None:
    """The window model of tests/test_leaks.py, where an item waiting for review replaces nothing."""
    if spec.length is not None:
        return spec.valid_from + timedelta(days=spec.length)
    if DEFAULT_DAYS[spec.category]:
        return spec.valid_from + timedelta(days=DEFAULT_DAYS[spec.category] - 1)
    successors = [
        o.valid_from
        for o in corpus
        if o.category == spec.category and o.status == "published" and steps[o.n].reviewed and o.valid_from > spec.valid_from
        and (o.scope == "public" or spec.scope == "internal")
    ]  # fmt: skip
    return min(successors) - timedelta(days=1) if successors else None


def seen(spec: Spec, corpus: tuple[Spec, ...], steps: dict[int, Steps], audience: Audience, day: date) -> bool:
    """Whether `audience` sees the item at all on `day` (in full or as a withdrawal notice), from the rules' words."""
    end = until(spec, corpus, steps)
    if spec.status == "draft" or not steps[spec.n].reviewed or day < spec.valid_from:
        return False
    if audience is Audience.INTERNAL:
        return True
    went_public = spec.public_after is None or day >= spec.valid_from + timedelta(days=spec.public_after)
    return spec.scope == "public" and went_public and (end is None or day <= end)


def ended_notice(spec: Spec, corpus: tuple[Spec, ...], steps: dict[int, Steps], day: date) -> bool:
    """Whether the public's old address of the item holds a notice: the public saw it once, its window is over."""
    end = until(spec, corpus, steps)
    public_start = spec.valid_from + timedelta(days=spec.public_after or 0)
    shown_once = spec.status != "draft" and steps[spec.n].reviewed and spec.scope == "public"
    return shown_once and end is not None and public_start <= end < day


@given(procedure_corpora(), st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_review_state_series_and_corrections_never_reach_whom_they_must_not(generated, day):
    corpus, steps = generated
    # Without the search indexes, as in tests/test_leaks.py: they are compressed, so the byte searches below
    # could not see into them; Pagefind would be two thirds of each example's cost. An index is made from the
    # item pages checked here, and tests/rendering/test_search.py holds indexes to the same rule, decompressed.
    built = run(procedure_snapshot(corpus, steps), Options(day=day, posters=False, search=False))
    records = ("internal/report.html", "internal/register.")  # internal records list scheduled items too
    trees = {
        Audience.PUBLIC: b"\n".join(d for p, d in built.outputs if p.startswith(("public/", "kiosk/"))),
        Audience.INTERNAL: b"\n".join(d for p, d in built.outputs if p.startswith("internal/") and not p.startswith(records)),
    }
    assert REVIEWER.encode() not in trees[Audience.PUBLIC]  # review records are internal
    by_n = {spec.n: spec for spec in corpus}
    for audience, files in trees.items():
        for spec in corpus:
            visible = seen(spec, corpus, steps, audience, day)
            notice = audience is Audience.PUBLIC and ended_notice(spec, corpus, steps, day)
            assert (spec.token.encode() in files) == (visible or notice), (audience, spec, steps[spec.n])
            if notice and not visible:  # its title stays at its address, nothing of its text
                assert f"正文{spec.token}".encode() not in files, (audience, spec)
            if not visible:
                continue
            own = page(built.outputs, audience.value, f"items/{spec.token}")
            step = steps[spec.n]
            if audience is Audience.INTERNAL and step.reviewed:
                assert f"<dt>审核人</dt><dd>{REVIEWER}</dd>" in own
            stages = [
                o for o in corpus if step.series and steps[o.n].series == step.series and seen(o, corpus, steps, audience, day)
            ]
            for other in stages if len(stages) > 1 else ():
                assert f"阶段{other.token}STG" in own, (audience, spec, other)
            target = by_n.get(step.replaced_by) if step.replaced_by is not None else None
            if target is not None:
                assert (f"标题{target.token}" in own) == seen(target, corpus, steps, audience, day), (audience, spec)
