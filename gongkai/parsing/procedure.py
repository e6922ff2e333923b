"""Turns an item's procedure keys (审核, 撤销 and 更正, 阶段) into validated values and its review state, and the
items together into the problems only all of them show (a correction that does not exist, a series misspelt)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from gongkai.model import Attachment, Audience, Config, Item, ReviewState, Status
from gongkai.parsing.fields import Fields
from gongkai.problems import Problem, closest, did_you_mean

PROCEDURE_KEYS = ("reviewed_by", "reviewed_on", "reviewed_hash", "withdrawn_on", "replaced_by", "series", "stage")
PROCEDURE_HINTS = {
    "审核人": "reviewed_by", "审核": "reviewed_by", "审批人": "reviewed_by", "reviewer": "reviewed_by",
    "approved_by": "reviewed_by", "审核日期": "reviewed_on", "审批日期": "reviewed_on", "reviewed_at": "reviewed_on",
    "审核码": "reviewed_hash", "撤销日期": "withdrawn_on", "withdrawn_at": "withdrawn_on", "更正": "replaced_by",
    "更正事项": "replaced_by", "更正后的事项": "replaced_by", "corrected_by": "replaced_by", "系列": "series",
    "事项系列": "series", "阶段": "stage", "阶段名称": "stage",
}  # fmt: skip


@dataclass(frozen=True)
class Procedure:
    """The Item fields this module settles; the names are the Item's."""

    reviewed_by: str
    reviewed_on: date | None
    review: ReviewState
    review_hash: str
    withdrawn_on: date | None
    replaced_by: str
    series: str
    stage: str


@dataclass(frozen=True)
class Disclosed:
    """What a review vouches for: everything a reader is shown of the item. Any change to it voids the review.
    The office's answers to feedback are not in it: they are added after publication, as the feedback comes."""

    title: str
    body: str  # the Markdown as written: what the reviewer read
    attachments: tuple[Attachment, ...]  # listed files and the body's images, each with the sha256 of its bytes
    scope: Audience
    valid_from: date | None
    valid_until: date | None
    public_from: date | None
    summary: str = ""
    doc_number: str = ""
    issuer: str = ""  # as shown: the site's issuer when the item names none
    department: str = ""  # as shown: the catalogue entry's when the item names none
    written: date | None = None  # 成文日期 as shown
    pinned: bool = False
    category: str = ""
    scope_reason: str = ""
    reopens: str = ""
    # Settled by `procedure` from the item's own keys before the hash is taken.
    withdrawn_reason: str = ""
    withdrawn_on: date | None = None
    replaced_by: str = ""
    series: str = ""
    stage: str = ""


def review_hash(disclosed: Disclosed) -> str:
    """A short hash of everything shown (see Disclosed); whitespace at line ends does not count."""
    body = "\n".join(line.rstrip() for line in disclosed.body.strip().splitlines())
    days = (disclosed.valid_from, disclosed.valid_until, disclosed.public_from, disclosed.written, disclosed.withdrawn_on)
    files = sorted([a.source, a.name, a.listed, a.sha256] for a in disclosed.attachments)
    texts = (disclosed.summary, disclosed.doc_number, disclosed.issuer, disclosed.department, disclosed.category)
    more = (disclosed.scope_reason, disclosed.reopens, disclosed.withdrawn_reason, disclosed.replaced_by)
    record = [
        disclosed.title,
        body,
        files,
        disclosed.scope.value,
        [d.isoformat() if d else None for d in days],
        [*texts, *more, disclosed.series, disclosed.stage],
        disclosed.pinned,
    ]
    return hashlib.sha256(json.dumps(record, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def review_command(path: str) -> str:
    return f"python build.py review {path} --by 审核人"


def procedure(fields: Fields, config: Config, status: Status, disclosed: Disclosed, warnings: list[Problem]) -> Procedure:
    """The procedure keys of one item, every mistake recorded in `fields` (errors) or `warnings`."""
    withdrawn_on = fields.date("withdrawn_on")
    if status is Status.WITHDRAWN and "withdrawn_on" not in fields:
        fields.error(
            fields.line_of("status"), "已撤销（withdrawn）的事项必须写 withdrawn_on（撤销日期），如 withdrawn_on: 2026-11-20。"
        )
    elif withdrawn_on and status is not Status.WITHDRAWN:
        warnings.append(
            Problem(
                fields.path, fields.line_of("withdrawn_on"), "写了 withdrawn_on，但 status 不是 withdrawn，撤销日期不会显示。"
            )
        )
    if withdrawn_on and disclosed.valid_from and withdrawn_on < disclosed.valid_from:
        fields.error(
            fields.line_of("withdrawn_on"),
            f"撤销日期（{withdrawn_on}）早于开始公开的日期（{disclosed.valid_from}）。还没有公开的事项不用撤销，请改为 status: draft。",
        )
    replaced_by = fields.text("replaced_by").removesuffix(".md").removesuffix(".yaml")
    if replaced_by and status is not Status.WITHDRAWN:
        fields.error(fields.line_of("replaced_by"), "replaced_by 只用于已撤销（status: withdrawn）的事项，写更正后的事项。")
    series, stage = fields.text("series"), fields.text("stage")
    if stage and not series:
        fields.error(fields.line_of("stage"), "写了 stage（阶段名称），请同时写 series，说明这是哪一件事的一个阶段。")
    reason = disclosed.withdrawn_reason if status is Status.WITHDRAWN else ""  # shown only when withdrawn
    shown = replace(
        disclosed, withdrawn_reason=reason, withdrawn_on=withdrawn_on, replaced_by=replaced_by, series=series, stage=stage
    )
    reviewed_by, reviewed_on, review = _review(fields, config, shown, warnings)
    return Procedure(reviewed_by, reviewed_on, review, review_hash(shown), withdrawn_on, replaced_by, series, stage)


def _review(
    fields: Fields, config: Config, disclosed: Disclosed, warnings: list[Problem]
) -> tuple[str, date | None, ReviewState]:
    by, on, written = fields.text("reviewed_by"), fields.date("reviewed_on"), fields.text("reviewed_hash")
    before = len(fields.problems)
    reviewers = config.review.reviewers
    if by and not reviewers:
        fields.error(
            fields.line_of("reviewed_by"),
            "写了 reviewed_by，但 site_config.yaml 没有 review.reviewers（审核人名单）。请先在配置里列出审核人。",
        )
    elif by and by not in reviewers:
        hint = did_you_mean(by, reviewers, f"可选：{'、'.join(reviewers)}。", cutoff=0.3)
        fields.error(fields.line_of("reviewed_by"), f"审核人“{by}”不在 site_config.yaml 的 review.reviewers 中。{hint}")
    if by and "reviewed_on" not in fields:
        fields.error(fields.line_of("reviewed_by"), "写了 reviewed_by，请同时写 reviewed_on（审核日期）。")
    if not by and ("reviewed_on" in fields or written):
        key = "reviewed_on" if "reviewed_on" in fields else "reviewed_hash"
        fields.error(fields.line_of(key), "审核记录缺少 reviewed_by（审核人）。请用 python build.py review 记录审核。")
    if by and not written:
        fields.error(
            fields.line_of("reviewed_by"),
            f"审核记录缺少 reviewed_hash。请用 {review_command(fields.path)} 记录审核（它会写上 reviewed_hash），不要手写。",
        )
    if on and disclosed.valid_from and on > disclosed.valid_from:
        fields.error(
            fields.line_of("reviewed_on"),
            f"审核日期（{on}）晚于开始公开的日期（{disclosed.valid_from}）：事项不能在审核之前公开。"
            f"请把 valid_from 改为 {on} 或之后，再重新审核（python build.py review）。",
        )
    required = config.review.required
    if not by or len(fields.problems) > before:
        return by, on, ReviewState.PENDING if required else ReviewState.NOT_REQUIRED
    if written == review_hash(disclosed):
        return by, on, ReviewState.PASSED
    if not required:
        message = f"审核（{by}，{on}）之后显示的内容（标题、正文、摘要、文号、附件、公开范围、公开期限等）有改动，原审核已作废。请重新审核：{review_command(fields.path)}"
        warnings.append(Problem(fields.path, fields.line_of("reviewed_hash"), message))
        return by, on, ReviewState.NOT_REQUIRED
    return by, on, ReviewState.CHANGED


def awaiting_review(items: Sequence[Item]) -> list[Problem]:
    """What waits for review (drafts are not ready for it), in Chinese, naming each file."""
    waiting = []
    for item in items:
        if item.status is Status.DRAFT or not item.review.holds:
            continue
        if item.review is ReviewState.CHANGED:
            what = f"审核（{item.reviewed_by}，{item.reviewed_on}）之后内容有改动，原审核已作废，需重新审核"
        else:
            what = "待审核"
        message = f"{what}：“{item.title}”。审核前哪里都不显示。审核后运行 {review_command(item.source)}"
        waiting.append(Problem(item.source, item.line, message))
    return waiting


def relations(items: Sequence[Item]) -> tuple[list[Problem], list[Problem]]:
    """Errors (a replaced_by naming no item or itself) and warnings (a series key that only this item uses and
    that looks like another one: probably misspelt)."""
    ids = [i.id for i in items]
    errors = []
    for item in items:
        if item.replaced_by == item.id:
            errors.append(Problem(item.source, item.line, "replaced_by 不能指向本事项自己。请写更正后的那个事项的文件路径。"))
        elif item.replaced_by and item.replaced_by not in ids:
            others = [i for i in ids if i != item.id]
            hint = did_you_mean(item.replaced_by, others, "请写更正后事项的文件路径（content/ 之后、不含扩展名）。")
            errors.append(Problem(item.source, item.line, f"replaced_by 指向的事项“{item.replaced_by}”不存在。{hint}"))
    counts = Counter(i.series for i in items if i.series)
    shared = sorted(key for key, n in counts.items() if n > 1)
    warnings = []
    for item in items:
        if item.series and counts[item.series] == 1 and (guess := closest(item.series, shared)):
            message = f"series“{item.series}”只有这一个事项，和“{guess}”很像。如果是同一件事，请写成一样的。"
            warnings.append(Problem(item.source, item.line, message))
    return errors, warnings
