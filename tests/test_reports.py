"""The catalogue's 范围 and 方式, supervision that counts what is missing, period reports and the 备案 list."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from gongkai.cli import main
from gongkai.filing import NARROWED, REQUEST, WITHDRAWN, filing
from gongkai.model import Audience
from gongkai.periods import between, month, quarter, tally, year
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from gongkai.supervision import MISSING, NEVER, OK, supervise
from gongkai.visibility import carried_by, view
from tests.scratch import CONFIG, item, make_site

DAY = date(2026, 11, 20)


def config_with(**changes) -> dict:
    """The scratch config with catalogue entries changed (`entry={...}` merges into it) or sections set."""
    config = copy.deepcopy(CONFIG)
    for key, value in changes.items():
        if key in config["catalog"]:
            config["catalog"][key].update(value)
        else:
            config[key] = value
    return config


def result_for(tmp_path, files, config=None, day=DAY):
    paths = make_site(tmp_path, files, config)
    return run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=day, posters=False))


def problems_of(tmp_path, files, config=None) -> list[str]:
    with pytest.raises(Problems) as failure:
        result_for(tmp_path, files, config)
    return [f"{p.path.rsplit('/', 1)[-1]}:{p.line}: {p.message}" for p in failure.value.problems]


# --- 目录 with 范围 and 方式 -------------------------------------------------------------------------------


def test_catalogue_keys_are_strict(tmp_path):
    config = config_with(
        notice={"carriers": ["site", "kiosk"], "public_days": [15, 5], "scope": "公开"},
        dues={"carrier": ["boards"]},
        supervision={"start": "2026-13-01"},
    )
    found = problems_of(tmp_path, {"a.md": item()}, config)
    assert any("carriers 里有未知的公开载体“site”。您是不是想写“sites”？" in p for p in found)
    assert any("public_days 应写成 [最短天数, 最长天数]" in p for p in found)
    assert any("“scope”不能是“公开”" in p for p in found)
    assert any("未知的键“carrier”（目录“dues”）。您是不是想写“carriers”？" in p for p in found)
    assert any("“start”的日期“2026-13-01”不存在" in p for p in found)
    assert all(p.startswith("site_config.yaml:") and p.split(":")[1].isdigit() for p in found)


def test_a_board_or_kiosk_cannot_ask_for_a_category_its_carriers_leave_out(tmp_path):
    config = config_with(
        notice={"carriers": ["sites"]},
        boards={"lobby": {"title": "大厅公开栏", "categories": ["notice"]}},
        kiosk={"categories": ["notice", "dues"]},
    )
    found = problems_of(tmp_path, {"a.md": item()}, config)
    hint = "请在该目录的 carriers 中加上"
    assert any(
        "公开栏“lobby”的 categories 里有“notice”，但目录“通知公告”的 carriers 不含 boards" in p and hint in p for p in found
    )
    assert any("电子屏的 categories 里有“notice”，但目录“通知公告”的 carriers 不含 kiosk" in p for p in found)
    assert len(found) == 2


def test_entry_scope_is_the_default_and_a_difference_needs_a_reason(tmp_path):
    config = config_with(notice={"scope": "internal"}, dues={"scope": "public"})
    no_scope = item("沿用类别范围")
    no_scope = no_scope.replace("scope: public\n", "")
    result = result_for(tmp_path / "ok", {"a.md": no_scope}, config)
    assert result.items[0].scope is Audience.INTERNAL
    wider = item("向社会通报")  # scope: public in an internal entry
    narrower = item("暂不公开的党费", category="dues", scope="internal")
    found = problems_of(tmp_path / "bad", {"wider.md": wider, "narrower.md": narrower}, config)
    assert (
        "wider.md:4: 目录“通知公告”的公开范围是党内，本事项却向社会公开：请写 scope_reason 说明原因（只在党内网页显示），或改回 scope: internal。"
        in found
    )
    assert any(p.startswith("narrower.md:4: 目录“党费收缴”的公开范围是向社会公开，本事项却只在党内公开") for p in found)


def test_new_takes_the_entry_scope(tmp_path, capsys):
    paths = make_site(tmp_path, {}, config_with(notice={"scope": "internal"}))
    args = ["new", "--content", str(paths.content), "--config", str(paths.config), "--date", "2026-11-20"]
    assert main([*args, "notice", "党内通知"]) == 0
    created = capsys.readouterr().out.strip()
    assert "scope: internal" in Path(created).read_text("utf-8")


def test_a_needless_scope_reason_is_a_warning(tmp_path):
    result = result_for(tmp_path, {"a.md": item("通知", scope_reason="多余的说明")}, config_with(notice={"scope": "public"}))
    assert any("写了 scope_reason，但本事项的公开范围与目录相同" in w.message for w in result.warnings)


def test_scope_reason_is_shown_internally_and_never_publicly(tmp_path):
    reason = "经党组研究作为警示教育向社会通报"
    files = {"a.md": item("违纪通报", scope_reason=reason)}
    outputs = dict(result_for(tmp_path, files, config_with(notice={"scope": "internal"})).outputs)
    assert reason in outputs["internal/items/a.html"].decode()
    assert "public/items/a.html" in outputs
    leaked = [path for path, data in outputs.items() if path.startswith(("public/", "kiosk/")) and reason.encode() in data]
    assert leaked == []


def test_carriers_decide_site_boards_and_kiosk(tmp_path):
    config = config_with(notice={"carriers": ["boards"]}, dues={"carriers": ["sites"]})
    files = {"board-only.md": item("只上公开栏"), "site-only.md": item("只上网站", category="dues")}
    result = result_for(tmp_path, files, config)
    outputs = dict(result.outputs)
    assert "internal/items/board-only.html" in outputs and "internal/items/site-only.html" in outputs
    assert "public/items/board-only.html" not in outputs and "public/items/site-only.html" in outputs
    assert "只上公开栏" not in outputs["public/items.json"].decode()
    slides = outputs["kiosk/slides.json"].decode()
    assert "只上公开栏" not in slides and "只上网站" not in slides  # the kiosk carries neither
    public = result.views[Audience.PUBLIC]
    on_boards = public.only((), carried_by(result.config.catalog, "boards"))
    assert [s.item.title for s in on_boards.current] == ["只上公开栏"]
    assert [s.item.title for s in public.only(("dues",), carried_by(result.config.catalog, "boards")).current] == []


def test_public_site_lists_only_categories_that_can_be_public(tmp_path):
    config = config_with(notice={"scope": "internal"}, dues={"carriers": ["boards", "kiosk"]})
    files = {"a.md": item("党内通知", scope="internal")}
    outputs = dict(result_for(tmp_path / "closed", files, config).outputs)
    assert "public/categories/notice.html" not in outputs and "public/categories/dues.html" not in outputs
    assert "public/categories/org.html" in outputs
    home = outputs["public/index.html"].decode()
    assert "通知公告" not in home and "党费收缴" not in home and "组织设置" in home
    assert "internal/categories/notice.html" in outputs and "internal/categories/dues.html" in outputs
    exception = {"b.md": item("对外通报", scope_reason="作为警示教育公开")}
    opened = dict(result_for(tmp_path / "opened", exception, config).outputs)
    assert "public/categories/notice.html" in opened  # an internal entry with a public exception in view


# --- supervision that counts what is missing ----------------------------------------------------------------


def test_never_published_entries_are_late_from_their_first_due_date(tmp_path):
    result = result_for(tmp_path, {"a.md": item()}, config_with(supervision={"start": "2026-10-01"}))

    def status(day):
        return {c.entry.key: c for c in supervise(result.items, (), result.config, day).catalog}

    first = status(date(2026, 10, 1))
    assert (first["org"].status, first["org"].due) == (NEVER, date(2026, 10, 1))  # fixed: from the first day
    assert (first["dues"].status, first["dues"].due) == (NEVER, date(2026, 12, 31))  # periodic: its first quarter
    later = status(date(2026, 10, 2))
    assert later["org"].status == MISSING and later["org"].label == "从未公开，已逾期"
    assert later["dues"].status == NEVER
    assert status(date(2027, 1, 1))["dues"].status == MISSING
    assert supervise(result.items, (), result.config, date(2026, 10, 2)).overdue
    page = dict(result_for(tmp_path / "late", {"a.md": item()}, config_with(supervision={"start": "2026-01-01"})).outputs)
    row = next(r for r in page["internal/report.html"].decode().split("<tr") if "组织设置" in r)
    assert 'class="status-overdue"' in row and "从未公开，已逾期" in row and "2026-01-01" in row


def test_without_a_start_the_earliest_item_starts_the_catalogue(tmp_path):
    files = {"org.md": item("组织设置", category="org", valid_from="2026-11-18")}
    result = result_for(tmp_path, files)
    catalog = {c.entry.key: c for c in result.report.catalog}
    assert catalog["org"].status == OK
    assert (catalog["dues"].status, catalog["dues"].due) == (NEVER, date(2026, 12, 31))
    assert not result.report.overdue


def test_report_exits_3_for_a_missing_entry(tmp_path, capsys):
    every = {"org.md": item("组织", category="org"), "n.md": item("通知")}
    config = config_with(supervision={"start": "2026-01-01"})
    paths = make_site(tmp_path, every, config)
    args = ["report", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    assert main([*args, "--date", "2026-11-20"]) == 3  # 党费 never published: due by 2026-03-31
    assert "党费收缴" in capsys.readouterr().out


def test_public_window_rule_follows_the_entry(tmp_path):
    config = config_with(dues={"public_days": [7, 15]}, notice={"public_days": [5, 15]})
    files = {
        "long.md": item("党费五十九天", category="dues", valid_from="2026-11-01", valid_until="2026-12-29"),
        "five.md": item("任前公示五天", valid_from="2026-11-17", valid_until="2026-11-21"),
        "four.md": item("公示四天", valid_from="2026-11-18", valid_until="2026-11-21"),
    }
    messages = [f"{f.path.rsplit('/', 1)[-1]}: {f.message}" for f in result_for(tmp_path, files, config).report.findings]
    assert "long.md: 定期公开事项向社会公开的期限为59 天，目录“党费收缴”规定为 7–15 天。" in messages
    assert not any(m.startswith("five.md") for m in messages)
    assert "four.md: 随时公开事项向社会公开的期限为4 天，目录“通知公告”规定为 5–15 天。" in messages
    unruled = result_for(tmp_path / "plain", {"long.md": files["long.md"]}).report.findings
    assert not any("59 天" in f.message for f in unruled)  # a periodic entry without public_days has no rule


# --- periods and the figures for superiors ------------------------------------------------------------------


def test_periods():
    assert (month("2026-11").start, month("2026-11").end, month("2026-11").label) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "2026年11月",
    )
    assert (quarter("2026Q4").start, quarter("2026q4").end, quarter("2026Q4").label) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026年第四季度",
    )
    assert (year("2026").start, year("2026").end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert between(date(2026, 2, 1), date(2026, 2, 3)).covers(date(2026, 2, 3))
    for wrong in (
        lambda: month("2026-13"),
        lambda: quarter("2026Q5"),
        lambda: year("26"),
        lambda: between(DAY, date(2026, 1, 1)),
    ):
        with pytest.raises(ValueError):
            wrong()


def test_tally_counts_by_category_department_and_scope(tmp_path):
    files = {
        "a.md": item("公开一", department="办公室", valid_from="2026-11-02"),
        "b.md": item("党内一", department="机关党委", scope="internal", valid_from="2026-11-03", category="dues"),
        "c.md": item("上月", department="办公室", valid_from="2026-10-30"),
        "d.md": item("草稿", status="draft", valid_from="2026-11-04"),
        "e.md": item("还没开始", valid_from="2026-11-25"),
        "w.md": item(
            "撤销的",
            status="withdrawn",
            withdrawn_reason="材料有误",
            valid_from="2026-10-28",
            valid_until="2026-11-05",
            withdrawn_on="2026-11-02",
        ),
        "f.md": item(
            "有意见",
            valid_from="2026-10-20",
            feedback=[
                {"date": "2026-11-01", "summary": "及时答复", "response": "已改", "responded_on": "2026-11-03"},
                {"date": "2026-11-02", "summary": "迟迟未复"},
                {"date": "2026-10-01", "summary": "上月的"},
            ],
        ),
        "requests/r1.yaml": "received: 2026-11-02\napplicant: 某支部\nsubject: 甲\ndecision: granted\nreason: 可以\ndecided_on: 2026-11-05\n",
        "requests/r2.yaml": "received: 2026-11-03\napplicant: 某支部\nsubject: 乙\ndecision: refused\nreason: 涉密\ndecided_on: 2026-12-01\n",
        "requests/r3.yaml": "received: 2026-10-03\napplicant: 某支部\nsubject: 丙\n",
    }
    result = result_for(tmp_path, files)
    counted = tally(result.items, result.report.requests, result.config, month("2026-11"), DAY)
    assert counted.cutoff == DAY
    assert [i.title for i in counted.published] == ["公开一", "党内一"]
    by_category = {c.label: (c.internal, c.public) for c in counted.by_category}
    assert by_category == {"组织设置": (0, 0), "党费收缴": (1, 0), "通知公告": (0, 1)}
    assert (counted.totals.internal, counted.totals.public) == (1, 1)
    assert {c.label: c.total for c in counted.by_department} == {"办公室": 1, "机关党委": 1}
    assert [i.title for i in counted.withdrawals] == ["撤销的"]
    assert counted.feedback == {"received": 2, "answered": 1, "overdue": 1}  # 迟迟未复: 18 days by the 20th
    assert counted.requests == {"received": 2, "granted": 1, "partly": 0, "refused": 0, "pending": 1}  # 乙 decided later
    quotas = {q.name: (q.count, q.expected, q.short_months) for q in counted.quotas}
    assert quotas == {"办公室": (1, 1, ()), "机关党委": (1, 1, ())}
    autumn = tally(result.items, result.report.requests, result.config, between(date(2026, 10, 1), date(2026, 11, 30)), DAY)
    assert {q.name: q.short_months for q in autumn.quotas}["机关党委"] == (date(2026, 10, 1),)
    assert autumn.requests["received"] == 3


def test_filing_lists_what_was_not_disclosed_and_why(tmp_path):
    files = {
        "narrow.md": item("暂不公开", category="dues", scope="internal", scope_reason="涉及个人信息"),
        "withdrawn.md": item("撤销的", status="withdrawn", withdrawn_reason="材料有误", withdrawn_on="2026-11-16"),
        "draft.md": item("草稿", status="draft", category="dues", scope="internal", scope_reason="未定"),
        "open.md": item("照常公开", category="dues"),
        "requests/r1.yaml": "received: 2026-11-02\napplicant: 某支部\nsubject: 同意的\ndecision: granted\ndecided_on: 2026-11-05\n",
        "requests/r2.yaml": "received: 2026-11-03\napplicant: 某支部\nsubject: 拒绝的\ndecision: refused\nreason: 涉密\ndecided_on: 2026-11-06\n",
        "requests/r3.yaml": "received: 2026-09-03\napplicant: 某支部\nsubject: 部分的\ndecision: partly\nreason: 部分涉密\ndecided_on: 2026-09-06\n",
    }
    result = result_for(tmp_path, files, config_with(dues={"scope": "public"}))
    filed = filing(result.items, result.report.requests, result.config, DAY)
    assert [(f.kind, f.subject, f.reason) for f in filed] == [
        (REQUEST, "部分的", "部分涉密"),
        (REQUEST, "拒绝的", "涉密"),
        (NARROWED, "暂不公开", "涉及个人信息"),
        (WITHDRAWN, "撤销的", "材料有误"),
    ]
    in_november = filing(result.items, result.report.requests, result.config, DAY, month("2026-11"))
    assert "部分的" not in [f.subject for f in in_november]


# --- the command: formats, files, refusals ------------------------------------------------------------------

SITE = {
    "a.md": item("公开一", department="办公室", valid_from="2026-11-02"),
    "w.md": item("撤销的", status="withdrawn", withdrawn_reason="材料有误", withdrawn_on="2026-11-16"),
    "requests/r.yaml": "received: 2026-11-03\napplicant: 某支部\nsubject: 拒绝的申请\ndecision: refused\nreason: 涉密不予公开\ndecided_on: 2026-11-06\n",
}


@pytest.fixture
def site_args(tmp_path):
    paths = make_site(tmp_path, SITE)
    return ["report", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates), "--date", "2026-11-20"]  # fmt: skip


def test_report_for_a_month_as_text_csv_json_and_html(site_args, capsys):
    main([*site_args, "--month", "2026-11"])
    text = capsys.readouterr().out
    assert "党务公开情况统计（2026年11月）" in text and "本期尚未结束" in text and "【依申请公开】" in text
    main([*site_args, "--quarter", "2026Q4", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert ["类别", "党内", "向社会", "合计"] in rows and ["合计", "0", "2", "2"] in rows
    main([*site_args, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"])
    tables = {t["title"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert tables["依申请公开"]["rows"] == [[1, 0, 0, 1, 0]]
    main([*site_args, "--year", "2026", "--format", "html"])
    html = capsys.readouterr().out
    assert "<h1>党务公开情况统计（2026年）</h1>" in html and html.count("<svg") == 3


def test_xlsx_is_written_to_a_file_with_the_figures(site_args, tmp_path, capsys):
    target = tmp_path / "上报.xlsx"
    assert main([*site_args, "--month", "2026-11", "--format", "xlsx", "--out", str(target)]) == 3  # 组织设置 missing
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:3] == ["说明", "按类别", "按部门"]
    sheet = book["按类别"]
    assert [c.value for c in sheet[1]] == ["类别", "党内", "向社会", "合计"]
    assert [c.value for c in sheet[sheet.max_row]] == ["合计", 0, 2, 2]
    assert book["撤销事项"]["D2"].value == "材料有误"
    first = target.read_bytes()
    assert main([*site_args, "--month", "2026-11", "--format", "xlsx", "--out", str(target)]) == 3
    assert target.read_bytes() == first  # same input and --date: same bytes
    filed = tmp_path / "备案.xlsx"
    main([*site_args, "--filing", "--format", "xlsx", "--out", str(filed)])
    rows = list(openpyxl.load_workbook(filed)["备案清单"].iter_rows(values_only=True))
    assert rows[1][:6] == ("依申请公开", "2026-11-06", "requests/r", "拒绝的申请", "不予公开", "涉密不予公开")
    assert rows[2][0] == "撤销"
    supervision = tmp_path / "督查.xlsx"
    main([*site_args, "--format", "xlsx", "--out", str(supervision)])
    assert openpyxl.load_workbook(supervision)["公开目录"]["A2"].value == "组织设置"
    capsys.readouterr()


def test_report_refuses_what_it_cannot_do(site_args, tmp_path, capsys):
    assert main([*site_args, "--month", "2026-11", "--format", "xlsx"]) == 2
    assert "请加 --out 文件名" in capsys.readouterr().err
    assert main([*site_args, "--to", "2026-11-30"]) == 2
    assert "--to 要和 --from 一起用" in capsys.readouterr().err
    assert main([*site_args, "--quarter", "2026Q5"]) == 2
    assert "季度“2026Q5”格式不对" in capsys.readouterr().err
    assert main([*site_args, "--out", str(tmp_path / "content" / "x.csv"), "--format", "csv"]) == 2
    assert not (tmp_path / "content" / "x.csv").exists()
    with pytest.raises(SystemExit) as usage:
        main([*site_args, "--month", "2026-11", "--year", "2026"])
    assert usage.value.code == 2
    capsys.readouterr()


def test_reports_and_filing_never_reach_public_outputs(tmp_path):
    """The figures and the 备案 list come only from `report`: a build's public files hold none of their texts."""
    files = {**SITE, "n.md": item("暂不公开", category="dues", scope="internal", scope_reason="涉及个人隐私暂不公开")}
    result = result_for(tmp_path, files, config_with(dues={"scope": "public"}))
    internal_only = ("涉密不予公开", "涉及个人隐私暂不公开", "备案", "党务公开情况统计")
    for path, data in result.outputs:
        if path.startswith(("public/", "kiosk/")):
            assert not any(text.encode() in data for text in internal_only), path
    assert view(result.items, Audience.PUBLIC, DAY).current  # the public does see the public item


def test_a_board_only_item_gets_no_qr_code_to_a_page_the_public_site_lacks(tmp_path):
    from gongkai.rendering.posters import poster_sources

    config = config_with(notice={"carriers": ["boards"]}, boards={"lobby": {"title": "大厅公开栏"}})
    files = {"board.md": item("只上公开栏"), "dues.md": item("党费", category="dues")}
    paths = make_site(tmp_path, files, config)
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    result = run(snapshot, Options(day=DAY, posters=False))
    [source] = poster_sources(result.config, result.views, snapshot.templates, snapshot.templates_root, "", snapshot.content)
    assert sorted(s.item.title for s in source.view.current) == ["党费", "只上公开栏"]
    assert source.qr_urls == ("https://example.cn/dw/items/dues.html",)


def test_report_out_refuses_the_sites_own_files_and_published_folders(tmp_path, capsys):
    """--out never replaces the config, register, templates, content, output, or lands in a deploy target's folder
    (where the internal report would be published)."""
    config = config_with(deploy={"web": {"source": "public", "dest": str(tmp_path / "srv/public")}})
    paths = make_site(tmp_path, {"a.md": item("通知")}, config)
    (tmp_path / "register.yaml").write_text("{}\n", "utf-8")
    common = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    common += ["--output", str(paths.output), "--date", "2026-11-20", "--format", "html", "--out"]
    before = {p: p.read_bytes() for p in (paths.config, tmp_path / "register.yaml", paths.templates / "home.html")}
    refused = {
        paths.config: "是配置文件",
        tmp_path / "register.yaml": "是归档登记",
        paths.templates / "home.html": "位于模板文件夹",
        paths.content / "r.html": "位于事项文件夹",
        paths.output / "r.html": "位于输出文件夹",
        tmp_path / "srv/public/current/report.html": "位于发布目标“web”的文件夹",
        tmp_path: "是一个文件夹",
    }
    for out, why in refused.items():
        assert main(["report", *common, str(out)]) == 2, out
        err = capsys.readouterr().err
        assert f"命令用法错误：--out {out} {why}" in err and "不能写在那里" in err, err
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "srv/public").exists() and not (paths.content / "r.html").exists()
    assert main(["report", *common, str(tmp_path / "督查.html")]) in (0, 3)
    assert (tmp_path / "督查.html").read_bytes().startswith(b"<!DOCTYPE html>")
