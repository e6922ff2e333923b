"""Turns the settled items and what each audience sees into the guards its outputs are scanned against: the
forbidden markers (the members' too: drafts, items not yet begun) and, to tell a coincidence from a leak,
everything the audience may legitimately read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from gongkai import leaks
from gongkai.model import Audience, Item
from gongkai.reading import Snapshot
from gongkai.state import Guard, markers_digest
from gongkai.visibility import View


def guard_outputs(
    snapshot: Snapshot,
    items: tuple[Item, ...],
    views: Mapping[Audience, View],
    day: date,
    record_texts: tuple[str, ...],
    reviewers: tuple[str, ...],
    cuts: leaks.Cuts,
) -> dict[Audience, Guard]:
    """What each audience's outputs are scanned against: the members' too (drafts, items not yet begun)."""
    guards = {}
    for audience in Audience:
        markers = leaks.forbidden(items, audience, day, cuts)
        extra = record_texts if audience is Audience.INTERNAL else ()
        unread = reviewers if audience is Audience.PUBLIC else ()  # the config names them; the public never reads it
        # Built only if a forbidden text recurs: to tell a coincidence from a leak.
        allowed = lambda seen=views[audience], extra=extra, unread=unread: public_text(snapshot, seen, *extra, unread=unread)  # noqa: E731
        guards[audience] = Guard(markers, markers_digest(markers), allowed, leaks.OUTPUTS[audience])
    return guards


def public_text(snapshot: Snapshot, seen: View, *extra: str, unread: tuple[str, ...] = ()) -> str:
    """Everything the audience of `seen` may legitimately read (the public's, or the members' with `extra`, the
    record pages' own texts), to tell a coincidence from a leak. `unread`: names the config holds that this
    audience never reads (the reviewers, for the public), so that one printed for it is a leak."""
    settings = snapshot.config.decode("utf-8", "replace")
    for name in unread:
        settings = settings.replace(name, "\0")
    parts = [settings, *snapshot.templates.values(), *extra]
    parts += [item.title for item, _ in seen.notices]  # an ended item's address keeps its title (visibility.notice)
    for shown in seen.everything:
        item = shown.item
        parts += [item.title, item.withdrawn_reason, item.doc_number, item.issuer, item.department, item.index_number]
        if shown.full:
            parts += [item.summary, item.body_html, *(a.name for a in item.attachments)]
        if seen.audience is Audience.INTERNAL:
            parts += [text for f in item.feedback for text in (f.summary, f.response)]
    return "\0".join(parts)  # no text holds it: the scan cuts this into the texts it is made of
