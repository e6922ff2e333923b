"""Turns content/requests/*.yaml into disclosure requests (依申请公开), each checked like an item."""

from __future__ import annotations

from gongkai.model import DisclosureRequest
from gongkai.parsing.fields import load_mapping
from gongkai.parsing.text import decode
from gongkai.problems import Problem
from gongkai.reading import Snapshot

REQUEST_KEYS = ("received", "applicant", "subject", "decision", "reason", "decided_on")
DECISIONS = {
    "granted": "granted", "partly": "partly", "refused": "refused", "pending": "pending",
    "同意公开": "granted", "部分公开": "partly", "不予公开": "refused", "办理中": "pending",
}  # fmt: skip
FOLDER = "requests/"


def parse_requests(snapshot: Snapshot) -> tuple[tuple[DisclosureRequest, ...], list[Problem]]:
    problems: list[Problem] = []
    requests = []
    for relpath in sorted(snapshot.content):
        name = relpath.rsplit("/", 1)[-1]
        if not relpath.startswith(FOLDER) or not relpath.endswith((".yaml", ".yml")) or name.startswith(("_", ".")):
            continue
        path = snapshot.display(relpath)
        text = decode(snapshot.content[relpath], path, problems)
        fields = load_mapping(text, path, 0, problems) if text is not None else None
        if fields is None:
            continue
        fields.check_keys(REQUEST_KEYS, {"申请单位": "applicant", "事项": "subject", "决定": "decision", "理由": "reason"})
        received = fields.date("received", required=True)
        decision = fields.choice("decision", DECISIONS) or "pending"
        reason = fields.text("reason")
        decided_on = fields.date("decided_on")
        if decision in ("refused", "partly") and not reason:
            fields.error(fields.line_of("decision"), "不予公开或部分公开时，必须写 reason，说明理由（拒绝须作出说明）。")
        if decision != "pending" and decided_on is None and "decided_on" not in fields:
            fields.error(fields.line_of("decision"), "已作出决定的申请，请写 decided_on（决定日期）。")
        if decided_on and received and decided_on < received:
            fields.error(fields.line_of("decided_on"), f"决定日期（{decided_on}）早于收到申请的日期（{received}）。")
        applicant = fields.text("applicant", required=True)
        subject = fields.text("subject", required=True)
        if received and not problems:
            requests.append(
                DisclosureRequest(
                    relpath.rsplit(".", 1)[0], path, fields.line, received, applicant, subject, decision, reason, decided_on
                )
            )
    return tuple(requests), problems
