"""Turns a content folder into the built outputs: read → validate → decide visibility → render → scan → write."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gongkai import leaks
from gongkai.guarding import guard_outputs
from gongkai.importing.strays import unused_word_files
from gongkai.incremental import CACHE, Memory, digest, load_memory
from gongkai.model import Audience, Config, Item
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_items
from gongkai.parsing.placeholders import placeholder_problems
from gongkai.parsing.requests import parse_requests
from gongkai.planning import Prints, Sources, plan_outputs, plan_search
from gongkai.problems import Problem, Problems
from gongkai.reading import POSTER_KEYS, Snapshot, font_fingerprint, read_poster_cache, read_snapshot
from gongkai.register import Entry, number_items, parse_register, vanished
from gongkai.rendering.posters import Progress, poster_sources, render_posters
from gongkai.rendering.records import records_text, register_rows
from gongkai.rendering.site import Records, SitePages
from gongkai.state import PARALLEL_RENDER_LIMIT, realise, stale_but_safe, unchanged
from gongkai.supervision import Report, supervise
from gongkai.visibility import View, view
from gongkai.windows import settle_windows
from gongkai.writing import MANIFEST, exclusive, unfinished, write_tree

Outputs = list[tuple[str, bytes]]
PosterCache = Mapping[str, tuple[str, bytes]]  # board key -> (its sources' key, the PDF drawn from them)
BUILD_RECORD = ".gongkai-build.json"  # what the output was built from: deploy refuses a stale build
BUILD_RUNNING = "{output}/ 正在被另一个构建写入，等它完成后继续…"  # said by a build or deploy waiting for the lock


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
    # `check` (and so CI and the pre-commit hook) fails on unregistered items and on placeholder text left in an
    # item; `build` only warns about them.
    strict: bool = False
    search: bool = True  # each site's search index (Pagefind); off, the search page says it cannot load one
    # serve's first pass: the slow outputs whose sources changed are left out (a board's PDF takes seconds, a
    # site's search index half a second, the lists of every item a second at 10,000 items), so that the pages
    # are on screen at once; the pass that follows makes them.
    slow_later: bool = False
    # serve: whether a newer save has come; asked between stages, a build it answers yes to stops (Superseded)
    # and writes nothing, so the newer one starts at once instead of after stale work.
    superseded: Callable[[], bool] | None = None


class Superseded(Exception):
    """A build stopped between stages because a newer save came (Options.superseded); nothing was written."""


def checkpoint(options: Options) -> None:
    if options.superseded is not None and options.superseded():
        raise Superseded


@dataclass(frozen=True, kw_only=True)
class Result:
    """What a build returns: the settled inputs, what each audience sees, and the files."""

    config: Config
    day: date
    items: tuple[Item, ...]
    views: dict[Audience, View]
    outputs: Outputs  # paths relative to the output folder
    warnings: tuple[Problem, ...]
    posters: dict[str, View] = field(default_factory=dict)  # board key -> what it shows
    report: Report | None = None
    written: tuple[str, ...] = ()  # what the writer changed on disk (serve reloads the pages among them)


@dataclass(frozen=True, kw_only=True)
class Kept:
    """What `serve` keeps of its last good build: the result, and what it needs to redraw an edited item's pages
    ahead of the next full build (retouch.py)."""

    result: Result
    snapshot: Snapshot
    memory: Memory
    sites: dict[Audience, SitePages]
    markers: tuple[leaks.Marker, ...]  # what the public must not see, passages left out
    later: tuple[str, ...] = ()  # boards and search indexes left out for a second pass (Options.slow_later)


def build(paths: Paths, options: Options = Options(), always: bool = False) -> Result | None:
    """The build, written to the output folder; None when the output there is already this build's."""
    kept = build_kept(paths, options, always=always)
    return None if kept is None else kept.result


def build_kept(
    paths: Paths,
    options: Options = Options(),
    memory: Memory | None = None,
    always: bool = False,
    snapshot: Snapshot | None = None,
    hold: bool = False,
) -> Kept | None:
    """The build: everything below is pure except reading here and writing the tree at the end. Returns None
    when inputs, date, options, fonts and code are those of the output already there (unless `always`).
    `memory`: the last build's, when the caller kept it (serve); otherwise it is read from the output.
    `snapshot`: the inputs, when the caller keeps them up to date (serve); `hold`: keep the files in memory.
    One build at a time writes an output: from the up-to-date check to the last file, another build waits."""
    snapshot, options, fonts = _prepare(paths, options, snapshot)
    # No day means a broken config, which `run` reports.
    record = build_record(snapshot, options.day, options.posters, fonts, options.search) if options.day else None
    waiting = (lambda: options.progress(BUILD_RUNNING.format(output=paths.output))) if options.progress else None
    with exclusive(paths.output, waiting) as output:
        if not always and record is not None and _already_built(paths.output, record):
            return None
        # An interrupted write left a tree that may mix two builds: nothing in it is reused, and the writer
        # compares every file with the bytes on disk.
        repair = unfinished(paths.output)
        kept = _run(paths, snapshot, options, fonts, Memory() if repair else memory, trust_output=not repair, hold=hold)
        if kept.later:  # not this build's whole output: the next build must not take it as up to date
            record = {**record, "posters": ["later", fonts]}
        checkpoint(options)  # the last moment a newer save can stop it: the write below is never cut short
        seal = (BUILD_RECORD, json.dumps(record, indent=2).encode())
        known = {path: sha for made in kept.memory.state.made.values() for path, sha in made.files}
        written = write_tree(output, kept.result.outputs, seal, known)
    return replace(kept, result=replace(kept.result, written=tuple(written)))


def check(paths: Paths, options: Options = Options()) -> Result:
    """The build without the writer, and strict about the archive register: nothing on disk changes."""
    snapshot, options, fonts = _prepare(paths, replace(options, strict=True))
    return _run(paths, snapshot, options, fonts).result


def _prepare(paths: Paths, options: Options, snapshot: Snapshot | None = None) -> tuple[Snapshot, Options, str]:
    """Reads the inputs and settles the day once, so that the build and its record agree even at midnight."""
    snapshot = snapshot or read_snapshot(paths.content, paths.config, paths.templates)
    fonts = font_fingerprint() if options.posters else ""  # a changed font must redraw the posters
    if options.day is None:
        try:
            timezone = parse_config(snapshot.config, snapshot.config_path).site.timezone
        except Problems:
            return snapshot, options, fonts  # `run` reports them with everything else
        options = replace(options, day=datetime.now(ZoneInfo(timezone)).date())
    return snapshot, options, fonts


def _run(
    paths: Paths,
    snapshot: Snapshot,
    options: Options,
    fonts: str,
    memory: Memory | None = None,
    trust_output: bool = True,
    hold: bool = False,
) -> Kept:
    """`run` with the previous output's memory, unless the output is not to be trusted: its posters and its
    parsed items and pages."""
    cache = read_poster_cache(paths.output) if options.posters and trust_output else {}
    if memory is None:
        memory = load_memory(paths.output, code_version()) if trust_output else Memory()
    return recipe(snapshot, options, cache, fonts, replace(memory, hold=hold))


def parse(snapshot: Snapshot, memory: Memory | None = None) -> tuple[Config, tuple[Item, ...], list[Problem]]:
    """Config and items with their effective windows, or every error at once. Returns (config, items, warnings)."""
    config = parse_config(snapshot.config, snapshot.config_path)
    parsed = parse_items(snapshot, config, memory)
    if parsed.errors:
        raise Problems(parsed.errors)
    return config, settle_windows(parsed.items), list(parsed.warnings)


def read_register(snapshot: Snapshot, memory: Memory) -> tuple[Entry, ...]:
    """The register's entries; those the memory holds when its bytes are unchanged (and it remembers them)."""
    key = digest(snapshot.register or b"")
    if memory.register[0] == key:
        return memory.register[1]
    entries = parse_register(snapshot.register, snapshot.register_path)
    memory.register = (key, entries)
    return entries


def run(snapshot: Snapshot, options: Options = Options(), cache: PosterCache | None = None, fonts: str = "") -> Result:
    """The build in memory, from scratch (no memory of a last build), nothing written."""
    return recipe(snapshot, options, cache, fonts).result


def recipe(
    snapshot: Snapshot,
    options: Options = Options(),
    cache: PosterCache | None = None,
    fonts: str = "",
    memory: Memory | None = None,
) -> Kept:
    """The recipe: read → parse → settle → view → plan → realise (render and scan) → posters. `memory`: the
    last build's parsed items and build state, which decide what is parsed and rendered again (state.py)."""
    memory = memory or Memory()
    config, items, warnings = parse(snapshot, memory)
    requests, request_errors = parse_requests(snapshot)
    entries = read_register(snapshot, memory)
    items, unregistered = number_items(items, entries, snapshot.register_path)
    day = options.day or datetime.now(ZoneInfo(config.site.timezone)).date()
    # Nothing published vanishes: a shown item's file deleted without `retire` fails check and build alike.
    gone = vanished(entries, items, day, snapshot.register_path, snapshot.content_root)
    unfinished_text = placeholder_problems(snapshot, items)
    if errors := request_errors + gone + (unregistered + unfinished_text if options.strict else []):
        raise Problems(errors)
    warnings += _summarised(unregistered, snapshot.register_path) + unfinished_text
    warnings += unused_word_files(snapshot, items)
    views = {audience: view(items, audience, day) for audience in Audience}
    report = supervise(items, requests, config, day)
    records = Records(report, register_rows(items, entries))
    sites = {audience: SitePages(seen, config, snapshot.templates, snapshot.templates_root) for audience, seen in views.items()}
    cuts = leaks.Cuts(last=memory.cuts.now)
    guards = guard_outputs(snapshot, items, views, day, records_text(report, records.rows), config.review.reviewers, cuts)
    sources = Sources(config, day, items, views, sites, records, snapshot.templates, snapshot.templates_root, snapshot.content)
    last = memory.state
    prints = Prints(snapshot.templates, memory.prints)
    plans = plan_outputs(sources, last, prints)
    # Two processes, both cores, up to a few thousand items (each holds what it renders).
    fork = len(views[Audience.INTERNAL].everything) <= PARALLEL_RENDER_LIMIT
    # serve's first pass: a changed list of every item keeps its last files, if they are safe, until the second.
    deferred = tuple(
        p.name for p in plans if options.slow_later and p.slow and not unchanged(p, last) and stale_but_safe(p, last, guards)
    )
    checkpoint(options)
    pages = realise(plans, last, guards, fork, keep_bytes=memory.hold, stale=deferred)
    checkpoint(options)
    state, outputs = pages.state, list(pages.files)
    indexes = plan_search(sites, plans, pages.files) if options.search else []
    # In serve's first pass a changed index waits: its last files stay if they are safe, else it is left out.
    waiting = tuple(p.name for p in indexes if options.slow_later and not unchanged(p, last))
    stale = tuple(p.name for p in indexes if p.name in waiting and stale_but_safe(p, last, guards))
    if indexes:  # made from the pages as rendered: the index holds nothing its site does not show
        ready = [p for p in indexes if p.name not in waiting or p.name in stale]
        index = realise(ready, last, guards, fork=False, keep_bytes=memory.hold, stale=stale)
        state, outputs = state.merged(index.state), outputs + index.files
    sources_of_posters = (
        poster_sources(config, views, snapshot.templates, snapshot.templates_root, fonts, snapshot.content)
        if options.posters
        else []
    )
    # Scan before any PDF is made: the posters' HTML holds all their text.
    for audience in Audience:
        if boards := [
            (s.path, "\n".join((s.html, *s.qr_urls)).encode()) for s in sources_of_posters if s.board.audience is audience
        ]:
            guard = guards[audience]
            if problems := leaks.scan(boards, guard.markers, guard.where, guard.allowed):
                raise Problems(problems)
    cache = cache or {}
    drawn = sources_of_posters
    if options.slow_later:
        drawn = [s for s in sources_of_posters if s.board.key in cache and cache[s.board.key][0] == s.key]
    later = tuple(s.board.key for s in sources_of_posters if s not in drawn) + waiting + deferred
    checkpoint(options)
    posters, errors, poster_warnings = render_posters(
        drawn, snapshot.content, cache, options.progress, lambda: checkpoint(options)
    )
    if errors:
        raise Problems(errors)
    if sources_of_posters:
        keys = {s.board.key: s.key for s in drawn}
        outputs += [*posters, (POSTER_KEYS, json.dumps(keys, indent=2, sort_keys=True).encode())]
    remembered = replace(memory, state=state, cuts=cuts, prints=prints.now)
    outputs.append((CACHE, remembered.dump(code_version())))
    warnings += remembered.take_warnings()
    boards = {s.board.key: s.view for s in drawn}
    warnings = (*warnings, *poster_warnings)
    # serve's quick redraw (retouch.py) scans its pages against these. Not the passages: indexing them costs
    # 16 ms per 1,000 items at each save, and the text it redraws is new (the full build that follows scans it).
    public_markers = tuple(m for m in guards[Audience.PUBLIC].markers if m.how != leaks.PASSAGE)
    outputs.sort()
    result = Result(
        config=config, day=day, items=items, views=views, outputs=outputs, warnings=warnings, posters=boards, report=report
    )
    return Kept(result=result, snapshot=snapshot, memory=remembered, sites=sites, markers=public_markers, later=later)


def build_record(snapshot: Snapshot, day: date, posters: bool, fonts: str, search: bool = True) -> dict[str, object]:
    """What an output was built from; equal records, equal outputs. Deploy reads it too."""
    record: dict[str, object] = {"date": day.isoformat(), "inputs": snapshot.fingerprint, "posters": [posters, fonts]}
    return record | {"search": search, "code": code_version()}


def _already_built(output: Path, record: dict[str, object]) -> bool:
    """Same inputs, date, options and code as the output there, its last write finished, and none of its files
    missing: nothing to do. (The writer removes the record before it changes anything and writes it last.)"""
    if unfinished(output):
        return False
    try:
        previous = json.loads((output / BUILD_RECORD).read_text("utf-8"))
        manifest = json.loads((output / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return previous == record and all((output / path).is_file() for path in manifest)


def code_version() -> str:
    """A hash of Gongkai's own source: output built by other code is never taken as up to date."""
    package = Path(__file__).parent
    return digest(*(p.read_bytes() for p in sorted(package.rglob("*.py"))))[:16]


def _summarised(unregistered: list[Problem], register_path: str) -> list[Problem]:
    """A build tolerates items without 索引号 (shown as 待登记); many of them make one line, not hundreds."""
    if len(unregistered) <= 5:
        return unregistered
    first = unregistered[0]
    message = f"等 {len(unregistered)} 个事项还没有索引号。请运行 python build.py register，并把 {register_path} 一起提交。"
    return [Problem(first.path, first.line, message)]
