"""Turns the files an item publishes (attachments, images, linked files) into the reasons any may not be published.

A published file is served from the site's own address, so a file that a browser runs (a web page, a script,
an SVG with a script in it) would run with the site's rights: it could rewrite any page or read anything the
reader can. Such files are refused, not cleaned: a clerk can always save a PDF or a PNG instead.
"""

from __future__ import annotations

import posixpath
import re
import xml.parsers.expat
from collections.abc import Iterable

from gongkai.model import Item
from gongkai.problems import Problem
from gongkai.reading import Snapshot

# Types a browser renders as a document of the site (and so runs their scripts), or that it runs outright.
_SCRIPTABLE = {
    ".html": "网页", ".htm": "网页", ".shtml": "网页", ".xhtml": "网页", ".xht": "网页", ".mht": "网页",
    ".mhtml": "网页", ".hta": "网页程序", ".js": "脚本", ".mjs": "脚本", ".xml": "XML 文档", ".xsl": "XSL 样式表",
    ".xslt": "XSL 样式表", ".svgz": "压缩的 SVG 图", ".swf": "Flash 程序",
}  # fmt: skip

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Static drawing only: shapes, text, paint servers, filters. No script, no animation (which can set an href
# to javascript:), no foreignObject (which embeds HTML), no fonts or cursors fetched from elsewhere.
_SVG_ELEMENT_NAMES = """svg g defs symbol use title desc metadata switch view a style path rect circle ellipse line polyline
    polygon text tspan textPath image linearGradient radialGradient stop pattern clipPath mask marker filter feBlend
    feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
    feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology
    feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence"""
SVG_ELEMENTS = frozenset(_SVG_ELEMENT_NAMES.split())
# Elements of these namespaces are live in a browser (XHTML runs <script>, MathML can hold links); elements of
# any namespace but these and SVG's (Inkscape's, RDF metadata) are inert and left alone.
_FOREIGN_LIVE = ("http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML")
# A reference inside the drawing (#id) or a picture embedded in it; anything else loads or opens something.
_SAFE_REFERENCE = re.compile(r"#|data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
# CSS is checked against what a drawing needs, not against what is known to fetch: any other function or
# at-rule is refused (image-set(), image(), attr(), cross-fade(), element(), @font-face's src:, @import…).
# Colours, lengths, transforms, filters, gradients, shapes, selectors' pseudo-classes; url() only with a
# _SAFE_REFERENCE.
_CSS_FUNCTION_NAMES = """url rgb rgba hsl hsla hwb lab lch oklab oklch color color-mix calc min max clamp var translate
    translatex translatey translatez translate3d rotate rotatex rotatey rotatez rotate3d scale scalex scaley scalez
    scale3d skew skewx skewy matrix matrix3d perspective blur brightness contrast drop-shadow grayscale hue-rotate
    invert opacity saturate sepia linear-gradient radial-gradient conic-gradient repeating-linear-gradient
    repeating-radial-gradient repeating-conic-gradient cubic-bezier steps inset circle ellipse polygon path rect
    not is where nth-child nth-last-child nth-of-type nth-last-of-type lang dir"""
_CSS_FUNCTIONS = frozenset(_CSS_FUNCTION_NAMES.split())
_CSS_AT_RULES = frozenset(("media", "supports", "keyframes"))
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)  # an unclosed comment runs to the end, as in CSS
_CSS_FUNCTION = re.compile(r"([-\w]+)\(")  # a function token: its name right before "(" (no space)
_CSS_AT_RULE = re.compile(r"@([-\w]*)")
# The attributes a browser reads as CSS: style, and SVG's presentation attributes (cursor and mask take images).
_PRESENTATION_NAMES = """style alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
    color-interpolation-filters color-profile color-rendering cursor direction display dominant-baseline
    enable-background fill fill-opacity fill-rule filter flood-color flood-opacity font font-family font-size
    font-size-adjust font-stretch font-style font-variant font-weight glyph-orientation-horizontal
    glyph-orientation-vertical image-rendering kerning letter-spacing lighting-color marker marker-end marker-mid
    marker-start mask mask-type opacity overflow paint-order pointer-events shape-rendering stop-color stop-opacity
    stroke stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity
    stroke-width text-anchor text-decoration text-rendering transform transform-origin unicode-bidi vector-effect
    visibility word-spacing writing-mode"""
CSS_ATTRIBUTES = frozenset(_PRESENTATION_NAMES.split())


def refused_type(relpath: str) -> str | None:
    """Why a file of this type may not be published (the end of a sentence naming it), or None."""
    suffix = posixpath.splitext(relpath)[1].lower()
    if suffix not in _SCRIPTABLE:
        return None
    return (
        f"是{_SCRIPTABLE[suffix]}（{suffix}），放到网站上会在网站中运行，不能发布。"
        "请改存为 PDF（文件、表格）或 PNG/JPG（图片）后再附上。"
    )


def svg_problem(data: bytes) -> tuple[int, str] | None:
    """The first thing in an SVG file that could run or load something: (line in the SVG, what), or None."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    found: list[tuple[int, str]] = []
    style: list[str] = []  # the text of the <style> element being read (expat hands it over in pieces)

    def refuse(what: str) -> None:
        found.append((parser.CurrentLineNumber, what))
        raise _Refused

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace in _FOREIGN_LIVE or (namespace in (SVG_NAMESPACE, "") and local not in SVG_ELEMENTS):
            refuse(f"不允许的元素 <{local}>")
        style.clear()
        for attribute, value in attributes.items():
            namespace, _, key = attribute.rpartition(" ")
            if key.lower().startswith("on"):
                refuse(f"事件脚本属性 {key}")
            if key == "href" and not _SAFE_REFERENCE.match(value.strip()):
                refuse(f'指向外部的链接 {key}="{value[:60]}"')
            if _loads_from_outside(value):
                refuse(f"从外部加载内容的样式（{key} 属性）")
            # Other namespaces' attributes (Inkscape's file name "图(1).svg") and SVG's other ones are no CSS.
            if not namespace and key in CSS_ATTRIBUTES and (what := _unsafe_css(value)):
                refuse(f"{what}（{key} 属性）")

    def end(name: str) -> None:
        css = "".join(style)
        if _loads_from_outside(css):
            refuse("从外部加载内容的样式（<style> 中的 @import、url(…) 或转义）")
        if name.rpartition(" ")[2] == "style" and (what := _unsafe_css(css)):  # not a <text>'s words
            refuse(f"{what}（<style> 中）")
        style.clear()

    def doctype(*_: object) -> None:
        # Entity declarations live in the DOCTYPE: refusing it before they are read means no entity is ever
        # expanded, so no "billion laughs" file can eat the memory.
        refuse("DOCTYPE 声明（可能含实体定义）")

    def instruction(target: str, _: str) -> None:
        refuse(f"处理指令 <?{target} …?>（可能加载外部样式表）")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = style.append
    parser.StartDoctypeDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused:
        return found[0]
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, f"格式错误（{xml.parsers.expat.ErrorString(error.code)}）"
    return None


def _loads_from_outside(css: str) -> bool:
    """CSS that imports or points outside the drawing; a backslash could spell either in CSS escapes."""
    if "\\" in css or "@import" in css.lower():
        return True
    return not all(not url or _SAFE_REFERENCE.match(url) for url in _CSS_URL.findall(css))


def _unsafe_css(css: str) -> str | None:
    """The first function or at-rule in `css` that a static drawing does not need (see _CSS_FUNCTIONS), or None."""
    if "(" not in css and "@" not in css:  # most attribute values: numbers, colours, path data
        return None
    css = _CSS_COMMENT.sub("", css)  # "image-set/**/(" is no function, but "ur/**/l(" must not hide one either
    for name in _CSS_FUNCTION.findall(css):
        if name.lower() not in _CSS_FUNCTIONS:
            return f"不允许的样式函数 {name}(…)"
    for name in _CSS_AT_RULE.findall(css):
        if name.lower() not in _CSS_AT_RULES:
            return f"不允许的样式规则 @{name}"
    return None


class _Refused(Exception):
    """Stops the parse at the first unsafe thing: the rest of the file is never read."""


def published_file_problems(items: Iterable[Item], snapshot: Snapshot) -> list[Problem]:
    """Every file each item publishes, checked every build (a cached item's SVG may have changed since)."""
    verdicts: dict[str, str | None] = {}
    problems = []
    for item in items:
        for attachment in item.attachments:
            source = attachment.source
            if source not in verdicts:
                verdicts[source] = _verdict(source, snapshot.content.get(source, b""))
            if (reason := verdicts[source]) is not None:
                line = _line_naming(snapshot, item, attachment.name)
                problems.append(Problem(item.source, line, f"“{source}”{reason}"))
    return problems


def _verdict(source: str, data: bytes) -> str | None:
    if reason := refused_type(source):
        return reason
    if source.lower().endswith(".svg") and (problem := svg_problem(data)):
        line, what = problem
        return (
            f"是含有{what}的 SVG 图（该文件第 {line} 行），放到网站上可能运行脚本或加载外部内容，不能发布。"
            "请用绘图软件重新导出为普通 SVG（不含脚本和外部链接），或改存为 PNG。"
        )
    return None


def _line_naming(snapshot: Snapshot, item: Item, name: str) -> int:
    """The line of the item's file that names the file (only read for an item with a refused file)."""
    relpath = item.source.removeprefix(snapshot.content_root + "/")
    text = snapshot.content.get(relpath, b"").decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if name in line:
            return number
    return item.line
