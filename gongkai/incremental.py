"""Turns the previous build's memory (output/.cache/build.json) into reuse: items whose file, config and
referenced files are unchanged are not parsed again, and the build state (state.py: each output's key and
files, each scan that passed) lets outputs whose inputs are unchanged be taken as they are.

The memory is data, never code: JSON in which every value is tagged with its type, read back by a decoder
that only knows the model's own dataclasses and enums (so a planted file can at worst be ignored)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from gongkai.leaks import Cuts
from gongkai.model import Attachment, Audience, FeedbackEntry, Item, ReviewState, Status
from gongkai.problems import Problem
from gongkai.register import Entry
from gongkai.state import Made, State

CACHE = ".cache/build.json"
FORMAT = "gongkai-memory-3"
# An item whose `extra` is deeper or larger than this is simply not remembered (parsed again next time): the
# memory must never cost more than the parse it saves, whatever a YAML alias or nesting makes of `extra`.
MAX_DEPTH = 60
MAX_NODES = 20_000
DAMAGED = "构建缓存已损坏或来自其他版本，已忽略，本次完整构建。"


def digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


@dataclass(frozen=True)
class ParsedItem:
    digest: str  # of the file's bytes and the config
    item: Item
    warnings: tuple[Problem, ...]


@dataclass
class Memory:
    """What one build leaves for the next: parsed items by file, and the build state."""

    items: dict[str, ParsedItem] = field(default_factory=dict)
    state: State = field(default_factory=State)
    warnings: tuple[Problem, ...] = ()  # about the memory itself, reported once by the build that read it
    # Each remembered item with its JSON: an item reused unchanged is not encoded again.
    encoded: dict[str, tuple[ParsedItem, Any]] = field(default_factory=dict)
    hold: bool = False  # keep this build's bytes in memory for the next (serve): nothing is read back
    # The register as last read, by the digest of its bytes: 10,000 entries cost a second of YAML.
    register: tuple[str, tuple[Entry, ...]] = ("", ())
    # In memory only (serve): the passages of forbidden texts as last cut, and each item's fingerprints.
    cuts: Cuts = field(default_factory=Cuts)
    prints: dict[str, tuple[Any, str, str]] = field(default_factory=dict)

    def take_warnings(self) -> list[Problem]:
        warnings, self.warnings = list(self.warnings), ()
        return warnings

    def dump(self, version: str) -> bytes:
        """`version`: the code's; memory from other code is never reused."""
        encoded = {}
        for relpath, parsed in sorted(self.items.items()):
            known = self.encoded.get(relpath)
            if known is not None and known[0] is parsed:
                encoded[relpath] = known
                continue
            try:
                encoded[relpath] = (parsed, _encode(parsed, 0, [MAX_NODES]))
            except _Unrememberable:
                continue  # parsed again next time
        self.encoded = encoded
        items = {relpath: value for relpath, (_, value) in encoded.items()}
        made = {name: [m.key, [list(f) for f in m.files]] for name, m in sorted(self.state.made.items())}
        scanned = {path: list(scan) for path, scan in sorted(self.state.scanned.items())}
        register = [self.register[0], [[getattr(e, name) for name in _ENTRY_FIELDS] for e in self.register[1]]]
        memory = {"format": FORMAT, "code": version, "items": items, "made": made, "scanned": scanned, "register": register}
        return json.dumps(memory, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8")


def load_memory(output: Path, version: str) -> Memory:
    """The edge that reads: a missing cache is no cache; a damaged, foreign or old one is no cache and a warning."""
    try:
        data = (output / CACHE).read_bytes()
    except OSError:
        return Memory()
    try:
        memory = json.loads(data)
        if memory["format"] != FORMAT or memory["code"] != version:
            raise ValueError("another version")
        encoded = {relpath: (_decode(value), value) for relpath, value in memory["items"].items()}
        if not all(isinstance(relpath, str) and isinstance(p, ParsedItem) for relpath, (p, _) in encoded.items()):
            raise ValueError("not items")
        made = {name: Made(key, tuple((path, sha) for path, sha in files)) for name, (key, files) in memory["made"].items()}
        scanned = {path: (sha, markers) for path, (sha, markers) in memory["scanned"].items()}
        texts = [*made, *(m.key for m in made.values()), *(t for m in made.values() for f in m.files for t in f)]
        texts += [*scanned, *(t for scan in scanned.values() for t in scan)]
        if not all(isinstance(text, str) for text in texts):
            raise ValueError("not a build state")
        register_digest, rows = memory["register"]
        entries = tuple(Entry(*row) for row in rows)
        if not isinstance(register_digest, str) or not all(_plain_entry(e) for e in entries):
            raise ValueError("not a register")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError):
        return Memory(warnings=(Problem(f"{output}/{CACHE}", 1, DAMAGED),))

    def previous_bytes(path: str) -> bytes | None:
        try:
            return (output / path).read_bytes()
        except OSError:
            return None

    state = State(made, scanned, previous_bytes=previous_bytes)
    items = {relpath: parsed for relpath, (parsed, _) in encoded.items()}
    return Memory(items=items, state=state, encoded=encoded, register=(register_digest, entries))


_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))


_ENTRY_NUMBERS = ("serial", "line")


def _plain_entry(entry: Entry) -> bool:
    """Read back as written: text, and whole numbers where the register has them."""
    return all(type(getattr(entry, name)) is (int if name in _ENTRY_NUMBERS else str) for name in _ENTRY_FIELDS)


class _Unrememberable(Exception):
    """A value the memory cannot hold exactly (an unknown type, too deep, too large)."""


_PLAIN = (str, int, float, bool, type(None))
_CLASSES: dict[str, type] = {cls.__name__: cls for cls in (ParsedItem, Item, Attachment, FeedbackEntry, Problem)}
_ENUMS: dict[str, type[Enum]] = {cls.__name__: cls for cls in (Audience, Status, ReviewState)}
_FIELDS: dict[type, tuple[str, ...]] = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}


def _encode(value: Any, depth: int, budget: list[int]) -> Any:
    """JSON for `value`, exact: plain JSON scalars stand for themselves, everything else is {"tag": payload}.
    Sets (YAML's !!set) are not remembered: their order, which `repr` and so the page keys show, is their history's."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _Unrememberable
    kind = type(value)
    if kind in _PLAIN:
        return value
    deeper = depth + 1
    if kind is tuple:
        return {"t": [_encode(v, deeper, budget) for v in value]}
    if kind is list:
        return {"l": [_encode(v, deeper, budget) for v in value]}
    if kind is dict:
        return {"d": [[_encode(k, deeper, budget), _encode(v, deeper, budget)] for k, v in value.items()]}
    if kind is date:
        return {"date": value.isoformat()}
    if kind is datetime and (value.tzinfo is None or type(value.tzinfo) is timezone):  # what YAML makes
        return {"datetime": [value.isoformat(), value.fold]}
    if kind is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if kind.__name__ in _ENUMS and _ENUMS[kind.__name__] is kind:
        return {"enum": [kind.__name__, value.value]}
    if _CLASSES.get(kind.__name__) is kind:
        # Positional, and plain fields inline: most of an item is strings, and this runs for every item.
        values = [getattr(value, name) for name in _FIELDS[kind]]
        budget[0] -= len(values)
        return {"class": [kind.__name__, [v if type(v) in _PLAIN else _encode(v, deeper, budget) for v in values]]}
    raise _Unrememberable


def _decode(value: Any) -> Any:
    if type(value) is not dict:
        if type(value) in _PLAIN:
            return value
        raise ValueError("untagged list")
    ((tag, payload),) = value.items()
    if tag == "t":
        return tuple(_decode(v) for v in payload)
    if tag == "l":
        return [_decode(v) for v in payload]
    if tag == "d":
        return {_decode(k): _decode(v) for k, v in payload}
    if tag == "date":
        return date.fromisoformat(payload)
    if tag == "datetime":
        moment, fold = payload
        return datetime.fromisoformat(moment).replace(fold=fold)
    if tag == "b":
        return base64.b64decode(payload, validate=True)
    if tag == "enum":
        name, raw = payload
        return _ENUMS[name](raw)
    if tag == "class":
        name, values = payload
        cls = _CLASSES[name]
        if len(values) != len(_FIELDS[cls]):
            raise ValueError("another model")
        return cls(*[v if type(v) in _PLAIN else _decode(v) for v in values])
    raise ValueError(f"unknown tag {tag!r}")
