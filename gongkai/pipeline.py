"""Turns a content folder into the built outputs: read → validate → decide visibility → render → scan → write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gongkai import leaks
from gongkai.model import Audience, Config, Item
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_items
from gongkai.problems import Problem, Problems
from gongkai.reading import Snapshot, read_snapshot
from gongkai.rendering.site import render_site
from gongkai.visibility import View, view
from gongkai.windows import settle_windows
from gongkai.writing import write_tree


@dataclass(frozen=True)
class Paths:
    content: Path = Path("content")
    config: Path = Path("site_config.yaml")
    templates: Path = Path("templates")
    output: Path = Path("output")


@dataclass(frozen=True)
class Result:
    config: Config
    day: date
    items: tuple[Item, ...]
    views: dict[Audience, View]
    outputs: list[tuple[str, bytes]]  # paths relative to the output folder
    warnings: tuple[Problem, ...]


def build(paths: Paths, day: date | None = None) -> Result:
    """The build: everything below is pure except reading the snapshot here and writing the tree at the end."""
    result = run(read_snapshot(paths.content, paths.config, paths.templates), day)
    write_tree(paths.output, result.outputs)
    return result


def check(paths: Paths, day: date | None = None) -> Result:
    """The build without the writer: every error a build would meet, and nothing on disk changes."""
    return run(read_snapshot(paths.content, paths.config, paths.templates), day)


def run(snapshot: Snapshot, day: date | None = None) -> Result:
    config = parse_config(snapshot.config, snapshot.config_path)
    parsed = parse_items(snapshot, config)
    if parsed.errors:
        raise Problems(parsed.errors)
    items = settle_windows(parsed.items)
    day = day or datetime.now(ZoneInfo(config.site.timezone)).date()
    views = {audience: view(items, audience, day) for audience in Audience}
    outputs: list[tuple[str, bytes]] = []
    for audience, seen in views.items():
        site = render_site(seen, config, snapshot.templates, snapshot.content, snapshot.templates_root)
        outputs.extend((f"{audience.value}/{path}", data) for path, data in site)
    public = [(path, data) for path, data in outputs if path.startswith("public/")]
    markers = leaks.forbidden(items, Audience.PUBLIC, day, _public_text(snapshot, views[Audience.PUBLIC]))
    problems = leaks.scan(public, markers, "公开网站")
    if problems:
        raise Problems(problems)
    return Result(config, day, items, views, outputs, parsed.warnings)


def _public_text(snapshot: Snapshot, public: View) -> str:
    """Everything the public may legitimately read, to tell a coincidence from a leak."""
    parts = [snapshot.config.decode("utf-8", "replace"), *snapshot.templates.values()]
    for shown in public.current:
        parts += [shown.item.title, shown.item.withdrawn_reason]
        if shown.full:
            parts += [shown.item.summary, shown.item.body_html, *(a.name for a in shown.item.attachments)]
    return "\n".join(parts)
