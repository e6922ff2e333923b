"""Turns the content files of a Snapshot into validated Items, reporting every problem in every file at once."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from gongkai.incremental import Memory, ParsedItem, digest
from gongkai.model import Attachment, Audience, CatalogEntry, Config, FeedbackEntry, Item, Status
from gongkai.parallel import split
from gongkai.parsing.fields import Fields, load_mapping
from gongkai.parsing.markup import ITEM_SUFFIXES, BodyRenderer, resolve_content_path
from gongkai.parsing.media import published_file_problems, refused_type
from gongkai.parsing.procedure import PROCEDURE_HINTS, Disclosed, procedure, relations
from gongkai.parsing.text import decode, split_front_matter
from gongkai.problems import Problem, did_you_mean
from gongkai.reading import Snapshot
from gongkai.schema import ITEM_SCHEMA, SCHEMA_BY_KEY

ITEM_KEYS = tuple(key.key for key in ITEM_SCHEMA)  # the one declaration (gongkai/schema/items.py)
FEEDBACK_KEYS = ("date", "summary", "response", "responded_on")
# A key written as its Chinese label (the desk's form shows them) or as a likely synonym: the key meant.
KEY_HINTS = {key.label: key.key for key in ITEM_SCHEMA} | {
    "分类": "category", "目录": "category", "范围": "scope", "开始日期": "valid_from", "公开日期": "valid_from",
    "结束日期": "valid_until", "截止日期": "valid_until", "部门": "department", "科室": "department", "正文": "body",
    "valid_to": "valid_until", "expires": "valid_until", "start": "valid_from", "end": "valid_until", "tags": "extra",
}  # fmt: skip
KEY_HINTS |= PROCEDURE_HINTS
SCOPES = SCHEMA_BY_KEY["scope"].accepted
STATUSES = SCHEMA_BY_KEY["status"].accepted
# Disclosure requests (依申请公开) live beside items but are not items.
SKIPPED_FOLDERS = ("requests/",)


Parsed = tuple[Item | None, list[Problem], list[Problem]]  # one file: the item (None if broken), errors, warnings


@dataclass(frozen=True)
class ParsedItems:
    items: tuple[Item, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def is_item_file(relpath: str) -> bool:
    parts = relpath.split("/")
    return (
        relpath.lower().endswith(ITEM_SUFFIXES)
        and not any(part.startswith(("_", ".")) for part in parts)
        and not relpath.startswith(SKIPPED_FOLDERS)
    )


def parse_items(snapshot: Snapshot, config: Config, memory: Memory | None = None) -> ParsedItems:
    """Every item file parsed; with `memory`, an unchanged file whose referenced files still exist is reused
    (and `memory.items` is refreshed to hold exactly this build's items)."""
    files = frozenset(snapshot.content)
    config_digest = digest(snapshot.config)
    previous = memory.items if memory is not None else {}
    keys = {r: digest(snapshot.content[r], config_digest, snapshot.content_root) for r in sorted(files) if is_item_file(r)}
    reusable = {
        relpath: cached
        for relpath, key in keys.items()
        if (cached := previous.get(relpath)) and cached.digest == key and _files_unchanged(cached.item, snapshot)
    }

    def parse_chunk(chunk: Sequence[str]) -> list[Parsed]:
        renderer = BodyRenderer()
        return [_parse_one(relpath, snapshot, config, renderer, files) for relpath in chunk]

    todo = [relpath for relpath in keys if relpath not in reusable]
    parsed = dict(zip(todo, split(parse_chunk, todo), strict=True))  # both cores on a cold build
    fresh: dict[str, ParsedItem] = {}
    errors: list[Problem] = []
    warnings: list[Problem] = []
    items = []
    for relpath, key in keys.items():
        if relpath in reusable:
            cached = reusable[relpath]
            items.append(cached.item)
            warnings.extend(cached.warnings)
            fresh[relpath] = cached
            continue
        item, own_errors, own_warnings = parsed[relpath]
        errors.extend(own_errors)
        warnings.extend(own_warnings)
        if item is not None:
            items.append(item)
            if not own_errors:
                fresh[relpath] = ParsedItem(key, item, tuple(own_warnings))
    if memory is not None:
        memory.items = fresh
    errors.extend(published_file_problems(items, snapshot))
    errors.extend(_collisions(items))
    errors.extend(_reopens(items))
    related_errors, related_warnings = relations(items)
    errors.extend(related_errors)
    warnings.extend(related_warnings)
    return ParsedItems(tuple(items), tuple(errors), tuple(warnings))


def parse_item(snapshot: Snapshot, config: Config, relpath: str) -> Parsed:
    """One item file alone, exactly as `parse_items` parses it: (item, errors, warnings)."""
    return _parse_one(relpath, snapshot, config, BodyRenderer(), frozenset(snapshot.content))


def _parse_one(relpath: str, snapshot: Snapshot, config: Config, renderer: BodyRenderer, files: frozenset[str]) -> Parsed:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    return _parse_item(relpath, snapshot, config, renderer, files, errors, warnings), errors, warnings


def _files_unchanged(item: Item, snapshot: Snapshot) -> bool:
    """Whether every file the item publishes is still there with the bytes its review hash was taken of."""
    return all(a.source in snapshot.content and _sha256(snapshot, a.source) == a.sha256 for a in item.attachments)


def _sha256(snapshot: Snapshot, relpath: str) -> str:
    return hashlib.sha256(snapshot.content.get(relpath, b"")).hexdigest()


def _reopens(items: list[Item]) -> list[Problem]:
    """`reopens:` names another item by its path inside content/ (without extension)."""
    ids = [i.id for i in items]
    problems = []
    for item in items:
        if item.reopens and item.reopens not in ids:
            hint = did_you_mean(item.reopens, ids, "请写被再次公开事项的文件路径（content/ 之后、不含扩展名）。")
            problems.append(Problem(item.source, item.line, f"reopens 指向的事项“{item.reopens}”不存在。{hint}"))
    return problems


def _parse_item(
    relpath: str,
    snapshot: Snapshot,
    config: Config,
    renderer: BodyRenderer,
    files: frozenset[str],
    errors: list[Problem],
    warnings: list[Problem],
) -> Item | None:
    path = snapshot.display(relpath)
    problems: list[Problem] = []
    text = decode(snapshot.content[relpath], path, problems)
    if text is not None and not text.strip():
        problems.append(Problem(path, 1, "文件是空的。请写上 title、category 等设置，或删除这个文件。"))
        text = None
    fields = None
    body, body_line = "", 1
    if text is not None and relpath.lower().endswith(".md"):
        front = split_front_matter(text, path, problems)
        if front is not None:
            fields = load_mapping(front.yaml, path, front.yaml_offset, problems)
            body, body_line = front.body, front.body_line
    elif text is not None:
        fields = load_mapping(text, path, 0, problems)
        if fields is not None:
            body = fields.text("body")
            body_line = fields.line_of("body") + 1
    if fields is None:
        errors.extend(problems)
        return None
    allowed = (*ITEM_KEYS, "body")
    if relpath.lower().endswith(".md"):
        allowed = ITEM_KEYS
        if "body" in fields.nodes:
            fields.error(fields.line_of("body"), "“body”只用于 .yaml 文件；.md 文件的正文写在第二个 --- 之后。")
            del fields.nodes["body"]
    fields.check_keys(allowed, KEY_HINTS)
    item = _build_item(relpath, path, fields, config, renderer, snapshot, files, body, body_line, warnings)
    errors.extend(problems)
    return item if not problems else None


def _build_item(
    relpath: str,
    path: str,
    fields: Fields,
    config: Config,
    renderer: BodyRenderer,
    snapshot: Snapshot,
    files: frozenset[str],
    body: str,
    body_line: int,
    warnings: list[Problem],
) -> Item:
    entry = _category(fields, config)
    scope = fields.choice("scope", SCOPES, required=not (entry and entry.scope)) or (
        entry.scope.value if entry and entry.scope else None
    )
    status = Status(fields.choice("status", STATUSES) or SCHEMA_BY_KEY["status"].default)
    valid_from = fields.date("valid_from", required=True)
    valid_until = fields.date("valid_until")
    public_from = fields.date("public_from")
    if valid_from and valid_until and valid_until < valid_from:
        fields.error(
            fields.line_of("valid_until"),
            f"valid_until（{valid_until}）早于 valid_from（{valid_from}）。结束日期不能早于开始日期。",
        )
    if valid_from and valid_until is None and entry and entry.default_days:
        valid_until = valid_from + timedelta(days=entry.default_days - 1)
    if public_from and scope == "internal":
        fields.error(fields.line_of("public_from"), "public_from 只用于 scope: public 的事项；党内事项不会对外公开。")
    elif public_from and valid_from and not (valid_from <= public_from and (valid_until is None or public_from <= valid_until)):
        window = f"{valid_from} 至 {valid_until or '长期'}"
        fields.error(fields.line_of("public_from"), f"public_from（{public_from}）不在公开期限（{window}）之内。")
    reason = fields.text("withdrawn_reason")
    if status is Status.WITHDRAWN and not reason:
        fields.error(fields.line_of("status"), "已撤销（withdrawn）的事项必须写 withdrawn_reason，说明撤销原因。")
    elif reason and status is not Status.WITHDRAWN:
        warnings.append(
            Problem(
                path, fields.line_of("withdrawn_reason"), "写了 withdrawn_reason，但 status 不是 withdrawn，撤销原因不会显示。"
            )
        )
    scope_reason = _scope_reason(fields, entry, scope, path, warnings)
    department = fields.text("department") or (entry.department if entry and entry.department else "")
    known = [d.name for d in config.departments]
    if department and known and department not in known:
        hint = did_you_mean(department, known, f"可选：{'、'.join(known)}。")
        fields.error(fields.line_of("department"), f"部门“{department}”不在配置的 departments 中。{hint}")
    written = fields.date("date") or valid_from
    if written and valid_from and written > valid_from:
        warnings.append(
            Problem(path, fields.line_of("date"), f"成文日期（{written}）晚于开始公开的日期（{valid_from}），请核对。")
        )
    extra = fields.value("extra") if "extra" in fields else {}
    if not isinstance(extra, dict):
        fields.error(fields.line_of("extra"), "“extra”应是一组“键: 值”。")
        extra = {}
    base_dir = posixpath.dirname(relpath)
    listed = _attachments(fields, base_dir, files)
    body_html, media, body_problems = renderer.render(body, base_dir, files, path, body_line)
    fields.problems.extend(body_problems)
    attachments = listed + tuple(Attachment(posixpath.basename(m), m, listed=False) for m in media)
    attachments = tuple(replace(a, sha256=_sha256(snapshot, a.source)) for a in attachments)
    title = fields.text("title", required=True)
    issuer = fields.text("issuer") or config.site.issuer
    doc_number, summary, pinned = fields.text("doc_number"), fields.text("summary"), fields.boolean("pinned")
    reopens = fields.text("reopens").removesuffix(".md").removesuffix(".yaml")
    disclosed = Disclosed(
        title, body, attachments, Audience(scope or "internal"), valid_from, valid_until, public_from, summary=summary,
        doc_number=doc_number, issuer=issuer, department=department, written=written, pinned=pinned,
        category=entry.key if entry else "", scope_reason=scope_reason, reopens=reopens, withdrawn_reason=reason,
    )  # fmt: skip
    steps = procedure(fields, config, status, disclosed, warnings)
    return Item(
        id=relpath.rsplit(".", 1)[0],
        source=path,
        title=title,
        category=entry.key if entry else "",
        scope=Audience(scope or "internal"),
        valid_from=valid_from or written or _EPOCH,
        valid_until=valid_until,
        public_from=public_from,
        status=status,
        withdrawn_reason=reason,
        department=department,
        issuer=issuer,
        doc_number=doc_number,
        date=written or _EPOCH,
        pinned=pinned,
        summary=summary,
        body_html=body_html,
        attachments=attachments,
        extra=extra,
        line=fields.line,
        feedback=_feedback(fields),
        reopens=reopens,
        scope_reason=scope_reason,
        **vars(steps),
    )


def _scope_reason(fields: Fields, entry: CatalogEntry | None, scope: str | None, path: str, warnings: list[Problem]) -> str:
    """An item whose scope differs from its entry's says why: wider (an internal entry's item made public) is an
    exception to the catalogue; narrower (a public entry's item kept internal) is 暂时不宜公开, filed with the
    superior (报备案) with its reason. Either way the reason is shown on internal pages only."""
    reason = fields.text("scope_reason")
    if entry is None or scope is None:
        return reason
    if entry.scope is not None and scope != entry.scope.value:
        if not reason:
            wider = scope == "public"
            what = "向社会公开" if wider else "只在党内公开"
            message = (
                f"目录“{entry.name}”的公开范围是{entry.scope.label}，本事项却{what}：请写 scope_reason 说明原因"
                f"{'（只在党内网页显示）' if wider else '（列入报上级备案的清单）'}，或改回 scope: {entry.scope.value}。"
            )
            fields.error(fields.line_of("scope"), message)
    elif reason:
        warnings.append(
            Problem(path, fields.line_of("scope_reason"), "写了 scope_reason，但本事项的公开范围与目录相同，这段说明不会显示。")
        )
    return reason


# Stands in for a missing date on an item that is discarded for its errors anyway.
_EPOCH = date(1970, 1, 1)


def _category(fields: Fields, config: Config) -> CatalogEntry | None:
    value = fields.text("category", required=True)
    if not value:
        return None
    for entry in config.catalog:
        if value in (entry.key, entry.name):
            return entry
    choices = [e.key for e in config.catalog] + [e.name for e in config.catalog]
    hint = did_you_mean(value, choices, "请使用 site_config.yaml 中 catalog 的键。", cutoff=0.4)
    fields.error(fields.line_of("category"), f"目录里没有“{value}”这个类别。{hint}")
    return None


def _feedback(fields: Fields) -> tuple[FeedbackEntry, ...]:
    entries = []
    for entry in fields.fields_list("feedback"):
        entry.check_keys(FEEDBACK_KEYS, where="（feedback 的一项）")
        received, responded = entry.date("date", required=True), entry.date("responded_on")
        response = entry.text("response")
        if responded and received and responded < received:
            entry.error(entry.line_of("responded_on"), f"答复日期（{responded}）早于收到反馈的日期（{received}）。")
        if responded and not response:
            entry.error(entry.line_of("responded_on"), "写了 responded_on，请同时写 response（答复内容）。")
        summary = entry.text("summary", required=True)
        if received:
            entries.append(FeedbackEntry(received, summary, response, responded, entry.line))
    return tuple(entries)


def _attachments(fields: Fields, base_dir: str, files: frozenset[str]) -> tuple[Attachment, ...]:
    result: dict[str, Attachment] = {}
    for target, line in fields.text_list("attachments"):
        resolved = resolve_content_path(base_dir, target)
        if resolved is None:
            fields.error(line, f"附件“{target}”在 content/ 之外。请把附件放进 content/，写相对于本文件的路径。")
        elif resolved.lower().endswith(ITEM_SUFFIXES):
            fields.error(line, f"附件“{target}”是事项源文件，不能作为附件发布。")
        elif resolved not in files:
            fields.error(line, f"找不到附件“{target}”（应在 content/{resolved}）。请检查文件名（包括扩展名）和路径。")
        elif reason := refused_type(resolved):
            fields.error(line, f"附件“{target}”{reason}")
        else:
            result.setdefault(resolved, Attachment(posixpath.basename(resolved), resolved))
    return tuple(result.values())


def _collisions(items: list[Item]) -> list[Problem]:
    """Two files that would write one page (a.md and a.yaml; or names differing only in case on Windows)."""
    first: dict[str, Item] = {}
    problems = []
    for item in items:
        key = item.id.casefold()
        if key in first:
            other = first[key]
            message = f"与 {other.source} 对应同一个网页（{item.page_path}）。请给其中一个改名。"
            problems.append(Problem(item.source, item.line, message))
            problems.append(
                Problem(other.source, other.line, f"与 {item.source} 对应同一个网页（{other.page_path}）。请给其中一个改名。")
            )
        else:
            first[key] = item
    return problems
