"""Turns a content folder into the built outputs: read → validate → decide visibility → render → scan → write."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gongkai import leaks
from gongkai.model import Audience, Config, Item
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_items
from gongkai.problems import Problem, Problems
from gongkai.reading import POSTER_KEYS, Snapshot, font_fingerprint, read_poster_cache, read_snapshot
from gongkai.rendering.kiosk import render_kiosk
from gongkai.rendering.posters import Progress, poster_sources, render_posters
from gongkai.rendering.site import render_site
from gongkai.visibility import View, view
from gongkai.windows import settle_windows
from gongkai.writing import write_tree

Outputs = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Paths:
    content: Path = Path("content")
    config: Path = Path("site_config.yaml")
    templates: Path = Path("templates")
    output: Path = Path("output")


@dataclass(frozen=True)
class Options:
    day: date | None = None  # None: today in the site's time zone
    posters: bool = True
    progress: Progress | None = None


@dataclass(frozen=True)
class Result:
    config: Config
    day: date
    items: tuple[Item, ...]
    views: dict[Audience, View]
    outputs: Outputs  # paths relative to the output folder
    warnings: tuple[Problem, ...]
    posters: dict[str, View] = field(default_factory=dict)  # board key -> what it shows


def build(paths: Paths, options: Options = Options()) -> Result:
    """The build: everything below is pure except reading here and writing the tree at the end."""
    result = check(paths, options)
    write_tree(paths.output, result.outputs)
    return result


def check(paths: Paths, options: Options = Options()) -> Result:
    """The build without the writer: every error a build would meet, and nothing on disk changes."""
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    cache = read_poster_cache(paths.output) if options.posters else {}
    return run(snapshot, options, cache, font_fingerprint() if options.posters else "")


def run(
    snapshot: Snapshot, options: Options = Options(), cache: Mapping[str, tuple[str, bytes]] | None = None, fonts: str = ""
) -> Result:
    config = parse_config(snapshot.config, snapshot.config_path)
    parsed = parse_items(snapshot, config)
    if parsed.errors:
        raise Problems(parsed.errors)
    items = settle_windows(parsed.items)
    day = options.day or datetime.now(ZoneInfo(config.site.timezone)).date()
    views = {audience: view(items, audience, day) for audience in Audience}
    outputs: Outputs = []
    for audience, seen in views.items():
        site = render_site(seen, config, snapshot.templates, snapshot.content, snapshot.templates_root)
        outputs.extend((f"{audience.value}/{path}", data) for path, data in site)
    kiosk_audience = config.kiosk.audience
    outputs += render_kiosk(config, views[kiosk_audience], items, snapshot.templates, snapshot.content, snapshot.templates_root)
    sources = poster_sources(config, views, snapshot.templates, snapshot.templates_root, fonts) if options.posters else []
    # Scan before any PDF is made: the posters' HTML holds all their text.
    public_roots = ("public/", "kiosk/") if kiosk_audience is Audience.PUBLIC else ("public/",)
    public = [(path, data) for path, data in outputs if path.startswith(public_roots)]
    public += [(s.path, "\n".join((s.html, *s.qr_urls)).encode()) for s in sources if s.board.audience is Audience.PUBLIC]
    markers = leaks.forbidden(items, Audience.PUBLIC, day, _public_text(snapshot, views[Audience.PUBLIC]))
    if problems := leaks.scan(public, markers, "公开输出"):
        raise Problems(problems)
    posters, errors, warnings = render_posters(sources, snapshot.content, cache or {}, options.progress)
    if errors:
        raise Problems(errors)
    if sources:
        keys = {s.board.key: s.key for s in sources}
        outputs += [*posters, (POSTER_KEYS, json.dumps(keys, indent=2, sort_keys=True).encode())]
    boards = {s.board.key: s.view for s in sources}
    return Result(config, day, items, views, sorted(outputs), (*parsed.warnings, *warnings), boards)


def _public_text(snapshot: Snapshot, public: View) -> str:
    """Everything the public may legitimately read, to tell a coincidence from a leak."""
    parts = [snapshot.config.decode("utf-8", "replace"), *snapshot.templates.values()]
    for shown in public.current:
        parts += [shown.item.title, shown.item.withdrawn_reason]
        if shown.full:
            parts += [shown.item.summary, shown.item.body_html, *(a.name for a in shown.item.attachments)]
    return "\n".join(parts)
