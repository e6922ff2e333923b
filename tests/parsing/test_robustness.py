"""Nothing crashes on any input file: every content file, however broken, gives problems or an item."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from tests.strategies import snapshot

FRAGMENTS = [
    "---\n", "title: 标题\n", "category: notice\n", "scope: public\n", "valid_from: 2026-11-15\n", "valid_until: 2026-13-01\n",
    "status: withdrawn\n", "attachments: [a.pdf]\n", "attachments:\n  - ../../x\n", "pinned: 7\n", "extra: [1, 2\n", "feedback:\n  - date: x\n",
    "reopens: nowhere\n", "public_from: 2026-11-16\n", ": :\n", "- a\n", "!!python/object:os.system x\n", "&a [*a]\n", "\t\n", "正文 ![x](http://a/b.png)\n",
    "<script>alert(1)</script>\n", "[链接](../../../etc/passwd)\n", "\ufeff", "\r\n", "body: |\n  x\n", "? [a]\n: b\n",
]  # fmt: skip

files = st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(lambda parts: "".join(parts).encode("utf-8")),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=200, deadline=None)
@given(files, st.sampled_from(["a.md", "b.yaml", "requests/r.yaml", "deep/c.md"]))
def test_any_file_gives_problems_or_a_build(data, name):
    shot = snapshot(())
    shot = type(shot)(**{**shot.__dict__, "content": {name: data, "a.pdf": b"%PDF"}})
    try:
        run(shot, Options(day=date(2026, 11, 20), posters=False))
    except Problems as failure:
        for problem in failure.problems:
            assert problem.path.startswith("content/") and problem.line >= 1 and problem.message
