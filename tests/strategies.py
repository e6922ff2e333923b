"""Hypothesis strategies: random items and random corpora of item files, with unique markers to search for."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import yaml
from hypothesis import strategies as st

from gongkai.model import Audience, Item, Status
from gongkai.reading import Snapshot
from tests.scratch import CONFIG, REPO

BASE = date(2026, 6, 1)
DEFAULT_DAYS = {"org": None, "dues": 15, "notice": 10}  # as in tests.scratch.CONFIG
# Item texts: a set phrase that many items share (so a shared passage is no leak), and words for each item's own.
COMMON = "根据党务公开工作安排，现将有关情况公开如下，请党员群众监督。"
WORDS = ("支部", "委员会", "研究", "同意", "组织", "生活", "学习", "教育", "干部", "监督", "廉政", "会议", "决定",
         "名单", "人员", "情况", "说明", "安排", "整改", "落实", "党费", "收缴", "使用", "培训")  # fmt: skip


@st.composite
def items(draw) -> Item:
    start = BASE + timedelta(days=draw(st.integers(-60, 60)))
    until = draw(st.none() | st.integers(0, 40).map(lambda n: start + timedelta(days=n)))
    scope = draw(st.sampled_from(Audience))
    public_from = None
    if scope is Audience.PUBLIC and draw(st.booleans()):
        public_from = start + timedelta(days=draw(st.integers(0, (until - start).days if until else 30)))
    return Item(
        id=f"i{draw(st.integers(0, 10**6))}", source="content/x.md", title="t", category="notice", scope=scope,
        valid_from=start, valid_until=until, public_from=public_from, status=draw(st.sampled_from(Status)),
        withdrawn_reason="r", department="", issuer="", doc_number="", date=start, pinned=draw(st.booleans()),
        summary="", body_html="",
    )  # fmt: skip


def make(**changes) -> Item:
    """One item, current on 2026-11-20 unless `changes` say otherwise; its source is named after its id."""
    base = dict(
        id="a", title="t", category="notice", scope=Audience.PUBLIC, valid_from=date(2026, 11, 10), valid_until=None,
        public_from=None, status=Status.PUBLISHED, withdrawn_reason="", department="", issuer="", doc_number="",
        date=date(2026, 11, 10), pinned=False, summary="", body_html="",
    )  # fmt: skip
    base |= changes
    return Item(source=f"content/{base['id']}.md", **base)


days = st.integers(-120, 120).map(lambda n: BASE + timedelta(days=n))


@dataclass(frozen=True)
class Spec:
    """One generated item file, with markers unique to it: if a marker is in a file, the item is in it."""

    n: int
    category: str
    scope: str
    status: str
    start: int
    length: int | None  # None: open-ended (valid_until not written)
    public_after: int | None
    attached: bool
    pinned: bool
    feedback: bool = False

    @property
    def token(self) -> str:
        return f"QX{self.n:03d}Z"

    @property
    def passage(self) -> str:
        """A paragraph of the body unique to the item and without its token, as real texts are."""
        pick = random.Random(self.n)
        return "".join(pick.choice(WORDS) for _ in range(12)) + "。"

    @property
    def doc_number(self) -> str:
        return f"测党〔2026〕{self.n}号"

    @property
    def remarks(self) -> tuple[str, str]:
        """The summary and response of its feedback (if any), which only members may read."""
        return f"反馈{self.token}意见内容请尽快研究处理", f"答复{self.token}已经研究并办理完毕"

    @property
    def valid_from(self) -> date:
        return BASE + timedelta(days=self.start)

    def front_matter(self) -> dict:
        front = {"title": f"标题{self.token}", "category": self.category, "scope": self.scope, "status": self.status}
        front["valid_from"] = self.valid_from.isoformat()
        if self.length is not None:
            front["valid_until"] = (self.valid_from + timedelta(days=self.length)).isoformat()
        if self.public_after is not None:
            front["public_from"] = (self.valid_from + timedelta(days=self.public_after)).isoformat()
        if self.status == "withdrawn":
            front["withdrawn_reason"] = "撤销说明"
            front["withdrawn_on"] = self.valid_from.isoformat()
        if self.attached:
            front["attachments"] = [f"files/附件{self.token}.pdf"]
        front["pinned"] = self.pinned
        front["summary"] = f"摘要{self.token}SUM"
        front["doc_number"] = self.doc_number
        if self.feedback:
            front["feedback"] = [{"date": self.valid_from, "summary": self.remarks[0], "response": self.remarks[1]}]
        return front

    def file(self) -> bytes:
        text = yaml.safe_dump(self.front_matter(), allow_unicode=True, sort_keys=False)
        return f"---\n{text}---\n正文{self.token}BODY\n\n{COMMON}\n\n{self.passage}\n".encode()


@st.composite
def specs(draw, n: int) -> Spec:
    category = draw(st.sampled_from(sorted(DEFAULT_DAYS)))
    scope = draw(st.sampled_from(["internal", "public"]))
    length = draw(st.none() | st.integers(0, 40))
    window = length if length is not None else (DEFAULT_DAYS[category] or 30) - 1
    public_after = draw(st.none() | st.integers(0, window)) if scope == "public" else None
    return Spec(
        n=n, category=category, scope=scope, status=draw(st.sampled_from(["published", "published", "draft", "withdrawn"])),
        start=draw(st.integers(-40, 40)), length=length, public_after=public_after, attached=draw(st.booleans()),
        pinned=draw(st.booleans()), feedback=draw(st.booleans()),
    )  # fmt: skip


corpora = st.integers(1, 8).flatmap(lambda size: st.tuples(*(specs(n) for n in range(size))))


def snapshot(corpus: tuple[Spec, ...]) -> Snapshot:
    content: dict[str, bytes] = {}
    for spec in corpus:
        content[f"items/{spec.token}.md"] = spec.file()
        content[f"items/files/附件{spec.token}.pdf"] = f"%PDF-1.4 附件内容{spec.token}ATT".encode()
    templates = {p.relative_to(REPO / "templates").as_posix(): p.read_text("utf-8") for p in (REPO / "templates").rglob("*.*")}
    config = yaml.safe_dump(CONFIG, allow_unicode=True).encode()
    return Snapshot(content=content, content_root="content", config=config, config_path="site_config.yaml", templates=templates)
