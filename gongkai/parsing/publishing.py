"""Turns the `deploy:` and `server:` sections of site_config.yaml into deploy targets and web-server settings."""

from __future__ import annotations

import ipaddress
import re

from gongkai.model import DeployTarget, Server
from gongkai.parsing.fields import Fields

DEPLOY_KEYS = ("source", "dest", "keep")
SERVER_KEYS = ("server_name", "listen", "root", "auth_file", "allow")
SOURCES = {"internal": "internal", "public": "public", "kiosk": "kiosk", "posters": "posters"}
_REMOTE = re.compile(r"^[\w.-]+@[\w.-]+:/\S*$|^[\w.-]+:/\S*$")


def parse_deploy(fields: Fields) -> tuple[DeployTarget, ...]:
    section = fields.sub("deploy")
    if section is None:
        return ()
    targets = []
    for key in section.nodes:
        target = section.sub(key)
        if target is None:
            section.error(section.line_of(key), f"发布目标“{key}”下面要写 source 和 dest。")
            continue
        target.check_keys(DEPLOY_KEYS, where=f"（发布目标“{key}”）")
        source = target.choice("source", SOURCES, required=True)
        dest = target.text("dest", required=True)
        if dest and not (dest.startswith("/") or _REMOTE.match(dest)):
            target.error(target.line_of("dest"), f"dest“{dest}”应是绝对路径（/srv/...）或 用户@主机:/路径。")
        keep = target.integer("keep", minimum=2)
        targets.append(DeployTarget(key, source or "public", dest, keep or 5))
    return tuple(targets)


def parse_server(fields: Fields) -> Server:
    section = fields.sub("server")
    if section is None:
        return Server()
    section.check_keys(SERVER_KEYS, where="（server 部分）")
    allowed = []
    for address, line in section.text_list("allow"):
        try:
            ipaddress.ip_network(address, strict=False)
            allowed.append(address)
        except ValueError:
            section.error(line, f"“{address}”不是有效的 IP 地址或网段（例如 10.0.0.0/8）。")
    listen = section.text("listen") or Server.listen
    if not re.fullmatch(r"(\[?[\w.:]+\]?:)?\d{1,5}", listen):
        section.error(section.line_of("listen"), f"listen“{listen}”应是端口号或 地址:端口，例如 80 或 127.0.0.1:8080。")
    for key in ("root", "auth_file"):
        value = section.text(key)
        if value and not value.startswith("/"):
            section.error(section.line_of(key), f"“{key}”应是绝对路径。")
    return Server(
        server_name=section.text("server_name") or Server.server_name,
        listen=listen,
        root=(section.text("root") or Server.root).rstrip("/"),
        auth_file=section.text("auth_file"),
        allow=tuple(allowed),
    )
