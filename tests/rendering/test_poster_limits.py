"""Posters never lose content silently: what would be cut off is an error naming the item, and a replaced image
redraws the poster that embeds it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from gongkai.problems import Problems
from tests.rendering.test_posters import build, pdf
from tests.scratch import item

BOARD = {"b": {"title": "大厅公开栏", "audience": "public"}}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d6a9d40000000049454e44ae426082"
)


def wide_table(columns: int) -> str:
    head = "| " + " | ".join(f"第{n}列" for n in range(columns)) + " |"
    rule = "|" + "---|" * columns
    row = "| " + " | ".join(f"数值{n}" for n in range(columns)) + " |"
    return f"{head}\n{rule}\n{row}\n"


def test_a_table_wider_than_the_sheet_is_an_error_naming_the_item(tmp_path):
    files = {"wide.md": item("很宽的统计表", body=wide_table(60)), "fine.md": item("普通事项", body=wide_table(3))}
    with pytest.raises(Problems) as failure:
        build(tmp_path, files, BOARD)
    (problem,) = failure.value.problems
    assert problem.path.endswith("content/wide.md") and problem.line == 2
    assert "大厅公开栏" in problem.message and "超出版面" in problem.message and "表格" in problem.message


def test_an_unbroken_string_wraps_and_every_character_is_printed(tmp_path):
    url = "https://example.cn/" + "a1b2c3d4e5" * 300  # 3,019 characters without a break opportunity
    path = pdf(build(tmp_path, {"url.md": item("很长的网址", body=url)}, BOARD), "b", tmp_path)
    raw = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    # Page headers and footers stand between the pieces of the string that run over a page break.
    body = "".join(line for line in raw.stdout.splitlines() if "公开日期" not in line and "意见箱" not in line)
    assert re.sub(r"\s", "", body).count("a1b2c3d4e5") == 300


def test_replacing_an_embedded_image_redraws_the_poster(tmp_path):
    files: dict[str, str | bytes] = {"pic.md": item("有图的事项", body="![图](images/a.png)"), "images/a.png": PNG}
    first = dict(build(tmp_path, files, BOARD).outputs)
    key = json.loads(first[".cache/posters.json"])["b"]
    cache = {"b": (key, b"%PDF cached")}
    assert dict(build(tmp_path, files, BOARD, cache=cache).outputs)["posters/b.pdf"] == b"%PDF cached"
    other = PNG.replace(b"\x63\xf8\xcf", b"\x63\xf8\xcf", 1) + b"\0"  # other bytes, same name
    changed = dict(build(tmp_path, {**files, "images/a.png": other}, BOARD, cache=cache).outputs)
    assert changed["posters/b.pdf"].startswith(b"%PDF-")
    assert json.loads(changed[".cache/posters.json"])["b"] != key


def test_sample_posters_fit(tmp_path: Path):
    """The office's own sample boards lay out without an overflow (the check has no false alarm on them)."""
    from datetime import date

    from gongkai.pipeline import Options, run
    from tests.golden import sample_snapshot

    outputs = dict(run(sample_snapshot(), Options(day=date(2026, 11, 20))).outputs)
    assert all(outputs[p].startswith(b"%PDF-") for p in outputs if p.startswith("posters/"))
