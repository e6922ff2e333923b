"""The supervision report (督查): statuses from cadences, department quotas, findings and exit codes. supervise() and
the register's CSV are pure: tested straight over parsed items, without rendering a site; the CLI only for its
formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from gongkai.cli import main
from gongkai.model import Config, DisclosureRequest, Item
from gongkai.parsing.requests import parse_requests
from gongkai.pipeline import parse
from gongkai.reading import read_snapshot
from gongkai.register import update_register
from gongkai.rendering.records import register_csv, register_rows
from gongkai.supervision import DUE_SOON, MISSING, OK, OVERDUE, Report, supervise
from tests.scratch import item, make_site

DAY = date(2026, 11, 20)
Parsed = tuple[tuple[Item, ...], tuple[DisclosureRequest, ...], Config]


def parsed(tmp_path, files) -> Parsed:
    """A scratch site's items, requests and config, as the pipeline hands them to supervise()."""
    paths = make_site(tmp_path, files)
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config, items, _ = parse(snapshot)
    requests, problems = parse_requests(snapshot)
    assert problems == []
    return items, requests, config


def report_for(site: Parsed, day: date = DAY) -> Report:
    items, requests, config = site
    return supervise(items, requests, config, day)


def statuses(report):
    return {c.entry.key: c.status for c in report.catalog}


def test_cadence_statuses(tmp_path):
    site = parsed(tmp_path, {"org.md": item("组织设置", category="org", valid_from="2026-05-25")})  # fixed, half-year: due 11-25
    assert statuses(report_for(site))["org"] == DUE_SOON
    assert statuses(report_for(site, date(2026, 11, 26)))["org"] == OVERDUE
    assert statuses(report_for(site, date(2026, 8, 1)))["org"] == OK
    # Never published: late from the end of the first quarter counted from the earliest item (05-25).
    assert statuses(report_for(site))["dues"] == MISSING
    assert statuses(report_for(site))["notice"] == "adhoc"


def test_periodic_needs_one_item_per_period(tmp_path):
    site = parsed(tmp_path, {"q3.md": item("三季度党费", category="dues", valid_from="2026-08-10")})  # Q3: next due 12-31
    assert statuses(report_for(site, date(2026, 12, 28)))["dues"] == DUE_SOON
    assert statuses(report_for(site, date(2027, 1, 1)))["dues"] == OVERDUE


def test_department_quota_counts_items_starting_this_month(tmp_path):
    files = {
        "a.md": item("一", department="办公室", valid_from="2026-11-02"),
        "b.md": item("二", department="办公室", valid_from="2026-10-30"),
        "c.md": item("三", department="机关党委", status="draft"),
    }
    departments = {d.name: (d.count, d.met) for d in report_for(parsed(tmp_path, files)).departments}
    assert departments == {"办公室": (1, True), "机关党委": (0, False)}


def test_findings(tmp_path):
    files = {
        "short.md": item("公示四天", valid_from="2026-11-18", valid_until="2026-11-21"),  # adhoc public, 4 days
        "fine.md": item("公示十天"),  # default 10 days
        "old.md": item("长期组织设置", category="org", valid_from="2026-01-05"),  # half-year cadence passed
        "fb.md": item(
            "有反馈", feedback=[{"date": "2026-11-01", "summary": "建议一"}, {"date": "2026-11-18", "summary": "建议二"}]
        ),
        "requests/r1.yaml": "received: 2026-11-01\napplicant: 某支部\nsubject: 申请公开甲\n",
        "requests/r2.yaml": "received: 2026-11-15\napplicant: 某支部\nsubject: 申请公开乙\n",
    }
    report = report_for(parsed(tmp_path, files))
    messages = [f"{f.path.rsplit('/', 1)[1]}:{f.line}: {f.message}" for f in report.findings]
    assert any(m.startswith("short.md:2: 随时公开事项向社会公开的期限为4 天") for m in messages)
    assert not any(m.startswith("fine.md") for m in messages)
    assert any(m.startswith("old.md:2: 长期公开的事项自 2026-01-05 起已超过更新周期（每半年）") for m in messages)
    assert any(m.startswith("fb.md:7: 【逾期】2026-11-01 收到的反馈“建议一”已 19 天未答复") for m in messages)
    assert not any("建议二" in m for m in messages)
    assert any(m.startswith("r1.yaml:1: 【逾期】依申请公开“申请公开甲”已受理 19 天") for m in messages)
    assert not any("申请公开乙" in m for m in messages)
    assert report.overdue


def test_request_validation(tmp_path, capsys):
    files = {
        "requests/r.yaml": "received: 2026-11-01\napplicant: 某支部\nsubject: 甲\ndecision: refused\ndecided_on: 2026-10-01\n"
    }
    paths = make_site(tmp_path, files)
    assert (
        main(["check", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]) == 1
    )
    err = capsys.readouterr().err
    assert f"{paths.content}/requests/r.yaml:4: 不予公开或部分公开时，必须写 reason" in err
    assert f"{paths.content}/requests/r.yaml:5: 决定日期（2026-10-01）早于收到申请的日期（2026-11-01）" in err


def test_report_command_formats_and_exit_codes(tmp_path, capsys):
    args_for = lambda paths, form: ["report", "--content", str(paths.content), "--config", str(paths.config),  # noqa: E731
                                    "--templates", str(paths.templates), "--date", "2026-11-20", "--format", form]  # fmt: skip
    every_entry = {"org.md": item("组织", category="org"), "dues.md": item("党费", category="dues")}
    calm = make_site(tmp_path / "calm", {"a.md": item("通知"), **every_entry})
    assert main(args_for(calm, "text")) == 0
    assert "结论：没有逾期事项。" in capsys.readouterr().out
    late = make_site(tmp_path / "late", {"requests/r.yaml": "received: 2026-10-01\napplicant: 某支部\nsubject: 甲\n"})
    assert main(args_for(late, "json")) == 3
    document = json.loads(capsys.readouterr().out)
    assert document["overdue"] is True and document["requests"][0]["decision"] == "pending"
    assert main(args_for(late, "csv")) == 3
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert rows[0] == ["部分", "名称", "状态", "最近一期", "下次应公开", "说明"] and any(r[0] == "提醒" for r in rows)
    assert main(args_for(late, "html")) == 3
    assert "<h1>督查情况</h1>" in capsys.readouterr().out


def register_csv_for(site: Parsed) -> bytes:
    items, _, config = site
    entries, _ = update_register((), items, config)
    return register_csv(register_rows(items, entries), config, DAY)


def test_register_csv_opens_cleanly_in_excel(tmp_path):
    tricky = '标题, 含逗号 "引号"'
    data = register_csv_for(parsed(tmp_path, {"a.md": item(tricky, body="正文")}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "GK-notice-2026-0001" and rows[1][1] == tricky and rows[1][9] == "正在公开"


def test_register_csv_keeps_a_title_with_a_line_break_in_one_cell(tmp_path):
    data = register_csv_for(parsed(tmp_path, {"a.md": item("第一行\n第二行, 还有逗号")})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert len(rows) == 2 and rows[1][1] == "第一行\n第二行, 还有逗号"


def test_supervise_is_pure_over_items(tmp_path):
    site = parsed(tmp_path, {"a.md": item("通知"), "requests/r.yaml": "received: 2026-11-01\napplicant: 某支部\nsubject: 甲\n"})
    assert report_for(site) == report_for(site)
