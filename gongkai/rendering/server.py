"""Turns the `server:` and `deploy:` settings into a ready nginx configuration for the deployed trees."""

from __future__ import annotations

from collections.abc import Mapping

from gongkai.model import Audience, Config
from gongkai.parsing.publishing import line_problem, path_problem
from gongkai.rendering.templates import environment, render

SOURCES = ("internal", "public", "kiosk", "posters")
PATH = "server/nginx.conf"


def guarded_sources(config: Config) -> tuple[str, ...]:
    """The sources only members may read: the internal site, the posters (the printing folder holds the
    internal boards too) and the kiosk when its audience is internal. nginx guards them; deploy checks them."""
    kiosk = ("kiosk",) if config.kiosk.audience is Audience.INTERNAL else ()
    return ("internal", *kiosk, "posters")


def served_roots(config: Config) -> dict[str, str]:
    """Each source is served from the `current` symlink of its first local deploy target, else under server.root."""
    roots = {}
    for source in SOURCES:
        local = next((t for t in config.deploy if t.source == source and not t.remote), None)
        roots[source] = f"{local.dest.rstrip('/')}/current" if local else f"{config.server.root.rstrip('/')}/{source}/current"
    return roots


def render_server(config: Config, templates: Mapping[str, str], root: str) -> list[tuple[str, bytes]]:
    roots = served_roots(config)
    _refuse_unchecked(config, roots)
    env = environment(templates, root)
    text = render(
        env,
        "server/nginx.conf",
        site=config.site,
        server=config.server,
        roots=roots,
        guarded=guarded_sources(config),
        here=PATH,
    )
    return [(PATH, text.encode("utf-8"))]


def _refuse_unchecked(config: Config, roots: Mapping[str, str]) -> None:
    """The parser has refused every unsafe value with file:line; a Config made another way must not slip one
    into the web server's configuration either."""
    paths = [*roots.values(), *([config.server.auth_file] if config.server.auth_file else [])]
    unsafe = [p for p in paths if path_problem(p)] + [config.site.name] * bool(line_problem(config.site.name))
    if unsafe:
        raise ValueError(f"unchecked values would reach nginx.conf: {unsafe!r}")
