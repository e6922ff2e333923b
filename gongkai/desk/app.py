"""Turns a request to the 编辑台 (/desk/) into a response: the item list, the form, checks by the real parser,
saves, uploads, withdrawals and commits. Every change is refused unless it comes from the desk's own page."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from gongkai.desk import actions, mending, pages, security, word
from gongkai.desk.replies import Request, Response, as_json, as_text
from gongkai.desk.signin import Gate, SignIn
from gongkai.incremental import Memory
from gongkai.model import Config
from gongkai.parsing.config import parse_config
from gongkai.pipeline import Paths
from gongkai.problems import Problems
from gongkai.reading import Snapshot, read_snapshot

__all__ = ["Desk", "Request", "Response", "open_desk"]
STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8"}


@dataclass
class Desk:
    """The desk of one `serve`: its site, who may use it, and the addresses it answers to."""

    paths: Paths
    hosts: frozenset[str]
    day: date | None = None
    users: dict[str, str] = field(default_factory=dict)  # name -> scrypt hash; empty: 127.0.0.1 only, no sign-in
    push: str = ""
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    lock: threading.Lock = field(default_factory=threading.Lock)  # one write at a time
    memory: Memory = field(default_factory=Memory)
    held: dict[str, word.Files] = field(default_factory=dict)  # Word imports' files, until their item is saved
    importing: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(word.IMPORTS_AT_ONCE))
    gate: Gate = field(init=False)  # sign-in with users (gongkai/desk/signin.py)
    _read: tuple[Snapshot, Config] | None = None  # the site as last read (pages, saves and uploads re-read it)

    def __post_init__(self) -> None:
        self.gate = Gate(self.users)

    def sign_in(self, header: str | None, address: str) -> SignIn:
        """The user named by an Authorization header whose password is right; or none; or why to try later."""
        return self.gate.sign_in(header, address)

    def site(self, fresh: bool = True) -> tuple[Snapshot, Config]:
        """The site on disk. Not `fresh`: as last read, for the form's checks (reading 1,000 files would take
        half the time a check may take; the edited file comes from the form, and saving always re-reads)."""
        if fresh or self._read is None:
            snapshot = read_snapshot(self.paths.content, self.paths.config, self.paths.templates)
            self._read = (snapshot, parse_config(snapshot.config, snapshot.config_path))
        return self._read

    def forget(self) -> None:
        """The site changed on disk: the next check reads it again."""
        self._read = None

    def today(self, config: Config) -> date:
        return self.day or datetime.now(ZoneInfo(config.site.timezone)).date()

    def committed(self) -> list[Path]:
        """What 提交 commits: content/ and the register beside the config."""
        register = self.paths.config.with_name("register.yaml")
        return [self.paths.content] + ([register] if register.exists() else [])

    def handle(self, request: Request) -> Response:
        parts = urlsplit(request.target)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            if request.method == "GET":
                return self._get(path, query, request)
            refusal = self.refusal(request.headers, request.user)
            if refusal:
                return as_json(403, {"refused": refusal})
            return self._post(path, query, request)
        except Problems as failure:
            return as_json(500, {"refused": "\n".join(str(p) for p in failure.problems)})

    def refusal(self, headers: dict[str, str], user: str) -> str | None:
        """Why a change must be refused, from its head alone (serve asks before reading the body): not for the
        desk's address, not from its page, or without the page's CSRF token. None: it may go ahead."""
        refusal = security.refuse_cross_site(headers, self.hosts)
        token = security.csrf_token(self.secret, user)
        sent = headers.get("x-desk-token", "").encode("utf-8", "replace")  # as bytes: any header compares
        if refusal is None and not secrets.compare_digest(sent, token.encode()):
            refusal = "页面已过期或不是编辑台发出的请求（缺少校验码）。请刷新编辑台页面后再操作。"
        return refusal

    def _get(self, path: str, query: dict[str, str], request: Request) -> Response:
        if path in ("/desk", "/desk/"):
            return pages.list_page(self, request)
        if path == "/desk/edit":
            return pages.edit_page(self, request, query.get("path", ""), query)
        if path == "/desk/new":
            return pages.edit_page(self, request, "", query)
        if path == "/desk/commit":
            return pages.commit_page(self, request)
        name = path.removeprefix("/desk/static/")
        if name in STATIC:
            return Response(200, STATIC[name], (self.paths.templates / "desk" / name).read_bytes())
        return as_text(404, "编辑台没有这个页面。")

    def _post(self, path: str, query: dict[str, str], request: Request) -> Response:
        if path == "/desk/api/upload":
            return actions.upload(self, query, request.body)
        if path == "/desk/api/import":
            return word.import_docx(self, query, request.body)
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return as_json(400, {"refused": "请求的内容无法识别。"})
        if not isinstance(data, dict):
            return as_json(400, {"refused": "请求的内容无法识别。"})
        routes: dict[str, Any] = {
            "/desk/api/check": lambda: actions.check(self, data),
            "/desk/api/save": lambda: actions.save(self, data),
            "/desk/api/withdraw": lambda: actions.withdraw(self, data),
            "/desk/api/commit": lambda: actions.commit(self, data, request.user),
            "/desk/api/review": lambda: actions.review(self, data, request.user),
            "/desk/api/mend": lambda: mending.mend(self, data),
        }
        action = routes.get(path)
        return action() if action else as_json(404, {"refused": "编辑台没有这个操作。"})


LOOPBACK = ("127.0.0.1", "localhost")


def open_desk(paths: Paths, day: date | None, host: str, users_file: Path | None, push: str) -> Desk | str:
    """The desk for `serve`, or why serve must not start: off this computer, only with named users."""
    if host in ("0.0.0.0", "::", ""):
        return "--host 请写本机在局域网中的具体地址（例如 192.168.1.20），编辑台只接受用这个地址打开的页面。"
    users: dict[str, str] = {}
    if users_file is not None:
        try:
            users = security.read_users(users_file)
        except ValueError as why:
            return str(why)
        if not users:
            return f"{users_file}:1: 用户文件里没有用户。请用 python build.py desk-user 姓名 生成一行写进去。"
    if host not in LOOPBACK and not users:
        return (
            f"拒绝在 {host} 上启动：别的电脑也能打开编辑台和党内预览，必须先设置用户和密码。"
            "请用 python build.py desk-user 姓名 为每位编辑生成一行，写入一个文件，再加上 --users 该文件。"
        )
    names = {host} | (set(LOOPBACK) if host in LOOPBACK else set())
    return Desk(paths, frozenset(names), day=day, users=users, push=push)
