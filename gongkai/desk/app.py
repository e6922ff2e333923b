"""Turns a request to the 编辑台 (/desk/) into a response: the item list, the form, checks by the real parser,
saves, uploads, withdrawals and commits. Every change is refused unless it comes from the desk's own page."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2

from gongkai.desk import commit as git
from gongkai.desk import form, security
from gongkai.desk.frontmatter import Unreadable, edit, read
from gongkai.desk.listing import STATES, listing
from gongkai.desk.saving import fingerprint, register_now, write_whole
from gongkai.incremental import Memory
from gongkai.model import Config
from gongkai.parsing.config import parse_config
from gongkai.parsing.items import is_item_file, parse_item
from gongkai.pipeline import Paths
from gongkai.problems import Problems
from gongkai.reading import Snapshot, read_snapshot
from gongkai.schema import ITEM_SCHEMA

STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8"}
UPLOAD_FOLDER = "attachments"


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lowercase names
    body: bytes = b""
    user: str = ""  # who signed in ('' on 127.0.0.1 without users)


@dataclass(frozen=True)
class Response:
    status: int
    kind: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, data: Any) -> Response:
    return Response(status, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode())


def _text(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", message.encode())


def _conflict(on_disk: bytes | None, mine: bytes) -> Response:
    """The file changed on disk since the form was opened: nothing is saved, both versions are shown."""
    refused = (
        "您打开之后，这个文件已被别人（或别的程序）改过。为免冲掉对方的修改，这次没有保存。"
        "请对照下面两个版本，刷新页面后把您的修改重新填上再保存。"
    )
    disk = "（文件已被删除）" if on_disk is None else on_disk.decode("utf-8", "replace")
    return _json(409, {"refused": refused, "disk": disk, "mine": mine.decode("utf-8", "replace")})


@dataclass
class Desk:
    """The desk of one `serve`: its site, who may use it, and the addresses it answers to."""

    paths: Paths
    hosts: frozenset[str]
    day: date | None = None
    users: dict[str, str] = field(default_factory=dict)  # name -> scrypt hash; empty: 127.0.0.1 only, no sign-in
    push: str = ""
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)  # one write at a time
    _memory: Memory = field(default_factory=Memory)
    _signed: dict[tuple[str, str], bool] = field(default_factory=dict)
    _read: tuple[Snapshot, Config] | None = None  # the site as last read (pages, saves and uploads re-read it)

    # --- who ------------------------------------------------------------------------------------------

    def signed_in(self, header: str | None) -> str | None:
        """The user named by an Authorization header whose password is right, else None."""
        credentials = security.basic_credentials(header)
        if credentials is None or credentials[0] not in self.users:
            return None
        if credentials not in self._signed:  # scrypt is slow on purpose: checked once per password
            self._signed[credentials] = security.verify_password(credentials[1], self.users[credentials[0]])
        return credentials[0] if self._signed[credentials] else None

    # --- the site as it is on disk --------------------------------------------------------------------

    def _site(self, fresh: bool = True) -> tuple[Snapshot, Config]:
        """The site on disk. Not `fresh`: as last read, for the form's checks (reading 1,000 files would take
        half the time a check may take; the edited file comes from the form, and saving always re-reads)."""
        if fresh or self._read is None:
            snapshot = read_snapshot(self.paths.content, self.paths.config, self.paths.templates)
            self._read = (snapshot, parse_config(snapshot.config, snapshot.config_path))
        return self._read

    def _today(self, config: Config) -> date:
        return self.day or datetime.now(ZoneInfo(config.site.timezone)).date()

    # --- routing --------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        parts = urlsplit(request.target)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            if request.method == "GET":
                return self._get(path, query, request)
            refusal = security.refuse_cross_site(request.headers, self.hosts)
            token = security.csrf_token(self.secret, request.user)
            if refusal is None and not secrets.compare_digest(request.headers.get("x-desk-token", ""), token):
                refusal = "页面已过期或不是编辑台发出的请求（缺少校验码）。请刷新编辑台页面后再操作。"
            if refusal:
                return _json(403, {"refused": refusal})
            return self._post(path, query, request)
        except Problems as failure:
            return _json(500, {"refused": "\n".join(str(p) for p in failure.problems)})

    def _get(self, path: str, query: dict[str, str], request: Request) -> Response:
        if path in ("/desk", "/desk/"):
            return self._page("list.html", request, **self._list_context())
        if path == "/desk/edit":
            return self._edit_page(request, query.get("path", ""))
        if path == "/desk/new":
            return self._edit_page(request, "")
        if path == "/desk/commit":
            return self._commit_page(request)
        name = path.removeprefix("/desk/static/")
        if name in STATIC:
            return Response(200, STATIC[name], (self.paths.templates / "desk" / name).read_bytes())
        return _text(404, "编辑台没有这个页面。")

    def _post(self, path: str, query: dict[str, str], request: Request) -> Response:
        if path == "/desk/api/upload":
            return self._upload(query, request.body)
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return _json(400, {"refused": "请求的内容无法识别。"})
        if not isinstance(data, dict):
            return _json(400, {"refused": "请求的内容无法识别。"})
        # HOOK (Word import, issue #14 item 2): gongkai/importing/draft.py::draft_from_docx reached main after this
        # branch was cut. Its place is "/desk/api/import": the upload's bytes (refusal() first) → Draft; its
        # files written with write_whole inside content/, its fields and markdown returned as form values.
        actions = {
            "/desk/api/check": self._check,
            "/desk/api/save": self._save,
            "/desk/api/withdraw": self._withdraw,
            "/desk/api/commit": lambda d: self._commit(d, request.user),
        }
        action = actions.get(path)
        return action(data) if action else _json(404, {"refused": "编辑台没有这个操作。"})

    # --- pages ----------------------------------------------------------------------------------------

    def _page(self, name: str, request: Request, **context: Any) -> Response:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.paths.templates / "desk"), autoescape=True, undefined=jinja2.StrictUndefined
        )
        env.filters["script_json"] = lambda value: json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
        token = security.csrf_token(self.secret, request.user)
        html = env.get_template(name).render(token=token, user=request.user, quote=quote, **context)
        return Response(200, "text/html; charset=utf-8", html.encode())

    def _list_context(self) -> dict[str, Any]:
        snapshot, config = self._site()
        day = self._today(config)
        with self._lock:  # the memory of parsed items is shared with saves
            found = listing(snapshot, config, day, self._memory)
        names = {e.key: e.name for e in config.catalog}
        return {
            "rows": found.rows,
            "broken": found.broken,
            "day": day,
            "states": STATES,
            "catalog": config.catalog,
            "names": names,
        }

    def _edit_page(self, request: Request, relpath: str) -> Response:
        snapshot, config = self._site()
        data = snapshot.content.get(relpath) if relpath else None
        if relpath and (data is None or not is_item_file(relpath)):
            return _text(404, f"content/{relpath} 不是事项文件，或已不存在。")
        unreadable = ""
        try:
            document = read(data, relpath) if data is not None else None
        except Unreadable as why:
            document, unreadable = None, str(why)
        values = form.form_values(document, relpath, config)
        if not relpath:
            values.update(scope="public", valid_from=self._today(config).isoformat())
        groups: dict[str, list[tuple[str, str, int | None]]] = {}
        for entry in config.catalog:
            groups.setdefault(entry.group, []).append((entry.key, entry.name, entry.default_days))
        setup = {
            "path": relpath,
            "hash": fingerprint(data),
            "values": values,
            "departments": {e.key: e.department or "" for e in config.catalog},
            "days": {e.key: e.default_days for e in config.catalog},
        }
        return self._page(
            "edit.html",
            request,
            relpath=relpath,
            schema=ITEM_SCHEMA,
            groups=groups,
            department_names=[d.name for d in config.departments],
            setup=setup,
            unreadable=unreadable,
            title=str(values.get("title") or "新事项"),
        )

    def _commit_page(self, request: Request) -> Response:
        root = git.repository(self.paths.content)
        changes = git.pending(root, self._committed()) if root else []
        return self._page("commit.html", request, repository=root, changes=changes, push=self.push)

    def _committed(self) -> list[Path]:
        register = self.paths.config.with_name("register.yaml")
        return [self.paths.content] + ([register] if register.exists() else [])

    # --- actions --------------------------------------------------------------------------------------

    def _prepare(self, data: dict[str, Any], fresh: bool = True) -> tuple[Snapshot, Config, str, bytes | None, bytes] | Response:
        """The item's path, its bytes on disk and the bytes the form would save; or why not."""
        snapshot, config = self._site(fresh)
        submitted = data.get("values") if isinstance(data.get("values"), dict) else {}
        relpath = str(data.get("path") or "")
        if not relpath:
            relpath = form.new_path(submitted, config, self._today(config))
        if not is_item_file(relpath) or security.inside(self.paths.content, relpath) is None:
            return _json(400, {"refused": f"“{relpath}”不是 content/ 中的事项文件。"})
        on_disk = snapshot.content.get(relpath) if data.get("path") else None
        try:
            candidate = form.candidate(on_disk, relpath, submitted, config)
        except Unreadable as why:
            return _json(422, {"refused": f"content/{relpath}：{why}"})
        return snapshot, config, relpath, on_disk, candidate

    def _verdict(self, snapshot: Snapshot, config: Config, relpath: str, candidate: bytes) -> dict[str, Any]:
        trial = replace(snapshot, content={**snapshot.content, relpath: candidate})
        item, errors, warnings = parse_item(trial, config, relpath)
        place = form.placed
        return {
            "path": relpath,
            "errors": [vars(m) for m in place(candidate, relpath, errors)],
            "warnings": [vars(m) for m in place(candidate, relpath, warnings)],
            "html": item.body_html if item else "",
            "page": f"items/{relpath.rsplit('.', 1)[0]}.html",
        }

    def _check(self, data: dict[str, Any]) -> Response:
        prepared = self._prepare(data, fresh=False)
        if isinstance(prepared, Response):
            return prepared
        snapshot, config, relpath, _, candidate = prepared
        return _json(200, self._verdict(snapshot, config, relpath, candidate))

    def _save(self, data: dict[str, Any]) -> Response:
        with self._lock:
            prepared = self._prepare(data)
            if isinstance(prepared, Response):
                return prepared
            snapshot, config, relpath, on_disk, candidate = prepared
            verdict = self._verdict(snapshot, config, relpath, candidate)
            if verdict["errors"]:
                return _json(422, {**verdict, "refused": "还有错误，未保存。请按各项旁边的提示修改。"})
            target = security.inside(self.paths.content, relpath)
            assert target is not None  # _prepare checked it
            if data.get("path") and fingerprint(on_disk) != str(data.get("hash", "")):
                return _conflict(on_disk, candidate)
            if candidate != on_disk:
                try:
                    write_whole(target, candidate, exclusive=on_disk is None)
                except FileExistsError:
                    return _json(409, {"refused": f"content/{relpath} 已经存在。请换一个标题，或打开那个事项编辑。"})
            registered = register_now(
                replace(snapshot, content={**snapshot.content, relpath: candidate}), config, self._memory, relpath
            )
            return _json(200, {**verdict, "saved": relpath, "hash": fingerprint(candidate), "registered": registered})

    def _withdraw(self, data: dict[str, Any]) -> Response:
        reason = str(data.get("reason") or "").strip()
        if not reason:
            return _json(422, {"refused": "请写撤销原因，它会显示在撤销公告中。"})
        snapshot, config = self._site()
        day = self._today(config)
        relpath = str(data.get("path") or "")
        on_disk = snapshot.content.get(relpath)
        if on_disk is None or not is_item_file(relpath):
            return _json(404, {"refused": f"content/{relpath} 已不存在。"})
        try:
            document = read(on_disk, relpath)
        except Unreadable as why:
            return _json(422, {"refused": f"content/{relpath}：{why}"})
        changes = form.changes(document, relpath, {"status": "withdrawn"}, config)
        changes["withdrawn_reason"] = reason
        changes["withdrawn_on"] = day.isoformat()  # shown in every notice (撤销须作出说明, with its date)
        return self._store(snapshot, config, relpath, on_disk, edit(document, changes), str(data.get("hash", "")))

    def _store(self, snapshot: Snapshot, config: Config, relpath: str, on_disk: bytes, candidate: bytes, seen: str) -> Response:
        with self._lock:
            verdict = self._verdict(snapshot, config, relpath, candidate)
            if verdict["errors"]:
                return _json(422, {**verdict, "refused": "还有错误，未保存。"})
            if fingerprint(on_disk) != seen:
                return _conflict(on_disk, candidate)
            target = security.inside(self.paths.content, relpath)
            assert target is not None
            write_whole(target, candidate)
            register_now(replace(snapshot, content={**snapshot.content, relpath: candidate}), config, self._memory, relpath)
            return _json(200, {**verdict, "saved": relpath, "hash": fingerprint(candidate)})

    def _upload(self, query: dict[str, str], data: bytes) -> Response:
        name = security.clean_name(query.get("name", ""))
        refusal = security.refuse_upload(name, data)
        if refusal:
            return _json(422, {"refused": refusal})
        relpath = f"{UPLOAD_FOLDER}/{name}"
        target = security.inside(self.paths.content, relpath)
        if target is None:
            return _json(400, {"refused": "文件名无法使用，请改名后再上传。"})
        with self._lock:
            if target.exists() and target.read_bytes() != data and query.get("replace") != "1":
                return _json(409, {"exists": relpath, "refused": f"content/{relpath} 已有同名文件。"})
            if not target.exists() or target.read_bytes() != data:
                write_whole(target, data)
            self._read = None  # the next check knows the new file
        return _json(200, {"path": relpath, "image": name.lower().endswith(security.IMAGE_TYPES)})

    def _commit(self, data: dict[str, Any], user: str) -> Response:
        root = git.repository(self.paths.content)
        if root is None:
            return _json(400, {"refused": "content/ 不在 git 仓库中，无法提交。"})
        try:
            said = git.commit(root, self._committed(), str(data.get("message", "")), user or str(data.get("name", "")), self.push)
        except ValueError as why:
            return _json(422, {"refused": str(why)})
        return _json(200, {"done": said})


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
