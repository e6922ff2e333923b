"""The desk's Word import without a browser: refusals in the clerk's words, the form's values drawn from a real
.docx, and its images (and the original, if kept) written under content/attachments/ only when the item is saved."""

from __future__ import annotations

import pytest

from gongkai.desk.app import Desk, open_desk
from tests.scratch import item, make_site
from tests.test_desk_app import DAY, HOST, form_of, post
from tests.test_import import gongwen


@pytest.fixture
def desk(tmp_path) -> Desk:
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    opened = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(opened, Desk)
    opened.hosts = frozenset({HOST})
    return opened


def files_under(desk: Desk, folder: str) -> list[str]:
    root = desk.paths.content / folder
    return sorted(p.relative_to(desk.paths.content).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("通知.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 Word（.doc）"),
        ("通知.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "WPS 文字（.wps）"),
        ("通知.pdf", b"%PDF-1.7 x", "PDF 文件，不能转换为正文"),
        ("通知.docx", b"just some text", "不是可以读取的 Word 文档"),
        ("通知.docx", b"PK\x03\x04broken", "文件已损坏"),
        ("通知.txt", None, "不接受"),  # a real .docx under a name outside the allow-list
    ],
)
def test_what_cannot_be_imported_is_refused_in_the_clerks_words(desk, name, data, why):
    status, answer = post(desk, f"/desk/api/import?name={name}", data if data is not None else gongwen())
    assert status == 422 and why in answer["refused"]
    assert not desk.held and files_under(desk, "attachments") == []


def test_an_import_fills_the_form_and_its_files_wait_for_the_save(desk):
    status, answer = post(desk, "/desk/api/import?name=培训通知.docx&keep=1", gongwen(signed="2026年11月12日"))
    assert status == 200, answer
    values = answer["values"]
    assert values["title"] == "关于开展2026年度党员教育培训工作的通知"
    assert values["doc_number"] == "青自然资党〔2026〕18号"
    assert values["date"] == "2026-11-12"
    assert "| 支部 | 姓名 | 学时 |" in values["body"] and "![" in values["body"]
    folder = "attachments/2026-11-20-关于开展2026年度党员教育培训工作的通知"
    assert values["attachments"] == [f"{folder}/培训通知.docx"]
    assert files_under(desk, "attachments") == []  # nothing written before the save

    submitted = {**form_of(desk, "")["values"], **values, "category": "notice"}
    status, verdict = post(desk, "/desk/api/check", {"path": "", "import": answer["import"], "values": submitted})
    assert status == 200 and verdict["errors"] == [], verdict["errors"]
    assert "<table>" in verdict["html"] and "<img" in verdict["html"]
    assert files_under(desk, "attachments") == []

    status, saved = post(desk, "/desk/api/save", {"path": "", "hash": "", "import": answer["import"], "values": submitted})
    assert status == 200, saved
    placed = files_under(desk, "attachments")
    assert f"{folder}/培训通知.docx" in placed and any(p.endswith(".png") for p in placed)
    text = (desk.paths.content / saved["path"]).read_text("utf-8")
    assert "doc_number: 青自然资党〔2026〕18号" in text and "date: 2026-11-12" in text
    assert f"../../{folder}/培训通知.docx" in text
    assert not desk.held  # the import is done with


def test_without_keeping_the_original_only_the_images_are_placed(desk):
    status, answer = post(desk, "/desk/api/import?name=a.docx", gongwen())
    assert status == 200 and answer["values"]["attachments"] == []
    submitted = {**form_of(desk, "")["values"], **answer["values"], "category": "notice"}
    status, saved = post(desk, "/desk/api/save", {"path": "", "hash": "", "import": answer["import"], "values": submitted})
    assert status == 200, saved
    placed = files_under(desk, "attachments")
    assert placed and all(p.endswith(".png") for p in placed)


def test_a_save_refused_for_errors_places_nothing(desk):
    status, answer = post(desk, "/desk/api/import?name=a.docx", gongwen())
    submitted = {**form_of(desk, "")["values"], **answer["values"], "category": "notice", "valid_until": "2020-01-01"}
    status, refused = post(desk, "/desk/api/save", {"path": "", "hash": "", "import": answer["import"], "values": submitted})
    assert status == 422 and refused["errors"]
    assert files_under(desk, "attachments") == [] and answer["import"] in desk.held
