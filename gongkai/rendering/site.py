"""Turns one audience's View into a complete static site: pages, a JSON index, the stylesheet and attachments."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gongkai.incremental import Memory, digest
from gongkai.model import EVERY_LABELS, Audience, CatalogEntry, Config, Item
from gongkai.rendering.records import RegisterRow, render_records
from gongkai.rendering.templates import environment, fingerprint, linker, render
from gongkai.supervision import Report
from gongkai.visibility import Shown, View

Output = tuple[str, bytes]


@dataclass(frozen=True)
class Records:
    """What only the internal site shows about the disclosure work itself."""

    report: Report
    rows: tuple[RegisterRow, ...]


@dataclass(frozen=True)
class Section:
    """A catalogue group on the home page with the categories under it that have something to show."""

    group: str
    categories: tuple[tuple[CatalogEntry, tuple[Shown, ...]], ...]


def render_site(
    view: View,
    config: Config,
    templates: Mapping[str, str],
    files: Mapping[str, bytes],
    root: str,
    records: Records | None = None,
    memory: Memory | None = None,
    pages: dict[str, str] | None = None,
) -> list[Output]:
    """Every file of one audience's site, paths relative to that site's root. `records` (internal only): the
    supervision report and the archive register. `memory`: the last build's pages, reused where their key is
    unchanged; `pages` receives this build's key for every item page."""
    env = environment(templates, root)
    css = templates["style.css"].encode("utf-8")
    stylesheet = f"assets/style.{fingerprint(css)}.css"
    internal = view.audience is Audience.INTERNAL
    common = {
        "site": config.site,
        "config": config,
        "audience": view.audience,
        "internal": internal,
        "day": view.day,
        "stylesheet": stylesheet,
        "categories": {e.key: e for e in config.catalog},
        "every_labels": EVERY_LABELS,
    }

    def page(path: str, template: str, **context: Any) -> Output:
        html = render(env, template, page=path, url=linker(path), **common, **context)
        return path, html.encode("utf-8")

    outputs = [(stylesheet, css)]
    outputs.append(page("index.html", "home.html", sections=sections(view, config), count=len(view.current)))
    for entry in config.catalog:
        outputs.append(page(f"categories/{entry.key}.html", "category.html", entry=entry, shown=view.in_category(entry.key)))
    pages = pages if pages is not None else {}
    root_prefix = f"{view.audience.value}/"
    page_key = digest(*sorted(templates.values()), repr(config), view.day.isoformat(), view.audience.value)
    # Re-disclosures link both ways, but only to pages this audience has: never a title it may not see.
    visible = {s.item.id: s.item for s in view.everything}
    reopened_by: dict[str, list[Item]] = {}
    for other in visible.values():
        if other.reopens:
            reopened_by.setdefault(other.reopens, []).append(other)
    for shown in view.everything:
        item = shown.item
        context = {
            "shown": shown,
            "item": item,
            "entry": config.entry(item.category),
            "body": item.body_html.replace('="files/', '="' + linker(item.page_path)("files/")),
            "reopened_from": visible.get(item.reopens),
            "reopened_by": reopened_by.get(item.id, []),
        }
        # An item page depends on its item, its relations, the templates, the config, the day and the audience.
        key = digest(
            page_key,
            repr(item),
            str(shown.full),
            repr(sorted(o.id for o in context["reopened_by"])),
            repr(context["reopened_from"] and context["reopened_from"].id),
        )
        pages[f"{root_prefix}{item.page_path}"] = key
        previous = memory.reusable_page(f"{root_prefix}{item.page_path}", key) if memory else None
        outputs.append((item.page_path, previous) if previous is not None else page(item.page_path, "item.html", **context))
        if shown.full:
            outputs.extend((a.output_path, files[a.source]) for a in item.attachments)
    if internal:
        outputs.append(page("catalog.html", "catalog.html"))
        outputs.append(page("archive.html", "archive.html", shown=view.archive))
        if records is not None:
            outputs.extend(render_records(records.report, records.rows, config, page))
    outputs.append(("items.json", _json_index(view, config)))
    return _unique(outputs)


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


def _json_index(view: View, config: Config) -> bytes:
    records = [item_record(shown, config) for shown in view.current]
    document = {"site": config.site.name, "audience": view.audience.value, "date": view.day.isoformat(), "items": records}
    # Compact: with indent, json falls back from its C encoder to Python, 10x slower on 10,000 items.
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def item_record(shown: Shown, config: Config) -> dict[str, Any]:
    """An item as the JSON indexes and the kiosk describe it; a withdrawn one without text or files."""
    item: Item = shown.item
    entry = config.entry(item.category)
    record: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "url": item.page_path,
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
        record["attachments"] = [{"name": a.name, "url": a.output_path} for a in item.attachments if a.listed]
    else:
        record["withdrawn_reason"] = item.withdrawn_reason
    return record


def _unique(outputs: list[Output]) -> list[Output]:
    """Two items may attach one file; it is written once. Sorted so output order never depends on input order."""
    return sorted(dict(outputs).items())
