"""Debian's Chromium driven by Playwright (no browser download), a paused page clock, and a loopback HTTP server for
output trees."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# As root in a sandbox with no network: no sandbox, no GPU, and none of the background requests Chromium
# makes at start (they would be refused, many at a time, and clutter the logs).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pause_clock(page: Any, at: datetime) -> None:
    """Fakes the page's clock, paused at `at`: from then on only page.clock.run_for moves time, so a test counts
    the same seconds however slow the machine (an installed clock alone flows in real time while pages load).
    Call it before page.goto; Playwright replays it on every reload."""
    # Installed a minute early, then paused at the moment: pausing where the clock already is can land a few
    # milliseconds in the past, which Playwright refuses.
    page.clock.install(time=at - timedelta(minutes=1))
    page.clock.pause_at(at)


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serves `root` on 127.0.0.1 on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
