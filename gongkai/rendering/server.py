"""Turns the `server:` and `deploy:` settings into a ready nginx configuration for the deployed trees."""

from __future__ import annotations

from collections.abc import Mapping

from gongkai.model import Config
from gongkai.rendering.templates import environment, render

SOURCES = ("internal", "public", "kiosk", "posters")
PATH = "server/nginx.conf"


def served_roots(config: Config) -> dict[str, str]:
    """Each source is served from the `current` symlink of its first local deploy target, else under server.root."""
    roots = {}
    for source in SOURCES:
        local = next((t for t in config.deploy if t.source == source and not t.remote), None)
        roots[source] = f"{local.dest.rstrip('/')}/current" if local else f"{config.server.root}/{source}/current"
    return roots


def render_server(config: Config, templates: Mapping[str, str], root: str) -> list[tuple[str, bytes]]:
    env = environment(templates, root)
    text = render(env, "server/nginx.conf", site=config.site, server=config.server, roots=served_roots(config), here=PATH)
    return [(PATH, text.encode("utf-8"))]
