import pytest
import yaml

from gongkai.model import Kind
from gongkai.parsing.config import parse_config
from gongkai.problems import Problems
from tests.scratch import CONFIG, REPO


def parse(config) -> object:
    return parse_config(yaml.safe_dump(config, allow_unicode=True).encode(), "site_config.yaml")


def test_sample_config_has_the_catalogue_of_both_plans():
    config = parse_config((REPO / "site_config.yaml").read_bytes(), "site_config.yaml")
    assert len(config.catalog) >= 12
    assert {e.kind for e in config.catalog} == set(Kind)
    assert all(e.department for e in config.catalog if e.key != "other")
    assert config.site.timezone == "Asia/Shanghai"


def test_defaults():
    config = parse({"site": {"name": "单位"}, "catalog": {"a": {"name": "甲", "kind": "adhoc"}}})
    assert config.site.title == "单位党务公开"
    assert config.site.issuer == "单位"
    assert config.catalog[0].group == "其他"


def test_every_required_for_fixed_and_periodic():
    broken = {**CONFIG, "catalog": {"a": {"name": "甲", "kind": "fixed"}}}
    with pytest.raises(Problems, match="必须写 every"):
        parse(broken)


def test_all_config_errors_at_once():
    broken = {
        "site": {"name": "单位", "timezone": "Mars/Base", "public_url": "ftp://x"},
        "departments": [{"name": "办公室", "monthly_quota": "many"}],
        "catalog": {"a/b": {"name": "甲", "kind": "adhoc"}, "c": {"kind": "weekly", "department": "财务"}},
        "publish": {},
    }
    with pytest.raises(Problems) as failure:
        parse(broken)
    messages = "\n".join(p.message for p in failure.value.problems)
    for expected in (
        "未知的时区",
        "http://",
        "monthly_quota",
        "只能由字母",
        "“kind”不能是“weekly”",
        "部门“财务”",
        "缺少“name”",
        "未知的键“publish”",
    ):
        assert expected in messages


def test_boards_and_kiosk_are_accepted():
    parse({**CONFIG, "boards": {"lobby": {"title": "x"}}, "kiosk": {"title": "y"}})
