"""Bad input end to end: every case names file and line, says what to do, exits 1 and leaves output/ untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.pipeline import Paths
from tests.scratch import REPO, default_sigint, item, make_site, tree

GOOD = {"good.md": item("好的事项")}


def run(paths, *extra: str, command: str = "build") -> int:
    args = [command, "--content", str(paths.content), "--config", str(paths.config)]
    args += ["--templates", str(paths.templates), "--output", str(paths.output), "--date", "2026-11-20", *extra]
    return main(args)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    assert run(make_site(root, GOOD)) == 0
    return root


@pytest.fixture
def built(built_once, tmp_path) -> Paths:
    """A scratch site that built once, so each case can prove the previous output survives: a copy of one built
    per module (copying is far cheaper than building), so no case sees another's changes."""
    root = shutil.copytree(built_once, tmp_path / "site", symlinks=True)
    return Paths(root / "content", root / "site_config.yaml", root / "templates", root / "output")


CASES = {
    "yaml syntax": (
        "---\ntitle: 标题\ncategory: [notice\nscope: public\n---\n",
        4,
        "方括号 [ ] 没有配对。请补上“]”，或把整个值用英文引号括起来（问题可能从第 3 行开始）。",
    ),
    "no closing": ("---\ntitle: 标题\ncategory: notice\n", 1, "没有结束"),
    "no opening": ("title: 标题\n", 1, "第一行应是 ---"),
    "not a mapping": ("---\n- title\n- category\n---\n正文\n", 2, "应是“键: 值”的形式"),
    "empty file": ("", 1, "文件是空的"),
    "unknown key": (item(valid_unitl="2026-11-30"), 6, "未知的键“valid_unitl”。您是不是想写“valid_until”？"),
    "chinese key": (item(标题="x"), 6, "您是不是想写“title”？"),
    "unknown category": (item(category="notise"), 3, "目录里没有“notise”这个类别。您是不是想写“notice”？"),
    "impossible date": (item(valid_from="2026-13-01"), 5, "“valid_from”的日期“2026-13-01”不存在"),
    "bad date format": (item(valid_until="2026/11/30"), 6, "请写成 YYYY-MM-DD"),
    "until before from": (item(valid_until="2026-11-01"), 6, "早于 valid_from"),
    "public_from outside": (item(valid_until="2026-11-20", public_from="2026-11-21"), 7, "不在公开期限"),
    "public_from internal": (item(scope="internal", public_from="2026-11-16"), 6, "public_from 只用于 scope: public"),
    "withdrawn no reason": (item(status="withdrawn"), 6, "必须写 withdrawn_reason"),
    "missing attachment": (item(attachments=["nope.pdf"]), 7, "找不到附件“nope.pdf”"),
    "attachment outside": (item(attachments=["../../etc/passwd"]), 7, "在 content/ 之外"),
    "unknown scope": (item(scope="secret"), 4, "“scope”不能是“secret”"),
    "missing title": ("---\ncategory: notice\nscope: public\nvalid_from: 2026-11-15\n---\n", 2, "缺少“title”"),
    "duplicate key": (item(body="x").replace("scope: public\n", "scope: public\nscope: internal\n"), 5, "写了两次"),
    "pinned not bool": (item(pinned="maybe"), 6, "只能写 true 或 false"),
    "remote image": (item(body="![x](https://cdn.example.com/a.png)"), 7, "图片“https://cdn.example.com/a.png”在网络上"),
    "unknown department": (item(department="办工室"), 6, "您是不是想写“办公室”？"),
    "body in md": (item(**{"body_": 1}).replace("body_: 1", "body: x"), 6, "“body”只用于 .yaml 文件"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_item_is_reported_and_output_untouched(built, capsys, name):
    text, line, message = CASES[name]
    before = tree(built.output)
    (built.content / "bad.md").write_text(text, encoding="utf-8")
    assert run(built) == 1
    err = capsys.readouterr().err
    assert f"{built.content}/bad.md:{line}: " in err
    assert message in err
    assert "Traceback" not in err
    assert tree(built.output) == before


def test_gbk_file_is_named_as_gbk(built, capsys):
    before = tree(built.output)
    (built.content / "gbk.md").write_bytes(item("党费收缴情况").encode("gbk"))
    assert run(built) == 1
    err = capsys.readouterr().err
    assert f"{built.content}/gbk.md:2: " in err
    assert "看起来是 GBK" in err
    assert tree(built.output) == before


def test_two_items_one_page(built, capsys):
    (built.content / "good.yaml").write_text("title: 另一个\ncategory: notice\nscope: public\nvalid_from: 2026-11-15\n", "utf-8")
    assert run(built) == 1
    err = capsys.readouterr().err
    assert f"{built.content}/good.md:2: 与 {built.content}/good.yaml 对应同一个网页（items/good.html）" in err
    assert f"{built.content}/good.yaml:1: 与 {built.content}/good.md 对应同一个网页" in err


def test_all_errors_of_a_run_at_once(built, capsys):
    (built.content / "a.md").write_text(item(category="nope"), "utf-8")
    (built.content / "sub/b.md").parent.mkdir()
    (built.content / "sub/b.md").write_text(item(valid_from="2026-02-30", status="withdrawn", withdrawn_on="2026-03-01"), "utf-8")
    assert run(built) == 1
    err = capsys.readouterr().err
    assert f"{built.content}/a.md:3: " in err
    assert f"{built.content}/sub/b.md:5: " in err
    assert f"{built.content}/sub/b.md:6: " in err
    assert "共 3 个错误" in err


def test_config_errors_have_lines(tmp_path, capsys):
    config = (REPO / "site_config.yaml").read_text("utf-8")
    config = config.replace("    kind: fixed\n    every: year\n", "    kind: fixd\n", 1).replace("departments:", "departmants:")
    paths = make_site(tmp_path, GOOD, config)
    assert run(paths, command="check") == 1
    err = capsys.readouterr().err
    lines = config.split("\n")
    assert f"{paths.config}:{lines.index('departmants:') + 1}: 未知的键“departmants”" in err
    assert f"{paths.config}:{lines.index('    kind: fixd') + 1}: “kind”不能是“fixd”" in err


def test_check_needs_the_register_and_writes_nothing(tmp_path, capsys):
    paths = make_site(tmp_path, GOOD)
    assert run(paths, command="check") == 1
    assert f"{paths.content}/good.md:2: 这个事项还没有索引号。请运行 python build.py register" in capsys.readouterr().err
    args = ["register", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    assert main(args) == 0
    assert "GK-notice-2026-0001：good（新登记）" in capsys.readouterr().out
    assert main(args) == 0
    assert "已是最新" in capsys.readouterr().out
    assert run(paths, command="check") == 0
    assert "检查通过" in capsys.readouterr().out
    assert not paths.output.exists()


def test_build_tolerates_an_unregistered_item_and_says_so(tmp_path, capsys):
    paths = make_site(tmp_path, GOOD)
    assert run(paths) == 0
    assert "还没有索引号" in capsys.readouterr().out
    assert "待登记" in (paths.output / "public/items/good.html").read_text("utf-8")


def test_build_summary_counts_audiences(tmp_path, capsys):
    files = {"a.md": item("党内事项", scope="internal"), "b.md": item("公开事项")}
    paths = make_site(tmp_path, files)
    assert run(paths) == 0
    out = capsys.readouterr().out
    assert "党内网站 internal/：正在公开 2 项" in out
    assert "公开网站 public/：  正在公开 1 项" in out


def test_warnings_are_shown_but_do_not_fail(tmp_path, capsys):
    paths = make_site(tmp_path, {"a.md": item(withdrawn_reason="多余的原因")})
    assert run(paths) == 0
    assert f"{paths.content}/a.md:6: 写了 withdrawn_reason，但 status 不是 withdrawn" in capsys.readouterr().out


def test_refuses_to_replace_a_folder_it_did_not_make(tmp_path, capsys):
    paths = make_site(tmp_path, GOOD)
    paths.output.mkdir()
    (paths.output / "precious.txt").write_text("keep me", "utf-8")
    assert run(paths) == 2
    assert "不是 Gongkai 生成的" in capsys.readouterr().err
    assert (paths.output / "precious.txt").read_text("utf-8") == "keep me"


def test_refuses_output_inside_content(tmp_path, capsys):
    paths = make_site(tmp_path, GOOD)
    assert (
        main(["build", "--content", str(paths.content), "--config", str(paths.config), "--output", str(paths.content / "out")])
        == 2
    )
    assert "不能放在 content/ 里面" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--date", "2026-13-01"])
    assert exit_info.value.code == 2
    assert "日期“2026-13-01”格式不对" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["publish"])
    assert exit_info.value.code == 2


def test_missing_config_is_a_clear_error(tmp_path, capsys):
    paths = make_site(tmp_path, GOOD)
    paths.config.unlink()
    assert run(paths) == 1
    assert f"{paths.config}:1: 找不到配置文件" in capsys.readouterr().err


def test_real_process_exit_code_and_no_traceback(tmp_path):
    paths = make_site(tmp_path, {"bad.md": "---\ntitle: [\n---\n"})
    args = ["--content", str(paths.content), "--config", str(paths.config), "--output", str(paths.output)]
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        preexec_fn=default_sigint,
    )
    assert done.returncode == 1
    assert f"{paths.content}/bad.md:" in done.stderr
    assert "Traceback" not in done.stderr
    help_text = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--help"], capture_output=True, text=True, cwd=REPO, preexec_fn=default_sigint
    )
    assert help_text.returncode == 0
    assert "退出码" in help_text.stdout


def test_never_writes_outside_output_nor_changes_content(tmp_path):
    paths = make_site(tmp_path, {**GOOD, "f/a.pdf": b"%PDF-1.4", "b.md": item("带附件", attachments=["f/a.pdf"])})
    content_before = tree(paths.content)
    outside_before = {p for p in tmp_path.rglob("*") if "output" not in p.relative_to(tmp_path).parts}
    assert run(paths) == 0
    assert run(paths) == 0  # the second build swaps a tree in beside the first
    assert tree(paths.content) == content_before
    assert {p for p in tmp_path.rglob("*") if "output" not in p.relative_to(tmp_path).parts} == outside_before


def test_same_input_and_date_byte_identical(tmp_path):
    paths = make_site(tmp_path, {**GOOD, "x.md": item("另一项", pinned=True)})
    assert run(paths) == 0
    first = tree(paths.output)
    assert run(paths) == 0
    assert tree(paths.output) == first


def test_build_py_finds_the_project_environment_when_it_was_not_activated(tmp_path):
    """A clerk who forgot `. .venv/bin/activate` gets Gongkai itself, not an English ImportError."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    assert base.exists()
    done = subprocess.run(
        [str(base), str(REPO / "build.py"), "check", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        preexec_fn=default_sigint,
    )
    assert done.returncode == 0, done.stderr
    assert "只检查内容" in done.stdout and "Traceback" not in done.stderr
