"""Turns the bytes of site_config.yaml into a validated Config, collecting every problem before stopping."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gongkai.model import (
    CARRIERS,
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
from gongkai.parsing.settings import settings
from gongkai.parsing.text import decode
from gongkai.problems import Problem, Problems, did_you_mean
from gongkai.schema.config import (
    BOARDS,
    CATALOG,
    DEPARTMENTS,
    FEEDBACK,
    KIOSK,
    REVIEW,
    SITE,
    SUPERVISION,
    TOP_HINTS,
    TOP_KEYS,
)

# Catalogue keys become file names (categories/KEY.html), so no slashes or dots.
_KEY = re.compile(r"[\w-]+")


def parse_config(data: bytes, path: str) -> Config:
    problems: list[Problem] = []
    text = decode(data, path, problems)
    fields = load_mapping(text, path, 0, problems) if text is not None else None
    if fields is None:
        raise Problems(problems)
    fields.check_keys(TOP_KEYS, TOP_HINTS, where="（配置文件顶层）")
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
    return Config(
        site=site,
        departments=departments,
        catalog=catalog,
        path=path,
        boards=boards,
        kiosk=kiosk,
        supervision=supervision,
        deploy=deploy,
        server=server,
        review=review,
    )


def _review(fields: Fields) -> Review:
    """审核把关: with `required: true`, nothing is shown before one of `reviewers` has approved it."""
    section = fields.sub(REVIEW.name)
    if section is None:
        return Review()
    section.check_keys(REVIEW.names, REVIEW.hints, where=REVIEW.where)
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
    section = fields.sub(SUPERVISION.name)
    if section is None:
        return Supervision()
    section.check_keys(SUPERVISION.names, SUPERVISION.hints, where=SUPERVISION.where)
    return Supervision(**settings(section, SUPERVISION, *SUPERVISION.names))


def _kiosk(fields: Fields, categories: set[str], refused: dict[str, str]) -> Kiosk:
    section = fields.sub(KIOSK.name)
    if section is None:
        return Kiosk()
    section.check_keys(KIOSK.names, KIOSK.hints, where=KIOSK.where)
    values = settings(section, KIOSK, "title", "audience", "seconds_per_item", "orientation", "max_screens", "qr")
    return Kiosk(
        **values | {"audience": Audience(values["audience"])},
        categories=_categories(section, categories, "电子屏", refused, "kiosk"),
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
            hint = did_you_mean(category, sorted(categories), "请写 catalog 中的键。")
            section.error(line, f"{what}的 categories 里有未知类别“{category}”。{hint}")
    return tuple(chosen)


def _not_carried(catalog: tuple[CatalogEntry, ...], carrier: str) -> dict[str, str]:
    return {e.key: e.name for e in catalog if carrier not in e.carriers}


def _boards(fields: Fields, categories: set[str], refused: dict[str, str]) -> tuple[Board, ...]:
    section = fields.sub(BOARDS.name)
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
        board.check_keys(BOARDS.names, BOARDS.hints, where=BOARDS.where.format(key=key))
        values = settings(board, BOARDS, "title", "audience", "paper", "orientation")
        boards.append(
            Board(
                key=key,
                **values | {"title": values.get("title", ""), "audience": Audience(values["audience"])},
                categories=_categories(board, categories, f"公开栏“{key}”", refused, "boards"),
            )
        )
    return tuple(boards)


def _site(fields: Fields) -> Site | None:
    site = fields.sub(SITE.name, required=True)
    if site is None:
        return None
    site.check_keys(SITE.names, SITE.hints, where=SITE.where)
    values = settings(site, SITE, "name", "title", "issuer", "timezone", "org_code", "index_pattern")
    try:
        ZoneInfo(values["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        site.error(site.line_of("timezone"), f"未知的时区“{values['timezone']}”，一般写 Asia/Shanghai。")
    for key in ("internal_url", "public_url"):
        url = site.text(key)
        if url and not re.match(r"https?://", url):
            site.error(site.line_of(key), f"“{key}”应以 http:// 或 https:// 开头。")
        values[key] = url.rstrip("/")
    feedback = Channels()
    if (channels := site.sub("feedback")) is not None:
        channels.check_keys(FEEDBACK.names, FEEDBACK.hints, where=FEEDBACK.where)
        feedback = Channels(**settings(channels, FEEDBACK, *FEEDBACK.names))
    pattern = values["index_pattern"]
    try:
        pattern.format(org_code="X", category="c", year=2026, serial=1)
    except (KeyError, ValueError, IndexError) as error:
        site.error(
            site.line_of("index_pattern"),
            f"索引号格式“{pattern}”有误（{error}）。可用：{{org_code}} {{category}} {{year}} {{serial:04d}}。",
        )
    name = values.setdefault("name", "")
    # The defaults that depend on the name (the schema's default_note says them in words).
    return Site(**{"title": f"{name}党务公开", "issuer": name} | values, feedback=feedback)


def _departments(fields: Fields) -> tuple[Department, ...]:
    result: dict[str, Department] = {}
    for entry in fields.fields_list(DEPARTMENTS.name):
        entry.check_keys(DEPARTMENTS.names, DEPARTMENTS.hints, where=DEPARTMENTS.where)
        values = settings(entry, DEPARTMENTS, *DEPARTMENTS.names)
        name = values.get("name", "")
        if name in result:
            entry.error(entry.line_of("name"), f"部门“{name}”重复列出。")
        elif name:
            result[name] = Department(**values)
    return tuple(result.values())


def _catalog(fields: Fields, departments: set[str]) -> tuple[CatalogEntry, ...]:
    catalog = fields.sub(CATALOG.name, required=True)
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
        entry.check_keys(CATALOG.names, CATALOG.hints, where=CATALOG.where.format(key=key))
        values = settings(entry, CATALOG, "name", "group", "kind", "every", "default_days", "department", "scope")
        kind, every = values.get("kind"), values.get("every")
        if kind in ("fixed", "periodic") and every is None and "every" not in entry:
            entry.error(entry.line, f"目录“{key}”是{Kind(kind).label}，必须写 every（month、quarter、half-year 或 year）。")
        department = values.get("department")
        if department and departments and department not in departments:
            entry.error(entry.line_of("department"), f"部门“{department}”不在 departments 列表中。请先在 departments 里添加。")
        entries.append(
            CatalogEntry(
                key=key,
                **values
                | {
                    "name": values.get("name", ""),
                    "kind": Kind(kind or "adhoc"),  # a wrong kind is already an error: any kind will do
                    "scope": Audience(scope) if (scope := values.get("scope")) else None,
                },
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
            hint = did_you_mean(carrier, CARRIERS, f"只能写：{'、'.join(CARRIERS)}。")
            entry.error(line, f"目录“{key}”的 carriers 里有未知的公开载体“{carrier}”。{hint}")
    return tuple(c for c in CARRIERS if c in chosen)


def _public_days(entry: Fields, key: str) -> tuple[int, int] | None:
    """The range of days a public item of the entry is shown for, as [shortest, longest]."""
    if "public_days" not in entry:
        return None
    value = entry.value("public_days")
    low, high = CATALOG["public_days"].minimum, CATALOG["public_days"].maximum
    valid = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)
        and value[0] <= value[1]
    )
    if not valid:
        message = (
            f"目录“{key}”的 public_days 应写成 [最短天数, 最长天数]，例如 [7, 15]（{low} 到 {high} 之间，前一个不大于后一个）。"
        )
        entry.error(entry.line_of("public_days"), message)
        return None
    return (value[0], value[1])
