"""Turns one audience's View into a complete static site: pages, a JSON index, the stylesheet and attachments."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gongkai.incremental import digest
from gongkai.model import EVERY_LABELS, Audience, CatalogEntry, Config, Item
from gongkai.rendering.records import RegisterRow
from gongkai.rendering.templates import environment, fingerprint, href, linker, render
from gongkai.supervision import Report
from gongkai.visibility import Notice, Shown, View

Output = tuple[str, bytes]
SITE_NAMES = {Audience.INTERNAL: "党内网站", Audience.PUBLIC: "公开网站"}  # in every tab title


@dataclass(frozen=True)
class Records:
    """What only the internal site shows about the disclosure work itself."""

    report: Report
    rows: tuple[RegisterRow, ...]


@dataclass(frozen=True)
class Group:
    """A catalogue group in the menu, with its entries that this audience has items in. Its page is named after
    the group's first entry in the catalogue: an ASCII name that stays put while the catalogue does."""

    name: str
    key: str
    entries: tuple[CatalogEntry, ...]

    @property
    def page_path(self) -> str:
        return f"groups/{self.key}.html"


@dataclass(frozen=True)
class Relations:
    """What an audience's items link to, limited to its view: never a title it may not see. A correction and
    the withdrawn items it corrects (更正), and the stages of one matter (阶段), in order."""

    visible: Mapping[str, Item]
    corrected: Mapping[str, tuple[Item, ...]]  # correction's id -> the withdrawn items it replaces
    series: Mapping[str, tuple[Item, ...]]  # series key -> its stages this audience sees, in order

    @classmethod
    def of(cls, shown: Iterable[Shown]) -> Relations:
        visible = {s.item.id: s.item for s in shown}
        corrected: dict[str, list[Item]] = {}
        series: dict[str, list[Item]] = {}
        for item in sorted(visible.values(), key=_stage_order):
            if item.replaced_by in visible:
                corrected.setdefault(item.replaced_by, []).append(item)
            if item.series:
                series.setdefault(item.series, []).append(item)
        return cls(visible, {k: tuple(v) for k, v in corrected.items()}, {k: tuple(v) for k, v in series.items()})

    def of_item(self, item: Item) -> tuple[Item | None, tuple[Item, ...], tuple[Item, ...]]:
        """(its correction, the items it corrects, its series when the audience sees more than this stage)."""
        stages = self.series.get(item.series, ()) if item.series else ()
        return self.visible.get(item.replaced_by), self.corrected.get(item.id, ()), stages if len(stages) > 1 else ()


def _stage_order(item: Item) -> tuple:
    return (item.valid_from, item.date, item.id)


@dataclass(frozen=True)
class Section:
    """A catalogue group on the home page with the categories under it that have something to show."""

    group: str
    categories: tuple[tuple[CatalogEntry, tuple[Shown, ...]], ...]


class SitePages:
    """One audience's page renderer: its templates, shared context and links. `serve` keeps it between builds
    to redraw an edited item's page without rebuilding the site."""

    def __init__(self, view: View, config: Config, templates: Mapping[str, str], root: str) -> None:
        # A site shows its carrier's share of the view: the public site only the entries carried on `sites`.
        view = view.on_site(config.catalog)
        self.view, self.config = view, config
        self.listed = view.listed(config.catalog)
        self.env = environment(templates, root)
        self.css = templates["style.css"].encode("utf-8")
        self.stylesheet = f"assets/style.{fingerprint(self.css)}.css"
        internal = view.audience is Audience.INTERNAL
        # Inline: no request, no extra file to deploy; the same few hundred bytes on every page.
        self.favicon = "data:image/svg+xml," + quote(favicon(config.site.title, view.audience), safe="=:/,'")
        self.groups = menu_groups(view, config, self.listed)
        self.common = {
            "site": config.site,
            "config": config,
            "audience": view.audience,
            "internal": internal,
            "day": view.day,
            "stylesheet": self.stylesheet,
            "categories": {e.key: e for e in config.catalog},
            "every_labels": EVERY_LABELS,
            "listed": self.listed,
            "site_name": SITE_NAMES[view.audience],
            "favicon": self.favicon,
            "groups": self.groups,
            "base": "",
        }
        self._linkers: dict[int, Callable[[str], str]] = {}
        # What every page of the site shows: its layout (templates), config, day, audience and menu. (Pages kept by
        # other code are never reused: the build's memory is tied to the code's version.)
        self.key = digest(*sorted(templates.values()), repr(config), view.day.isoformat(), view.audience.value, repr(self.groups))
        # Re-disclosures link both ways, but only to pages this audience has: never a title it may not see.
        self.visible = {s.item.id: s.item for s in view.everything}
        self.reopened_by: dict[str, list[Item]] = {}
        for other in self.visible.values():
            if other.reopens:
                self.reopened_by.setdefault(other.reopens, []).append(other)
        self.relations = Relations.of(view.everything)

    def links(self, page: str) -> Callable[[str], str]:
        """The page's link maker, shared by all pages at its depth: their links are the same strings."""
        depth = page.count("/")
        if depth not in self._linkers:
            self._linkers[depth] = linker(page)
        return self._linkers[depth]

    def page(self, path: str, template: str, **context: Any) -> Output:
        html = render(self.env, template, page=path, url=self.links(path), **(self.common | context))
        return path, html.encode("utf-8")

    def item_page(self, shown: Shown) -> Output:
        item = shown.item
        return self.page(
            item.page_path,
            "item.html",
            shown=shown,
            item=item,
            entry=self.config.entry(item.category),
            body=readable_body(item.body_html.replace('="files/', '="' + self.links(item.page_path)("files/"))),
            reopened_from=self.visible.get(item.reopens),
            reopened_by=self.reopened_by.get(item.id, []),
            relations=self.relations.of_item(item),
        )

    def notice_page(self, item: Item, notice: Notice) -> Output:
        """What stays at the address of an item this audience no longer sees: title, category and the notice."""
        return self.page(item.page_path, "notice.html", item=item, entry=self.config.entry(item.category), notice=notice)


def sections(view: View, config: Config) -> tuple[Section, ...]:
    """Catalogue groups in config order, each with its categories that have current items."""
    sections = []
    for group in config.groups:
        categories = tuple(
            (entry, shown) for entry in config.catalog if entry.group == group and (shown := view.in_category(entry.key))
        )
        if categories:
            sections.append(Section(group, categories))
    return tuple(sections)


def menu_groups(view: View, config: Config, listed: tuple[CatalogEntry, ...]) -> tuple[Group, ...]:
    """The public menu: catalogue groups in config order, each with the entries the site lists (never one that
    can never be public) that the public has or had items in. The internal site has its own menu of records."""
    if view.audience is Audience.INTERNAL:
        return ()
    present = {s.item.category for s in view.current} | {item.category for item, _ in view.notices}
    groups = []
    for name in config.groups:
        members = [e for e in config.catalog if e.group == name]
        if entries := tuple(e for e in members if e.key in present and e in listed):
            groups.append(Group(name, members[0].key, entries))
    return tuple(groups)


# A table in an item's text scrolls inside its own box, never the page; the box can be focused to scroll it
# with the keyboard. cmark writes every table as a bare <table>, and raw HTML never reaches the body as tags.
_TABLE_BOX = '<div class="table-scroll" tabindex="0" role="region" aria-label="表格">'
# Dates and document numbers never break inside themselves: 2026-11-24, 2026年11月24日, 〔2026〕118号.
_UNBREAKABLE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|〔\d{4}〕\d+号")
_TEXT = re.compile(r">([^<]+)<")


def readable_body(html: str) -> str:
    """An item's HTML with each table in a scrolling box and dates and 文号 kept on one line (text only: a
    date inside a link's address stays as it is)."""
    html = html.replace("<table>", _TABLE_BOX + "<table>").replace("</table>", "</table></div>")
    return _TEXT.sub(lambda m: ">" + _UNBREAKABLE.sub(r'<span class="nobreak">\g<0></span>', m.group(1)) + "<", html)


def favicon(title: str, audience: Audience) -> str:
    """The tab's icon: the first character of the site's title in white on the site's red (the internal site's
    darker), drawn with the reader's own fonts (no font is fetched or embedded)."""
    first = (title.strip() or "公")[0]
    fill = "#a4161a" if audience is Audience.PUBLIC else "#5c0d10"
    glyph = first.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{fill}"/>'
        '<text x="32" y="47" font-size="44" font-weight="700" text-anchor="middle" fill="#fff" '
        f'font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif">{glyph}</text>'
        "</svg>"
    )


def json_index(view: View, config: Config) -> bytes:
    relations = Relations.of(view.everything)
    records = [item_record(shown, config, relations) for shown in view.current]
    document = {"site": config.site.name, "audience": view.audience.value, "date": view.day.isoformat(), "items": records}
    # Compact: with indent, json falls back from its C encoder to Python, 10x slower on 10,000 items.
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def item_record(shown: Shown, config: Config, relations: Relations | None = None) -> dict[str, Any]:
    """An item as the JSON indexes and the kiosk describe it; a withdrawn one without text or files, with its
    withdrawal date. `relations`: what the output shows, for links to corrections and stages within it."""
    item: Item = shown.item
    entry = config.entry(item.category)
    record: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "url": href(item.page_path),
        "category": item.category,
        "category_name": entry.name,
        "group": entry.group,
        "department": item.department,
        "issuer": item.issuer,
        "doc_number": item.doc_number,
        "date": item.date.isoformat(),
        "valid_from": item.valid_from.isoformat(),
        "valid_until": item.valid_until.isoformat() if item.valid_until else None,
        "pinned": item.pinned,
        "withdrawn": not shown.full,
    }
    if shown.full:
        record["summary"] = item.summary
        record["attachments"] = [{"name": a.name, "url": href(a.output_path)} for a in item.attachments if a.listed]
    else:
        record["withdrawn_reason"] = item.withdrawn_reason
        record["withdrawn_on"] = item.withdrawn_on.isoformat() if item.withdrawn_on else None
    if item.series:
        record["series"], record["stage"] = item.series, item.stage
    if relations is not None:
        correction, corrects, _ = relations.of_item(item)
        if correction is not None:
            record["replaced_by"] = {"title": correction.title, "url": href(correction.page_path)}
        if corrects:
            record["corrects"] = [{"title": old.title, "url": href(old.page_path)} for old in corrects]
    return record
