import re
from datetime import date

import pytest

from gongkai.parsing.fields import EARLIEST, LATEST, MAX_DEPTH, load_mapping


def fields_of(text: str, offset: int = 0):
    problems = []
    return load_mapping(text, "f.yaml", offset, problems), problems


def test_text_keeps_what_was_written():
    fields, problems = fields_of("title: 2026\ndoc_number: 1.10\n")
    assert fields.text("title") == "2026"
    assert fields.text("doc_number") == "1.10"  # not the float 1.1
    assert problems == []


def test_dates_are_strict_and_located():
    fields, problems = fields_of("a: 2026-02-29\nb: 2028-02-29\nc: 2026-3-1\n", offset=1)
    assert fields.date("a") is None
    assert fields.date("b") == date(2028, 2, 29)
    assert fields.date("c") is None
    assert [p.line for p in problems] == [2, 4]


def test_duplicate_keys_are_errors():
    _, problems = fields_of("title: a\ntitle: b\n")
    assert problems[0].line == 2
    assert "第 1 行已有" in problems[0].message


def test_empty_document():
    fields, problems = fields_of("# only a comment\n")
    assert fields is None
    assert "内容为空" in problems[0].message


def test_did_you_mean():
    fields, problems = fields_of("titel: x\n")
    fields.check_keys(("title", "scope"))
    assert "您是不是想写“title”？" in problems[0].message


def test_integer_and_choice():
    fields, problems = fields_of("n: -1\nm: true\nk: 社会\n")
    assert fields.integer("n", minimum=0) is None
    assert fields.integer("m", minimum=0) is None
    assert fields.choice("k", {"public": "public", "社会": "public"}) == "public"
    assert len(problems) == 2


def test_yaml_aliases_are_refused_where_they_are_used():
    # Each alias expands nine-fold: left to construction this "billion laughs" is 9**10 values.
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(9)
    )
    fields, problems = fields_of(bomb, offset=1)
    assert fields is None
    assert [p.line for p in problems] == [3] and "“*a”会被当作引用" in problems[0].message
    assert "请把内容直接写出来" in problems[0].message


def test_an_anchor_without_alias_is_harmless():
    fields, problems = fields_of("extra: &x {a: 1}\n")
    assert fields.value("extra") == {"a": 1} and problems == []


def test_nesting_is_bounded_before_any_value_is_built():
    deep = "extra:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, MAX_DEPTH)) + "  " * MAX_DEPTH + "v\n"
    fields, problems = fields_of(deep)
    assert problems == [] and fields.value("extra") is not None  # exactly MAX_DEPTH levels: accepted
    fields, problems = fields_of("title: x\nextra: " + "[" * (MAX_DEPTH) + "]" * MAX_DEPTH + "\n", offset=1)
    assert fields is None and [p.line for p in problems] == [3] and f"嵌套超过 {MAX_DEPTH} 层" in problems[0].message
    # libyaml's own composer recurses in C: this many levels used to kill the process.
    fields, problems = fields_of("extra: " + "[" * 200_000 + "]" * 200_000)
    assert fields is None and f"嵌套超过 {MAX_DEPTH} 层" in problems[0].message


def test_one_document_only():
    fields, problems = fields_of("a: 1\n---\nb: 2\n")
    assert fields is None and problems[0].line == 2 and "设置部分里不能再有一行 ---" in problems[0].message


def test_explicit_tags_are_kept():
    fields, problems = fields_of("a: !!str 1\nb: 1\nc: [1, {d: 2}]\n")
    assert fields.value("a") == "1" and fields.value("b") == 1 and fields.value("c") == [1, {"d": 2}]
    assert problems == []


def test_dates_outside_the_calendar_are_refused_with_the_line():
    fields, problems = fields_of("a: 9999-12-31\nb: 0001-01-01\nc: 1900-01-01\nd: 2999-12-31\n")
    assert fields.date("a") is None and fields.date("b") is None
    assert (fields.date("c"), fields.date("d")) == (EARLIEST, LATEST)
    assert [p.line for p in problems] == [1, 2]
    assert "超出了可用范围（1900-01-01 至 2999-12-31）" in problems[0].message
    assert "不写 valid_until 即为长期公开" in problems[0].message  # "forever" is how 9999 is meant
    assert "长期" not in problems[1].message


def test_integers_may_have_a_maximum():
    fields, problems = fields_of("n: 3661\nm: 3660\n")
    assert fields.integer("n", minimum=1, maximum=3660) is None
    assert fields.integer("m", minimum=1, maximum=3660) == 3660
    assert [p.message for p in problems] == ["“n”应是 1 到 3660 之间的整数，这里是“3661”。"]


def test_chinese_input_slips_are_named_with_their_fix():
    text = "title：关于\nvalid_from:2026-11-15\n\tscope: public\n\u3000category: notice\nsummary: 时间：上午\n"
    fields, problems = fields_of(text, offset=1)
    assert fields is None
    assert [(p.line, p.message) for p in problems] == [
        (2, "“title”后面用了中文冒号“：”，请改成英文冒号“:”，冒号后空一格，例如 title: …"),
        (3, "“valid_from:”后面缺少空格。请在英文冒号后空一格，例如 valid_from: 2026-11-15"),
        (4, "这一行用 Tab 缩进。请删掉它，改用英文半角空格缩进，同一层的行要对齐。"),
        (5, "这一行用全角空格缩进。请删掉它，改用英文半角空格缩进，同一层的行要对齐。"),
    ]  # a full-width colon inside a value (line 6) is text


def test_curly_quotes_are_named_when_yaml_cannot_read_the_value():
    fields, problems = fields_of("title: “通知: 开会”\n")
    assert fields is None
    assert [(p.line, p.message) for p in problems] == [(1, '值两边用了中文引号“”。需要引号时请改用英文引号 "…"，或者去掉引号。')]
    fields, problems = fields_of("title: “两学一做”学习“三会一课”\n")  # quotes that belong to the title
    assert fields.text("title") == "“两学一做”学习“三会一课”" and problems == []


def test_block_text_may_hold_anything():
    text = "body: |\n  注意：title：不是键\n  a:b\n  \u3000全角空格开头的段落\n\ntitle: x\n"
    fields, problems = fields_of(text)
    assert problems == [] and fields.text("title") == "x"
    assert fields.text("body") == "注意：title：不是键\na:b\n\u3000全角空格开头的段落"


BROKEN_YAML = [
    "a: b: c",
    'title: "两学一做"学习',
    "a: [x\nb: c",
    "a: {x\nb: c",
    "a: @x",
    "a: `x",
    "a: *x",
    'a: "x\\qy"',
    "a: 'x",
    "a: |x\n  y",
    "a: b\n---\nc: d",
    "body: |\nx: y\nz",
    "- a\nb: c",
    "a:\n  - b\n c: d",
]


@pytest.mark.parametrize("text", BROKEN_YAML)
def test_a_yaml_mistake_is_told_in_chinese_with_what_to_do(text):
    _, problems = fields_of(text)
    (problem,) = problems
    assert not re.search(r"[A-Za-z]{3,}[ ,'][A-Za-z]{2,}", problem.message), problem.message  # no PyYAML English
    assert "请" in problem.message, problem.message  # says what to do
