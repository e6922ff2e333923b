"""Turns YAML text into Fields: typed, line-numbered access to a mapping that records every problem it meets."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import yaml

from gongkai.parsing.text import slips
from gongkai.parsing.yamlwords import in_clerks_words
from gongkai.problems import Problem, did_you_mean

# Dates stay text so that 2026-13-01 gets our message, not a YAML traceback.
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


_RESOLVERS = {
    first: [(tag, regex) for tag, regex in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = _RESOLVERS


# libyaml's parser where PyYAML has it (10x faster on a thousand items); the same resolvers either way.
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_Parser):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers = _RESOLVERS


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The calendar a disclosure can live in. Dates outside are typing errors or "forever" written as 9999-12-31;
# refusing them keeps every later day's arithmetic (a window's day after, a cadence's next period, a chart's
# months) centuries away from the ends of Python's dates, without guarding each sum.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def load_mapping(text: str, path: str, line_offset: int, problems: list[Problem]) -> Fields | None:
    """Parses a YAML document that must be a mapping; line_offset is the file line before the YAML starts."""
    found = slips(text, line_offset)
    if certain := [s for s in found if s.certain]:
        problems.extend(Problem(path, s.line, s.message) for s in certain)
        return None
    loader = _FastLoader(text)
    try:
        node = _compose(loader, path, line_offset, problems)
    except yaml.MarkedYAMLError as error:
        if found:  # the likely cause, in the editor's terms, rather than YAML's
            problems.extend(Problem(path, s.line, s.message) for s in found)
            return None
        mark = error.problem_mark or error.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        where = ""
        if error.context_mark and error.problem_mark and error.context_mark.line != error.problem_mark.line:
            where = f"（问题可能从第 {error.context_mark.line + 1 + line_offset} 行开始）"
        problems.append(Problem(path, line, f"{in_clerks_words(error.problem or error.context)}{where}。"))
        return None
    except yaml.YAMLError as error:
        problems.append(Problem(path, 1 + line_offset, f"{in_clerks_words(str(error))}。"))
        return None
    except _Refused:
        return None
    finally:
        loader.dispose()
    if node is None:
        problems.append(Problem(path, 1 + line_offset, "内容为空：这里应写“键: 值”形式的设置，例如 title: 标题。"))
        return None
    return Fields.of(node, path, line_offset, problems, "文件开头的设置")


# Deeper than any setting needs; a limit keeps construction and every later walk of the values shallow.
MAX_DEPTH = 20


class _Refused(Exception):
    """The document uses what we refuse (an alias, too deep a nesting); the problem is already recorded."""


def _compose(loader: _FastLoader, path: str, offset: int, problems: list[Problem]) -> yaml.Node | None:
    """The node tree of the one document, built from parser events without recursion: libyaml's own composer
    recurses in C (100,000 `[` crash the process), and aliases are refused before they can be expanded
    (an alias bomb makes a few lines into billions of values)."""
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    document = loader.get_event()
    open_nodes: list[tuple[yaml.CollectionNode, list[yaml.Node]]] = []  # each open collection and its children
    root: yaml.Node | None = None
    while root is None:
        event = loader.get_event()
        line = event.start_mark.line + 1 + offset
        if isinstance(event, yaml.AliasEvent):
            problems.append(Problem(path, line, _ALIAS_MESSAGE.format(name=event.anchor)))
            raise _Refused
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(open_nodes) >= MAX_DEPTH:
                problems.append(Problem(path, line, _DEPTH_MESSAGE))
                raise _Refused
            kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(kind, None, event.implicit)
            open_nodes.append((kind(tag, [], event.start_mark, None, flow_style=event.flow_style), []))
            continue
        else:  # the end of a collection
            node, children = open_nodes.pop()
            node.end_mark = event.end_mark
            node.value = (
                children if isinstance(node, yaml.SequenceNode) else list(zip(children[::2], children[1::2], strict=True))
            )
        if open_nodes:
            open_nodes[-1][1].append(node)
        else:
            root = node
    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        raise yaml.composer.ComposerError(
            "expected a single document in the stream", document.start_mark, "but found another document",
            loader.get_event().start_mark,
        )  # fmt: skip
    return root


_ALIAS_MESSAGE = "这里的“*{name}”会被当作引用。本系统不支持以 & 或 * 开头的写法，请把内容直接写出来；如果“*”是文字的一部分，请给整段文字加上引号。"
_DEPTH_MESSAGE = f"列表或“键: 值”嵌套超过 {MAX_DEPTH} 层，无法处理。请简化这部分内容，少套几层。"


_FOREVER_HINT = "要长期公开，不要写 9999-12-31 这样的日期：固定公开类别的事项不写 valid_until 即为长期公开。"


class Fields:
    """A YAML mapping read key by key; asking for a key in the wrong type records a problem and returns None."""

    def __init__(self, node: yaml.MappingNode, path: str, line_offset: int, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self._offset = line_offset
        self.line = node.start_mark.line + 1 + line_offset
        self.nodes: dict[str, yaml.Node] = {}
        self._constructor: _Loader | None = None
        self._key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + line_offset
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_line, "键必须是简单的文字。")
                continue
            key = key_node.value
            if key in self.nodes:
                self.error(key_line, f"“{key}”写了两次（第 {self._key_lines[key]} 行已有），请删去一个。")
                continue
            self.nodes[key] = value_node
            self._key_lines[key] = key_line

    @classmethod
    def of(cls, node: yaml.Node, path: str, offset: int, problems: list[Problem], what: str) -> Fields | None:
        if not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + 1 + offset
            problems.append(Problem(path, line, f"{what}应是“键: 值”的形式（mapping），这里却是{_describe(node)}。"))
            return None
        return cls(node, path, offset, problems)

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def line_of(self, key: str) -> int:
        return self._key_lines.get(key, self.line)

    def __contains__(self, key: str) -> bool:
        return key in self.nodes and not _is_null(self.nodes[key])

    def check_keys(self, allowed: tuple[str, ...], hints: dict[str, str] | None = None, where: str = "") -> None:
        """Unknown keys are errors: a typo such as `valid_unitl` would otherwise silently change a window."""
        for key in self.nodes:
            if key in allowed:
                continue
            known = (hints or {}).get(key)
            hint = f"您是不是想写“{known}”？" if known else did_you_mean(key, allowed, f"可用的键：{', '.join(allowed)}。")
            self.error(self.line_of(key), f"未知的键“{key}”{where}。{hint}")

    def text(self, key: str, required: bool = False) -> str:
        node = self.nodes.get(key)
        if node is None or _is_null(node):
            if required:
                self.error(self.line_of(key), f"缺少“{key}”，这一项必须填写。")
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.error(self.line_of(key), f"“{key}”应是一段文字，这里却是{_describe(node)}。")
            return ""
        value = node.value.strip()
        if required and not value:
            self.error(self.line_of(key), f"“{key}”不能为空。")
        return value

    def date(self, key: str, required: bool = False) -> date | None:
        value = self.text(key, required)
        if not value:
            return None
        if not _DATE.fullmatch(value):
            self.error(self.line_of(key), f"“{key}”的日期“{value}”格式不对，请写成 YYYY-MM-DD，例如 2026-03-01。")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(self.line_of(key), f"“{key}”的日期“{value}”不存在（月份 1–12，日子不超过当月天数）。")
            return None
        if not EARLIEST <= day <= LATEST:
            hint = _FOREVER_HINT if day > LATEST else ""
            self.error(self.line_of(key), f"“{key}”的日期“{value}”超出了可用范围（{EARLIEST} 至 {LATEST}）。请核对年份。{hint}")
            return None
        return day

    def boolean(self, key: str) -> bool:
        value = self.value(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(self.line_of(key), f"“{key}”只能写 true 或 false。")
            return False
        return value

    def integer(self, key: str, minimum: int, required: bool = False, maximum: int | None = None) -> int | None:
        value = self.value(key)
        if value is None:
            if required:
                self.error(self.line_of(key), f"缺少“{key}”。")
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < minimum
            or value > (maximum if maximum is not None else value)
        ):
            bounds = f" {minimum} 到 {maximum} 之间" if maximum is not None else f"不小于 {minimum}"
            self.error(self.line_of(key), f"“{key}”应是{bounds}的整数，这里是“{_raw(self.nodes[key])}”。")
            return None
        return value

    def choice(self, key: str, choices: dict[str, str], required: bool = False) -> str | None:
        """Maps a value (or one of its aliases) to its canonical form."""
        value = self.text(key, required)
        if not value:
            return None
        if value in choices:
            return choices[value]
        self.error(self.line_of(key), f"“{key}”不能是“{value}”。可以写：{accepted(choices)}。")
        return None

    def sub(self, key: str, required: bool = False) -> Fields | None:
        node = self.nodes.get(key)
        if node is None or _is_null(node):
            if required:
                self.error(self.line_of(key), f"缺少“{key}”部分。")
            return None
        return Fields.of(node, self.path, self._offset, self.problems, f"“{key}”")

    def sequence(self, key: str) -> list[yaml.Node]:
        node = self.nodes.get(key)
        if node is None or _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(self.line_of(key), f"“{key}”应是一个列表（每行以“- ”开头），这里却是{_describe(node)}。")
            return []
        return list(node.value)

    def text_list(self, key: str) -> list[tuple[str, int]]:
        """A list of texts with their lines."""
        result = []
        for node in self.sequence(key):
            line = node.start_mark.line + 1 + self._offset
            if isinstance(node, yaml.ScalarNode) and node.value.strip():
                result.append((node.value.strip(), line))
            else:
                self.error(line, f"“{key}”列表里的每一项都应是一段文字。")
        return result

    def fields_list(self, key: str) -> list[Fields]:
        return [f for n in self.sequence(key) if (f := Fields.of(n, self.path, self._offset, self.problems, f"“{key}”的每一项"))]

    def value(self, key: str) -> Any:
        node = self.nodes.get(key)
        if node is None:
            return None
        try:
            if self._constructor is None:
                self._constructor = _Loader("")
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            self.error(
                self.line_of(key), f"“{key}”的值无法读取：{in_clerks_words(getattr(error, 'problem', None) or str(error))}"
            )
            return None


def accepted(choices: dict[str, str]) -> str:
    """Every value a choice accepts, each canonical one with its aliases: `internal（或 党内）；public（或 党外、社会）`."""
    groups: dict[str, list[str]] = {}
    for alias, canonical in choices.items():
        groups.setdefault(canonical, [])
        if alias != canonical:
            groups[canonical].append(alias)
    return "；".join(f"{c}（或 {'、'.join(a)}）" if a else c for c, a in groups.items())


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _raw(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else _describe(node)


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "一组“键: 值”"
    if isinstance(node, yaml.SequenceNode):
        return "一个列表"
    return f"“{node.value}”"
