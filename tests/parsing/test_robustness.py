"""Nothing crashes on any input file: every content file, however broken, gives problems or an item."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.arguments import parser
from gongkai.model import Audience, Item, Status
from gongkai.parsing.fields import EARLIEST, LATEST, MAX_DEPTH
from gongkai.parsing.items import ITEM_KEYS
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import Snapshot
from gongkai.schema.config import CONFIG_SCHEMA, MAX_DAYS, TOP_KEYS
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
        changes["config"] = yaml.dump(config, Dumper=_Expanded, allow_unicode=True).encode()
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


# Random YAML documents: a valid item or config with some values replaced by anything YAML can hold (so every
# check is reached, not just the first), lists and mappings nested past the depth limit, and shared values
# written as anchors and aliases.
ITEM_KEY_NAMES = [*ITEM_KEYS, "body", "summary", "response", "responded_on", "received", "decision"]
CONFIG_KEY_NAMES = [
    *TOP_KEYS, *dict.fromkeys(key for section in CONFIG_SCHEMA for key in section.names), "target", "notice", "dues",
    "org", "lobby",
]  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=30), st.dates().map(date.isoformat), st.sampled_from(["public", "internal", "draft", "withdrawn", "notice",
    "dues", "org", "fixed", "periodic", "adhoc", "month", "quarter", "A3", "9999-12-31", "0000-00-00", "*a", "&a", "!!python/none"]),
)  # fmt: skip


def structures(keys: list[str]) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=8)), inner, max_size=6),
            inner.map(lambda value: [value, value]),  # one object twice: an anchor and an alias, if dumped so
        ),
        max_leaves=25,
    )


class _Expanded(yaml.SafeDumper):
    """Writes a value used twice in full, as an editor would; the default dumper writes an alias."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _deep(value: object, depth: int) -> object:
    for _ in range(depth):
        value = [value]
    return value


def documents(base: dict, keys: list[str]) -> st.SearchStrategy[str]:
    changes = st.dictionaries(st.sampled_from(keys), structures(keys), max_size=3)
    nested = st.tuples(st.sampled_from(keys), st.integers(MAX_DEPTH - 3, MAX_DEPTH + 3)).map(
        lambda parts: {parts[0]: _deep("x", parts[1])}
    )
    changed = st.tuples(changes, st.just({}) | nested).map(lambda parts: {**base, **parts[0], **parts[1]})
    document = st.integers(0, 3).flatmap(lambda n: changed if n else structures(keys))  # mostly a near miss
    dumpers = st.sampled_from([_Expanded, _Expanded, _Expanded, yaml.SafeDumper])
    return st.tuples(document, dumpers, st.booleans()).map(
        lambda parts: yaml.dump(parts[0], Dumper=parts[1], allow_unicode=True, default_flow_style=parts[2], sort_keys=False)
    )


ITEM = yaml.safe_load(item(attachments=["a.pdf"], feedback=[{"date": "2026-11-16", "summary": "意见"}]).split("---")[1])
CONFIG_WITH_OUTPUTS = {**CONFIG, "boards": {"lobby": {"title": "栏"}}, "kiosk": {"title": "屏"}}


def _build(shot: Snapshot) -> None:
    try:
        run(shot, Options(day=date(2026, 11, 20), posters=False))
    except Problems as failure:
        for problem in failure.problems:
            assert problem.path.startswith(("content/", "site_config.yaml")), problem
            assert problem.line >= 1 and problem.message, problem


@settings(max_examples=150, deadline=None)
@given(documents(ITEM, ITEM_KEY_NAMES), st.sampled_from(["a.md", "b.yaml", "requests/r.yaml"]))
def test_any_yaml_item_gives_problems_or_a_build(document, name):
    data = f"---\n{document}---\n正文\n" if name.endswith(".md") else document
    _build(_with({name: data.encode("utf-8"), "a.pdf": b"%PDF"}))


# The test config with one of its values replaced by random YAML: every section's checks are reached.
def _config_with(replacement: object, path: list[str]) -> dict:
    config = copy.deepcopy(CONFIG_WITH_OUTPUTS)
    section = config
    for key in path[:-1]:
        section = section[key] if isinstance(section.get(key), dict) else section.setdefault(key, {})
    section[path[-1]] = replacement
    return config


CONFIG_PATHS = [
    ["site"], ["site", "name"], ["site", "timezone"], ["site", "index_pattern"], ["site", "public_url"], ["site", "feedback"],
    ["departments"], ["catalog"], ["catalog", "notice"], ["catalog", "notice", "default_days"], ["catalog", "dues", "every"],
    ["catalog", "org", "kind"], ["boards"], ["boards", "lobby"], ["boards", "lobby", "categories"], ["kiosk"],
    ["kiosk", "seconds_per_item"], ["supervision"], ["deploy"], ["server"], ["extra"],
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(structures(CONFIG_KEY_NAMES), st.sampled_from(CONFIG_PATHS))
def test_any_config_value_gives_problems_or_a_build(replacement, path):
    content = {"a.md": item().encode(), "b.md": item(category="org").encode()}
    _build(_with(content, _config_with(replacement, path)))


@settings(max_examples=100, deadline=None)
@given(st.one_of(files, documents(CONFIG_WITH_OUTPUTS, CONFIG_KEY_NAMES).map(str.encode)))
def test_any_config_file_gives_problems_or_a_build(data):
    shot = replace(_with({"a.md": item().encode()}), config=data)
    _build(shot)
