"""Turns an item's Markdown body into safe HTML, resolving its images and file links to files inside content/."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Collection
from urllib.parse import quote, unquote

from gongkai.parsing.commonmark import Document, Node
from gongkai.parsing.media import refused_type
from gongkai.problems import Problem

ITEM_SUFFIXES = (".md", ".yaml", ".yml")
SAFE_SCHEMES = ("http", "https", "mailto", "tel")
# Levels of the syntax tree (a list level is two: the list and its item). Deeper than any real notice (a
# list in a list in a quote, with bold and a link, is about 10); far deeper, browsers flatten the page and
# the poster renderer runs out of stack. 40 allows 18 nested list levels.
MAX_DEPTH = 40
_WATCHED = frozenset({"html_block", "html_inline", "link", "image"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# What a browser ignores when it reads a URL: C0 controls and spaces around it, tabs and newlines inside it.
_AROUND = "".join(chr(c) for c in range(0x21))
_INSIDE = re.compile(r"[\t\n\r]")
# cmark writes every attribute itself, in double quotes, and escapes every `"` and `<` of the text, so this
# finds exactly the URLs a browser will read from the page (text that looks like an attribute is escaped).
_URL_ATTRIBUTE = re.compile(r' (?:href|src)="([^"]*)"')


def resolve_content_path(base_dir: str, target: str) -> str | None:
    """Resolves a path written in an item against its folder; None when it would leave content/."""
    if target.startswith("/") or "\\" in target:
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, target))
    if joined == "." or joined.startswith("../") or joined == "..":
        return None
    return joined


def scheme_of(url: str) -> str | None:
    """The scheme a browser would see in `url` (lower case), "//" for a protocol-relative one, None for a path."""
    url = _INSIDE.sub("", url.strip(_AROUND))
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        return "//"
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


class BodyRenderer:
    """Renders bodies with cmark-gfm (see gongkai/parsing/commonmark.py for why)."""

    def render(
        self, body: str, base_dir: str, files: Collection[str], path: str, body_line: int
    ) -> tuple[str, tuple[str, ...], list[Problem]]:
        """Returns (html, content files the body uses, problems). Local links point at files/ from the site root."""
        problems: list[Problem] = []
        used: list[str] = []
        with Document(body) as document:
            for node in document.walk(_WATCHED, deeper_than=MAX_DEPTH):
                if node.depth > MAX_DEPTH:
                    message = "正文嵌套太深（列表、引用、加粗等层层相套），网页和海报无法显示。请减少缩进和嵌套的层次。"
                    return "", (), [Problem(path, body_line + node.line - 1, message)]
                if node.kind in ("html_block", "html_inline"):
                    # Raw HTML is shown as text: editors paste from Word and web pages, and raw HTML could load
                    # outside resources, run scripts or break the page.
                    document.show_as_text(node)
                elif node.kind in ("link", "image"):
                    line = body_line + node.line - 1
                    before = len(problems)
                    published = _destination(node, base_dir, files, path, line, problems)
                    if len(problems) > before:
                        document.set_url(node, "")  # the item is not published, but its HTML is never unsafe either
                    elif published is not None:
                        used.append(published)
                        fragment = "#" + node.url.split("#", 1)[1] if node.kind == "link" and "#" in node.url else ""
                        document.set_url(node, "files/" + quote(published) + fragment)
            # cmark writes void elements XHTML-style (<br />); the pages are HTML, where the slash means nothing.
            # Every " />" is cmark's: a ">" in text or in an attribute is written as &gt;.
            rendered = document.html().rstrip("\n").replace(" />", ">")
        problems.extend(_unsafe_attributes(rendered, path, body_line))
        return rendered, tuple(dict.fromkeys(used)), problems


def _destination(node: Node, base_dir: str, files: Collection[str], path: str, line: int, problems: list[Problem]) -> str | None:
    """The content file a link or image points at (None for a web link or an anchor); problems for the rest."""
    target, is_image = node.url, node.kind == "image"
    shown = _shorten(target)
    scheme = scheme_of(target)
    if is_image and scheme in ("http", "https", "//"):
        problems.append(
            Problem(path, line, f"图片“{shown}”在网络上：发布的页面不能从外部加载内容。请把图片放进 content/ 并写相对路径。")
        )
        return None
    if scheme == "//":
        problems.append(Problem(path, line, f"链接“{shown}”缺少协议。请写完整的网址，以 https:// 或 http:// 开头。"))
        return None
    if scheme is not None and (is_image or scheme not in SAFE_SCHEMES):
        what = "图片" if is_image else "链接"
        message = (
            f"{what}“{shown}”使用了不允许的“{scheme}:”：正文只能链接 http、https、mailto、tel 地址或 content/ 中的文件，"
            f"图片只能是 content/ 中的文件。请删除或改写这个{what}。"
        )
        problems.append(Problem(path, line, message))
        return None
    if scheme is not None or not target or target.startswith("#"):
        return None
    resolved = resolve_content_path(base_dir, unquote(target.split("#")[0]))
    if resolved is None:
        problems.append(Problem(path, line, f"“{shown}”指向 content/ 之外，请把文件放进 content/ 并写相对路径。"))
    elif resolved.lower().endswith(ITEM_SUFFIXES):
        problems.append(Problem(path, line, f"“{shown}”是事项源文件，不能作为链接或图片发布。"))
    elif resolved not in files:
        problems.append(Problem(path, line, f"找不到“{shown}”（应在 content/{resolved}）。请检查文件名和路径。"))
    elif reason := refused_type(resolved):
        problems.append(Problem(path, line, f"“{shown}”{reason}"))
    else:
        return resolved
    return None


def _unsafe_attributes(rendered: str, path: str, body_line: int) -> list[Problem]:
    """The last word is the page itself: every URL in it, read as a browser reads it, must be one we allow."""
    problems = []
    for value in _URL_ATTRIBUTE.findall(rendered):
        url = html.unescape(value)
        scheme = scheme_of(url)
        if scheme in SAFE_SCHEMES or (scheme is None and not url.startswith(("/", "\\"))):
            continue
        message = f"正文生成的网页里有不安全的地址“{_shorten(url)}”。请删除或改写正文中的这个链接或图片。"
        problems.append(Problem(path, body_line, message))
    return problems


def _shorten(target: str) -> str:
    """Quotes a target in a message: a 1 MB data: URL must not become a 1 MB message."""
    return target if len(target) <= 80 else target[:77] + "…"
