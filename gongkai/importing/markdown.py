"""Turns the blocks of a Word document into the Markdown an item's body is written in: headings, lists, tables,
bold and italic, images, with every character that Markdown would read as markup escaped."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from gongkai.importing.docx import Block, Paragraph, Run, Table

_LINE_START = re.compile(r"^(#|>|[-+*](?=\s|$)|-{3,}\s*$)")
_ORDERED = re.compile(r"^(\d+)([.)])(?=\s|$)")
_INLINE = re.compile(r"([\\`*_\[\]])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
# A short line opening with 一、 or （一）, without a full stop: the 一级 and 二级 headings of GB/T 9704 typed by hand.
_HAND_HEADINGS = ((re.compile(r"^[一二三四五六七八九十]+、\S"), 2), (re.compile(r"^[（(][一二三四五六七八九十]+[）)]\S"), 3))
_SPACES = " \t\u3000\u00a0"


def to_markdown(blocks: Sequence[Block], image_folder: str, skip: Collection[int] = ()) -> str:
    """`image_folder`: where the images are, relative to the item file (e.g. ../../attachments/x)."""
    styled_headings = any(isinstance(b, Paragraph) and b.heading for b in blocks)
    parts: list[str] = []
    levels: list[int] = []  # the Word list level at each depth of the Markdown list being written
    top_marker = ""  # "-" or "1.": a change at the top level starts a new list
    for index, block in enumerate(blocks):
        if index in skip:
            continue
        if isinstance(block, Table):
            parts.append(_table(block, image_folder))
            levels = []
            continue
        text = _inline(block.runs).strip(_SPACES)
        images = [_image(name, alt, image_folder) for name, alt in zip(block.images, block.alt, strict=True)]
        if _markdown_list(block.marker) and not block.heading and text:
            in_list = bool(levels)
            while levels and levels[-1] > block.level:
                levels.pop()
            if not levels or levels[-1] < block.level:  # one level deeper at most: never a code block
                levels.append(block.level)
            depth = len(levels) - 1
            kind = "-" if block.marker == "-" else "1."
            item = "    " * depth + f"{block.marker} " + _hanging(_line_start(text), depth)
            if in_list and (depth or kind == top_marker):
                parts[-1] += "\n" + item
            else:
                parts.append(item)
            top_marker = kind if depth == 0 else top_marker
        elif text:
            parts.append(_paragraph(block, text, styled_headings))
            levels = []
        parts.extend(images)
        if images:
            levels = []
    return "\n\n".join(parts) + "\n" if parts else ""


def _paragraph(paragraph: Paragraph, text: str, styled_headings: bool) -> str:
    marker = _escape(paragraph.marker)
    if marker and not marker.endswith(("、", "．", "）", ")", ".")):
        marker += " "
    plain = "".join(run.text for run in paragraph.runs).strip(_SPACES)
    level = paragraph.heading + 1 if paragraph.heading else 0
    if not level and not styled_headings and len(plain) <= 30 and not re.search(r"[。；：:！？]$", plain):
        level = next((lvl for pattern, lvl in _HAND_HEADINGS if pattern.match(paragraph.marker + plain)), 0)
    if level:  # a heading's text without bold or links: the heading is emphasis enough
        return "#" * min(level, 6) + " " + marker + _escape(re.sub(r"\s+", " ", plain))
    return _line_start(marker + text).replace("\n", "  \n")


def _markdown_list(marker: str) -> bool:
    return marker == "-" or bool(re.fullmatch(r"\d+\.", marker))


def _hanging(text: str, level: int) -> str:
    """A list item's later lines indented under it."""
    return text.replace("\n", "  \n" + "    " * (level + 1))


def _inline(runs: Sequence[Run]) -> str:
    out = []
    for run in runs:
        text = _escape(run.text)
        lines = [_line_start(line) if n else line for n, line in enumerate(text.split("\n"))]
        text = "\n".join(line.lstrip(_SPACES) if n else line for n, line in enumerate(lines))
        core = text.strip(_SPACES + "\n")
        if core and (run.bold or run.italic):
            mark = "***" if run.bold and run.italic else "**" if run.bold else "*"
            lead, trail = text[: len(text) - len(text.lstrip(_SPACES + "\n"))], text[len(text.rstrip(_SPACES + "\n")) :]
            text = f"{lead}{mark}{core}{mark}{trail}"
        if core and run.link and re.match(r"^(https?|mailto):", run.link):
            text = f"[{text}]({_url(run.link)})"
        out.append(text)
    return "".join(out)


def _table(table: Table, image_folder: str) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            shown = []
            for paragraph in cell:
                text = _inline(paragraph.runs).strip(_SPACES).replace("\n", " ")
                if text:
                    marker = "·" if paragraph.marker == "-" else paragraph.marker + " " if paragraph.marker else ""
                    shown.append(_escape(marker) + text)
                shown += [_image(name, alt, image_folder) for name, alt in zip(paragraph.images, paragraph.alt, strict=True)]
            cells.append(" ".join(shown).replace("|", "\\|"))
        rows.append("| " + " | ".join(cells) + " |")
    rows.insert(1, "|" + "---|" * len(table.rows[0]))
    return "\n".join(rows)


def _image(name: str, alt: str, folder: str) -> str:
    return f"![{_escape(alt or name.rsplit('.', 1)[0])}]({_url(f'{folder}/{name}' if folder else name)})"


def _url(target: str) -> str:
    return target.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _escape(text: str) -> str:
    """Text shown as written: markup characters escaped; `<` and entity-like `&…;` as entities (Python-Markdown
    reads `<http://…>` as a link and `&amp;` as an ampersand)."""
    return _ENTITY.sub("&amp;", _INLINE.sub(r"\\\1", text)).replace("<", "&lt;")


def _line_start(line: str) -> str:
    """A paragraph or line that would open a heading, quote, list or rule in Markdown, kept as text."""
    stripped = line.lstrip(_SPACES)
    if stripped.startswith("="):  # a setext underline; "=" has no backslash escape in Python-Markdown
        return "&#61;" + stripped[1:]
    if _LINE_START.match(stripped):
        return "\\" + stripped
    return _ORDERED.sub(r"\1\\\2", stripped)
