"""Turns the item file's keys into one declaration: what the parser accepts and what the desk's form asks for."""

from __future__ import annotations

from gongkai.schema.keys import AUDIENCE_CHOICES, Key

# The words clerks use, the desk's labels among them (党内公开 / 向社会公开). Not "公开" alone: both are 公开.
SCOPE_ALIASES = (
    ("党内", "internal"), ("党内公开", "internal"), ("党外", "public"), ("社会", "public"), ("向社会公开", "public"),
    ("对外公开", "public"),
)  # fmt: skip

ITEM_SCHEMA = (
    Key("title", "标题", "text", True, help="事项的标题，与文件中的正式标题一致。"),
    Key("category", "类别", "category", True, help="公开目录中的类别，决定默认公开天数和责任部门。"),
    Key(
        "scope", "公开范围", "choice", True, AUDIENCE_CHOICES,
        "党内公开只在党内网站和党内公开栏显示；向社会公开的事项党内外都能看到。", aliases=SCOPE_ALIASES,
    ),
    Key("valid_from", "开始公开", "date", True, help="从这一天起公开（党内网站）。"),
    Key("valid_until", "公开截止", "date", help="最后一天；不填则按类别的默认天数，没有默认天数则长期公开。"),
    Key("public_from", "对外公开日期", "date", help="先党内、后党外：从这一天起才向社会公开；不填则与开始公开同一天。"),
    Key(
        "status", "状态", "choice", False, (("published", "发布"), ("draft", "草稿"), ("withdrawn", "已撤销")),
        "草稿不会出现在任何输出中；撤销请用“撤销”按钮。", default="published",
        aliases=(("已发布", "published"), ("发布", "published"), ("草稿", "draft"), ("撤销", "withdrawn"), ("已撤销", "withdrawn")),
    ),
    Key("withdrawn_reason", "撤销原因", "text", help="撤销时必须说明原因，会显示在撤销公告中。", in_form=False),
    Key("department", "责任部门", "department", help="不填则用类别的责任部门。"),
    Key("issuer", "发布机构", "text", help="不填则用配置中的单位全称。"),
    Key("doc_number", "文号", "text", help="例如 青自然资党〔2026〕18号；没有可不填。"),
    Key("date", "成文日期", "date", help="文件的成文日期；不填则与开始公开同一天。"),
    Key("pinned", "置顶", "flag", help="置顶的事项排在最前面。"),
    Key("summary", "摘要", "text", help="一两句话，显示在列表和电子屏上。"),
    Key("attachments", "附件", "files", help="上传 PDF、Word、Excel 或图片；保存在 content/attachments/ 中。"),
    Key("extra", "其他信息", "mapping", help="其他“键: 值”，按原样显示。", in_form=False),
    Key("feedback", "反馈", "feedback", help="收到的意见和答复（手工编辑）。", in_form=False),
    Key("reopens", "再次公开", "item", help="被再次公开的事项的文件路径（手工编辑）。", in_form=False),
    Key(
        "scope_reason", "范围说明", "text",
        help="公开范围与公开目录规定的不同时必须说明原因；只在党内网站显示，缩小范围的列入备案清单。",
    ),
    # 审核, 撤销 and 更正, 阶段 (gongkai/parsing/procedure.py settles them). A review is recorded by
    # `python build.py review`, which also writes the hash of what was reviewed: never typed by hand.
    Key("reviewed_by", "审核人", "text", help="审核人的姓名（用 review 命令记录）。", in_form=False),
    Key("reviewed_on", "审核日期", "date", help="审核的日期，不能晚于开始公开的日期。", in_form=False),
    Key("reviewed_hash", "审核校验码", "text", help="审核时的内容校验码，由 review 命令写入。", in_form=False),
    Key("withdrawn_on", "撤销日期", "date", help="撤销的日期；撤销时必须填写。", in_form=False),
    Key("replaced_by", "更正后的事项", "item", help="撤销后由哪个事项更正：那个事项的文件路径。", in_form=False),
    Key("series", "事项系列", "text", help="同一件事分阶段公开时，各阶段写同一个系列名。"),
    Key("stage", "阶段名称", "text", help="本事项是这个系列的哪个阶段，例如 确定入党积极分子。"),
)  # fmt: skip

SCHEMA_BY_KEY = {key.key: key for key in ITEM_SCHEMA}
FORM_KEYS = tuple(key.key for key in ITEM_SCHEMA if key.in_form)
