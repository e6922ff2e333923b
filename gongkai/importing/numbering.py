"""Turns Word's styles.xml and numbering.xml into what a paragraph inherits (heading level, alignment, list) and
the marker each list paragraph shows ("1.", "-", "一、", "（二）"), counting as Word counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docx.oxml.ns import qn
from lxml import etree

W_VAL = qn("w:val")
_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_HEADING = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_DIGITS = "〇一二三四五六七八九"
_STEMS = "甲乙丙丁戊己庚辛壬癸"


@dataclass(frozen=True)
class StyleInfo:
    name: str = ""
    heading: int = 0
    align: str = ""
    num_id: str | None = None
    level: str | None = None


class StyleSheet:
    """Paragraph styles by id, with what they inherit through basedOn resolved."""

    def __init__(self, styles: etree._Element | None) -> None:
        self._raw: dict[str, etree._Element] = {}
        if styles is not None:
            for style in styles.iterfind("w:style", _NS):
                if style.get(qn("w:type")) in (None, "paragraph"):
                    self._raw[style.get(qn("w:styleId"), "")] = style
        self._resolved: dict[str, StyleInfo] = {}

    def get(self, style_id: str | None, depth: int = 0) -> StyleInfo:
        if not style_id or style_id not in self._raw or depth > 20:  # basedOn loops exist in damaged files
            return StyleInfo()
        if style_id in self._resolved:
            return self._resolved[style_id]
        style = self._raw[style_id]
        base = self.get(_val(style, "w:basedOn"), depth + 1)
        name = _val(style, "w:name") or style_id
        match = _HEADING.match(name)
        outline = _val(style, "w:pPr/w:outlineLvl")
        heading = int(match.group(1)) if match else (int(outline) + 1 if outline and outline.isdigit() else base.heading)
        num_id = _val(style, "w:pPr/w:numPr/w:numId")
        info = StyleInfo(
            name=name,
            heading=heading if heading <= 9 else 0,
            align=_val(style, "w:pPr/w:jc") or base.align,
            num_id=num_id if num_id is not None else base.num_id,
            level=_val(style, "w:pPr/w:numPr/w:ilvl") or (base.level if num_id is None else None),
        )
        self._resolved[style_id] = info
        return info


@dataclass(frozen=True)
class _Level:
    format: str  # numFmt: decimal, bullet, chineseCounting, …
    text: str  # lvlText: "%1.", "（%1）", "%1、", "", …
    start: int


class Numbering:
    """Lists as Word numbers them: a counter per list and level, deeper levels restarting when a higher one moves."""

    def __init__(self, numbering: etree._Element | None) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._lists: dict[str, tuple[str, dict[int, _Level]]] = {}  # numId -> (abstractNumId, overridden levels)
        self._counters: dict[str, dict[int, int]] = {}
        if numbering is None:
            return
        for abstract in numbering.iterfind("w:abstractNum", _NS):
            self._abstract[abstract.get(qn("w:abstractNumId"), "")] = _levels(abstract)
        for num in numbering.iterfind("w:num", _NS):
            overrides: dict[int, _Level] = {}
            abstract_id = _val(num, "w:abstractNumId") or ""
            for override in num.iterfind("w:lvlOverride", _NS):
                level = int(override.get(qn("w:ilvl"), "0"))
                base = self._abstract.get(abstract_id, {}).get(level, _Level("decimal", f"%{level + 1}.", 1))
                start = _val(override, "w:startOverride")
                replaced = _levels(override).get(level, base)
                overrides[level] = _Level(replaced.format, replaced.text, int(start) if start else replaced.start)
            self._lists[num.get(qn("w:numId"), "")] = (abstract_id, overrides)

    def marker(self, num_id: str, level: int) -> str:
        if num_id not in self._lists:
            return ""
        abstract_id, overrides = self._lists[num_id]
        levels = {**self._abstract.get(abstract_id, {}), **overrides}
        spec = levels.get(level)
        if spec is None or spec.format == "none":
            return ""
        if spec.format == "bullet":
            return "-"
        # Lists of one abstract definition continue each other, as in Word, unless a list restarts its count.
        counters = self._counters.setdefault(num_id if overrides else abstract_id, {})
        counters[level] = counters.get(level, levels[level].start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        if re.fullmatch(r"%\d[.．]?", spec.text) and spec.format in ("decimal", "decimalHalfWidth"):
            return f"{counters[level]}."  # a Markdown ordered item; the number is kept (sane lists start there)
        shown = spec.text
        for number in range(1, 10):
            if f"%{number}" in shown:
                deeper_spec = levels.get(number - 1, spec)
                value = counters.get(number - 1, deeper_spec.start)
                shown = shown.replace(f"%{number}", _format(value, deeper_spec.format))
        return shown


def _levels(element: etree._Element) -> dict[int, _Level]:
    result = {}
    for level in element.iterfind("w:lvl", _NS):
        start = _val(level, "w:start")
        result[int(level.get(qn("w:ilvl"), "0"))] = _Level(
            _val(level, "w:numFmt") or "decimal", _val(level, "w:lvlText") or "", int(start) if start else 1
        )
    return result


def _format(value: int, form: str) -> str:
    if form in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital"):
        return _chinese(value)
    if form == "ideographTraditional" and 1 <= value <= 10:
        return _STEMS[value - 1]
    if form == "decimalEnclosedCircle" and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if form == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if form == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if form in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if form == "lowerRoman" else roman
    if form == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if form == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _chinese(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as Word counts 一、二、…)."""
    if value < 10:
        return _DIGITS[value]
    if value < 20:
        return "十" + (_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        return _DIGITS[value // 10] + "十" + (_DIGITS[value % 10] if value % 10 else "")
    rest = value % 100
    tail = "" if rest == 0 else "零" + _DIGITS[rest] if rest < 10 else ("一" if rest < 20 else "") + _chinese(rest)
    return _chinese(value // 100) + "百" + tail


def _roman(value: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
    result = ""
    for amount, numeral in numerals:
        while value >= amount:
            result += numeral
            value -= amount
    return result


def _val(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, _NS)
    return None if found is None else found.get(W_VAL)
