"""Turns what each wall board's audience sees into a print-ready PDF poster, rendered with WeasyPrint."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from gongkai.model import Audience, Board, Config
from gongkai.problems import Problem
from gongkai.rendering.capacity import oversized_images, too_large
from gongkai.rendering.qr import qr_svg
from gongkai.rendering.sheets import breakable, runs
from gongkai.rendering.site import sections
from gongkai.rendering.templates import environment, href, render
from gongkai.visibility import View, carried_by

# Resources of a poster resolve against this made-up origin, and only files inside content/ are served
# from it: a poster can never make a request to the network.
CONTENT_ORIGIN = "https://content.gongkai.invalid/"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PosterSource:
    board: Board
    view: View
    html: str  # QR codes stand in as placeholders: drawing 60 of them costs 0.3 s, which a cache hit should not pay
    qr_urls: tuple[str, ...]
    key: str  # hash of everything the PDF depends on: the HTML (items, config, templates), QR URLs, fonts, WeasyPrint

    def complete_html(self) -> str:
        """The HTML handed to WeasyPrint: with break opportunities in long runs, and the QR codes drawn."""
        html = breakable(self.html)
        for n, url in enumerate(self.qr_urls):
            html = html.replace(_placeholder(n), qr_svg(url))
        return html

    @property
    def path(self) -> str:
        return f"posters/{self.board.key}.pdf"


def poster_sources(
    config: Config,
    views: Mapping[Audience, View],
    templates: Mapping[str, str],
    root: str,
    fonts: str,
    files: Mapping[str, bytes],
) -> list[PosterSource]:
    """What each board's PDF is drawn from. `files`: the content folder, whose images the posters embed."""
    env = environment(templates, root)
    css = templates["poster.css"]
    feedback = config.site.feedback
    channels = [
        f"意见箱：{feedback.mailbox}" if feedback.mailbox else "",
        f"监督电话：{feedback.phone}" if feedback.phone else "",
    ]
    channels.append(f"电子邮箱：{feedback.email}" if feedback.email else "")
    sources = []
    for board in config.boards:
        seen = views[board.audience].only(
            board.categories, carried_by(config.catalog, "boards")
        )  # exactly what its audience sees, in its categories
        base = config.site.public_url if board.audience is Audience.PUBLIC else config.site.internal_url
        # A QR code leads to the item's page, so only where the board's site has it (an entry may skip `sites`).
        online = carried_by(config.catalog, "sites") if board.audience is Audience.PUBLIC else None
        linked = [s for s in seen.current if base and (online is None or s.item.category in online)]
        urls = tuple(f"{base}/{href(s.item.page_path)}" for s in linked)
        qr = {s.item.id: "" for s in seen.current} | {s.item.id: _placeholder(n) for n, s in enumerate(linked)}
        html = render(
            env, "poster.html", board=board, site=config.site, day=seen.day, css=css, count=len(seen.current),
            runs=runs(sections(seen, config), board), qr=qr, bodies={s.item.id: s.item.body_html for s in seen.current},
            feedback_line="　".join(c for c in channels if c),
        )  # fmt: skip
        # The HTML names the images it embeds, not their bytes: a replaced image must redraw the poster too.
        embedded = [
            f"{a.source}:{hashlib.sha256(files[a.source]).hexdigest()}"
            for s in seen.current
            if s.full
            for a in s.item.attachments
            if not a.listed and a.source in files
        ]
        key = hashlib.sha256("\0".join((html, *urls, *embedded, fonts, _weasyprint_version())).encode()).hexdigest()
        sources.append(PosterSource(board, seen, html, urls, key))
    return sources


def render_posters(
    sources: list[PosterSource],
    files: Mapping[str, bytes],
    previous: Mapping[str, tuple[str, bytes]],
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[list[tuple[str, bytes]], list[Problem], list[Problem]]:
    """PDFs for every board, reusing the previous build's PDF when its key is unchanged. A board showing an item
    that no board could hold, or an image too large to decode, is refused before any layout. `checkpoint` is
    called before each board is drawn (it may raise: serve abandons a build a newer save supersedes).
    Returns (outputs, errors, warnings)."""
    outputs, errors, warnings = [], [], []
    fonts = None
    for source in sources:
        shown = [s.item for s in source.view.current if s.full]
        if refused := too_large(shown, source.board, files) + oversized_images(shown, files):
            errors.extend(refused)
            continue
        cached = previous.get(source.board.key)
        if cached and cached[0] == source.key:
            outputs.append((source.path, cached[1]))
            continue
        if checkpoint is not None:
            checkpoint()
        # Imported only when a poster is drawn: WeasyPrint takes 0.4 s to import, more than a site build.
        from weasyprint.text.fonts import FontConfiguration

        fonts = fonts or FontConfiguration()  # one per run: loading fonts is the expensive part
        started = time.monotonic()
        with _weasyprint_messages() as messages:
            document = lay_out(source, files, fonts)
            pdf = document.write_pdf()
        errors.extend(_missing_glyphs(source, messages))
        errors.extend(_overflowing(source, document))
        warnings.extend(
            Problem(f"posters/{source.board.key}.pdf", 1, f"排版提示：{m}") for m in messages if not m.startswith(".notdef")
        )
        outputs.append((source.path, pdf))
        elapsed = time.monotonic() - started
        if progress and elapsed > 1:
            progress(f"海报 {source.path}：{len(document.pages)} 页，用时 {elapsed:.1f} 秒")
    return outputs, errors, warnings


def lay_out(source: PosterSource, files: Mapping[str, bytes], fonts: Any = None) -> Any:
    """The poster laid out in pages (a WeasyPrint Document), before it is written as a PDF."""
    import weasyprint

    html = weasyprint.HTML(string=source.complete_html(), base_url=CONTENT_ORIGIN, url_fetcher=_content_fetcher(files))
    return html.render(font_config=fonts)


def _placeholder(n: int) -> str:
    return f'<i class="qr-code" data-n="{n}"></i>'


def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


def _content_fetcher(files: Mapping[str, bytes]) -> object:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ContentFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            prefix = CONTENT_ORIGIN + "files/"
            if url.startswith(prefix) and (path := unquote(url[len(prefix) :])) in files:
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=files[path], headers={"Content-Type": kind})
            raise ValueError(f"海报只能使用 content/ 中的文件，不能加载 {url}")

    return ContentFetcher()


@contextmanager
def _weasyprint_messages() -> Iterator[list[str]]:
    """WeasyPrint only logs problems (a missing glyph is a warning); collect them so the build can act."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _missing_glyphs(source: PosterSource, messages: list[str]) -> list[Problem]:
    """Tofu on a printed notice is an error: name the item (or the config) and the character."""
    problems = []
    for message in messages:
        if not message.startswith(".notdef") or "(U+" not in message:
            continue
        codepoint = int(message.rsplit("(U+", 1)[1].rstrip(")"), 16)
        char = chr(codepoint)
        text = f"字符“{char}”（U+{codepoint:04X}）在海报字体中没有，印出来会是方框。请换成常用字，或删去。"
        culprits = [
            s.item
            for s in source.view.current
            if any(
                char in t
                for t in (
                    s.item.title,
                    s.item.body_html,
                    s.item.summary,
                    s.item.withdrawn_reason,
                    s.item.issuer,
                    s.item.doc_number,
                )
            )
        ]
        problems.extend(Problem(i.source, i.line, f"{text}（公开栏“{source.board.title}”）") for i in culprits)
        if not culprits:
            problems.append(Problem("site_config.yaml", 1, text))
    return problems


# Less than this much past its column is rounding; more is content a printed sheet loses (CSS px, 1/96 inch).
_TOLERANCE = 1.0


def _overflowing(source: PosterSource, document: Any) -> list[Problem]:
    """Content pushed past its column or the page is cut off on paper: an error naming the item, never a
    silently shorter notice. Found from WeasyPrint's laid-out boxes: every box inside an item's <article> must
    lie within the article's width (a column's) and above the page's bottom margin."""
    worst: dict[str, tuple[float, int]] = {}  # item id -> (largest overflow in px, first page it occurs on)
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        bottom = box.margin_top + box.height
        stack: list[tuple[Any, Any]] = [(box, None)]
        while stack:  # iterative: a long table is thousands of boxes deep in rows and cells
            current, article = stack.pop()
            element = getattr(current, "element", None)
            if getattr(current, "element_tag", None) == "article" and element is not None and element.get("data-item"):
                article = current
            elif article is not None and isinstance(getattr(current, "width", None), (int, float)):
                # Border boxes: margins may legitimately hang past a column or a page break, ink may not.
                left = current.position_x + current.margin_left
                top = current.position_y + current.margin_top
                column_left = article.position_x + article.margin_left
                past = max(
                    left + current.border_width() - (column_left + article.border_width()),
                    column_left - left,
                    top + current.border_height() - bottom,
                )
                if past > _TOLERANCE:
                    key = article.element.get("data-item")
                    previous = worst.get(key, (0.0, number))
                    worst[key] = (max(previous[0], past), previous[1])
            stack.extend((child, article) for child in getattr(current, "children", None) or ())
    items = {s.item.id: s.item for s in source.view.current}
    problems = []
    for key, (past, number) in sorted(worst.items()):
        item = items[key]
        message = (
            f"公开栏“{source.board.title}”的海报第 {number} 页：这个事项有内容超出版面约 {past * 25.4 / 96:.0f} 毫米，"
            "打印时会被截掉。常见原因是很宽的表格或很大的图片：请把表格拆成几张窄表、缩小图片，或把原件作为附件。"
        )
        problems.append(Problem(item.source, item.line, message))
    return problems
