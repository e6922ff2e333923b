"""Turns the last build's state and this build's planned outputs into what must be rendered, scanned and written.

Every output is planned (planning.py) with a key naming its inputs: the rows a list shows, the item a page
draws, the config and templates, the day. Like Lektor's build state, the state remembers for each planned
output the key it was made from and the digest of each file it made; an output whose key is unchanged is
taken as it is (from memory in `serve`, else from the last output on disk) and never hashed again. A file's
leak scan is reused only when its bytes AND the audience's forbidden-marker set are both those of a scan
that passed: a page kept while a new internal title appeared is scanned again.

Parallelism lives here, not in the recipe: the outputs to render are cut in two and done on two cores."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gongkai import leaks
from gongkai.model import Audience
from gongkai.parallel import both
from gongkai.problems import Problem, Problems

Output = tuple[str, bytes]
# Up to this many items, outputs are rendered in two processes (both cores). Each process then holds what it
# renders: at 10,000 items that is 367 MB in all instead of 279 MB in one.
PARALLEL_RENDER_LIMIT = 5000
WORTH_A_FORK = 64  # fewer outputs to render than this: forking costs more than it saves


@dataclass(frozen=True)
class Planned:
    """One output (or a group of files made together): `name` is unique in a build (a path, or "kiosk"),
    `key` names everything it is rendered from, `render` makes its files (paths inside the output folder).
    `audience`: whose forbidden markers its files are scanned against (None: not scanned). `readable`: the
    files as the scanner reads them (the search index is compressed)."""

    name: str
    key: str
    render: Callable[[], list[Output]]
    audience: Audience | None
    readable: Callable[[Sequence[Output]], list[Output]] | None = None
    # Lists every item (a JSON index, the kiosk's slides, the register): serve's first pass leaves it for the
    # second when it changed (Options.slow_later), so that a page is on screen before these are redrawn.
    slow: bool = False


@dataclass(frozen=True)
class Made:
    """What the state remembers of one planned output: its key and each file's path and sha256."""

    key: str
    files: tuple[tuple[str, str], ...]


@dataclass
class State:
    """What one build leaves for the next: each planned output as made, and each scan that passed
    (path -> (sha256 of the bytes scanned, digest of the markers they were scanned against)). `held`: the
    bytes themselves, kept in memory by `serve`; otherwise `previous_bytes` reads the last output."""

    made: dict[str, Made] = field(default_factory=dict)
    scanned: dict[str, tuple[str, str]] = field(default_factory=dict)
    held: dict[str, bytes] = field(default_factory=dict)
    previous_bytes: Callable[[str], bytes | None] = lambda path: None

    def merged(self, other: State) -> State:
        """This state with `other`'s outputs and scans added (the search index follows the pages)."""
        return State(self.made | other.made, self.scanned | other.scanned, self.held | other.held, self.previous_bytes)


@dataclass(frozen=True)
class Guard:
    """What an audience's outputs are scanned against: its forbidden markers (and their digest), what it may
    read (to tell a coincidence from a leak), and how messages name its outputs."""

    markers: list[leaks.Marker]
    digest: str
    allowed: Callable[[], str]
    where: str


@dataclass(frozen=True)
class Realised:
    """This build's files, and the state to leave for the next build; `rendered`: the names drawn afresh."""

    files: list[Output]
    state: State
    rendered: tuple[str, ...]


def markers_digest(markers: Iterable[leaks.Marker]) -> str:
    """The identity of a marker set: a new forbidden title, path or passage changes it."""
    hasher = hashlib.sha256()
    for line in sorted(f"{m.how}\0{m.what}\0{m.item.id}\0{int(m.coincidence_possible)}\0{m.text}" for m in markers):
        hasher.update(line.encode("utf-8", "surrogatepass") + b"\1")
    return hasher.hexdigest()


def realise(
    plans: Sequence[Planned],
    last: State,
    guards: Mapping[Audience, Guard],
    fork: bool = True,
    keep_bytes: bool = False,
    stale: Collection[str] = (),
) -> Realised:
    """Every planned output, reused where its key is unchanged, otherwise rendered; every file not scanned
    before with these bytes and these markers scanned. Raises Problems (every leak at once), nothing written.
    `keep_bytes`: the state holds the bytes in memory (serve), so the next build reads nothing back. `stale`:
    outputs taken as the last build made them although their key changed (serve's first pass, see
    `stale_but_safe`); the state keeps their old key, so the next build makes them again."""
    kept: dict[str, list[Output]] = {}
    todo: list[Planned] = []
    for plan in plans:
        files = _reusable(plan, last, any_key=plan.name in stale)
        if files is None:
            todo.append(plan)
        else:
            kept[plan.name] = files
    half = len(todo) // 2
    if fork and len(todo) >= WORTH_A_FORK:  # two halves on two cores
        first, second = both(lambda: _make(todo[:half]), lambda: _make(todo[half:]))
        made = first + second
    else:
        made = _make(todo)
    state = State(previous_bytes=last.previous_bytes)
    files: list[Output] = []
    for plan in plans:
        if plan.name in kept:
            remembered = last.made[plan.name]
            state.made[plan.name] = remembered
            files += kept[plan.name]
    pending: dict[Audience, list[Output]] = {}
    for plan, outputs, hashes in made:
        state.made[plan.name] = Made(plan.key, tuple(hashes))
        files += outputs
        if plan.audience is not None:
            _note(plan, outputs, hashes, last, guards[plan.audience], state, pending)
    for plan in plans:  # kept files last scanned against other markers (a new internal title) are scanned again
        if plan.name in kept and plan.audience is not None:
            _note(plan, kept[plan.name], state.made[plan.name].files, last, guards[plan.audience], state, pending)
    _scan(pending, guards, fork)
    if keep_bytes:
        state.held = dict(files)
    files.sort()
    return Realised(files, state, tuple(plan.name for plan, *_ in made))


def stale_but_safe(plan: Planned, last: State, guards: Mapping[Audience, Guard]) -> bool:
    """Whether the last build's files for `plan` may stay while it waits to be made again: each was scanned, with
    the very bytes it has, against the forbidden markers its audience has now (so it shows nothing it may not),
    and all can be had. A page stays whole meanwhile, if not up to date; one that may leak is made at once."""
    remembered = last.made.get(plan.name)
    if remembered is None or plan.audience is None or _reusable(plan, last, any_key=True) is None:
        return False
    digest = guards[plan.audience].digest
    return all(last.scanned.get(path) == (sha, digest) for path, sha in remembered.files)


def unchanged(plan: Planned, last: State) -> bool:
    """Whether the last build made `plan` from the same key (its files may still need reading back)."""
    remembered = last.made.get(plan.name)
    return remembered is not None and remembered.key == plan.key


def _reusable(plan: Planned, last: State, any_key: bool = False) -> list[Output] | None:
    """The last build's files for `plan` when it was made from the same key (or `any_key`) and they can all be
    had."""
    remembered = last.made.get(plan.name)
    if remembered is None or (remembered.key != plan.key and not any_key):
        return None
    files = []
    for path, _ in remembered.files:
        data = last.held.get(path)
        if data is None:
            data = last.previous_bytes(path)
        if data is None:  # removed by hand since: make it again
            return None
        files.append((path, data))
    return files


_Made = tuple[Planned, list[Output], list[tuple[str, str]]]


def _make(plans: Sequence[Planned]) -> list[_Made]:
    """Renders `plans` and hashes their files."""
    made: list[_Made] = []
    for plan in plans:
        outputs = plan.render()
        made.append((plan, outputs, [(path, hashlib.sha256(data).hexdigest()) for path, data in outputs]))
    return made


def _note(
    plan: Planned,
    outputs: list[Output],
    hashes: Iterable[tuple[str, str]],
    last: State,
    guard: Guard,
    state: State,
    pending: dict[Audience, list[Output]],
) -> None:
    """Files not scanned before with these bytes against these markers are to be scanned (as the scanner
    reads them); the state records them as scanned, for the build fails if any leaks."""
    hashes = tuple(hashes)
    assert plan.audience is not None
    if any(last.scanned.get(path) != (sha, guard.digest) for path, sha in hashes):
        pending.setdefault(plan.audience, []).extend(plan.readable(outputs) if plan.readable else outputs)
    state.scanned.update({path: (sha, guard.digest) for path, sha in hashes})


def _scan(pending: Mapping[Audience, list[Output]], guards: Mapping[Audience, Guard], fork: bool) -> None:
    """Each audience's files in one scan (one message per leaking item), the two audiences on two cores."""
    sides = [
        lambda audience=audience, files=files: _raise(
            leaks.scan(files, guards[audience].markers, guards[audience].where, guards[audience].allowed)
        )
        for audience, files in pending.items()
    ]
    if len(sides) == 2:
        both(*sides, worth_it=fork and sum(map(len, pending.values())) >= WORTH_A_FORK)
    elif sides:
        sides[0]()


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise Problems(problems)
