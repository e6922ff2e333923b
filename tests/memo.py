"""Turns work the suite would repeat thousands of times into files kept for one test run: Jinja's compiled
templates and Pagefind's index for a set of pages, both pure functions of their inputs.

A tiny site's build is mostly these two: compiling the templates (about half a second) and starting Pagefind,
whose Chinese dictionary alone takes about 0.6 s per site. Both are keyed by everything they depend on, so a
kept result is exactly what the work would give again; they live in files, not in memory, because builds
render the members' site in a forked child and pytest-xdist runs two workers, and each should find what the
others made. Tests of Pagefind itself (tests/rendering/test_search.py) are marked `real_pagefind` and run it
every time."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import jinja2


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's bytecode, one file per environment's settings, template name and source: unlike
    FileSystemBytecodeCache (one file per name), tests that restyle a template do not evict the real one, and
    an environment with other settings (whitespace, delimiters) never loads code compiled for another."""

    def __init__(self, folder: Path, environment: jinja2.Environment) -> None:
        self.folder = folder
        settings = [getattr(environment, name) for name in _SETTINGS] + [sorted(environment.extensions)]
        self.settings = hashlib.sha256(repr(settings).encode()).hexdigest()[:16]

    def _file(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{self.settings}-{bucket.key}-{bucket.checksum}"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._file(bucket).read_bytes()
        except OSError:
            return
        bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        _keep(self._file(bucket), bucket.bytecode_to_string())


class PagefindIndexes:
    """Pagefind's files for a list of pages, by the executable, its version and the pages themselves; `real`
    is gongkai.rendering.search._pagefind, `executable` and `version` its lookups (called each time, so a test
    that points them elsewhere misses the kept results and reaches the real thing)."""

    def __init__(self, folder: Path, real: Callable, executable: Callable[[], str], version: Callable[[], str]) -> None:
        self.folder, self.real, self.executable, self.version = folder, real, executable, version
        self.enabled = True

    def __call__(self, pages: list[tuple[str, str]]) -> dict[str, bytes]:
        if not self.enabled:
            return self.real(pages)
        key = hashlib.sha256(json.dumps([self.executable(), self.version(), pages]).encode()).hexdigest()
        kept = self.folder / key
        try:
            return pickle.loads(kept.read_bytes())
        except OSError:
            pass
        files = self.real(pages)
        _keep(kept, pickle.dumps(files))
        return files


# What the compiled code of a template depends on besides its source (jinja2.Environment's parser settings).
_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string", "comment_start_string",
    "comment_end_string", "line_statement_prefix", "line_comment_prefix", "trim_blocks", "lstrip_blocks",
    "newline_sequence", "keep_trailing_newline", "optimized", "autoescape",
)  # fmt: skip


def _keep(path: Path, data: bytes) -> None:
    """Written whole or not at all: readers in other processes never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
