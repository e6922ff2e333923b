"""Turns raw file bytes into text (UTF-8, with or without BOM, LF or CRLF) and splits off YAML front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongkai.problems import Problem

_CJK = re.compile(r"[\u4e00-\u9fff]")


# Far above any item, config or register a clerk writes (the sample's largest item is a few KB); the limit
# keeps a mistaken file (a pasted database dump, a PDF renamed .md) from hours of parsing.
MAX_TEXT_BYTES = 2 * 1024 * 1024


def decode(data: bytes, path: str, problems: list[Problem]) -> str | None:
    """The text of an item, config, request or register file; None (with a problem) when it cannot be read."""
    if len(data) > MAX_TEXT_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}"
        problems.append(
            Problem(
                path,
                1,
                f"文件太大（{size} MB），超过了 {MAX_TEXT_BYTES // 1024 // 1024} MB 的上限。"
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
