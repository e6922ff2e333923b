from gongkai.parsing.text import decode, split_front_matter


def test_bom_and_crlf_are_normalised():
    problems = []
    assert decode("\ufeff---\r\ntitle: 标题\r\n".encode(), "a.md", problems) == "---\ntitle: 标题\n"
    assert problems == []


def test_gbk_is_recognised_and_line_given():
    problems = []
    data = b"---\ntitle: ok\n" + "标题: 党费\n".encode("gbk")
    assert decode(data, "a.md", problems) is None
    assert problems[0].line == 3
    assert "GBK" in problems[0].message


def test_binary_is_not_called_gbk():
    problems = []
    assert decode(b"\xff\xfe\x00\x00", "a.md", problems) is None
    assert "GBK" not in problems[0].message


def test_front_matter_lines():
    front = split_front_matter("---\ntitle: x\nscope: public\n---\n正文第一行\n", "a.md", [])
    assert front.yaml == "title: x\nscope: public"
    assert front.yaml_offset == 1
    assert front.body == "正文第一行\n"
    assert front.body_line == 5
