"""Turns a save that changed only the text of items into their redrawn pages, ahead of the full rebuild.

`serve` answers an editor's save in two steps. First this: when every changed file is an item whose new
version differs from the last build's only in its body, the item's own pages (internal and public) are drawn
with the last build's renderers and written at once — they depend on nothing else that changed. Then the
full incremental build runs as always and brings everything that lists or shows the item (the kiosk's
slides, posters) up to date. Anything else (a new, renamed or broken file, a changed title or window, a
template, the config) goes straight to the full build. Hugo's `server` takes a similar shortcut (its "fast
render mode" redraws the pages open in a browser first)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from gongkai import leaks
from gongkai.guarding import public_text
from gongkai.model import Audience, Item
from gongkai.parsing.items import parse_item
from gongkai.pipeline import Kept, Outputs
from gongkai.visibility import Shown


def retouch(kept: Kept, changed: Mapping[str, bytes]) -> Outputs | None:
    """The redrawn pages (paths relative to the output folder) of the items in `changed` (path inside
    content/ -> new bytes), or None when the change reaches further than their text."""
    last, snapshot, memory = kept.result, kept.snapshot, kept.memory
    if not changed or not kept.sites:
        return None
    edited = replace(snapshot, content={**snapshot.content, **changed})
    by_id = {item.id: item for item in last.items}
    redrawn: list[Item] = []
    for relpath in changed:
        cached = memory.items.get(relpath)
        if cached is None:
            return None  # a new file, or one that did not parse last time
        item, errors, warnings = parse_item(edited, last.config, relpath)
        if item is None or errors or tuple(warnings) != cached.warnings:
            return None
        # The text is part of what a review vouches for: its hash changes with it, the review state may not.
        if replace(item, body_html=cached.item.body_html, review_hash=cached.item.review_hash) != cached.item:
            return None  # more than the text changed: lists, windows or relations may change too
        if cached.item.id in by_id:  # the last build's item: windows settled, 索引号 assigned
            redrawn.append(replace(by_id[cached.item.id], body_html=item.body_html))
    outputs: Outputs = []
    for audience, site in kept.sites.items():
        shown = {s.item.id: s for s in site.view.everything}
        for item in redrawn:
            if item.id in shown:
                path, data = site.item_page(Shown(item, shown[item.id].full))
                outputs.append((f"{audience.value}/{path}", data))
    public = [(path, data) for path, data in outputs if path.startswith(f"{Audience.PUBLIC.value}/")]
    public_view = last.views[Audience.PUBLIC]
    # The last build's markers cannot know the new text: passages of what the redrawn items may not show the
    # public (a withdrawn item's new text, any feedback) join them, or a restyled template could write it.
    markers = [*kept.markers, *leaks.forbidden(redrawn, Audience.PUBLIC, public_view.day)]
    if leaks.scan(public, markers, "公开输出", lambda: public_text(edited, public_view)):
        return None  # the full build reports it, and writes nothing
    return outputs
