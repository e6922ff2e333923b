import html as html_module
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.markdown_worst import PATTERNS
from gongkai.parsing.markup import BodyRenderer, resolve_content_path
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from tests.scratch import item, make_site


def render(body: str, files=frozenset()):
    return BodyRenderer().render(body, "2026", set(files), "c/a.md", 10)


def test_raw_html_is_shown_as_text():
    html, _, problems = render('<script src="https://cdn.example.com/x.js"></script>\n\n<b>粗</b>')
    assert "<script" not in html
    assert "&lt;script" in html
    assert problems == []


def test_local_image_and_link_become_published_files():
    html, used, problems = render("![图](img/a.png) [表](../t.xlsx)", {"2026/img/a.png", "t.xlsx"})
    assert 'src="files/2026/img/a.png"' in html
    assert 'href="files/t.xlsx"' in html
    assert used == ("2026/img/a.png", "t.xlsx")
    assert problems == []


def test_remote_image_missing_file_and_item_links_are_errors_with_lines():
    _, _, problems = render("第一行\n\n![x](http://x.cn/a.png)\n\n[y](nope.pdf)\n\n[z](other.md)")
    assert [p.line for p in problems] == [12, 14, 16]
    assert "图片“http://x.cn/a.png”在网络上" in problems[0].message
    assert "找不到“nope.pdf”" in problems[1].message
    assert "事项源文件" in problems[2].message


def test_external_links_and_anchors_are_left_alone():
    html, used, problems = render("[政府网](https://www.gov.cn) [上文](#top)")
    assert 'href="https://www.gov.cn"' in html
    assert used == () and problems == []


def test_paths_cannot_leave_content():
    assert resolve_content_path("a", "../../x") is None
    assert resolve_content_path("a", "/etc/passwd") is None
    assert resolve_content_path("a", "../x") == "x"


# --- schemes: decided on what cmark writes into the page, so no spelling of a scheme gets through ---

UNSAFE_BODIES = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](jav&#x61;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&Tab;script:alert(1))",
    "[x](java&NewLine;script:alert(1))",
    "[x](&#x01;javascript:alert(1))",
    "[x](<&#32;javascript:alert(1)>)",
    "[x](<java\tscript:alert(1)>)",
    "[x](java\\:script)",  # a backslash escape is no escape from the check (cmark drops it: java:script)
    "[x](file:///etc/passwd)",
    "[x](//evil.example/x)",
    "<javascript:alert(1)>",
    "<VBSCRIPT:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x]\n\n[x]: <data:text/html,x>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
]


@pytest.mark.parametrize("body", UNSAFE_BODIES)
def test_unsafe_link_schemes_are_errors_with_the_line(body):
    html, _, problems = render("第一行\n\n" + body)
    assert len(problems) == 1 and problems[0].line == 12 and problems[0].path == "c/a.md"
    message = problems[0].message
    assert ("不允许" in message or "缺少协议" in message) and "请" in message
    for href in re.findall(r'(?:href|src)="([^"]*)"', html):
        assert urlsplit(html_module.unescape(href)).scheme in ("", "http", "https", "mailto", "tel")


def test_safe_schemes_pass_and_are_written_as_is():
    body = "[政府网](https://www.gov.cn/a?b=1&c=2) [站](http://x.cn) [信](mailto:dw@example.cn) [电话](tel:0555-3210123)"
    html, used, problems = render(body)
    assert problems == [] and used == ()
    assert 'href="https://www.gov.cn/a?b=1&amp;c=2"' in html
    assert 'href="mailto:dw@example.cn"' in html and 'href="tel:0555-3210123"' in html


DESTINATION_PARTS = [
    "java", "script", "vb", "data", ":", "&#x61;", "&#58;", "&colon;", "&Tab;", "&#10;", "\\", "%0a", "\t", " ", "\x01",
    "JAVA", "alert(1)", "/", "//", "#", "&amp;", "text/html,", "<", ">", "http", "a.pdf", "\u3000",
]  # fmt: skip
FORMS = ["[x]({})", "[x](<{}>)", "<{}>", "[x][r]\n\n[r]: {}", "[x][r]\n\n[r]: <{}>", "![x]({})"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DESTINATION_PARTS), min_size=1, max_size=8), st.sampled_from(FORMS))
def test_no_spelling_puts_an_unsafe_url_into_the_page(parts, form):
    html, _, problems = render(form.format("".join(parts)), {"2026/a.pdf"})
    if problems:
        return  # refused: the item is not published
    for value in re.findall(r'(?:href|src)="([^"]*)"', html):
        url = html_module.unescape(value)
        assert urlsplit(url).scheme in ("", "http", "https", "mailto", "tel"), url
        assert not url.lstrip("".join(map(chr, range(33)))).startswith(("//", "/", "\\"))


def test_links_to_files_keep_fragments_and_encode_special_names():
    files = {"2026/a#b.pdf", "2026/表 1.pdf", "2026/t.pdf"}
    html, used, problems = render("[x](a%23b.pdf) [y](<表 1.pdf>) [z](t.pdf#page=2) [w](t.pdf)", files)
    assert problems == []
    assert 'href="files/2026/a%23b.pdf"' in html
    assert 'href="files/2026/%E8%A1%A8%201.pdf"' in html
    assert 'href="files/2026/t.pdf#page=2"' in html
    assert used == ("2026/a#b.pdf", "2026/表 1.pdf", "2026/t.pdf")


def test_scriptable_files_cannot_be_linked_or_shown():
    _, used, problems = render(
        "[页](page.html)\n\n![图](x.xhtml)\n\n[脚本](a.JS)", {"2026/page.html", "2026/x.xhtml", "2026/a.JS"}
    )
    assert [p.line for p in problems] == [10, 12, 14] and used == ()
    assert all("不能发布" in p.message and "PDF" in p.message for p in problems)


# --- what Python-Markdown did and cmark-gfm must still do ---


def test_inline_raw_html_and_comments_are_text_too():
    html, _, problems = render("甲<b onclick=x>粗</b>乙 <!-- 注 --> <img src=x onerror=alert(1)>")
    assert problems == []
    assert html == "<p>甲&lt;b onclick=x&gt;粗&lt;/b&gt;乙 &lt;!-- 注 --&gt; &lt;img src=x onerror=alert(1)&gt;</p>"


def test_tables_fenced_code_and_separate_lists():
    body = "| 项目 | 金额 |\n|---|--:|\n| 党费 | 100 |\n\n```\n<script>x</script>\n```\n\n1. 一\n2. 二\n\n- 甲\n- 乙"
    html, _, problems = render(body)
    assert problems == []
    assert "<table>" in html and '<td align="right">100</td>' in html
    assert "<pre><code>&lt;script&gt;x&lt;/script&gt;\n</code></pre>" in html
    assert "<ol>\n<li>一</li>\n<li>二</li>\n</ol>\n<ul>\n<li>甲</li>" in html
    assert "~~" in render("~~不是删除线~~")[0] and re.sub("<[^>]+>", "", render("www.gov.cn")[0]) == "www.gov.cn"


# --- bounded: linear time in cmark, a depth limit for what reads the page afterwards ---


def test_a_400_deep_list_is_a_clear_error_not_a_traceback():
    body = "开头\n\n" + "".join("  " * level + "- 层\n" for level in range(400))
    html, used, problems = render(body)
    assert html == "" and used == ()
    assert len(problems) == 1 and "嵌套太深" in problems[0].message and problems[0].line >= 12


def test_moderate_nesting_is_fine():
    body = "".join("  " * level + "- 层\n" for level in range(15)) + "\n> > > **粗*斜*[链](https://x.cn)**"
    html, _, problems = render(body)
    assert problems == [] and html.count("<ul>") == 15 and html.count("<blockquote>") == 3


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pathological_pattern_gives_html_or_a_problem(name):
    body = PATTERNS[name](100_000)
    html, _, problems = BodyRenderer().render(body, "", frozenset(), "c/a.md", 1)
    assert html or problems
    assert all(p.path == "c/a.md" and p.line >= 1 and p.message for p in problems)


def test_pathological_bodies_through_the_whole_build(tmp_path):
    """The issue's cases end to end: 30,000 `[` publish as text; a 400-deep list is one `file:line` error."""
    deep = "".join("  " * level + "- 层\n" for level in range(400))
    paths = make_site(tmp_path, {"a.md": item(body="[" * 30_000), "b.md": item(body="正文\n\n" + deep)})
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    with pytest.raises(Problems) as failure:
        run(snapshot, Options(day=date(2026, 11, 20), posters=False))
    (problem,) = failure.value.problems
    # the list starts on line 9; its 20th level (line 28) is the first deeper than 40 levels of the tree
    assert problem.path.endswith("content/b.md") and problem.line == 28 and "嵌套太深" in problem.message
    paths = make_site(tmp_path / "ok", {"a.md": item(body="[" * 30_000)})
    site = run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=date(2026, 11, 20), posters=False))
    assert "[" * 30_000 in dict(site.outputs)["public/items/a.html"].decode()
