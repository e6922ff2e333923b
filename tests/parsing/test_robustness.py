"""Nothing crashes on any input file: every content file, however broken, gives problems or an item."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.cli import parser
from gongkai.model import Audience, Item, Status
from gongkai.parsing.config import MAX_DAYS
from gongkai.parsing.fields import EARLIEST, LATEST
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import Snapshot
from gongkai.visibility import item_change
from tests.scratch import CONFIG, item
from tests.strategies import snapshot

FRAGMENTS = [
    "---\n", "title: 标题\n", "category: notice\n", "scope: public\n", "valid_from: 2026-11-15\n", "valid_until: 2026-13-01\n",
    "status: withdrawn\n", "attachments: [a.pdf]\n", "attachments:\n  - ../../x\n", "pinned: 7\n", "extra: [1, 2\n", "feedback:\n  - date: x\n",
    "reopens: nowhere\n", "public_from: 2026-11-16\n", ": :\n", "- a\n", "!!python/object:os.system x\n", "&a [*a]\n", "\t\n", "正文 ![x](http://a/b.png)\n",
    "<script>alert(1)</script>\n", "[链接](../../../etc/passwd)\n", "\ufeff", "\r\n", "body: |\n  x\n", "? [a]\n: b\n",
]  # fmt: skip

files = st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(lambda parts: "".join(parts).encode("utf-8")),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=200, deadline=None)
@given(files, st.sampled_from(["a.md", "b.yaml", "requests/r.yaml", "deep/c.md"]))
def test_any_file_gives_problems_or_a_build(data, name):
    shot = snapshot(())
    shot = type(shot)(**{**shot.__dict__, "content": {name: data, "a.pdf": b"%PDF"}})
    try:
        run(shot, Options(day=date(2026, 11, 20), posters=False))
    except Problems as failure:
        for problem in failure.problems:
            assert problem.path.startswith("content/") and problem.line >= 1 and problem.message


def _with(content: dict[str, bytes], config: dict | None = None) -> Snapshot:
    shot = snapshot(())
    changes: dict = {"content": content}
    if config is not None:
        changes["config"] = yaml.safe_dump(config, allow_unicode=True).encode()
    return replace(shot, **changes)


@pytest.mark.parametrize("day", [EARLIEST, LATEST])
def test_the_calendar_ends_build_everything(day):
    """Windows, cadences, the report's charts and the kiosk's next change all do day arithmetic: at the first
    and last day of the calendar, with windows of the longest allowed length, nothing overflows."""
    config = copy.deepcopy(CONFIG)
    config["catalog"]["notice"]["default_days"] = MAX_DAYS
    config["supervision"] = {"feedback_days": MAX_DAYS, "request_days": MAX_DAYS, "due_soon_days": MAX_DAYS}
    edge = day.isoformat()
    content = {
        f"{category}-{n}.md": item(
            category=category, valid_from=start, public_from=start, date=start,
            feedback=[{"date": start, "summary": "意见"}],
        ).encode()
        for n, start in enumerate((edge, EARLIEST.isoformat(), LATEST.isoformat()))
        for category in ("org", "dues", "notice")
    }  # fmt: skip
    content["ends.md"] = item(valid_from=EARLIEST.isoformat(), valid_until=LATEST.isoformat()).encode()
    content["requests/r.yaml"] = f"received: {edge}\napplicant: 支部\nsubject: 申请\ndecision: pending\n".encode()
    result = run(_with(content, config), Options(day=day, posters=False))
    assert "internal/report.html" in dict(result.outputs)


def test_out_of_range_dates_on_the_command_line_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(["build", "--date", "9999-12-31"])
    assert stop.value.code != 0
    assert "超出了可用范围（1900-01-01 至 2999-12-31）" in capsys.readouterr().err


def test_forever_written_as_9999_is_a_located_error():
    content = {"a.md": item(valid_until="9999-12-31").encode()}
    with pytest.raises(Problems) as failure:
        run(_with(content), Options(day=date(2026, 11, 20), posters=False))
    assert [(p.path, p.line) for p in failure.value.problems] == [("content/a.md", 6)]


def test_the_last_representable_day_has_no_day_after():
    last = Item(
        id="a", source="content/a.md", title="t", category="notice", scope=Audience.PUBLIC, valid_from=date(2026, 1, 1),
        valid_until=date.max, public_from=None, status=Status.PUBLISHED, withdrawn_reason="", department="", issuer="",
        doc_number="", date=date(2026, 1, 1), pinned=False, summary="", body_html="",
    )  # fmt: skip
    assert item_change(last, Audience.PUBLIC, date(2026, 6, 1)) is None
