"""Turns what a key of a settings file may hold into one declaration: its label, kind, choices, limits, default and help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Key:
    """One key of an item's front matter or of site_config.yaml: what the parser accepts, the docs list and a
    form asks for (its Chinese label and a line of help)."""

    key: str
    label: str
    # text | category | choice | date | department | flag | files | mapping | feedback | item (items);
    # text | integer | flag | date | choice | list | section | url | path | timezone | pattern | department |
    # carriers | categories | days | addresses (site_config.yaml)
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value written in the file, what the form shows)
    help: str = ""
    in_form: bool = True  # False: kept as written, edited by hand (the desk never touches it)
    aliases: tuple[tuple[str, str], ...] = ()  # (another way to write a value, the value it means)
    default: Any = None  # the value when the key is not written, as written in the file; None: none
    default_note: str = ""  # when the default depends on other settings: what it is, in words
    minimum: int | None = None
    maximum: int | None = None

    @property
    def accepted(self) -> dict[str, str]:
        """Every way to write a value, mapped to the value it means."""
        return {value: value for value, _ in self.choices} | dict(self.aliases)


# Who may see an item, a board or the screen: the items' `scope` and the config's `audience` and `scope`.
AUDIENCE_CHOICES = (("internal", "党内公开"), ("public", "向社会公开"))
AUDIENCE_ALIASES = (("党内", "internal"), ("党外", "public"), ("社会", "public"))
