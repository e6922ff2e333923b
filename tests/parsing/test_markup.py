from gongkai.parsing.markup import BodyRenderer, resolve_content_path


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
