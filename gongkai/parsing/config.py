"""Turns the bytes of site_config.yaml into a validated Config, collecting every problem before stopping."""

from __future__ import annotations

import difflib
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gongkai.model import (
    CARRIERS,
    EVERY_LABELS,
    Audience,
    Board,
    CatalogEntry,
    Channels,
    Config,
    Department,
    Kind,
    Kiosk,
    Review,
    Site,
    Supervision,
)
from gongkai.parsing.fields import Fields, load_mapping
from gongkai.parsing.publishing import parse_deploy, parse_server
from gongkai.parsing.text import decode
from gongkai.problems import Problem, Problems

TOP_KEYS = ("site", "departments", "catalog", "boards", "kiosk", "supervision", "deploy", "server", "review")
SITE_KEYS = ("name", "title", "issuer", "timezone", "org_code", "index_pattern", "internal_url", "public_url", "feedback")
SUPERVISION_KEYS = ("feedback_days", "request_days", "due_soon_days", "start")
FEEDBACK_KEYS = ("phone", "mailbox", "email")
DEPARTMENT_KEYS = ("name", "monthly_quota")
ENTRY_KEYS = ("name", "group", "kind", "every", "default_days", "department", "scope", "carriers", "public_days")
BOARD_KEYS = ("title", "audience", "paper", "orientation", "categories")
KIOSK_KEYS = ("title", "audience", "seconds_per_item", "categories", "orientation", "max_screens", "qr")
REVIEW_KEYS = ("required", "reviewers")
AUDIENCES = {"internal": "internal", "public": "public", "党内": "internal", "党外": "public", "社会": "public"}
PAPERS = {"A4": "A4", "A3": "A3", "A2": "A2", "a4": "A4", "a3": "A3", "a2": "A2"}
ORIENTATIONS = {"portrait": "portrait", "landscape": "landscape", "纵向": "portrait", "横向": "landscape"}
KINDS = {
    "fixed": "fixed",
    "periodic": "periodic",
    "adhoc": "adhoc",
    "固定公开": "fixed",
    "定期公开": "periodic",
    "随时公开": "adhoc",
}
EVERY = {"month": "month", "quarter": "quarter", "half-year": "half-year", "year": "year"} | {
    label: key for key, label in EVERY_LABELS.items()
}
# Day counts are added to dates: bounded, so no setting can carry a date past the calendar's end.
MAX_DAYS = 3660  # ten years
# Catalogue keys become file names (categories/KEY.html), so no slashes or dots.
_KEY = re.compile(r"[\w-]+")


def parse_config(data: bytes, path: str) -> Config:
    problems: list[Problem] = []
    text = decode(data, path, problems)
    fields = load_mapping(text, path, 0, problems) if text is not None else None
    if fields is None:
        raise Problems(problems)
    fields.check_keys(TOP_KEYS, where="（配置文件顶层）")
    site = _site(fields)
    departments = _departments(fields)
    catalog = _catalog(fields, {d.name for d in departments})
    boards = _boards(fields, {e.key for e in catalog}, _not_carried(catalog, "boards"))
    kiosk = _kiosk(fields, {e.key for e in catalog}, _not_carried(catalog, "kiosk"))
    supervision = _supervision(fields)
    deploy, server = parse_deploy(fields), parse_server(fields)
    review = _review(fields)
    if problems or site is None:
        raise Problems(problems)
    return Config(site, departments, catalog, path, boards, kiosk, supervision, deploy, server, review)


def _review(fields: Fields) -> Review:
    """审核把关: with `required: true`, nothing is shown before one of `reviewers` has approved it."""
    section = fields.sub("review")
    if section is None:
        return Review()
    section.check_keys(REVIEW_KEYS, where="（review 部分）")
    reviewers: list[str] = []
    for name, line in section.text_list("reviewers"):
        if name in reviewers:
            section.error(line, f"审核人“{name}”重复列出。")
        reviewers.append(name)
    required = section.boolean("required")
    if required and "reviewers" not in section:
        section.error(section.line_of("required"), "review.required 为 true 时，必须在 reviewers 里列出审核人姓名。")
    return Review(required=required, reviewers=tuple(dict.fromkeys(reviewers)))


def _supervision(fields: Fields) -> Supervision:
    section = fields.sub("supervision")
    if section is None:
        return Supervision()
    section.check_keys(SUPERVISION_KEYS, where="（supervision 部分）")
    limits = [key for key in SUPERVISION_KEYS if key != "start"]
    values: dict[str, object] = {key: section.integer(key, minimum=1, maximum=MAX_DAYS) for key in limits}
    values["start"] = section.date("start")
    return Supervision(**{key: value for key, value in values.items() if value is not None})


def _kiosk(fields: Fields, categories: set[str], refused: dict[str, str]) -> Kiosk:
    section = fields.sub("kiosk")
    if section is None:
        return Kiosk()
    section.check_keys(KIOSK_KEYS, where="（kiosk 部分）")
    seconds = section.integer("seconds_per_item", minimum=3, maximum=3600)
    return Kiosk(
        title=section.text("title") or Kiosk.title,
        audience=Audience(section.choice("audience", AUDIENCES) or "public"),
        seconds_per_item=seconds or Kiosk.seconds_per_item,
        categories=_categories(section, categories, "电子屏", refused, "kiosk"),
        orientation=section.choice("orientation", {"auto": "auto", **ORIENTATIONS}) or "auto",
        max_screens=section.integer("max_screens", minimum=1) or Kiosk.max_screens,
        qr=section.boolean("qr"),
    )


def _categories(
    section: Fields, categories: set[str], what: str, refused: dict[str, str] | None = None, carrier: str = ""
) -> tuple[str, ...]:
    """`refused`: keys (with names) of entries whose carriers leave out this board's or the kiosk's kind."""
    chosen = []
    for category, line in section.text_list("categories"):
        if refused and category in refused:
            message = (
                f"{what}的 categories 里有“{category}”，但目录“{refused[category]}”的 carriers 不含 {carrier}，{what}不会显示它。"
            )
            section.error(line, f"{message}请在该目录的 carriers 中加上 {carrier}，或从这里删去。")
        elif category in categories:
            chosen.append(category)
        else:
            guess = next(iter(difflib.get_close_matches(category, sorted(categories), n=1)), None)
            hint = f"您是不是想写“{guess}”？" if guess else "请写 catalog 中的键。"
            section.error(line, f"{what}的 categories 里有未知类别“{category}”。{hint}")
    return tuple(chosen)


def _not_carried(catalog: tuple[CatalogEntry, ...], carrier: str) -> dict[str, str]:
    return {e.key: e.name for e in catalog if carrier not in e.carriers}


def _boards(fields: Fields, categories: set[str], refused: dict[str, str]) -> tuple[Board, ...]:
    section = fields.sub("boards")
    if section is None:
        return ()
    boards = []
    for key in section.nodes:
        if not _KEY.fullmatch(key):
            section.error(section.line_of(key), f"公开栏键“{key}”只能由字母、数字、汉字、_ 和 - 组成（它会成为 PDF 文件名）。")
            continue
        board = section.sub(key)
        if board is None:
            section.error(section.line_of(key), f"公开栏“{key}”下面要写 title、audience 等设置。")
            continue
        board.check_keys(BOARD_KEYS, where=f"（公开栏“{key}”）")
        boards.append(
            Board(
                key=key,
                title=board.text("title", required=True),
                audience=Audience(board.choice("audience", AUDIENCES) or "public"),
                paper=board.choice("paper", PAPERS) or "A3",
                orientation=board.choice("orientation", ORIENTATIONS) or "portrait",
                categories=_categories(board, categories, f"公开栏“{key}”", refused, "boards"),
            )
        )
    return tuple(boards)


def _site(fields: Fields) -> Site | None:
    site = fields.sub("site", required=True)
    if site is None:
        return None
    site.check_keys(SITE_KEYS, where="（site 部分）")
    timezone = site.text("timezone") or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        site.error(site.line_of("timezone"), f"未知的时区“{timezone}”，一般写 Asia/Shanghai。")
    for key in ("internal_url", "public_url"):
        url = site.text(key)
        if url and not re.match(r"https?://", url):
            site.error(site.line_of(key), f"“{key}”应以 http:// 或 https:// 开头。")
    feedback = Channels()
    if (channels := site.sub("feedback")) is not None:
        channels.check_keys(FEEDBACK_KEYS, where="（feedback 部分）")
        feedback = Channels(**{key: channels.text(key) for key in FEEDBACK_KEYS})
    name = site.text("name", required=True)
    pattern = site.text("index_pattern") or Site.index_pattern
    try:
        pattern.format(org_code="X", category="c", year=2026, serial=1)
    except (KeyError, ValueError, IndexError) as error:
        site.error(
            site.line_of("index_pattern"),
            f"索引号格式“{pattern}”有误（{error}）。可用：{{org_code}} {{category}} {{year}} {{serial:04d}}。",
        )
    return Site(
        name=name,
        title=site.text("title") or f"{name}党务公开",
        issuer=site.text("issuer") or name,
        timezone=timezone,
        org_code=site.text("org_code") or Site.org_code,
        index_pattern=pattern,
        internal_url=site.text("internal_url").rstrip("/"),
        public_url=site.text("public_url").rstrip("/"),
        feedback=feedback,
    )


def _departments(fields: Fields) -> tuple[Department, ...]:
    result: dict[str, Department] = {}
    for entry in fields.fields_list("departments"):
        entry.check_keys(DEPARTMENT_KEYS, where="（departments 的一项）")
        name = entry.text("name", required=True)
        quota = entry.integer("monthly_quota", minimum=0)
        if name in result:
            entry.error(entry.line_of("name"), f"部门“{name}”重复列出。")
        elif name:
            result[name] = Department(name=name, monthly_quota=1 if quota is None else quota)
    return tuple(result.values())


def _catalog(fields: Fields, departments: set[str]) -> tuple[CatalogEntry, ...]:
    catalog = fields.sub("catalog", required=True)
    if catalog is None:
        return ()
    entries = []
    for key in catalog.nodes:
        line = catalog.line_of(key)
        if not _KEY.fullmatch(key):
            catalog.error(line, f"目录键“{key}”只能由字母、数字、汉字、_ 和 - 组成（它会成为网页文件名）。")
            continue
        entry = catalog.sub(key)
        if entry is None:
            catalog.error(line, f"目录“{key}”下面要写 name、group、kind 等设置。")
            continue
        entry.check_keys(ENTRY_KEYS, where=f"（目录“{key}”）")
        kind = entry.choice("kind", KINDS, required=True)
        every = entry.choice("every", EVERY)
        if kind in ("fixed", "periodic") and every is None and "every" not in entry:
            entry.error(entry.line, f"目录“{key}”是{Kind(kind).label}，必须写 every（month、quarter、half-year 或 year）。")
        department = entry.text("department")
        if department and departments and department not in departments:
            entry.error(entry.line_of("department"), f"部门“{department}”不在 departments 列表中。请先在 departments 里添加。")
        entries.append(
            CatalogEntry(
                key=key,
                name=entry.text("name", required=True),
                group=entry.text("group") or "其他",
                kind=Kind(kind or "adhoc"),
                every=every,
                default_days=entry.integer("default_days", minimum=1, maximum=MAX_DAYS),
                department=department or None,
                scope=Audience(scope) if (scope := entry.choice("scope", AUDIENCES)) else None,
                carriers=_carriers(entry, key),
                public_days=_public_days(entry, key),
            )
        )
    if not entries and not catalog.problems:
        catalog.error(catalog.line, "catalog 里至少要有一个目录项。")
    return tuple(entries)


def _carriers(entry: Fields, key: str) -> tuple[str, ...]:
    """方式: which carriers the entry's items use, in the order of CARRIERS; not written: all of them."""
    if "carriers" not in entry.nodes:
        return CARRIERS
    chosen = set()
    for carrier, line in entry.text_list("carriers"):
        if carrier in CARRIERS:
            chosen.add(carrier)
        else:
            guess = next(iter(difflib.get_close_matches(carrier, CARRIERS, n=1)), None)
            hint = f"您是不是想写“{guess}”？" if guess else f"只能写：{'、'.join(CARRIERS)}。"
            entry.error(line, f"目录“{key}”的 carriers 里有未知的公开载体“{carrier}”。{hint}")
    return tuple(c for c in CARRIERS if c in chosen)


def _public_days(entry: Fields, key: str) -> tuple[int, int] | None:
    """The range of days a public item of the entry is shown for, as [shortest, longest]."""
    if "public_days" not in entry:
        return None
    value = entry.value("public_days")
    valid = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_DAYS for v in value)
        and value[0] <= value[1]
    )
    if not valid:
        message = (
            f"目录“{key}”的 public_days 应写成 [最短天数, 最长天数]，例如 [7, 15]（1 到 {MAX_DAYS} 之间，前一个不大于后一个）。"
        )
        entry.error(entry.line_of("public_days"), message)
        return None
    return (value[0], value[1])
