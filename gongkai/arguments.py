"""Turns the command line's words into parsed arguments: the commands, their options and argparse's complaints
said in Chinese, for office staff who type `python build.py …`."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from gongkai.parsing.fields import EARLIEST, LATEST, accepted
from gongkai.parsing.items import SCOPES
from gongkai.problems import EXIT_USAGE

DESCRIPTION = """Gongkai（公开）：把 content/ 中的党务公开事项生成为党内网站、公开网站、公开栏海报（PDF）和大厅电子屏页面。

退出码：0 成功；1 内容或配置有错误（逐条列出“文件:行号: 说明”）；2 命令用法错误；
3（仅 report）有逾期事项。"""

COMMANDS = {
    "build": "检查全部事项并生成网站、海报和电子屏到 output/（失败时保留原来的 output/ 不变）",
    "check": "只检查内容、配置和归档登记，不生成任何文件（提交前运行）",
    "register": "为新事项分配索引号，写入 register.yaml（请随内容一起提交）",
    "report": "督查情况：各类别是否按时公开、各部门本月公开数、逾期未答复的反馈和申请；加 --month 等为某一时期的统计（上报用），加 --filing 为报上级备案清单",
    "deploy": "把上次构建的结果发布到 site_config.yaml 中 deploy 下的目标（新版本整体切换，可 --rollback 回退）",
    "serve": "本机预览：生成后在 127.0.0.1 上提供网页，文件一保存就重新生成并刷新浏览器",
    "new": "按公开目录新建一个事项文件（今天开始、默认期限、责任部门），打印文件路径",
    "import": "把 Word 文档（.docx）转换为新的事项文件：识别文号、标题、成文日期，保留表格和图片",
    "list": "列出某一天各输出显示的事项（类似 hugo list）",
    "next-change": "下一次输出会变化的日期（有事项开始、到期、转为对外公开或被替换），以及是哪些事项",
    "desk-user": "为编辑台生成一行“姓名:密码散列”（在别的地址上提供编辑台时需要，写入 --users 文件）",
    "review": "记录审核：在事项文件里写上审核人、审核日期和内容校验码（审核后内容一改，审核即作废）",
    "retire": "从网站上移除一个已公开的事项并删除文件；归档登记保留它的索引号、标题、公开期限和移除原因",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default is English and cryptic
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"命令用法错误：{_in_chinese(message)}\n可运行 python build.py --help 查看说明。\n")


# argparse's own phrases, said the way the rest of the messages are.
_ARGPARSE_PHRASES = (
    (re.compile(r"^argument ([^:]+): "), r"参数 \1："),
    (re.compile(r"the following arguments are required: "), "缺少参数："),
    (re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)"), r"“\1”不是可选的值（可选：\2）"),
    (re.compile(r"unrecognized arguments: "), "不认识的参数："),
    (re.compile(r"expected one argument"), "后面要写一个值"),
)


def _in_chinese(message: str) -> str:
    for pattern, replacement in _ARGPARSE_PHRASES:
        message = pattern.sub(replacement, message)
    return message


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，请写成 YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise argparse.ArgumentTypeError(f"日期“{text}”超出了可用范围（{EARLIEST} 至 {LATEST}）")
    return day


def _scope(text: str) -> str:
    """A scope as any word the item parser accepts, returned in its canonical form (public / internal)."""
    if text not in SCOPES:
        raise argparse.ArgumentTypeError(f"公开范围“{text}”不对。可以写：{accepted(SCOPES)}")
    return SCOPES[text]


def parser() -> argparse.ArgumentParser:
    main = _Parser(prog="python build.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    commands.required = True
    for name, help_text in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        if name == "desk-user":  # makes one line for a users file: reads no content, config or date
            command.set_defaults(content=Path("content"), config=Path("site_config.yaml"), templates=Path("templates"))
            command.set_defaults(output=Path("output"), date=None)
            command.add_argument("name", metavar="姓名", help="编辑的姓名（提交时作为提交人）")
            continue
        command.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="事项文件夹（默认 content/）")
        command.add_argument(
            "--config", type=Path, default=Path("site_config.yaml"), metavar="FILE", help="配置文件（默认 site_config.yaml）"
        )
        command.add_argument(
            "--templates", type=Path, default=Path("templates"), metavar="DIR", help="模板文件夹（默认 templates/）"
        )
        command.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help="输出文件夹（默认 output/）")
        if name in ("register", "deploy"):  # numbering needs no day; deploy compares the build's with today's
            command.set_defaults(date=None)
        else:
            command.add_argument(
                "--date",
                type=_date,
                metavar="YYYY-MM-DD",
                help="按这一天（默认今天，按配置的时区）；同样的内容和日期，输出逐字节相同",
            )
        if name in ("build", "check", "serve"):
            command.add_argument("--no-posters", action="store_true", help="不生成公开栏海报 PDF（更快，用于预览网站）")
            command.add_argument("--no-search", action="store_true", help="不生成站内搜索索引（更快；搜索页会说明暂不能搜索）")
        if name in ("build", "check"):
            command.add_argument("-q", "--quiet", action="store_true", help="成功时不打印摘要")
        if name == "serve":
            command.add_argument("--port", type=int, default=8000, help="端口（默认 8000；0 表示任选一个空闲端口）")
            command.add_argument(
                "--host",
                default="127.0.0.1",
                metavar="ADDR",
                help="在这个地址上提供预览和编辑台（默认只限本机；别的地址必须同时用 --users）",
            )
            command.add_argument(
                "--users", type=Path, metavar="FILE", help="编辑台用户文件：每行一个 desk-user 生成的“姓名:密码散列”"
            )
            command.add_argument("--push", default="", metavar="REMOTE", help="编辑台提交后推送到这个 git 远程仓库（默认不推送）")
        if name == "new":
            command.add_argument("category", metavar="CATEGORY", help="类别：catalog 中的键或名称")
            command.add_argument("title", metavar="标题")
            command.add_argument(
                "--scope",
                type=_scope,
                help="公开范围：public、向社会公开、internal、党内等（默认：类别在公开目录中的范围，没有规定的为 public）",
            )
        if name == "import":
            command.add_argument("file", type=Path, metavar="FILE.docx", help="要导入的 Word 文档（.docx）")
            command.add_argument("--category", default="", help="类别：catalog 中的键或名称（不写则导入后再填）")
            command.add_argument("--scope", type=_scope, default="internal", help="公开范围（默认 internal，即党内）")
            command.add_argument("--keep-original", action="store_true", help="把原 .docx 作为事项的附件一起保存")
        if name == "list":
            command.add_argument("--audience", choices=("internal", "public"), help="只看党内网站或公开网站（默认两者）")
            which = command.add_mutually_exclusive_group()
            for flag, what in (("--upcoming", "尚未开始的"), ("--expired", "已到期的"), ("--all", "全部")):
                which.add_argument(flag, dest="which", action="store_const", const=flag[2:], help=f"列出{what}事项")
            command.add_argument("--format", choices=("table", "csv", "json"), default="table", help="输出格式（默认 table）")
        if name == "next-change":
            command.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
        if name == "report":
            _report_options(command)
        if name in ("review", "retire"):
            command.add_argument("file", type=Path, metavar="PATH", help="事项文件，如 content/adhoc/通知.md")
        if name == "review":
            command.add_argument(
                "--by", required=True, metavar="NAME", help="审核人（site_config.yaml 中 review.reviewers 里的姓名）"
            )
        if name == "retire":
            command.add_argument("--reason", required=True, help="移除的原因（保留在归档登记中）")
        if name == "deploy":
            command.add_argument("target", metavar="TARGET", help="发布目标（site_config.yaml 中 deploy 下的名字）")
            command.add_argument(
                "--rollback",
                action="store_true",
                help="回退到当前版本之前正在使用的版本（可连续回退，每次再往前一个；被回退掉的版本不会再被启用）",
            )
            command.add_argument(
                "--allow-past-date",
                action="store_true",
                help="允许发布构建日期早于今天的结果（例如临时恢复过去某天的网站）；晚于今天的构建始终拒绝发布",
            )
    return main


def _report_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format", choices=("text", "html", "csv", "json", "xlsx"), default="text", help="输出格式（默认 text；xlsx 须用 --out）"
    )
    command.add_argument("--out", type=Path, metavar="FILE", help="写入这个文件，而不是显示在屏幕上（xlsx 必须写）")
    period = command.add_mutually_exclusive_group()
    period.add_argument("--month", metavar="YYYY-MM", help="统计这个月，例如 2026-11")
    period.add_argument("--quarter", metavar="YYYYQn", help="统计这个季度，例如 2026Q4")
    period.add_argument("--year", metavar="YYYY", help="统计这一年，例如 2026")
    period.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="统计从这一天起（与 --to 一起用）")
    command.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="统计到这一天（默认 --date 那天）")
    command.add_argument("--filing", action="store_true", help="报上级备案清单：不予公开或部分公开的申请、暂不公开和已撤销的事项")
