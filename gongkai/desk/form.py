"""Turns an item file into the desk's form values and back: a submitted form into the file's new bytes, and the
parser's problems into messages beside the fields they concern."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gongkai.desk.frontmatter import Document, create, edit, read
from gongkai.model import Config
from gongkai.parsing.items import SCOPES, STATUSES
from gongkai.parsing.markup import resolve_content_path
from gongkai.problems import Problem
from gongkai.schema import FORM_KEYS, SCHEMA_BY_KEY

Form = dict[str, Any]  # form key -> str | bool | list[str]; plus "body"


def form_values(document: Document | None, relpath: str, config: Config) -> Form:
    """What the form shows for a file (None: a new item), every value as the form holds it."""
    values = document.values if document else {}
    form: Form = {key: _canonical(key, values.get(key), relpath, config) for key in FORM_KEYS}
    form["body"] = document.body if document else ""
    return form


def _canonical(key: str, value: Any, relpath: str, config: Config) -> Any:
    """One meaning, one form: 党外 and public, a category's name and its key, are the same value. `relpath`:
    the file that wrote the value (files are relative to it), '' for the form (files relative to content/)."""
    kind = SCHEMA_BY_KEY[key].kind
    if kind == "flag":
        return value is True
    if kind == "files":
        paths = value if isinstance(value, list) else []
        base = posixpath.dirname(relpath)
        return [resolve_content_path(base, str(p).strip()) or str(p) for p in paths if str(p).strip()]
    text = "" if value is None else str(value).strip()
    if key == "scope":
        return SCOPES.get(text, text)
    if key == "status":
        return STATUSES.get(text, text) if text else SCHEMA_BY_KEY["status"].default
    if kind == "category":
        return next((e.key for e in config.catalog if text in (e.key, e.name)), text)
    return text


def changes(document: Document | None, relpath: str, submitted: Mapping[str, Any], config: Config) -> dict[str, Any]:
    """The keys whose meaning the form changed, with what to write (None: remove the key)."""
    before = form_values(document, relpath, config)
    result: dict[str, Any] = {}
    for key in FORM_KEYS:
        if key not in submitted:
            continue
        after = _canonical(key, _plain(key, submitted[key]), "", config)
        if after == before[key]:
            continue
        kind = SCHEMA_BY_KEY[key].kind
        if kind == "flag":
            result[key] = True if after else None
        elif kind == "files":
            base = posixpath.dirname(relpath) or "."
            result[key] = [posixpath.relpath(p, base) for p in after] or None
        elif key == "status" and after == "published":
            result[key] = None if document is None or "status" not in document.values else "published"
        else:
            result[key] = after or None
    return result


def _plain(key: str, value: Any) -> Any:
    """A submitted value in the types the form uses (a browser may send anything)."""
    kind = SCHEMA_BY_KEY[key].kind
    if kind == "flag":
        return value is True
    if kind == "files":
        return [str(v) for v in value] if isinstance(value, list) else []
    return "" if value is None or isinstance(value, list | dict) else str(value)


def candidate(data: bytes | None, relpath: str, submitted: Mapping[str, Any], config: Config) -> bytes:
    """The file as it would be saved. Raises frontmatter.Unreadable for a file the desk cannot edit by key."""
    body = str(submitted.get("body", ""))
    if data is None:
        return create(changes(None, relpath, submitted, config), body)
    document = read(data, relpath)
    return edit(document, changes(document, relpath, submitted, config), body)


def new_path(submitted: Mapping[str, Any], config: Config, today: date) -> str:
    """Where a new item goes, as `python build.py new` would put it: year/category/date-title.md."""
    category = _canonical("category", submitted.get("category"), "", config) or "item"
    start = str(submitted.get("valid_from") or "").strip()
    day = date.fromisoformat(start) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) and _real(start) else today
    slug = re.sub(r"[^\w-]+", "-", str(submitted.get("title") or "")).strip("-")[:40] or "item"
    return f"{day.year}/{re.sub(r'[^A-Za-z0-9_-]+', '-', category)}/{day.isoformat()}-{slug}.md"


def _real(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Message:
    field: str  # a form key, "body", or "" for the file as a whole
    line: int
    text: str


_MISSING = re.compile(r"缺少“(\w+)”")


def placed(data: bytes, relpath: str, problems: list[Problem]) -> list[Message]:
    """Each problem beside the field on its line; a missing key's message beside that key's field."""
    try:
        document = read(data, relpath)
    except ValueError:
        document = None
    result = []
    for problem in problems:
        field = ""
        missing = _MISSING.search(problem.message)
        if missing and missing.group(1) in SCHEMA_BY_KEY:
            field = missing.group(1)
        elif document is not None:
            index = problem.line - 1
            field = next((key for key, (first, after) in document.spans.items() if first <= index < after), "")
            if document.markdown and index > document.yaml_end:
                field = "body"
            elif field == "body" or (field and field not in FORM_KEYS):
                field = "body" if field == "body" else ""
        result.append(Message(field, problem.line, in_form_words(problem.message)))
    return result


# A key as the parser names it, not inside a path or a longer name; "scope: internal" with its value.
_KEY_WORD = re.compile(
    r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, SCHEMA_BY_KEY), key=len, reverse=True)) + r")"
    r"(?:: ?(\w+))?(?![\w./-])"
)


def in_form_words(message: str) -> str:
    """The parser's message as the form says it: its labels (公开截止) for the file's key names (valid_until),
    which the form never shows. The command line keeps the key names: there the clerk edits the file."""

    def label(match: re.Match[str]) -> str:
        key = SCHEMA_BY_KEY[match.group(1)]
        quoted = match.start() > 0 and match.string[match.start() - 1] == "“"
        if match.group(2) is None:
            return key.label if quoted else f"“{key.label}”"
        shown = dict(key.choices).get(match.group(2))
        return f"“{key.label}”为“{shown}”" if shown else f"“{key.label}”{match.group(0)[len(key.key) :]}"

    return _KEY_WORD.sub(label, message)


def entry_category(config: Config, category: str) -> str:
    """The catalogue key `category` names (its key or its name), '' when none does."""
    return next((e.key for e in config.catalog if category and category in (e.key, e.name)), "")


def entry_scope(config: Config, category: str) -> str:
    """The scope a new item of `category` starts with: its catalogue entry's, else 向社会公开."""
    entry = next((e for e in config.catalog if category and category in (e.key, e.name)), None)
    return entry.scope.value if entry is not None and entry.scope is not None else "public"


def default_until(config: Config, category: str, start: str) -> str:
    """The category's default last day for a window starting on `start` ('' when it has none)."""
    entry = next((e for e in config.catalog if category in (e.key, e.name)), None)
    if entry is None or not entry.default_days or not _real(start):
        return ""
    return (date.fromisoformat(start) + timedelta(days=entry.default_days - 1)).isoformat()
