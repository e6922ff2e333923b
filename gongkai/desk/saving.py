"""Turns the desk's accepted changes into files: item files and uploads inside content/, and register.yaml with
the item's 索引号, each written whole (a temporary file renamed over the old one) or not at all."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gongkai.parsing.config import parse_config
from gongkai.parsing.items import parse_items
from gongkai.reading import read_snapshot
from gongkai.register import dump_register, parse_register, update_register


def fingerprint(data: bytes | None) -> str:
    """What the form remembers of the file it was opened on ('' for a file that did not exist)."""
    return hashlib.sha256(data).hexdigest() if data is not None else ""


def write_whole(target: Path, data: bytes, exclusive: bool = False) -> None:
    """Writes `data` to `target` all at once. `exclusive`: refuse (FileExistsError) when it already exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.desk-tmp")
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    try:
        if exclusive:
            os.link(temporary, target)  # fails if another save created it meanwhile: never overwritten
        else:
            os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def register_now(content: Path, config: Path, templates: Path) -> list[str]:
    """Gives every new item its 索引号 at once, as `python build.py register` does; returns what changed."""
    snapshot = read_snapshot(content, config, templates)
    parsed = parse_items(snapshot, parse_config(snapshot.config, snapshot.config_path))
    entries = parse_register(snapshot.register, snapshot.register_path)
    updated, changed = update_register(entries, parsed.items, parse_config(snapshot.config, snapshot.config_path))
    if changed:
        write_whole(Path(snapshot.register_path), dump_register(updated))
    return changed
