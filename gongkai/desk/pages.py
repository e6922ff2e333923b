"""Turns the site on disk into the desk's pages: the item list, the new/edit form and the commit page."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2

from gongkai.desk import commit as git
from gongkai.desk import form, mending, security
from gongkai.desk.actions import saved_notice
from gongkai.desk.frontmatter import Unreadable, read
from gongkai.desk.listing import STATES, Row, listing
from gongkai.desk.replies import Request, Response, as_text
from gongkai.desk.saving import fingerprint, index_number
from gongkai.model import Audience, Config, ReviewState
from gongkai.parsing.items import is_item_file
from gongkai.reading import Snapshot
from gongkai.schema import ITEM_SCHEMA
from gongkai.visibility import reaches

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


NOTICES = {"withdrawn": "已撤销", "reviewed": "已审核通过"}


def stylesheet(desk: Desk) -> str:
    """The internal site's stylesheet as built (its name carries a fingerprint), for the 正文 preview; '' before
    the first build."""
    found = sorted((desk.paths.output / "internal" / "assets").glob("style.*.css"))
    return f"/internal/assets/{quote(found[-1].name)}" if found else ""


def edit_page(desk: Desk, request: Request, relpath: str, query: dict[str, str] | None = None) -> Response:
    query = query or {}
    snapshot, config = desk.site()
    data = snapshot.content.get(relpath) if relpath else None
    if relpath and (data is None or not is_item_file(relpath)):
        return as_text(404, f"content/{relpath} 不是事项文件，或已不存在。")
    unreadable, mend = "", None
    try:
        document = read(data, relpath) if data is not None else None
    except Unreadable as why:
        document, unreadable = None, str(why)
    if unreadable and data is not None:  # mended here as text, with the parser's errors by line
        text, note = mending.as_text(data)
        found = mending.problems(snapshot, config, relpath, data)
        mend = {"path": relpath, "hash": fingerprint(data), "text": text, "note": note, "errors": found}
        unreadable = "文件不是 UTF-8 编码。" if note else unreadable
    values = form.form_values(document, relpath, config)
    if not relpath:
        category = form.entry_category(config, query.get("category", ""))
        scope = form.entry_scope(config, category)
        values.update(category=category, scope=scope, valid_from=desk.today(config).isoformat())
    notice = next((said for key, said in NOTICES.items() if query.get(key)), "")
    if query.get("saved") and relpath:
        notice = saved_notice(index_number(snapshot.register_path, relpath))
    groups: dict[str, list[tuple[str, str, int | None]]] = {}
    for entry in config.catalog:
        groups.setdefault(entry.group, []).append((entry.key, entry.name, entry.default_days))
    setup = {
        "path": relpath,
        "hash": fingerprint(data),
        "values": values,
        "departments": {e.key: e.department or "" for e in config.catalog},
        "days": {e.key: e.default_days for e in config.catalog},
        "scopes": {e.key: form.entry_scope(config, e.key) for e in config.catalog},
        "stylesheet": stylesheet(desk),
    }
    rows = _rows(desk, snapshot, config) if relpath else ()
    this = next((r for r in rows if r.relpath == relpath), None)
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
        mend=mend,
        previews=_previews(desk, relpath, this, desk.today(config)),
        notice=notice,
        title=str(values.get("title") or "新事项"),
        corrections=[(r.relpath.rsplit(".", 1)[0], r.item.title) for r in rows if r is not this and r.state != "已撤销"],
        review=_review(desk, config, this, request.user),
    )


def _rows(desk: Desk, snapshot: Snapshot, config: Config) -> tuple[Row, ...]:
    with desk.lock:  # the memory of parsed items is shared with saves
        return listing(snapshot, config, desk.today(config), desk.memory).rows


def _previews(desk: Desk, relpath: str, row: Row | None, day: date) -> list[dict[str, str]]:
    """The links to the item's page on each site as last built, or why there is none (yet): a link to a page
    that does not exist would only show 404 to a clerk who just saved a not-yet-started item."""
    if not relpath:
        return []
    page = f"items/{relpath.rsplit('.', 1)[0]}.html"
    found = []
    for audience, label in ((Audience.INTERNAL, "党内预览"), (Audience.PUBLIC, "公开预览")):
        href = f"/{audience.value}/{quote(page)}"
        if (desk.paths.output / audience.value / page).is_file():
            found.append({"label": label, "href": href, "why": ""})
            continue
        start = reaches(row.item, audience) if row is not None else None
        if row is None:
            why = "文件有错误，改正后才会生成"
        elif row.state in ("草稿", "待审核"):
            why = f"{row.state}，不会出现在网站上"
        elif start is None:
            why = "按公开范围，不在公开网站上显示"
        elif start > day:
            why = f"{start.isoformat()} 起才会显示"
        elif row.state == "已到期":
            why = "已到期，公开网站上不再显示"
        else:
            why = "页面还在生成，请稍后刷新"
        found.append({"label": label, "href": "", "why": why})
    return found


def _review(desk: Desk, config: Config, row: Row | None, user: str) -> dict[str, Any] | None:
    """The form's 审核 section: where the item stands, and whether this user may record a review (None: the
    site does not ask for review and the item records none)."""
    if row is None or not (config.review.required or row.item.reviewed_by):
        return None
    item = row.item
    state = {
        ReviewState.PENDING: "待审核：审核通过之前，这个事项不会在任何地方显示。",
        ReviewState.CHANGED: f"待审核：{item.reviewed_by} 于 {item.reviewed_on} 审核后内容又改过，需要重新审核。",
        ReviewState.PASSED: f"已审核：{item.reviewed_by}，{item.reviewed_on}。",
        ReviewState.NOT_REQUIRED: "本站不要求审核。",
    }[item.review]
    may = user in config.review.reviewers if user else not desk.users
    return {"state": state, "may": may and bool(config.review.reviewers), "reviewers": config.review.reviewers}


def commit_page(desk: Desk, request: Request) -> Response:
    root = git.repository(desk.paths.content)
    changes = git.pending(root, desk.committed()) if root else []
    return render(desk, "commit.html", request, repository=root, changes=changes, push=desk.push)
