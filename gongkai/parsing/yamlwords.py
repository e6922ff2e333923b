"""Turns PyYAML's complaints (English, in the parser's terms) into what a clerk reads: what is wrong with the
line, in Chinese, and how to mend it. Clerks have never seen YAML; "mapping values are not allowed here" tells
them nothing, while "a second colon in a value: quote the value" does."""

from __future__ import annotations

# (start of PyYAML's `problem` text, what the clerk reads). The first that matches wins; PyYAML's wording
# has been stable for over a decade (scanner.py, parser.py, composer.py).
_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", "一个值里又出现了英文冒号加空格（“: ”）。请改用中文冒号“：”，或把整个值用英文引号括起来"),
    (
        "could not find expected ':'",
        "缺少英文冒号：请把这一行写成“键: 值”（冒号后空一格）；如果它是多行正文中的一行，请比它的键多缩进两个空格",
    ),
    ("found unexpected end of stream", "引号没有配对：值的开头有英文引号，结尾却没有。请补上引号，或改用中文引号“”"),
    ("found unknown escape character", "双引号里的反斜杠“\\”用法不对。请改用单引号括起这个值，或去掉引号"),
    ("found a tab character", "这一行用了 Tab。请改用英文半角空格缩进，同一层的行要对齐"),
    ("found character '\\t'", "这一行用了 Tab。请改用英文半角空格缩进，同一层的行要对齐"),
    ("found character", "值的开头用了不能放在开头的符号（如 @、`、%）。请把整个值用英文引号括起来"),
    ("found undefined alias", "以 * 开头的值会被当作引用。请把整个值用英文引号括起来"),
    ("second occurrence", "以 & 开头的值会被当作锚点。请把整个值用英文引号括起来"),
    ("found duplicate anchor", "以 & 开头的值会被当作锚点。请把整个值用英文引号括起来"),
    ("did not find expected alphabetic or numeric character", "以 & 或 * 开头的值请用英文引号括起来"),
    ("expected alphabetic or numeric character", "以 & 或 * 开头的值请用英文引号括起来"),
    ("expected chomping or indentation indicators", "“|”或“>”后面不能再写文字：请从下一行开始写正文，每行缩进两个空格"),
    ("expected a comment or a line break", "引号或“|”之后不能再写文字：请把整个值放在引号里，多行的正文从下一行开始写"),
    (
        "did not find expected key",
        "这一行的写法不对：值以英文引号开头时，请把整个值都放在引号里（或改用中文引号）；也请检查缩进是否与上一行对齐",
    ),
    (
        "expected <block end>, but found '<scalar>'",
        "引号结束后还有文字：值以英文引号开头时，请把整个值都放在引号里（或改用中文引号“”）",
    ),
    ("expected ',' or ']'", "方括号 [ ] 没有配对。请补上“]”，或把整个值用英文引号括起来"),
    ("expected ',' or '}'", "花括号 { } 没有配对。请补上“}”，或把整个值用英文引号括起来"),
    ("did not find expected ',' or ']'", "方括号 [ ] 没有配对。请补上“]”，或把整个值用英文引号括起来"),
    ("did not find expected ',' or '}'", "花括号 { } 没有配对。请补上“}”，或把整个值用英文引号括起来"),
    ("did not find expected '-' indicator", "列表的每一项请以“- ”开头，并与上一项对齐"),
    ("did not find expected node content", "这里缺少值：请在冒号或“- ”后面写上内容"),
    ("expected <block end>", "缩进不一致：请让同一层的设置对齐，下一层的多缩进两个空格"),
    ("expected <document start>", "设置写完后还有多余的内容：请检查缩进，或是否多写了一段"),
    ("but found another document", "设置部分里不能再有一行 ---：请删掉多余的那一行"),
    ("expected a single document", "设置部分里不能再有一行 ---：请删掉多余的那一行"),
    ("found unhashable key", "键不能是列表或花括号：请把每行设置写成“键: 值”"),
)

HINT = "请检查：冒号后要有空格，引号要成对，同一层的缩进要对齐，不要用 Tab 缩进"


def in_clerks_words(problem: str | None) -> str:
    """What is wrong and what to do, for PyYAML's `problem` (or `context`) text."""
    text = (problem or "").strip()
    found = next((said for start, said in _PROBLEMS if text.startswith(start)), None)
    return found if found is not None else f"文件开头的设置格式不对。{HINT}"
