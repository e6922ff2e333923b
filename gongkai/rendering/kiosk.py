"""Turns what the lobby screen's audience sees into a self-running, self-contained kiosk page with its data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from gongkai.model import Config, Item
from gongkai.rendering.site import Relations, item_record
from gongkai.rendering.templates import environment, fingerprint, render
from gongkai.visibility import Shown, View, carried_by, next_change

POLL_SECONDS = 30


def render_kiosk(
    config: Config, seen: View, items: tuple[Item, ...], templates: Mapping[str, str], files: Mapping[str, bytes], root: str
) -> list[tuple[str, bytes]]:
    """kiosk/index.html with the slides inline (file:// cannot fetch), slides.json and version.json for polling
    over http, the script and stylesheet, and the images the slides show. Paths relative to the output folder."""
    seen = seen.only(config.kiosk.categories, carried_by(config.catalog, "kiosk"))
    script = templates["kiosk/kiosk.js"].encode("utf-8")
    style = templates["kiosk/kiosk.css"].encode("utf-8")
    assets = fingerprint(script + b"\0" + style)
    nxt = next_change(items, seen.audience, seen.day)
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
        "slides": [_slide(s, config, relations) for s in seen.current],
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


def _slide(shown: Shown, config: Config, relations: Relations) -> dict[str, Any]:
    """The site's JSON record of the item, with the text the screen shows; files are for the sites only."""
    slide = item_record(shown, config, relations)
    del slide["url"]
    if shown.full:
        slide["body"] = shown.item.body_html
        slide["attachments"] = [a["name"] for a in slide["attachments"]]
    return slide
