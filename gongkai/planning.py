"""Turns each audience's view, the config and the templates into every output planned: its name, the key
naming the inputs it is rendered from, and how to render it (state.py decides what is rendered)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from gongkai.incremental import digest
from gongkai.model import Audience, Config, Item
from gongkai.rendering.kiosk import render_kiosk
from gongkai.rendering.qr import qr_svg
from gongkai.rendering.records import render_records
from gongkai.rendering.search import FOLDER, index_site, item_pages, pagefind_version, readable, render_search_page
from gongkai.rendering.server import render_server
from gongkai.rendering.site import Records, SitePages, json_index, sections
from gongkai.state import Output, Planned, State
from gongkai.visibility import Shown, View, carried_by, next_change

KIOSK = "kiosk"


class Prints:
    """Each item's fingerprints, computed once per build: `of` everything it holds (its own page, the kiosk),
    `row` what a list can show of it. Lists never show the text (nor its review hash, which follows the
    text) unless a template names them: a body edit then redraws only the item's own pages."""

    def __init__(self, templates: Mapping[str, str], last: Mapping[str, tuple[Item, dict[bool, str]]] | None = None) -> None:
        self._texts_listed = any(name in source for source in templates.values() for name in _TEXT_FIELDS)
        # By item id: the item as fingerprinted and its fingerprints (row or whole). `last`: the last build's, which
        # serve keeps: an item equal to the one remembered (its unchanged fields are the very same objects, so
        # comparing costs little) is not printed again; `now`: this build's, for the next.
        self.last = last or {}
        self.now: dict[str, tuple[Item, dict[bool, str]]] = {}

    def of(self, item: Item | None, row: bool = False) -> str:
        if item is None:
            return "-"
        known = self.now.get(item.id)
        if known is None or not _alike(known[0], item):
            remembered = self.last.get(item.id)
            known = (item, dict(remembered[1]) if remembered is not None and _alike(remembered[0], item) else {})
            self.now[item.id] = known
        printed = known[1].get(row)
        if printed is None:
            shown = repr(tuple(getattr(item, name) for name in _ROW_FIELDS)) if row else repr(item)
            printed = known[1][row] = digest(shown)
        return printed

    def rows(self, shown: Iterable[Shown], texts: bool = False) -> str:
        """The rows of a list; `texts`: the list shows each item's text (the kiosk's slides do)."""
        row = not (texts or self._texts_listed)
        return digest(*(f"{self.of(s.item, row)}{int(s.full)}" for s in shown))


_TEXT_FIELDS = ("body_html", "review_hash")
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(Item) if f.name not in _TEXT_FIELDS)
_FIELDS = tuple(f.name for f in dataclasses.fields(Item))
# Values of these exact types print alike when equal (not float: -0.0 == 0.0; not datetime: its time zone; not a
# dict: its order), so an equal one may stand for the other in a fingerprint. Any other field must be the very
# same object.
_PLAIN = (str, int, bool, date)


def _alike(old: Item, new: Item) -> bool:
    """Whether `new` has the fingerprints of `old`: each field the same object, or an equal plain value."""
    if old is new:
        return True
    for name in _FIELDS:
        a, b = getattr(old, name), getattr(new, name)
        if a is not b and not (type(a) is type(b) and type(a) in _PLAIN and a == b):
            return False
    return True


@dataclass(frozen=True)
class Sources:
    """What every output is rendered from."""

    config: Config
    day: date
    items: tuple[Item, ...]
    views: Mapping[Audience, View]
    sites: Mapping[Audience, SitePages]
    records: Records
    templates: Mapping[str, str]
    templates_root: str
    files: Mapping[str, bytes]  # the content folder's files (attachments)


def plan_outputs(sources: Sources, last: State, prints: Prints) -> list[Planned]:
    """Both sites, the kiosk and the server's configuration (the search index follows the pages: plan_search)."""
    plans = []
    for audience, site in sources.sites.items():
        records = sources.records if audience is Audience.INTERNAL else None
        plans += _plan_site(audience, site, sources.files, records, prints)
    plans.append(_plan_kiosk(sources, prints, last))
    config, templates, root = sources.config, sources.templates, sources.templates_root
    server_key = digest("server", repr(config), *(part for pair in sorted(templates.items()) for part in pair))
    plans.append(Planned("server", server_key, lambda: render_server(config, templates, root), None))
    return plans


def _plan_site(
    audience: Audience, site: SitePages, files: Mapping[str, bytes], records: Records | None, prints: Prints
) -> list[Planned]:
    """One audience's pages: each with the rows it shows (list pages), or its item and the items it links to."""
    view, config = site.view, site.config
    prefix = f"{audience.value}/"
    plans: list[Planned] = []

    def add(name: str, key: str, render: Callable[[], list[Output]], slow: bool = False) -> None:
        def rendered() -> list[Output]:
            return [(prefix + path, data) for path, data in render()]

        plans.append(Planned(prefix + name, digest(site.key, name, key), rendered, audience, slow=slow))

    def page(path: str, template: str, **context: object) -> Callable[[], list[Output]]:
        return lambda: [site.page(path, template, **context)]

    add(site.stylesheet, "", lambda: [(site.stylesheet, site.css)])
    withdrawn = sum(1 for s in view.current if not s.full)
    home = lambda: [  # noqa: E731
        site.page(
            "index.html", "home.html", sections=sections(view, config), count=len(view.current) - withdrawn, withdrawn=withdrawn
        )
    ]
    add("index.html", prints.rows(view.current), home)
    # A page for any other address, wired into nginx (error_page): served at any depth, it links from the root.
    add("404.html", "", page("404.html", "404.html", base=f"/{view.audience.value}/"))
    # Each category's rows, found once (View.in_category looks through every item each time).
    by_category: dict[str, list[Shown]] = {}
    for s in view.current:
        by_category.setdefault(s.item.category, []).append(s)
    for entry in site.listed:
        shown = tuple(by_category.get(entry.key, ()))
        add(
            f"categories/{entry.key}.html",
            prints.rows(shown),
            page(f"categories/{entry.key}.html", "category.html", entry=entry, shown=shown),
        )
    for group in site.groups:
        entries = tuple((entry, tuple(by_category.get(entry.key, ()))) for entry in group.entries)
        key = digest(*(prints.rows(shown) for _, shown in entries))
        add(group.page_path, key, page(group.page_path, "group.html", group=group, entries=entries))
    for item, notice in view.notices:
        add(
            item.page_path,
            digest(prints.of(item), repr(notice)),
            lambda item=item, notice=notice: [site.notice_page(item, notice)],
        )
    attachments: dict[str, tuple[str, str]] = {}
    for shown in view.everything:
        item = shown.item
        related = (site.visible.get(item.reopens), *sorted(site.reopened_by.get(item.id, []), key=lambda o: o.id))
        correction, corrects, stages = site.relations.of_item(item)
        linked = (*related, correction, *corrects, *stages)
        key = digest(prints.of(item), str(shown.full), *(prints.of(other) for other in linked))
        add(item.page_path, key, lambda shown=shown: [site.item_page(shown)])
        if shown.full:
            attachments |= {a.output_path: (a.source, a.sha256) for a in item.attachments}
    for path, (source, sha) in sorted(attachments.items()):
        add(path, digest(source, sha or digest(files[source])), lambda path=path, source=source: [(path, files[source])])
    if view.audience is Audience.INTERNAL:
        add("catalog.html", "", page("catalog.html", "catalog.html"))
        add("archive.html", prints.rows(view.archive), page("archive.html", "archive.html", shown=view.archive))
        if records is not None:
            key = digest(repr(records.report.catalog), repr(records.report.departments), repr(records.report.findings))
            key = digest(key, repr(records.report.requests), prints.rows(Shown(i, True) for i in records.report.items))
            key = digest(key, repr(records.rows))
            add("records", key, lambda: render_records(records.report, records.rows, config, site.page), slow=True)
    add("items.json", prints.rows(view.everything), lambda: [("items.json", json_index(view, config))], slow=True)
    add("search", "", lambda: render_search_page(site))
    return plans


def _plan_kiosk(sources: Sources, prints: Prints, last: State) -> Planned:
    """The lobby screen: its slides (the rows it shows), the day and its next change, config and templates."""
    config = sources.config
    seen = sources.views[config.kiosk.audience]
    shown = seen.only(config.kiosk.categories, carried_by(config.catalog, "kiosk"))
    change = next_change(sources.items, seen.audience, seen.day)
    templates = [v for _, v in sorted(sources.templates.items())]
    key = digest(KIOSK, repr(config), seen.day.isoformat(), repr(change), prints.rows(shown.current, texts=True), *templates)

    def render() -> list[Output]:
        qr = _remembered_codes(last)
        return render_kiosk(config, seen, sources.templates, sources.files, sources.templates_root, qr)

    return Planned(KIOSK, key, render, seen.audience, slow=True)


def _remembered_codes(last: State) -> Callable[[str], str]:
    """QR codes by address, as the last kiosk drew them: a code depends only on its address, and drawing one
    costs ~5 ms (10 s for a large kiosk). Read from the last slides as data; anything unexpected is drawn again."""
    data = last.held.get("kiosk/slides.json") or last.previous_bytes("kiosk/slides.json")
    codes: dict[str, str] = {}
    try:
        slides = json.loads(data)["slides"] if data else []
        codes = {s["link"]: s["qr"] for s in slides if isinstance(s.get("link"), str) and isinstance(s.get("qr"), str)}
    except (ValueError, KeyError, TypeError, AttributeError):
        codes = {}

    def qr(url: str) -> str:
        code = codes.get(url)
        return code if code is not None and code == code.strip() and code.startswith("<svg") else qr_svg(url)

    return qr


def plan_search(sites: Mapping[Audience, SitePages], plans: Sequence[Planned], files: Sequence[Output]) -> list[Planned]:
    """Each site's search index, made from its item pages as rendered: keyed by those pages' keys."""
    keys = {plan.name: plan.key for plan in plans}
    by_path = dict(files)
    indexes = []
    for audience, site in sites.items():
        prefix = f"{audience.value}/"
        wanted = sorted(prefix + s.item.page_path for s in site.view.everything)
        key = digest("search", pagefind_version(), *(part for path in wanted for part in (path, keys[path])))

        def render(site: SitePages = site, prefix: str = prefix, wanted: list[str] = wanted) -> list[Output]:
            pages = item_pages(site, [(path[len(prefix) :], by_path[path]) for path in wanted])
            return [(prefix + path, data) for path, data in index_site(pages).files]

        def scanned(outputs: Sequence[Output], prefix: str = prefix) -> list[Output]:
            inside = [(path[len(prefix) :], data) for path, data in outputs]
            return [(prefix + path, data) for path, data in readable(inside)]

        indexes.append(Planned(f"{prefix}{FOLDER}", key, render, audience, scanned))
    return indexes
