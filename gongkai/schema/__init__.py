"""Declares every key a user writes, in item files and in site_config.yaml, once: the parsers, the docs and the forms
read them from here."""

from gongkai.schema.items import FORM_KEYS, ITEM_SCHEMA, SCHEMA_BY_KEY
from gongkai.schema.keys import Key

__all__ = ["FORM_KEYS", "ITEM_SCHEMA", "SCHEMA_BY_KEY", "Key"]
