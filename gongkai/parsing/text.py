"""Turns raw file bytes into text (UTF-8, with or without BOM, LF or CRLF) and splits off YAML front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongkai.problems import Problem

_CJK = re.compile(r"[\u4e00-\u9fff]")


# Far above any item, config or register a clerk writes (the sample's largest item is a few KB); the limit
# keeps a mistaken file (a pasted database dump, a PDF renamed .md) from hours of parsing.
MAX_TEXT_BYTES = 2 * 1024 * 1024
# The register grows by about 210 bytes per item ever published: 2.1 MB at 10,000 items, 21 MB for a
# city-wide archive of 100,000.
MAX_REGISTER_BYTES = 64 * 1024 * 1024


def decode(data: bytes, path: str, problems: list[Problem], limit: int = MAX_TEXT_BYTES) -> str | None:
    """The text of an item, config, request or register file; None (with a problem) when it cannot be read."""
    if len(data) > limit:
        size = f"{len(data) / 1024 / 1024:.1f}"
        problems.append(
            Problem(
                path,
                1,
                f"文件太大（{size} MB），超过了 {limit // 1024 // 1024} MB 的上限。"
                "请检查是不是放错了文件；篇幅很长的材料请作为附件（attachments）发布。",
            )
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(path, line, _encoding_message(data)))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _encoding_message(data: bytes) -> str:
    try:
        looks_gbk = bool(_CJK.search(data.decode("gb18030")))
    except UnicodeDecodeError:
        looks_gbk = False
    if looks_gbk:
        return (
            "文件不是 UTF-8 编码，看起来是 GBK（Windows 记事本等的默认编码）。"
            "请用“另存为”选择 UTF-8 编码后重新保存。(file is GBK, not UTF-8)"
        )
    return "文件不是 UTF-8 编码的文字，请用 UTF-8 编码重新保存。(file is not UTF-8)"


@dataclass(frozen=True)
class FrontMatter:
    yaml: str
    yaml_offset: int  # file lines before the YAML text starts
    body: str
    body_line: int  # file line where the body starts


def split_front_matter(text: str, path: str, problems: list[Problem]) -> FrontMatter | None:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        problems.append(Problem(path, 1, "文件第一行应是 ---，后面写 title、category 等设置，再以 --- 结束。"))
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return FrontMatter(
                yaml="\n".join(lines[1:index]),
                yaml_offset=1,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    problems.append(Problem(path, 1, "开头的设置部分没有结束：请在设置之后单独一行写 ---，再写正文。"))
    return None


# Typing slips of an editor used to Chinese input, found on the lines YAML reads as structure (never inside
# a `body: |` block, where any text is allowed). YAML would misread them or fail with a message in its own
# terms; these name the slip and its fix.
_KEY_AT = r"^(?P<indent>[ \t\u3000]*)(?P<dash>-\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)"
_FULL_WIDTH_COLON = re.compile(_KEY_AT + r"\s*：")
_NO_SPACE = re.compile(_KEY_AT + r":(?P<rest>[^\s].*)$")
_CURLY_QUOTED = re.compile(_KEY_AT + r":\s+[“‘].*[”’]\s*$")
_BAD_INDENT = re.compile(r"^ *[\t\u3000]")
_BLOCK_START = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


@dataclass(frozen=True)
class Slip:
    line: int  # file line
    message: str
    certain: bool  # wrong even where YAML reads the file; otherwise only the likely cause of a YAML error


def slips(yaml_text: str, line_offset: int) -> list[Slip]:
    found = []
    block_indent: int | None = None  # inside a block scalar: lines indented deeper than its key are text
    for number, line in enumerate(yaml_text.split("\n"), start=1 + line_offset):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if _BLOCK_START.search(line) else None
        if _BAD_INDENT.match(line):
            kind = " Tab " if "\t" in line[: indent + 1] else "全角空格"
            found.append(Slip(number, f"这一行用{kind}缩进。请删掉它，改用英文半角空格缩进，同一层的行要对齐。", True))
        elif match := _FULL_WIDTH_COLON.match(line):
            key = match["key"]
            found.append(Slip(number, f"“{key}”后面用了中文冒号“：”，请改成英文冒号“:”，冒号后空一格，例如 {key}: …", True))
        elif (match := _NO_SPACE.match(line)) and not match["rest"].startswith(("//", ":")):
            key = match["key"]
            # In a list, `- a:b` is a text YAML reads well (an address such as fe80::1, a time 10:30): there it is
            # only the likely cause of a YAML error, never one by itself.
            message = f"“{key}:”后面缺少空格。请在英文冒号后空一格，例如 {key}: {match['rest']}"
            found.append(Slip(number, message, not match["dash"]))
        elif match := _CURLY_QUOTED.match(line):
            found.append(Slip(number, '值两边用了中文引号“”。需要引号时请改用英文引号 "…"，或者去掉引号。', False))
    return found
