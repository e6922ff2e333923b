"""Turns what site_config.yaml may say into one declaration per key: what the parser reads, the docs list and a
settings form asks for; defaults come from the model's dataclasses, so they are written once."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

from gongkai.model import (
    CARRIER_LABELS,
    EVERY_LABELS,
    Board,
    CatalogEntry,
    Channels,
    Department,
    DeployTarget,
    Kind,
    Kiosk,
    Review,
    Server,
    Site,
    Supervision,
)
from gongkai.schema.keys import AUDIENCE_ALIASES, AUDIENCE_CHOICES, Key

# Day counts are added to dates: bounded, so no setting can carry a date past the calendar's end.
MAX_DAYS = 3660  # ten years


@dataclass(frozen=True)
class Section:
    """One part of site_config.yaml: a mapping (site), a list of mappings (departments) or named mappings (catalog)."""

    name: str  # where it is: "site", "site.feedback", "catalog"
    path: str  # how the docs write its keys: "site", "departments[]", "catalog.KEY"
    label: str
    help: str
    where: str  # how a message names it, after an unknown key; {key}: the entry's key
    keys: tuple[Key, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key.key for key in self.keys)

    @property
    def hints(self) -> dict[str, str]:
        """A key written as its Chinese label: the key meant."""
        return {key.label: key.key for key in self.keys}

    def __getitem__(self, name: str) -> Key:
        return next(key for key in self.keys if key.key == name)


def declare_section(model: type, name: str, path: str, label: str, help: str, where: str, *keys: Key) -> Section:
    """A section whose keys take their defaults from `model`'s fields of the same name: a default is declared
    either in model.py (what the code falls back on) or here (what only the parser supplies), never both."""
    written = {f.name: f.default for f in dataclasses.fields(model) if f.default is not dataclasses.MISSING}
    settled = []
    for key in keys:
        default = _as_written(written.get(key.key))
        if default is not None and key.default is not None:
            raise TypeError(f"{path}.{key.key}: default declared twice, in model.py and in the schema")
        settled.append(key if default is None else dataclasses.replace(key, default=default))
    return Section(name, path, label, help, where, tuple(settled))


def _as_written(value: Any) -> Any:
    """A model default as site_config.yaml would write it; None for what is not a plain value (empty, a list)."""
    if isinstance(value, enum.Enum):
        return value.value
    if value == "" or isinstance(value, (tuple, list)):
        return None
    return value


_AUDIENCE = dict(choices=AUDIENCE_CHOICES, aliases=AUDIENCE_ALIASES)
_ORIENTATIONS = (("portrait", "纵向"), ("landscape", "横向"))
_ORIENTATION_ALIASES = tuple((label, value) for value, label in _ORIENTATIONS)
_CATEGORIES = "要显示的类别（catalog 中的键）；不写则显示全部类别。"

SITE = declare_section(
    Site, "site", "site", "单位", "单位名称、网站标题、索引号和网站地址。", "（site 部分）",
    Key("name", "单位全称", "text", True, help="党组织的全称，显示在每个输出上。"),
    Key("title", "网站标题", "text", default_note="单位全称 + 党务公开", help="网站的标题；不填则为单位全称加“党务公开”。"),
    Key("issuer", "发布机构", "text", default_note="单位全称", help="事项没写 issuer 时的发布机构；不填则为单位全称。"),
    Key("timezone", "时区", "timezone", help="决定“今天”是哪天：事项在这个时区的零点开始和结束。一般写 Asia/Shanghai。"),
    Key("org_code", "单位代码", "text", help="每个索引号的第一部分。"),
    Key("index_pattern", "索引号格式", "pattern", help="索引号的组成，只能用 {org_code} {category} {year} {serial:04d}。"),
    Key("internal_url", "党内网站地址", "url", help="以 http:// 或 https:// 开头；党内公开栏的二维码指向这里。"),
    Key("public_url", "对外网站地址", "url", help="对外公开栏的二维码指向这里；不填则公开栏不印二维码。"),
    Key("feedback", "反馈渠道", "section", help="显示在每个输出上的监督电话、意见箱和电子邮箱。"),
)  # fmt: skip

FEEDBACK = declare_section(
    Channels, "site.feedback", "site.feedback", "反馈渠道", "显示在每个输出上的反馈渠道。", "（feedback 部分）",
    Key("phone", "监督电话", "text", help="群众反映意见的电话。"),
    Key("mailbox", "意见箱", "text", help="意见箱设在哪里。"),
    Key("email", "电子邮箱", "text", help="接收意见的电子邮箱。"),
)  # fmt: skip

DEPARTMENTS = declare_section(
    Department, "departments", "departments[]", "责任部门", "负责公开事项的部门（科室）。", "（departments 的一项）",
    Key("name", "部门名称", "text", True, help="事项和目录只能写这里列出的部门。"),
    Key(
        "monthly_quota", "每月应公开数", "integer", minimum=0,
        help="每月应公开的事项数（按事项开始公开的月份计）；不足时督查报告会提示。",
    ),
)  # fmt: skip

CATALOG = declare_section(
    CatalogEntry, "catalog", "catalog.KEY", "公开目录", "每一类公开事项：是什么、多久公开一次、公开多久、谁负责。",
    "（目录“{key}”）",
    Key("name", "类别名称", "text", True, help="类别的名称；事项可以写名称代替键。"),
    Key("group", "分组", "text", default="其他", help="首页上列在哪个分组下；分组按首次出现的顺序排列。"),
    Key(
        "kind", "公开类型", "choice", True, tuple((kind.value, kind.label) for kind in Kind),
        "固定公开长期有效；定期公开按周期公开；随时公开随事项发生公开。",
        aliases=tuple((kind.label, kind.value) for kind in Kind),
    ),
    Key(
        "every", "公开周期", "choice", False, tuple(EVERY_LABELS.items()),
        "固定公开和定期公开多久公开一次。", aliases=tuple((label, value) for value, label in EVERY_LABELS.items()),
        default_note="固定公开和定期公开必须填写",
    ),
    Key(
        "default_days", "默认公开天数", "integer", minimum=1, maximum=MAX_DAYS,
        help="事项没写截止日期时公开多少天；不填则一直公开到同类新事项开始。",
    ),
    Key("department", "责任部门", "department", help="事项没写部门时的责任部门。"),
    Key(
        "scope", "公开范围", "choice", help="本类事项默认的公开范围；事项与之不同时必须说明原因。", **_AUDIENCE,
    ),
    Key(
        "carriers", "公开载体", "carriers", choices=tuple(CARRIER_LABELS.items()), default_note="全部三种",
        help="除党内网站外还在哪里公开：网站、公开栏、电子屏；空列表表示只在党内网站。",
    ),
    Key(
        "public_days", "对外公开天数", "days", minimum=1, maximum=MAX_DAYS, default_note="随时公开为 [7, 15]",
        help="向社会公开的事项应公开的天数范围，写成 [最短天数, 最长天数]；督查报告会提示超出范围的事项。",
    ),
)  # fmt: skip

BOARDS = declare_section(
    Board, "boards", "boards.KEY", "公开栏", "每块实体公开栏：打印成 PDF 的版面。", "（公开栏“{key}”）",
    Key("title", "标题", "text", True, help="印在每张版面的顶部。"),
    Key("audience", "面向", "choice", default="public", help="显示谁能看到的内容。", **_AUDIENCE),
    Key(
        "paper", "纸张", "choice", choices=(("A3", "A3"), ("A4", "A4"), ("A2", "A2")),
        aliases=(("a4", "A4"), ("a3", "A3"), ("a2", "A2")), help="打印用纸的大小。",
    ),
    Key("orientation", "方向", "choice", choices=_ORIENTATIONS, aliases=_ORIENTATION_ALIASES, help="版面纵向或横向。"),
    Key("categories", "显示的类别", "categories", default_note="全部类别", help=_CATEGORIES),
)  # fmt: skip

KIOSK = declare_section(
    Kiosk, "kiosk", "kiosk", "电子屏", "大厅电子屏：自动轮播的全屏页面。", "（kiosk 部分）",
    Key("title", "标题", "text", help="显示在每一屏上。"),
    Key("audience", "面向", "choice", help="显示谁能看到的内容。", **_AUDIENCE),
    Key(
        "seconds_per_item", "每条停留秒数", "integer", minimum=3, maximum=3600,
        help="每个事项停留的秒数；内容较长时每一屏都停留这么久。",
    ),
    Key("categories", "显示的类别", "categories", default_note="全部类别", help=_CATEGORIES),
    Key(
        "orientation", "方向", "choice", choices=(("auto", "随屏幕"), *_ORIENTATIONS), aliases=_ORIENTATION_ALIASES,
        help="随屏幕自动，或固定横向、纵向。",
    ),
    Key(
        "max_screens", "每条最多屏数", "integer", minimum=1,
        help="一个事项的正文最多显示几屏；更长的事项随后显示一屏二维码，扫码查看全文。",
    ),
    Key("qr", "每屏二维码", "flag", help="true：每一屏都显示一个小二维码，指向该事项的网页（需要填写对应网站的地址）。"),
)  # fmt: skip

SUPERVISION = declare_section(
    Supervision, "supervision", "supervision", "督查", "督查报告检查的期限。", "（supervision 部分）",
    Key("feedback_days", "反馈答复期限", "integer", minimum=1, maximum=MAX_DAYS, help="反馈超过这么多天未答复即为逾期。"),
    Key("request_days", "申请办理期限", "integer", minimum=1, maximum=MAX_DAYS, help="依申请公开超过这么多天未办结即为逾期。"),
    Key("due_soon_days", "到期提醒天数", "integer", minimum=1, maximum=MAX_DAYS, help="目录项到期前这么多天提示“即将到期”。"),
    Key(
        "start", "目录启用日期", "date", default_note="最早事项的开始日期",
        help="公开目录的第一天；从未公开的固定、定期公开项从它算起的第一个到期日起即为逾期。",
    ),
)  # fmt: skip

REVIEW = declare_section(
    Review, "review", "review", "审核把关", "事项公开前是否须经审核，由谁审核。", "（review 部分）",
    Key("required", "必须审核", "flag", help="true：事项经审核后才显示。"),
    Key("reviewers", "审核人", "list", help="可以审核的人的姓名；必须审核时必填。"),
)  # fmt: skip

SERVER = declare_section(
    Server, "server", "server", "网站服务器", "生成 nginx 配置所需的设置。", "（server 部分）",
    Key("server_name", "主机名", "text", help="nginx 的 server_name；可写多个，用空格分开，_ 表示任意。"),
    Key("listen", "监听端口", "text", help="端口号，或 地址:端口，例如 127.0.0.1:8080。"),
    Key("root", "部署根目录", "path", help="没有本机发布目标的输出从 根目录/输出名/current 提供。"),
    Key("auth_file", "口令文件", "path", help="htpasswd 文件的绝对路径：党内网站和公开栏 PDF 须登录访问。"),
    Key("allow", "允许访问的地址", "addresses", help="可以访问党内网站和公开栏 PDF 的地址或网段。"),
)  # fmt: skip

DEPLOY = declare_section(
    DeployTarget, "deploy", "deploy.NAME", "发布目标", "每个输出发布到哪里。", "（发布目标“{key}”）",
    Key(
        "source", "发布的输出", "choice", True,
        (("internal", "党内网站"), ("public", "对外网站"), ("kiosk", "电子屏"), ("posters", "公开栏 PDF")),
        "要发布哪一个输出。",
    ),
    Key("dest", "目标位置", "dest", True, help="本机的绝对路径，或 用户@主机:/路径（通过 ssh 同步）。"),
    Key("keep", "保留版本数", "integer", minimum=2, help="保留最近几次发布，用于回退（至少 2）。"),
)  # fmt: skip

# The top-level keys, in the order messages list them.
TOP = (SITE, DEPARTMENTS, CATALOG, BOARDS, KIOSK, SUPERVISION, DEPLOY, SERVER, REVIEW)
TOP_KEYS = tuple(section.name for section in TOP)
TOP_HINTS = {section.label: section.name for section in TOP}
# Every section, in the order the docs list them.
CONFIG_SCHEMA = (SITE, FEEDBACK, DEPARTMENTS, CATALOG, BOARDS, KIOSK, SUPERVISION, REVIEW, SERVER, DEPLOY)
