"""Turns the desk's accepted changes into files: item files and uploads inside content/, and register.yaml with
the item's 索引号, each written whole (a temporary file renamed over the old one) or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gongkai.incremental import Memory
from gongkai.model import Config
from gongkai.parsing.items import parse_items
from gongkai.reading import Snapshot
from gongkai.register import dump_register, parse_register, update_register
from gongkai.replacing import replace_whole


def index_number(register_path: str, relpath: str) -> str:
    """The 索引号 register.yaml gives the item at `relpath` inside content/ ('' when none yet)."""
    path = Path(register_path)
    entries = parse_register(path.read_bytes() if path.exists() else None, register_path)
    return next((e.number for e in entries if e.id == relpath.rsplit(".", 1)[0]), "")


def fingerprint(data: bytes | None) -> str:
    """What the form remembers of the file it was opened on ('' for a file that did not exist)."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def write_whole(target: Path, data: bytes, exclusive: bool = False) -> None:
    """Writes `data` to `target` all at once. `exclusive`: refuse (FileExistsError) when it already exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_whole(target, data, exclusive)


def register_now(snapshot: Snapshot, config: Config, memory: Memory, saved: str) -> list[str]:
    """Gives the item just saved (`saved`, its path inside content/) its 索引号 at once, with every other new
    item, as `python build.py register` does; returns what changed. `snapshot`: the site as just saved;
    `memory`: the desk's, so that only changed files are parsed again."""
    entries = parse_register(snapshot.register, snapshot.register_path)
    if saved.rsplit(".", 1)[0] in {e.id for e in entries}:
        return []  # numbered already, and numbers never change
    parsed = parse_items(snapshot, config, memory)
    updated, changed = update_register(entries, parsed.items, config)
    if changed:
        write_whole(Path(snapshot.register_path), dump_register(updated))
    return changed
