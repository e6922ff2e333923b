"""The schema is the one declaration of every key: the parser reads its kinds, choices and defaults, and each key
carries what a settings form needs."""

from __future__ import annotations

import enum
import re
from typing import Any

import pytest
import yaml

from gongkai.model import Config, Kiosk
from gongkai.parsing.config import parse_config
from gongkai.problems import Problems, closest, did_you_mean
from gongkai.schema import ITEM_SCHEMA
from gongkai.schema.__main__ import main as schema_command
from gongkai.schema.__main__ import markdown
from gongkai.schema.config import CONFIG_SCHEMA, Section, declare_section
from gongkai.schema.keys import Key
from tests.scratch import REPO

CONFIG_KINDS = {"text", "integer", "flag", "date", "choice", "list", "section", "url", "path", "timezone", "pattern"}
CONFIG_KINDS |= {"department", "carriers", "categories", "days", "addresses", "dest"}
ITEM_KINDS = {"text", "category", "choice", "date", "department", "flag", "files", "mapping", "feedback", "item"}

# Every section present, with only what is required: what is left out takes its default.
MINIMAL = {
    "site": {"name": "单位", "feedback": {}},
    "departments": [{"name": "办公室"}],
    "catalog": {"a": {"name": "甲", "kind": "periodic", "every": "month"}},
    "boards": {"b": {"title": "栏"}},
    "kiosk": {},
    "supervision": {},
    "deploy": {"d": {"source": "public", "dest": "/srv/gongkai/public"}},
    "server": {},
    "review": {},
}


def _parse(config: dict) -> Config:
    return parse_config(yaml.safe_dump(config, allow_unicode=True).encode(), "site_config.yaml")


def _settings_of(config: Config, section: Section) -> Any:
    """The parsed object a section's keys become."""
    return {
        "site": config.site,
        "site.feedback": config.site.feedback,
        "departments": config.departments[0],
        "catalog": config.catalog[0],
        "boards": config.boards[0],
        "kiosk": config.kiosk,
        "supervision": config.supervision,
        "deploy": config.deploy[0],
        "server": config.server,
        "review": config.review,
    }[section.name]


def _as_written(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


@pytest.mark.parametrize("section", CONFIG_SCHEMA, ids=[s.path for s in CONFIG_SCHEMA])
def test_every_config_key_is_ready_for_a_form(section):
    assert re.search(r"[\u4e00-\u9fff]", section.label) and section.help
    for key in section.keys:
        assert re.search(r"[\u4e00-\u9fff]", key.label), key
        assert key.help and key.kind in CONFIG_KINDS, key
        assert set(key.accepted.values()) == {value for value, _ in key.choices}, key  # aliases name real values
        assert all(label for _, label in key.choices), key
        assert not (key.required and (key.default is not None or key.default_note)), key


def test_every_item_key_is_ready_for_a_form():
    for key in ITEM_SCHEMA:
        assert re.search(r"[\u4e00-\u9fff]", key.label) and key.help and key.kind in ITEM_KINDS, key
        assert set(key.accepted.values()) == {value for value, _ in key.choices}, key


def test_what_is_not_written_takes_the_schemas_default():
    config = _parse(MINIMAL)
    checked = 0
    for section in CONFIG_SCHEMA:
        parsed = _settings_of(config, section)
        for key in section.keys:
            if key.default is not None:
                assert _as_written(getattr(parsed, key.key)) == key.default, f"{section.path}.{key.key}"
                checked += 1
    assert checked >= 15


CHOICES = [
    (section, key, written, meant)
    for section in CONFIG_SCHEMA
    for key in section.keys
    if key.kind == "choice"
    for written, meant in key.accepted.items()
]


@pytest.mark.parametrize(("section", "key", "written", "meant"), CHOICES, ids=[f"{s.path}.{k.key}={w}" for s, k, w, _ in CHOICES])
def test_every_way_to_write_a_choice_is_accepted(section, key, written, meant):
    config = yaml.safe_load(yaml.safe_dump(MINIMAL))
    where = config[section.name]
    if section.path.endswith("[]"):
        entry = where[0]
    elif section.path.endswith((".KEY", ".NAME")):
        entry = next(iter(where.values()))
    else:
        entry = where
    entry[key.key] = written
    assert _as_written(getattr(_settings_of(_parse(config), section), key.key)) == meant


def test_a_value_outside_the_choices_names_them():
    config = {**MINIMAL, "kiosk": {"orientation": "diagonal"}}
    with pytest.raises(Problems) as failure:
        _parse(config)
    [problem] = failure.value.problems
    assert problem.message == "“orientation”不能是“diagonal”。可以写：auto；portrait（或 纵向）；landscape（或 横向）。"


def test_an_unknown_key_gets_the_closest_known_one():
    config = {**MINIMAL, "kiosk": {"seconds_per_itme": 20}, "server": {"lisen": "8080"}}
    with pytest.raises(Problems) as failure:
        _parse(config)
    assert [p.message for p in failure.value.problems] == [
        "未知的键“seconds_per_itme”（kiosk 部分）。您是不是想写“seconds_per_item”？",
        "未知的键“lisen”（server 部分）。您是不是想写“listen”？",
    ]


def test_a_key_written_as_its_chinese_label_gets_the_key():
    config = {**MINIMAL, "电子屏": {}, "kiosk": {"每条停留秒数": 20}}
    with pytest.raises(Problems) as failure:
        _parse(config)
    assert [p.message for p in failure.value.problems] == [
        "未知的键“每条停留秒数”（kiosk 部分）。您是不是想写“seconds_per_item”？",
        "未知的键“电子屏”（配置文件顶层）。您是不是想写“kiosk”？",
    ]


def test_did_you_mean_offers_the_closest_name_or_what_may_be_written():
    assert closest("reveiwers", ("required", "reviewers")) == "reviewers"
    assert closest("xyz", ("required", "reviewers")) is None
    assert did_you_mean("张山", ["张三", "李四"], "可选：张三、李四。", cutoff=0.3) == "您是不是想写“张三”？"
    assert did_you_mean("王五", ["张三", "李四"], "可选：张三、李四。") == "可选：张三、李四。"


def test_the_settings_reference_is_generated_from_the_schema():
    """docs/设置项.md is the generator's output: a key added, renamed or reworded fails here until it is regenerated."""
    written = (REPO / "docs" / "设置项.md").read_text("utf-8")
    assert written == markdown(), "docs/设置项.md is stale: python -m gongkai.schema --markdown > docs/设置项.md"
    for section in CONFIG_SCHEMA:
        for key in section.keys:
            assert f"| `{section.path}.{key.key}` | {key.label} |" in written
    assert all(f"| `{key.key}` | {key.label} |" in written for key in ITEM_SCHEMA)


def test_the_generator_prints_the_reference(capsys):
    assert schema_command(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown()


def test_a_default_is_declared_in_one_place_only():
    """A default the model gives is not written again in the schema (two copies drift apart)."""
    with pytest.raises(TypeError, match="declared twice"):
        declare_section(
            Kiosk, "kiosk", "kiosk", "电子屏", "帮助", "（kiosk 部分）", Key("seconds_per_item", "秒数", "integer", default=20)
        )
