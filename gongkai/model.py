"""The vocabulary of Gongkai as frozen dataclasses: the site, its catalogue (公开目录) and its items (公开事项)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Audience(enum.Enum):
    """Who an output is for. An item's scope is the widest audience it may reach."""

    INTERNAL = "internal"  # 党内: members and staff, on the intranet
    PUBLIC = "public"  # 向社会公开

    @property
    def label(self) -> str:
        return "党内" if self is Audience.INTERNAL else "向社会公开"


class Status(enum.Enum):
    PUBLISHED = "published"
    DRAFT = "draft"
    WITHDRAWN = "withdrawn"


class ReviewState(enum.Enum):
    """Where an item stands with 审核把关, settled by the parser from the item and the config."""

    NOT_REQUIRED = "not_required"  # the config does not ask for review, and no valid review is recorded
    PENDING = "pending"  # 待审核: review required, none recorded
    CHANGED = "changed"  # reviewed, then something shown (text, files, window…) changed: the review is void
    PASSED = "passed"  # reviewed, and what was reviewed is what is shown

    @property
    def holds(self) -> bool:
        """Whether the item must wait: shown nowhere until it is reviewed."""
        return self in (ReviewState.PENDING, ReviewState.CHANGED)


class Kind(enum.Enum):
    FIXED = "fixed"  # 固定公开
    PERIODIC = "periodic"  # 定期公开
    ADHOC = "adhoc"  # 随时公开

    @property
    def label(self) -> str:
        return {"fixed": "固定公开", "periodic": "定期公开", "adhoc": "随时公开"}[self.value]


EVERY_LABELS = {"month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年"}

# The carriers (公开载体) an entry may use: the public website, the wall boards, the lobby screen. The internal
# site is not among them: it is the members' record and archive (归档) of everything they may see.
CARRIERS = ("sites", "boards", "kiosk")
CARRIER_LABELS = {"sites": "网站", "boards": "公开栏", "kiosk": "电子屏"}
# 定期公开和随时公开中需要向全社会公开的内容，每次公开的时间一般控制在7至15天 (the county plan).
PUBLIC_DAYS = (7, 15)


@dataclass(frozen=True)
class Channels:
    """The feedback channels (意见箱, 监督电话, email) shown on every output."""

    phone: str = ""
    mailbox: str = ""
    email: str = ""


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    issuer: str
    timezone: str = "Asia/Shanghai"
    org_code: str = "GK"  # first part of every 索引号
    index_pattern: str = "{org_code}-{category}-{year}-{serial:04d}"
    internal_url: str = ""
    public_url: str = ""
    feedback: Channels = field(default_factory=Channels)


@dataclass(frozen=True)
class Department:
    name: str
    monthly_quota: int = 1


@dataclass(frozen=True)
class CatalogEntry:
    """One kind of item in the 公开目录: what it is, how often, for how long, who files it."""

    key: str
    name: str
    group: str
    kind: Kind
    every: str | None = None
    default_days: int | None = None
    department: str | None = None
    scope: Audience | None = None  # the default scope of its items (范围); None: each item says
    carriers: tuple[str, ...] = CARRIERS  # where its items appear (方式), besides the internal site
    public_days: tuple[int, int] | None = None  # the range of a public window; None: 7–15 days for 随时公开 only

    @property
    def cadence(self) -> str:
        return EVERY_LABELS.get(self.every or "", "随时")

    @property
    def window_rule(self) -> tuple[int, int] | None:
        """The range of days a public item of this kind is shown for, when a rule applies."""
        return self.public_days or (PUBLIC_DAYS if self.kind is Kind.ADHOC else None)

    @property
    def carrier_labels(self) -> str:
        return "、".join(CARRIER_LABELS[c] for c in self.carriers) or "仅党内网站"


PAPER_MM = {"A4": (210, 297), "A3": (297, 420), "A2": (420, 594)}


@dataclass(frozen=True)
class Board:
    """One physical 党务公开栏: a PDF of A3 (or A4, A2) sheets showing what its audience sees."""

    key: str
    title: str
    audience: Audience
    paper: str = "A3"
    orientation: str = "portrait"
    categories: tuple[str, ...] = ()  # empty: every category

    @property
    def size_mm(self) -> tuple[int, int]:
        width, height = PAPER_MM[self.paper]
        return (height, width) if self.orientation == "landscape" else (width, height)


@dataclass(frozen=True)
class Supervision:
    """Limits the supervision report (督查) holds the office to."""

    feedback_days: int = 15  # feedback unanswered longer than this is flagged
    request_days: int = 10  # a disclosure request pending longer than this is flagged
    due_soon_days: int = 7
    start: date | None = None  # the catalogue's first day: what was never published is late from its first due date


@dataclass(frozen=True)
class Kiosk:
    """The lobby's electronic screen (电子屏): one self-running full-screen page."""

    title: str = "党务公开"
    audience: Audience = Audience.PUBLIC
    seconds_per_item: int = 15
    categories: tuple[str, ...] = ()  # empty: every category
    orientation: str = "auto"  # auto | landscape | portrait
    max_screens: int = 3  # screens of one item's text; a longer item then shows a QR code to its full page
    qr: bool = False  # a QR code to the item's page on every slide


@dataclass(frozen=True)
class DeployTarget:
    """Where one output goes: a local folder or user@host:/path, as releases behind a `current` symlink."""

    key: str
    source: str  # internal | public | kiosk | posters
    dest: str
    keep: int = 5

    @property
    def remote(self) -> bool:
        return ":" in self.dest and not self.dest.startswith("/")


@dataclass(frozen=True)
class Server:
    """What the generated nginx configuration needs: names, where the deployed trees are, who may read."""

    server_name: str = "_"
    listen: str = "80"
    root: str = "/srv/gongkai"  # a source not deployed to a local target is served from ROOT/SOURCE/current
    auth_file: str = ""  # htpasswd file for the internal site (never generated, never committed)
    allow: tuple[str, ...] = ()  # addresses or networks that may read the internal site


@dataclass(frozen=True)
class Review:
    """审核把关: whether every item needs a reviewer's approval before it is shown, and who may give it."""

    required: bool = False
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    site: Site
    departments: tuple[Department, ...]
    catalog: tuple[CatalogEntry, ...]
    path: str = "site_config.yaml"
    boards: tuple[Board, ...] = ()
    kiosk: Kiosk = field(default_factory=Kiosk)
    supervision: Supervision = field(default_factory=Supervision)
    deploy: tuple[DeployTarget, ...] = ()
    server: Server = field(default_factory=Server)
    review: Review = field(default_factory=Review)

    def entry(self, key: str) -> CatalogEntry:
        return next(e for e in self.catalog if e.key == key)

    @property
    def groups(self) -> tuple[str, ...]:
        """Catalogue groups in the order the config first names them."""
        return tuple(dict.fromkeys(e.group for e in self.catalog))


@dataclass(frozen=True)
class FeedbackEntry:
    """One piece of feedback on an item (收集反馈) and the office's response."""

    date: date
    summary: str
    response: str = ""
    responded_on: date | None = None
    line: int = 1


@dataclass(frozen=True)
class DisclosureRequest:
    """A request for disclosure (依申请公开) and its outcome, from content/requests/."""

    id: str
    source: str
    line: int
    received: date
    applicant: str  # the applicant's unit, never a personal name
    subject: str
    decision: str  # granted | partly | refused | pending
    reason: str
    decided_on: date | None

    @property
    def decision_label(self) -> str:
        return {"granted": "同意公开", "partly": "部分公开", "refused": "不予公开", "pending": "办理中"}[self.decision]


@dataclass(frozen=True)
class Attachment:
    name: str  # file name shown to readers
    source: str  # path inside content/, POSIX style
    listed: bool = True  # False for images and files the body links to: published, not listed
    sha256: str = ""  # of the file's bytes when the item was parsed: a review vouches for these bytes

    @property
    def output_path(self) -> str:
        return "files/" + self.source


@dataclass(frozen=True)
class Item:
    """One 公开事项 as validated from its file. `valid_until` is the effective end (None: open-ended)."""

    id: str  # path inside content/ without extension, POSIX style: the item's stable name
    source: str  # the file as the editor knows it, for messages
    title: str
    category: str
    scope: Audience
    valid_from: date
    valid_until: date | None
    public_from: date | None
    status: Status
    withdrawn_reason: str
    department: str
    issuer: str
    doc_number: str
    date: date
    pinned: bool
    summary: str
    body_html: str
    attachments: tuple[Attachment, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    line: int = 1  # first line of the front matter, for messages about the item as a whole
    feedback: tuple[FeedbackEntry, ...] = ()
    reopens: str = ""  # id of the item this one re-discloses after rectification (整改后再次公开)
    index_number: str = ""  # 索引号, from the archive register
    scope_reason: str = ""  # why the item's scope differs from its catalogue entry's (internal pages only)
    # 审核: who approved it and when, and what the parser settled from that and the config.
    reviewed_by: str = ""
    reviewed_on: date | None = None
    review: ReviewState = ReviewState.NOT_REQUIRED
    review_hash: str = ""  # what a review of the item as it is now records: everything shown (procedure.Disclosed)
    # 撤销 and 更正: when a withdrawal was made, and the item that corrects this one (its id).
    withdrawn_on: date | None = None
    replaced_by: str = ""
    # 阶段性工作逐段公开: items sharing a series are the stages of one matter.
    series: str = ""
    stage: str = ""

    @property
    def page_path(self) -> str:
        return f"items/{self.id}.html"
