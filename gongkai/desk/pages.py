"""Turns the site on disk into the desk's pages: the item list, the new/edit form and the commit page."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2

from gongkai.desk import commit as git
from gongkai.desk import form, security
from gongkai.desk.frontmatter import Unreadable, read
from gongkai.desk.listing import STATES, listing
from gongkai.desk.replies import Request, Response, as_text
from gongkai.desk.saving import fingerprint
from gongkai.parsing.items import is_item_file
from gongkai.schema import ITEM_SCHEMA

if TYPE_CHECKING:
    from gongkai.desk.app import Desk


def render(desk: Desk, name: str, request: Request, **context: Any) -> Response:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(desk.paths.templates / "desk"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["script_json"] = lambda value: json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
    token = security.csrf_token(desk.secret, request.user)
    html = env.get_template(name).render(token=token, user=request.user, quote=quote, **context)
    return Response(200, "text/html; charset=utf-8", html.encode())


def list_page(desk: Desk, request: Request) -> Response:
    snapshot, config = desk.site()
    day = desk.today(config)
    with desk.lock:  # the memory of parsed items is shared with saves
        found = listing(snapshot, config, day, desk.memory)
    names = {e.key: e.name for e in config.catalog}
    context = {"rows": found.rows, "broken": found.broken, "day": day, "states": STATES, "catalog": config.catalog}
    return render(desk, "list.html", request, names=names, **context)


def edit_page(desk: Desk, request: Request, relpath: str) -> Response:
    snapshot, config = desk.site()
    data = snapshot.content.get(relpath) if relpath else None
    if relpath and (data is None or not is_item_file(relpath)):
        return as_text(404, f"content/{relpath} 不是事项文件，或已不存在。")
    unreadable = ""
    try:
        document = read(data, relpath) if data is not None else None
    except Unreadable as why:
        document, unreadable = None, str(why)
    values = form.form_values(document, relpath, config)
    if not relpath:
        values.update(scope="public", valid_from=desk.today(config).isoformat())
    groups: dict[str, list[tuple[str, str, int | None]]] = {}
    for entry in config.catalog:
        groups.setdefault(entry.group, []).append((entry.key, entry.name, entry.default_days))
    setup = {
        "path": relpath,
        "hash": fingerprint(data),
        "values": values,
        "departments": {e.key: e.department or "" for e in config.catalog},
        "days": {e.key: e.default_days for e in config.catalog},
    }
    return render(
        desk,
        "edit.html",
        request,
        relpath=relpath,
        schema=ITEM_SCHEMA,
        groups=groups,
        department_names=[d.name for d in config.departments],
        setup=setup,
        unreadable=unreadable,
        title=str(values.get("title") or "新事项"),
    )


def commit_page(desk: Desk, request: Request) -> Response:
    root = git.repository(desk.paths.content)
    changes = git.pending(root, desk.committed()) if root else []
    return render(desk, "commit.html", request, repository=root, changes=changes, push=desk.push)
