"""Every place a content path becomes a URL links to the file itself, whatever characters its name holds."""

from __future__ import annotations

import json
import posixpath
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import yaml

from gongkai import leaks
from gongkai.model import Audience
from gongkai.pipeline import Options, run
from gongkai.rendering.posters import poster_sources
from gongkai.rendering.templates import href, linker
from tests.scratch import CONFIG, item
from tests.strategies import snapshot

# Characters that end a URL path (# ?), start an escape (%), or need one (space, non-ASCII).
ODD = "第1#号?50% 附"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [value for name, value in attrs if name in ("href", "src") and value is not None]


def _target(base: str, ref: str) -> str:
    """The output file a relative link from a file at `base` opens, as a browser resolves it."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(urlsplit(ref).path)))


def test_linker_encodes_every_reserved_character():
    assert linker("items/a/b.html")("files/a#1?b%c d.pdf") == "../../files/a%231%3Fb%25c%20d.pdf"
    assert href("items/第1.html") == "items/%E7%AC%AC1.html"


def test_odd_file_names_are_linked_as_themselves():
    body = f"![图]({href(f'图{ODD}.svg')})\n\n[附件第二页]({href(f'附件{ODD}.pdf')}#page=2)\n"
    content = {
        f"n/{ODD}.md": item(attachments=[f"附件{ODD}.pdf"], body=body).encode(),
        f"n/附件{ODD}.pdf": b"%PDF-1.4",
        f"n/图{ODD}.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    }
    config = {**CONFIG, "kiosk": {"audience": "public"}, "boards": {"lobby": {"title": "公开栏"}}}
    shot = replace(snapshot(()), content=content, config=yaml.safe_dump(config, allow_unicode=True).encode())
    result = run(shot, Options(day=date(2026, 11, 20), posters=False))
    outputs = dict(result.outputs)
    assert f"public/items/n/{ODD}.html" in outputs and f"public/files/n/附件{ODD}.pdf" in outputs

    checked = 0
    for path, data in outputs.items():
        # The 404 pages link through <base href="/public/">: served at any depth, they are not relative to a place.
        if not path.endswith(".html") or path.startswith("posters/") or path.endswith("/404.html"):
            continue
        parser = _Refs()
        parser.feed(data.decode("utf-8"))
        for ref in parser.refs:
            if not urlsplit(ref).scheme:
                assert _target(path, ref) in outputs, (path, ref)
                checked += ODD in unquote(ref)
    assert checked >= 6  # the item from home, category and its own page; its attachment; the body's image and link

    item_page = outputs[f"public/items/n/{ODD}.html"].decode("utf-8")
    assert f"{href(f'附件{ODD}.pdf')}#page=2" in item_page  # the writer's fragment is kept after the encoded name

    for site in ("public", "internal"):
        (record,) = json.loads(outputs[f"{site}/items.json"])["items"]
        assert posixpath.join(site, unquote(record["url"])) in outputs and "#" not in record["url"]
        (attachment,) = record["attachments"]
        assert posixpath.join(site, unquote(attachment["url"])) in outputs

    (slide,) = json.loads(outputs["kiosk/slides.json"])["slides"]
    parser = _Refs()
    parser.feed(slide["body"])
    assert len(parser.refs) == 2 and all(_target("kiosk/index.html", ref) in outputs for ref in parser.refs)

    views = {audience: result.views[audience] for audience in Audience}
    (source,) = poster_sources(result.config, views, shot.templates, "templates", "", shot.content)
    (url,) = source.qr_urls
    assert url == f"https://example.cn/dw/{href(f'items/n/{ODD}.html')}"


def test_the_leak_scan_reads_an_encoded_hash_as_part_of_the_name():
    shot = replace(
        snapshot(()), content={"n/a.md": item(scope="internal", attachments=["附件#1.pdf"]).encode(), "n/附件#1.pdf": b"%PDF"}
    )
    result = run(shot, Options(day=date(2026, 11, 20), posters=False))
    markers = leaks.forbidden(result.items, Audience.PUBLIC, result.day)
    hostile = f'<a href="../{href("files/n/附件#1.pdf")}">下载</a>'.encode()
    (problem,) = leaks.scan([("public/index.html", hostile)], markers, "公开输出", lambda: "")
    assert problem.path == "content/n/a.md" and "files/n/附件#1.pdf" in problem.message
