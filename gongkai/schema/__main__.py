"""Turns the schema into Markdown tables (`python -m gongkai.schema --markdown`): every key of site_config.yaml and
of an item file, with its label, kind, default, values and help, as a settings form shows them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gongkai.schema.config import CONFIG_SCHEMA
from gongkai.schema.items import ITEM_SCHEMA
from gongkai.schema.keys import Key

TITLE = (
    "# 设置项一览\n\n"
    "配置文件 site_config.yaml 和事项文件里可以写的每一个键。本文件由 `python -m gongkai.schema --markdown > docs/设置项.md`"
    " 从 gongkai/schema/ 生成，请勿手工修改。\n\n"
)
HEADER = "| 键 | 名称 | 类型 | 默认 | 可写的值 | 说明 |\n|---|---|---|---|---|---|\n"


def markdown() -> str:
    parts = [
        f"## site_config.yaml 的 {section.path}（{section.label}）\n\n{section.help}\n\n{_table(section.keys, section.path + '.')}"
        for section in CONFIG_SCHEMA
    ]
    parts.append(f"## 事项文件\n\n{_table(ITEM_SCHEMA, '')}")
    return TITLE + "\n".join(parts)


def _table(keys: Sequence[Key], prefix: str) -> str:
    rows = (
        f"| `{prefix}{key.key}` | {key.label} | {key.kind} | {_default(key)} | {_values(key)} | {_cell(key.help)} |\n"
        for key in keys
    )
    return HEADER + "".join(rows)


def _default(key: Key) -> str:
    if key.required:
        return "必填"
    if isinstance(key.default, bool):
        return f"`{str(key.default).lower()}`"
    if key.default is not None:
        return f"`{key.default}`"
    return _cell(key.default_note) or "—"


def _values(key: Key) -> str:
    if key.choices:
        written = {value: [f"`{value}`"] for value, _ in key.choices}
        for alias, meant in key.aliases:
            written[meant].append(f"`{alias}`")
        return "；".join(f"{'、'.join(written[value])}（{label}）" for value, label in key.choices)
    if key.minimum is not None:
        return f"{key.minimum} 到 {key.maximum}" if key.maximum is not None else f"不小于 {key.minimum}"
    return "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gongkai.schema", description="打印全部设置项（配置文件和事项文件）。")
    parser.add_argument("--markdown", action="store_true", required=True, help="以 Markdown 表格打印")
    parser.parse_args(argv)
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
