"""Turns what the lobby screen's audience sees into a self-running, self-contained kiosk page with its data."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from gongkai.model import Audience, Config, Item
from gongkai.rendering.qr import qr_svg
from gongkai.rendering.site import Relations, item_record
from gongkai.rendering.templates import environment, fingerprint, href, render
from gongkai.visibility import Shown, View, carried_by, next_change

POLL_SECONDS = 30
# A QR code costs ~5 ms to draw, so only items that might run past kiosk.max_screens get one (unless every
# slide shows one): more blocks than screens, or more characters than this per screen. A screen holds at
# least one block and ~240 characters (portrait, the narrowest), so an item under both limits always fits.
CHARACTERS_PER_SCREEN = 80
_BLOCK = re.compile(r"<(?:p|li|tr|img|h[1-6]|pre|blockquote|hr)\b")
_TAG = re.compile(r"<[^>]*>")


def render_kiosk(
    config: Config,
    seen: View,
    templates: Mapping[str, str],
    files: Mapping[str, bytes],
    root: str,
    qr: Callable[[str], str] = qr_svg,
) -> list[tuple[str, bytes]]:
    """kiosk/index.html with the slides inline (file:// cannot fetch), slides.json and version.json for polling
    over http, the script and stylesheet, and the images the slides show. Paths relative to the output folder."""
    seen = seen.only(config.kiosk.categories, carried_by(config.catalog, "kiosk"))
    script = templates["kiosk/kiosk.js"].encode("utf-8")
    style = templates["kiosk/kiosk.css"].encode("utf-8")
    assets = fingerprint(script + b"\0" + style)
    # The screen reloads when what it shows changes. Only the ends of its slides are asked: their windows are
    # printed on them, while the day a hidden item starts or goes public is not for this audience to learn.
    # A new item reaches the screen with the build that shows it (polled, or reloaded after a rotation).
    nxt = next_change(tuple(s.item for s in seen.current), seen.audience, seen.day)
    relations = Relations.of(seen.current)  # links only between slides the screen shows
    data: dict[str, Any] = {
        "title": config.kiosk.title,
        "organisation": config.site.name,
        "feedback": {
            "mailbox": config.site.feedback.mailbox,
            "phone": config.site.feedback.phone,
            "email": config.site.feedback.email,
        },
        "timezone": config.site.timezone,
        "built": seen.day.isoformat(),
        "next_change": nxt.isoformat() if nxt else None,
        "seconds_per_item": config.kiosk.seconds_per_item,
        "poll_seconds": POLL_SECONDS,
        "orientation": config.kiosk.orientation,
        "max_screens": config.kiosk.max_screens,
        "qr": config.kiosk.qr,
        "slides": [_slide(s, config, relations, qr) for s in seen.current],
    }
    version = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
    data["version"] = version
    slides_json = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    env = environment(templates, root)
    html = render(
        env, "kiosk/index.html", kiosk=config.kiosk, site=config.site, assets=assets,
        script=f"kiosk.{fingerprint(script)}.js", stylesheet=f"kiosk.{fingerprint(style)}.css",
        data=slides_json.replace("</", "<\\/"),  # inside <script>: no "</script>" may appear
    )  # fmt: skip
    outputs = [
        ("kiosk/index.html", html.encode("utf-8")),
        ("kiosk/slides.json", (slides_json + "\n").encode("utf-8")),
        ("kiosk/version.json", (json.dumps({"version": version, "assets": assets}) + "\n").encode("utf-8")),
        (f"kiosk/kiosk.{fingerprint(script)}.js", script),
        (f"kiosk/kiosk.{fingerprint(style)}.css", style),
    ]
    for shown in seen.current:
        if shown.full:  # images in the text; attachments are for the sites, a screen cannot open them
            outputs.extend((f"kiosk/{a.output_path}", files[a.source]) for a in shown.item.attachments if not a.listed)
    return sorted(dict(outputs).items())


def _slide(shown: Shown, config: Config, relations: Relations, qr: Callable[[str], str] = qr_svg) -> dict[str, Any]:
    """The site's JSON record of the item, with the text the screen shows, and where to read it in full: a QR
    code to its page on the site of the kiosk's audience, or a sentence when that site has no address."""
    slide = item_record(shown, config, relations)
    del slide["url"]
    if not shown.full:  # a withdrawal notice: nothing to read in full
        return slide
    item = shown.item
    slide["body"] = item.body_html
    slide["attachments"] = [a["name"] for a in slide["attachments"]]
    base = config.site.public_url if config.kiosk.audience is Audience.PUBLIC else config.site.internal_url
    if base and (config.kiosk.qr or _might_run_long(item, config.kiosk.max_screens)):
        slide["link"] = f"{base}/{href(item.page_path)}"
        slide["qr"] = qr(slide["link"])
    elif not base:
        slide["elsewhere"] = _elsewhere(item, config)
    return slide


def _might_run_long(item: Item, max_screens: int) -> bool:
    text = item.summary + _TAG.sub("", item.body_html)
    blocks = len(_BLOCK.findall(item.body_html)) + bool(item.summary) + bool(item.attachments)
    return blocks > max_screens or len(text) > CHARACTERS_PER_SCREEN * max_screens


def _elsewhere(item: Item, config: Config) -> str:
    """Where a reader finds the whole text when the screen cannot link to it: a board that shows it, or its issuer."""
    for board in config.boards:
        if board.audience is config.kiosk.audience and (not board.categories or item.category in board.categories):
            return f"全文请看“{board.title}”或向{item.issuer}查阅。"
    return f"全文请向{item.issuer}查阅。"
