"""Turns a page's URL into a QR code drawn as inline SVG, for the posters and the lobby screen."""

from __future__ import annotations


def qr_svg(url: str) -> str:
    """Sized by CSS (no width or height of its own). Error level M and the standard 4-module quiet zone:
    reliable from a printed, pinned, slightly worn sheet and from a screen read at an angle."""
    import segno  # imported when a code is drawn: builds without a URL never pay for it

    return segno.make(url, error="m").svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff")
