"""Files an item publishes: nothing that could run in the site's name (web pages, scripts, SVG with scripts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gongkai.incremental import Memory
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_items
from gongkai.parsing.media import refused_type, svg_problem
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from tests.scratch import REPO, item, make_site

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'
XHTML = "http://www.w3.org/1999/xhtml"
PNG = "data:image/png;base64,iVBORw0KGgo="

UNSAFE_SVGS = {
    "script": "<script>alert(1)</script>",
    "script in CDATA": "<script><![CDATA[alert(1)]]></script>",
    "onload": '<rect onload="alert(1)" width="1" height="1"/>',
    "OnClick": '<g OnClick="alert(1)"/>',
    "foreignObject": f'<foreignObject><div xmlns="{XHTML}">x</div></foreignObject>',
    "xhtml script": f'<h:script xmlns:h="{XHTML}">alert(1)</h:script>',
    "link to javascript": '<a href="javascript:alert(1)"><text>x</text></a>',
    "xlink to javascript": '<a xlink:href=" javascript:alert(1)"><text>x</text></a>',
    "external image": '<image href="https://evil.example/a.png"/>',
    "external use": '<use xlink:href="other.svg#a"/>',
    "svg data image": '<image href="data:image/svg+xml;base64,PHN2Zz4="/>',
    "animate to href": '<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>',
    "set": '<set attributeName="onmouseover" to="alert(1)"/>',
    "iframe": "<iframe/>",
    "style import": "<style>@import url(https://evil.example/a.css);</style>",
    "style url": "<style>rect { fill: url(https://evil.example/a#p) }</style>",
    "style escape": "<style>rect { background: u\\72l(https://evil.example/) }</style>",
    "style attribute url": '<rect style="fill:url(http://evil.example/#x)"/>',
    "presentation url": '<rect fill="url(http://evil.example/#x)"/>',
    # CSS that fetches without url(): refused because only what a drawing needs is allowed (see media.py).
    "cursor image-set": "<rect style=\"cursor:image-set('https://evil.example/c.png' 1x), auto\"/>",
    "cursor -webkit-image-set": "<rect style=\"cursor:-webkit-image-set('https://evil.example/c.png' 1x)\"/>",
    "image-set in <style>": "<style>rect { cursor: IMAGE-SET('https://evil.example/c.png' 1x) }</style>",
    "presentation cursor": "<rect cursor=\"image-set('https://evil.example/c.png' 1x)\"/>",
    "presentation mask image()": "<rect mask=\"image('https://evil.example/m.png')\"/>",
    "font-face src": '<style>@font-face { font-family: x; src: "https://evil.example/f.woff"; }</style>',
    "font-face src local": "<style>@font-face { font-family: x; src: local(x); }</style>",
    "import without url()": '<style>@import "https://evil.example/a.css";</style>',
    "import behind a comment": '<style>@im/**/port "https://evil.example/a.css";</style>',
    "attr()": '<rect style="fill:attr(data-x url)"/>',
    "cross-fade()": "<style>rect { fill: cross-fade('https://evil.example/a.png', red) }</style>",
    "function behind a comment": "<rect style=\"cursor:image-set/**/('https://evil.example/c.png' 1x)\"/>",
}


@pytest.mark.parametrize("name", sorted(UNSAFE_SVGS))
def test_unsafe_svg_is_refused(name):
    found = svg_problem(SVG.format(UNSAFE_SVGS[name]).encode())
    assert found is not None and found[0] == 1 and found[1]


def test_doctype_and_entity_bombs_are_refused_before_any_expansion():
    lol = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY l0 "lol">{lol}]>\n<svg xmlns="http://www.w3.org/2000/svg">&l9;</svg>'
    assert svg_problem(bomb.encode()) == (2, "DOCTYPE 声明（可能含实体定义）")
    external = '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    assert svg_problem(external.encode()) is not None


def test_stylesheet_instructions_and_broken_files_are_refused():
    sheet = '<?xml version="1.0"?>\n<?xml-stylesheet href="https://evil.example/a.xsl"?>\n' + SVG.format("")
    assert svg_problem(sheet.encode()) == (2, "处理指令 <?xml-stylesheet …?>（可能加载外部样式表）")
    line, what = svg_problem(b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>')
    assert line == 2 and "格式错误" in what


def test_ordinary_drawings_pass():
    assert svg_problem((REPO / "content/images/活动流程.svg").read_bytes()) is None
    inkscape = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!-- Created with Inkscape -->\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" width="10" height="10">'
        '<sodipodi:namedview inkscape:zoom="1"/><defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
        '<filter id="f"><feGaussianBlur stdDeviation="1"/></filter></defs>'
        '<style>.a { fill: url(#g); font-family: "Noto Sans CJK SC"; }</style>'
        f'<g filter="url(#f)"><rect class="a" style="fill:url( #g )" width="5" height="5"/>'
        f'<use xlink:href="#g"/><image href="{PNG}" width="1" height="1"/><text>流程</text></g></svg>'
    )
    assert svg_problem(inkscape.encode()) is None
    css = (
        "<style>@media (min-width: 10px) { rect:not(.a):nth-child(2) { fill: rgb(1 2 3 / 50%); "
        "filter: drop-shadow(1px 1px 2px hsl(0 0% 0%)) blur(1px) } }</style>"
        '<rect style="fill:url(#g); transform: translate(1px, 2px) rotate(5deg)" transform="matrix(1 0 0 1 0 0)"/>'
        '<text inkscape:label="图(1)" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape">活动(一) 联系 '
        "dw@example.cn</text>"
    )
    assert svg_problem(SVG.format(css).encode()) is None


@pytest.mark.parametrize("name", ["a.html", "b.HTM", "c.xhtml", "d.js", "e.mjs", "f.xml", "g.xsl", "h.svgz", "i.shtml", "j.mht"])
def test_script_capable_types_are_refused(name):
    reason = refused_type(f"attachments/{name}")
    assert reason is not None and "不能发布" in reason and "PDF" in reason


@pytest.mark.parametrize("name", ["a.pdf", "b.csv", "c.png", "d.JPG", "e.svg", "f.xlsx", "g.docx", "h.txt", "README"])
def test_documents_and_pictures_are_published(name):
    assert refused_type(name) is None


EVIL_SVG = SVG.format("<script>alert(1)</script>")


def build_errors(tmp_path, files):
    paths = make_site(tmp_path, files)
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    with pytest.raises(Problems) as failure:
        run(snapshot, Options(day=date(2026, 11, 20), posters=False))
    return [str(p).removeprefix(f"{tmp_path}/") for p in failure.value.problems]


def test_items_using_unsafe_files_fail_with_the_line_that_names_them(tmp_path):
    files = {
        "a.md": item(attachments=["f/evil.svg"]),
        "b.md": item(body="正文\n\n![图](f/evil.svg)"),
        "c.md": item(attachments=["f/page.html"]),
        "d.md": item(body="[说明](f/page.html)"),
        "e.md": item(attachments=["f/ok.svg"], body="![图](f/ok.svg)"),
        "f/evil.svg": EVIL_SVG,
        "f/ok.svg": SVG.format('<rect width="5" height="5"/>'),
        "f/page.html": "<script>alert(1)</script>",
    }
    errors = build_errors(tmp_path, files)
    assert len(errors) == 4
    a, b, c, d = errors
    assert a.startswith("content/a.md:7: “f/evil.svg”是含有不允许的元素 <script>的 SVG 图（该文件第 1 行）")
    assert b.startswith("content/b.md:9: “f/evil.svg”是含有不允许的元素 <script>")
    assert c.startswith("content/c.md:7: 附件“f/page.html”是网页（.html）") and "PDF" in c
    assert d.startswith("content/d.md:7: “f/page.html”是网页（.html）")


def test_an_svg_changed_under_a_cached_item_is_still_checked(tmp_path):
    paths = make_site(tmp_path, {"a.md": item(attachments=["f/x.svg"]), "f/x.svg": SVG.format("<rect/>")})
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    config = parse_config(snapshot.config, snapshot.config_path)
    memory = Memory()
    assert parse_items(snapshot, config, memory).errors == ()
    assert "a.md" in memory.items
    changed = replace(snapshot, content={**snapshot.content, "f/x.svg": EVIL_SVG.encode()})
    parsed = parse_items(changed, config, memory)
    assert [p.line for p in parsed.errors] == [7] and "<script>" in parsed.errors[0].message
