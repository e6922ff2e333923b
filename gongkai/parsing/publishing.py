"""Turns the `deploy:` and `server:` sections of site_config.yaml into deploy targets and web-server settings,
refusing any value that nginx would read as more than the one word or path it is written as."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

import yaml

from gongkai.model import DeployTarget, Server
from gongkai.parsing.fields import Fields
from gongkai.parsing.settings import settings
from gongkai.schema.config import DEPLOY, SERVER

# Every value below is written into output/server/nginx.conf (and dests into rsync and ssh command lines), so
# each is checked against what may stand there as ONE token. nginx reads whitespace, ; { } quotes, $ (a
# variable), \ (an escape) and # (a comment) as syntax: none of them may reach the file. Checked here, at parse
# time with file:line, rather than escaped at render time, so that a bad value is an error the clerk sees.
_PATH = re.compile(r"/[\w/.@+=,~-]*")  # \w: letters and digits of any script, and _
_PATH_CHARS = "字母、数字、汉字和 / . _ - @ + = , ~"
_HOST = re.compile(r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?")  # never starting with '-': ssh would take an option
_USER = re.compile(r"[A-Za-z0-9_][\w.-]*")
_LABELS = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
_SERVER_NAME = re.compile(rf"_|(?:\*\.)?{_LABELS}(?:\.\*)?|\[[0-9A-Fa-f:.]+\]")
_LISTEN = re.compile(rf"(?:(\*|{_LABELS}|\[[0-9A-Fa-f:.]+\]):)?(\d{{1,5}})")
_NETWORK = re.compile(r"[0-9A-Fa-f.:/]+")  # no %scope: Python accepts `fe80::1%x;y`, nginx would read `;y`


def path_problem(value: str) -> str | None:
    """Why `value` cannot be an absolute path in nginx.conf or on a command line, or None when it can."""
    if not _PATH.fullmatch(value):
        return f"应是以 / 开头的绝对路径，只能含{_PATH_CHARS}（空格、引号、分号、花括号、$、# 等会被 nginx 当作配置语法）"
    if any(part in (".", "..") for part in value.split("/")):
        return "不能含“.”或“..”这样的路径段，请写出完整的真实路径"
    return None


def line_problem(value: str) -> str | None:
    """Why `value` cannot be printed on one comment line of nginx.conf (a line break would start a directive)."""
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    return None if bad is None else f"含有换行或控制字符（U+{ord(bad):04X}），请写在一行里"


def parse_deploy(fields: Fields) -> tuple[DeployTarget, ...]:
    section = fields.sub(DEPLOY.name)
    if section is None:
        return ()
    targets = []
    for key in section.nodes:
        target = section.sub(key)
        if target is None:
            section.error(section.line_of(key), f"发布目标“{key}”下面要写 source 和 dest。")
            continue
        target.check_keys(DEPLOY.names, DEPLOY.hints, where=DEPLOY.where.format(key=key))
        values = settings(target, DEPLOY, *DEPLOY.names)
        dest = values.get("dest", "")
        problem = _dest_problem(dest) if dest else None
        if problem:
            target.error(target.line_of("dest"), f"发布目标“{key}”的 dest“{dest}”{problem}。")
        # A missing source is already an error: any source will do.
        targets.append(DeployTarget(key=key, **{"source": "public", "dest": dest} | values))
    return tuple(targets)


def _dest_problem(dest: str) -> str | None:
    if dest.startswith("/"):
        return path_problem(dest)
    login, colon, path = dest.partition(":")
    user, at, host = login.rpartition("@")
    if not colon or not path.startswith("/") or (at and not _USER.fullmatch(user)) or not _HOST.fullmatch(host):
        return "应是绝对路径（/srv/...）或 用户@主机:/路径（主机名只能含字母、数字、. _ -，且不能以 - 开头）"
    return path_problem(path)


def parse_server(fields: Fields) -> Server:
    _check_site_comment_lines(fields)
    section = fields.sub(SERVER.name)
    if section is None:
        return Server()
    section.check_keys(SERVER.names, SERVER.hints, where=SERVER.where)
    values = settings(section, SERVER, "server_name", "listen", "root", "auth_file")
    allowed = []
    for address, line in section.text_list("allow"):
        try:
            if not _NETWORK.fullmatch(address):
                raise ValueError(address)
            allowed.append(str(ipaddress.ip_network(address, strict=False)))
        except ValueError:
            section.error(line, f"“{address}”不是有效的 IP 地址或网段（例如 10.0.0.0/8 或 192.168.1.20）。")
    listen = values["listen"]
    if not _listen_ok(listen):
        section.error(
            section.line_of("listen"), f"listen“{listen}”应是端口号（1–65535）或 地址:端口，例如 80 或 127.0.0.1:8080。"
        )
    names = values["server_name"].split() or [SERVER["server_name"].default]
    bad = [name for name in names if not _SERVER_NAME.fullmatch(name)]
    if bad:
        section.error(
            section.line_of("server_name"),
            f"server_name 里的“{'”“'.join(bad)}”不是有效的主机名：只能含字母、数字、. 和 -（可写多个，用空格分开；_ 表示任意）。",
        )
    for key in ("root", "auth_file"):
        value = section.text(key)
        problem = path_problem(value) if value else None
        if problem:
            section.error(section.line_of(key), f"server 的“{key}”“{value}”{problem}。")
    return Server(
        server_name=" ".join(names),
        listen=listen,
        root=values["root"].rstrip("/") or "/",
        auth_file=values.get("auth_file", ""),
        allow=tuple(allowed),
    )


def _listen_ok(listen: str) -> bool:
    match = _LISTEN.fullmatch(listen)
    if not match or not 1 <= int(match.group(2)) <= 65535:
        return False
    address = match.group(1) or ""
    if address.startswith("[") or re.fullmatch(r"[\d.]+", address):  # digits must make a real address
        try:
            ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
    return True


def _check_site_comment_lines(fields: Fields) -> None:
    """site.name is printed in a comment at the top of nginx.conf: one line, or the rest would be read as
    directives. Read from the raw node, so that problems the site section has are not reported twice (the
    config file's YAML starts on its first line: no line offset)."""
    node = fields.nodes.get("site")
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "name" and isinstance(value_node, yaml.ScalarNode):
            problem = line_problem(value_node.value.strip())
            if problem:
                fields.error(key_node.start_mark.line + 1, f"site 的 name {problem}。")
