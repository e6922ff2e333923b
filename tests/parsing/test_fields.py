from datetime import date

from gongkai.parsing.fields import load_mapping


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
