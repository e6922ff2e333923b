"""Turns an item's Markdown body into safe HTML, resolving its images and file links to files inside content/."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from urllib.parse import quote, unquote

import markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor

from gongkai.problems import Problem

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
ITEM_SUFFIXES = (".md", ".yaml", ".yml")


def resolve_content_path(base_dir: str, target: str) -> str | None:
    """Resolves a path written in an item against its folder; None when it would leave content/."""
    if target.startswith("/") or "\\" in target:
        return None
    joined = posixpath.normpath(posixpath.join(base_dir, target))
    if joined == "." or joined.startswith("../") or joined == "..":
        return None
    return joined


class BodyRenderer:
    """One Markdown converter per build (Python-Markdown instances keep state between calls)."""

    def __init__(self) -> None:
        # Instances, not names: a name is looked up among installed packages' entry points, 15 ms a build.
        extensions = [TableExtension(), SaneListExtension(), FencedCodeExtension()]
        self._md = markdown.Markdown(extensions=extensions, output_format="html")
        # Raw HTML is shown as text: editors paste from Word and web pages, and raw HTML could load
        # outside resources or break the page.
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._links = _LinkCollector(self._md)
        self._md.treeprocessors.register(self._links, "gongkai_links", 0)

    def render(
        self, body: str, base_dir: str, files: set[str] | frozenset[str], path: str, body_line: int
    ) -> tuple[str, tuple[str, ...], list[Problem]]:
        """Returns (html, content files the body uses, problems). Local links point at files/ from the site root."""
        self._md.reset()
        self._links.found = []
        html = self._md.convert(body)
        problems: list[Problem] = []
        used: list[str] = []
        replacements: dict[str, str] = {}
        for tag, target in self._links.found:
            line = _line_of(body, target, body_line)
            if tag == "img" and _SCHEME.match(target):
                problems.append(
                    Problem(
                        path, line, f"图片“{target}”在网络上：发布的页面不能从外部加载内容。请把图片放进 content/ 并写相对路径。"
                    )
                )
                continue
            if _SCHEME.match(target) or target.startswith("#") or not target:
                continue
            resolved = resolve_content_path(base_dir, unquote(target.split("#")[0]))
            if resolved is None:
                problems.append(Problem(path, line, f"“{target}”指向 content/ 之外，请把文件放进 content/ 并写相对路径。"))
            elif resolved.lower().endswith(ITEM_SUFFIXES):
                problems.append(Problem(path, line, f"“{target}”是事项源文件，不能作为链接或图片发布。"))
            elif resolved not in files:
                problems.append(Problem(path, line, f"找不到“{target}”（应在 content/{resolved}）。请检查文件名和路径。"))
            else:
                used.append(resolved)
                # Percent-encoded as the sites' links are: a file named a#1.pdf is not cut at a fragment.
                fragment = target[target.index("#") :] if "#" in target else ""
                replacements[target] = quote("files/" + resolved, safe="/") + fragment
        for tag, target in self._links.found:
            if target in replacements:
                attribute = "src" if tag == "img" else "href"
                html = html.replace(f'{attribute}="{_escape(target)}"', f'{attribute}="{_escape(replacements[target])}"')
        return html, tuple(dict.fromkeys(used)), problems


class _LinkCollector(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                self.found.append(("img", element.get("src", "")))
            elif element.tag == "a":
                self.found.append(("a", element.get("href", "")))


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _line_of(body: str, target: str, body_line: int) -> int:
    for offset, line in enumerate(body.split("\n")):
        if target in line:
            return body_line + offset
    return body_line
