"""Turns one site's rendered item pages into its search index: Pagefind's files, in memory, for `pagefind/`.

Pagefind's extended build (the `pagefind_extended` binary shipped in the `pagefind-bin-extended` wheel)
segments Chinese with a dictionary when indexing; the browser runs its WebAssembly search over the
index chunks it fetches, so search needs no server of ours and no network. We speak its service
protocol (base64 JSON messages ending in a comma, over stdin and stdout) directly and synchronously:
the `pagefind` wrapper on PyPI polls every 100 ms per message, caps a reply at 2 MiB and writes the
bundle to disk when its context closes, where here nothing may be written before the leak scan."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

import jinja2

from gongkai.problems import Problem, Problems
from gongkai.rendering.templates import fingerprint, href

if TYPE_CHECKING:
    from gongkai.rendering.site import SitePages

Output = tuple[str, bytes]
FOLDER = "pagefind"  # the bundle's folder in each site; pagefind.js finds its files beside itself
SIGNATURE = b"pagefind_dcd"  # what a decompressed index file starts with
# Pagefind's own search interfaces and the highlighter: our search page draws its results itself.
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.js", "playground/")
_PROBLEM_PATH = "requirements.txt"  # a failure here is the installation's, not the content's


@dataclass(frozen=True)
class SearchIndex:
    """A site's index files (paths inside the site). Reuse is the build state's: the index is planned with the
    keys of the pages it is made from (planning.py), so Pagefind runs only when one of them changed."""

    files: tuple[Output, ...]


def render_search_page(site: SitePages) -> list[Output]:
    """The search page and its script and stylesheet (fingerprinted, as style.css is), paths inside the site."""
    assets = {}
    for name in ("search.js", "search.css"):
        try:
            data = site.env.loader.get_source(site.env, name)[0].encode("utf-8")  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            path = f"{site.env.globals['templates_root']}/{name}"
            raise Problems([Problem(path, 1, f"找不到模板“{name}”。请恢复 templates/ 中的这个文件。")]) from None
        stem, suffix = name.split(".")
        assets[suffix] = (f"assets/{stem}.{fingerprint(data)}.{suffix}", data)
    page = site.page(
        "search.html", "search.html", search_js=assets["js"][0], search_css=assets["css"][0], index=f"{FOLDER}/pagefind.js"
    )
    return [page, *assets.values()]


def item_pages(site: SitePages, files: Sequence[Output]) -> list[Output]:
    """The pages a site's index is made from: every item page it has, withdrawn notices and archive too."""
    wanted = {shown.item.page_path for shown in site.view.everything}
    return [(path, data) for path, data in files if path in wanted]


def index_site(pages: Sequence[Output]) -> SearchIndex:
    """The index of `pages` (item pages: site path -> rendered HTML). Costly (the dictionary Pagefind loads for Chinese alone takes about 0.6 s): planned so that it
    runs only when an item page changed."""
    pages = sorted(pages)
    files = _pagefind([(href(path), html.decode("utf-8")) for path, html in pages])
    kept = sorted((f"{FOLDER}/{path}", data) for path, data in files.items() if not path.startswith(_UNUSED))
    return SearchIndex(tuple(kept))


def readable(files: Sequence[Output]) -> list[Output]:
    """Index files as the leak scanner reads them: decompressed, the signature removed; a fragment (one
    page's text, title and address) as the JSON document it is, under a .json name."""
    readable = []
    for path, data in files:
        if path.endswith((".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")):
            data = gzip.decompress(data)
            data = data[len(SIGNATURE) :] if data.startswith(SIGNATURE) else data
            if path.endswith(".pf_fragment"):
                # Pagefind cuts Chinese into words with zero-width spaces: joined again, passages match.
                data = data.replace("\u200b".encode(), b"").replace(b"\\u200b", b"")
                path += ".json"
        readable.append((path, data))
    return readable


def pagefind_version() -> str:
    """The installed Pagefind's version: another version makes other index files."""
    try:
        return metadata.version("pagefind-bin-extended")
    except metadata.PackageNotFoundError:
        raise _failure("没有安装 Pagefind（pagefind-bin-extended）") from None


def _executable() -> str:
    try:
        from pagefind_bin_extended import get_executable  # here: a missing install is reported, not raised
    except ImportError:
        raise _failure("没有安装 Pagefind（pagefind-bin-extended）") from None
    return str(get_executable())


def _pagefind(pages: list[tuple[str, str]]) -> dict[str, bytes]:
    """Pagefind's bundle for `pages` (URL relative to the site root, HTML), file path -> bytes, nothing on disk."""
    try:
        process = subprocess.Popen(
            [_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError as error:
        raise _failure(f"无法启动 Pagefind（{error.strerror}）") from None
    assert process.stdin is not None and process.stdout is not None
    service = _Service(process)
    try:
        index = service.ask({"type": "NewIndex", "config": {"force_language": "zh-cn"}})["index_id"]
        for url, html in pages:
            service.ask({"type": "AddFile", "index_id": index, "url": url, "file_contents": html, "file_path": None})
        files = service.ask({"type": "GetFiles", "index_id": index})["files"]
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {f["path"]: base64.b64decode(f["content"]) for f in files}


class _Service:
    """One Pagefind process: a request, then its answer, in turn (each answer is small but the last)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process, self.sent, self.buffer = process, 0, b""

    def ask(self, payload: dict[str, object]) -> dict:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode()
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise _failure("Pagefind 意外退出") from None
        while b"," not in self.buffer:
            chunk = self.process.stdout.read1(1 << 20)
            if not chunk:
                raise _failure("Pagefind 意外退出")
            self.buffer += chunk
        answer, _, self.buffer = self.buffer.partition(b",")
        reply = json.loads(base64.b64decode(answer))["payload"]
        if reply.get("type") == "Error":
            raise _failure(f"Pagefind 报错：{reply.get('message', '')}")
        return reply


def _failure(what: str) -> Problems:
    message = f"生成站内搜索索引失败：{what}。输出目录保持不变。请运行 make site 重新安装依赖，或联系维护人员。"
    return Problems([Problem(_PROBLEM_PATH, 1, message)])
