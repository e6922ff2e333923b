"""Turns the desk's form submissions into checks by the real parser and into files: saves, uploads, withdrawals
and commits, each refused with the reason in the clerk's words when it cannot be done."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongkai.desk import commit as git
from gongkai.desk import form, security, word
from gongkai.desk.frontmatter import Unreadable, edit, read
from gongkai.desk.replies import Response, as_json, conflict
from gongkai.desk.saving import fingerprint, index_number, register_now, write_whole
from gongkai.model import Config
from gongkai.parsing.items import is_item_file, parse_item
from gongkai.problems import Problems
from gongkai.reading import Snapshot
from gongkai.recording import reviewed

if TYPE_CHECKING:
    from gongkai.desk.app import Desk

UPLOAD_FOLDER = "attachments"
Prepared = tuple[Snapshot, Config, str, "bytes | None", bytes]


def prepare(desk: Desk, data: dict[str, Any], fresh: bool = True) -> Prepared | Response:
    """The item's path, its bytes on disk and the bytes the form would save; or why not."""
    snapshot, config = desk.site(fresh)
    submitted = data.get("values") if isinstance(data.get("values"), dict) else {}
    relpath = str(data.get("path") or "")
    if not relpath:
        relpath = form.new_path(submitted, config, desk.today(config))
        if not submitted.get("scope"):  # a new item reaches as far as its catalogue entry says
            submitted = {**submitted, "scope": form.entry_scope(config, str(submitted.get("category") or ""))}
    if not is_item_file(relpath) or security.inside(desk.paths.content, relpath) is None:
        return as_json(400, {"refused": f"“{relpath}”不是 content/ 中的事项文件。"})
    on_disk = snapshot.content.get(relpath) if data.get("path") else None
    imported = word.held_files(desk, data)
    if imported:  # a Word import's images: checked as if placed, written only when the item is saved
        snapshot = replace(snapshot, content={**snapshot.content, **dict(imported)})
    try:
        candidate = form.candidate(on_disk, relpath, submitted, config)
    except Unreadable as why:
        return as_json(422, {"refused": f"content/{relpath}：{why}"})
    return snapshot, config, relpath, on_disk, candidate


def verdict(snapshot: Snapshot, config: Config, relpath: str, candidate: bytes) -> dict[str, Any]:
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


def check(desk: Desk, data: dict[str, Any]) -> Response:
    prepared = prepare(desk, data, fresh=False)
    if isinstance(prepared, Response):
        return prepared
    snapshot, config, relpath, _, candidate = prepared
    return as_json(200, verdict(snapshot, config, relpath, candidate))


def save(desk: Desk, data: dict[str, Any]) -> Response:
    with desk.lock:
        prepared = prepare(desk, data)
        if isinstance(prepared, Response):
            return prepared
        snapshot, config, relpath, on_disk, candidate = prepared
        found = verdict(snapshot, config, relpath, candidate)
        if found["errors"]:
            return as_json(422, {**found, "refused": "还有错误，未保存。请按各项旁边的提示修改。"})
        target = security.inside(desk.paths.content, relpath)
        assert target is not None  # prepare checked it
        if data.get("path") and fingerprint(on_disk) != str(data.get("hash", "")):
            return conflict(on_disk, candidate)
        placed = word.place(desk, word.held_files(desk, data))
        if isinstance(placed, str):
            return as_json(409, {"refused": placed})
        if candidate != on_disk:
            try:
                write_whole(target, candidate, exclusive=on_disk is None)
            except FileExistsError:
                word.unplace(desk, placed)
                return as_json(409, {"refused": f"content/{relpath} 已经存在。请换一个标题，或打开那个事项编辑。"})
        if desk.held.pop(str(data.get("import") or ""), None) is not None:
            desk.forget()  # the next check knows the placed files
        saved = replace(snapshot, content={**snapshot.content, relpath: candidate})
        registered = register_now(saved, config, desk.memory, relpath)
        number = index_number(snapshot.register_path, relpath)
        answer = {"saved": relpath, "hash": fingerprint(candidate), "registered": registered, "number": number}
        return as_json(200, {**found, **answer, "done": saved_notice(number)})


def saved_notice(number: str) -> str:
    """What the clerk reads after a save: that it worked, and the 索引号 the item now has."""
    return f"已保存（索引号 {number}）" if number else "已保存（索引号在登记后分配）"


def withdraw(desk: Desk, data: dict[str, Any]) -> Response:
    reason = str(data.get("reason") or "").strip()
    if not reason:
        return as_json(422, {"refused": "请写撤销原因，它会显示在撤销公告中。"})
    snapshot, config = desk.site()
    day = desk.today(config)
    relpath = str(data.get("path") or "")
    on_disk = snapshot.content.get(relpath)
    if on_disk is None or not is_item_file(relpath):
        return as_json(404, {"refused": f"content/{relpath} 已不存在。"})
    try:
        document = read(on_disk, relpath)
    except Unreadable as why:
        return as_json(422, {"refused": f"content/{relpath}：{why}"})
    changes = form.changes(document, relpath, {"status": "withdrawn"}, config)
    changes["withdrawn_reason"] = reason
    changes["withdrawn_on"] = day.isoformat()  # shown in every notice (撤销须作出说明, with its date)
    correction = str(data.get("replaced_by") or "").strip().removesuffix(".md").removesuffix(".yaml")
    if correction:  # 更正: the item that corrects this one, chosen from the list
        ids = {p.rsplit(".", 1)[0] for p in snapshot.content if is_item_file(p)}
        if correction not in ids or correction == relpath.rsplit(".", 1)[0]:
            return as_json(422, {"refused": f"更正后的事项“{correction}”不存在（或就是本事项）。请从列表中选择，或不选。"})
        changes["replaced_by"] = correction
    return store(desk, snapshot, config, relpath, on_disk, edit(document, changes), str(data.get("hash", "")))


def store(desk: Desk, snapshot: Snapshot, config: Config, relpath: str, on_disk: bytes, candidate: bytes, seen: str) -> Response:
    """Writes an edit the desk made itself (not typed in the form), when it parses and the file is as seen."""
    with desk.lock:
        found = verdict(snapshot, config, relpath, candidate)
        if found["errors"]:
            return as_json(422, {**found, "refused": "还有错误，未保存。"})
        if fingerprint(on_disk) != seen:
            return conflict(on_disk, candidate)
        target = security.inside(desk.paths.content, relpath)
        assert target is not None
        write_whole(target, candidate)
        register_now(replace(snapshot, content={**snapshot.content, relpath: candidate}), config, desk.memory, relpath)
        return as_json(200, {**found, "saved": relpath, "hash": fingerprint(candidate)})


def upload(desk: Desk, query: dict[str, str], data: bytes) -> Response:
    name = security.clean_name(query.get("name", ""))
    refusal = security.refuse_upload(name, data)
    if refusal:
        return as_json(422, {"refused": refusal})
    relpath = f"{UPLOAD_FOLDER}/{name}"
    target = security.inside(desk.paths.content, relpath)
    if target is None:
        return as_json(400, {"refused": "文件名无法使用，请改名后再上传。"})
    with desk.lock:
        if target.exists() and target.read_bytes() != data and query.get("replace") != "1":
            return as_json(409, {"exists": relpath, "refused": f"content/{relpath} 已有同名文件。"})
        if not target.exists() or target.read_bytes() != data:
            write_whole(target, data)
        desk.forget()  # the next check knows the new file
    return as_json(200, {"path": relpath, "image": name.lower().endswith(security.IMAGE_TYPES)})


def review(desk: Desk, data: dict[str, Any], user: str) -> Response:
    """审核通过, as `python build.py review PATH --by NAME` records it: only by a configured reviewer, who is the
    signed-in user, or (on 127.0.0.1 without users) the name typed in."""
    snapshot, config = desk.site()
    known = "、".join(config.review.reviewers)
    by = user or str(data.get("name") or "").strip()
    if not known:
        return as_json(403, {"refused": f"{snapshot.config_path} 的 review.reviewers 中还没有审核人。请管理员写上审核人的姓名。"})
    if by not in config.review.reviewers:
        who = f"您（{user}）不是审核人" if user else (f"“{by}”不是审核人" if by else "请填写审核人的姓名")
        return as_json(
            403, {"refused": f"{who}，不能记录审核。审核人：{known}（见 {snapshot.config_path} 的 review.reviewers）。"}
        )
    relpath = str(data.get("path") or "")
    on_disk = snapshot.content.get(relpath)
    target = security.inside(desk.paths.content, relpath)
    if on_disk is None or target is None or not is_item_file(relpath):
        return as_json(404, {"refused": f"content/{relpath} 已不存在。"})
    day = desk.today(config)
    with desk.lock:
        if fingerprint(on_disk) != str(data.get("hash", "")):
            return conflict(on_disk, on_disk)  # the reviewer saw another version: approve what is on disk now
        try:
            edited, register, number = reviewed(snapshot, config, relpath, by, day)
        except Problems as failure:
            return as_json(422, {"refused": "还有错误，不能审核：\n" + "\n".join(str(p) for p in failure.problems)})
        write_whole(target, edited)
        if register is not None:
            write_whole(Path(snapshot.register_path), register)
        desk.forget()
    done = f"已记录审核：审核人 {by}，审核日期 {day.isoformat()}" + (f"（{number}）" if number else "")
    return as_json(200, {"saved": relpath, "hash": fingerprint(edited), "done": done})


def commit(desk: Desk, data: dict[str, Any], user: str) -> Response:
    root = git.repository(desk.paths.content)
    if root is None:
        return as_json(400, {"refused": "content/ 不在 git 仓库中，无法提交。"})
    try:
        said = git.commit(root, desk.committed(), str(data.get("message", "")), user or str(data.get("name", "")), desk.push)
    except ValueError as why:
        return as_json(422, {"refused": str(why)})
    return as_json(200, {"done": said})
