"""Turns the previous build's memory (output/.cache/build.pickle) into reuse: items whose file, config and
referenced files are unchanged are not parsed again, and item pages whose inputs are unchanged are not
rendered again. Whole-site pages (home, categories, indexes) are always rendered: they depend on everything."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.model import Item
from gongkai.problems import Problem

CACHE = ".cache/build.pickle"
# Bumped whenever what a cached item or page means changes; a mismatch simply means a full build.
VERSION = "gongkai-cache-2"  # 2: items carry review, withdrawal, correction and series fields


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
    """What one build leaves for the next: parsed items by file, and the render key of every item page."""

    items: dict[str, ParsedItem] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    previous_bytes: Callable[[str], bytes | None] = lambda path: None

    def reusable_page(self, path: str, key: str) -> bytes | None:
        """The previous build's bytes for `path` when it was rendered from the same key."""
        return self.previous_bytes(path) if self.pages.get(path) == key else None

    def dump(self) -> bytes:
        return pickle.dumps((VERSION, self.items, dict(sorted(self.pages.items()))), protocol=5)


def load_memory(output: Path) -> Memory:
    """The edge that reads: a missing, old or damaged cache is no cache."""
    try:
        version, items, pages = pickle.loads((output / CACHE).read_bytes())
    except Exception:
        return Memory()
    if version != VERSION:
        return Memory()

    def previous_bytes(path: str) -> bytes | None:
        try:
            return (output / path).read_bytes()
        except OSError:
            return None

    return Memory(items, pages, previous_bytes)
