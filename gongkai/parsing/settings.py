"""Turns the keys of one section of site_config.yaml into values, as the schema declares them: kind, limits,
choices and default."""

from __future__ import annotations

from typing import Any

from gongkai.parsing.fields import Fields
from gongkai.schema.config import Section
from gongkai.schema.keys import Key


def read(fields: Fields, key: Key) -> Any:
    """The value written for a plain key, read as its kind says; None when not written or wrong (the problem is
    recorded)."""
    if key.kind == "integer":
        return fields.integer(key.key, minimum=key.minimum or 0, maximum=key.maximum)
    if key.kind == "choice":
        return fields.choice(key.key, key.accepted, required=key.required)
    if key.kind == "flag":
        return fields.boolean(key.key)
    if key.kind == "date":
        return fields.date(key.key, required=key.required)
    return fields.text(key.key, required=key.required) or None


def settings(fields: Fields, section: Section, *names: str) -> dict[str, Any]:
    """The named keys' values, or their defaults when not written; keys with neither are left out, so that the
    dataclass's own default applies."""
    values = {}
    for name in names:
        value = read(fields, section[name])
        if (value := section[name].default if value is None else value) is not None:
            values[name] = value
    return values
