"""A .docx built to exhaust the importer is refused before the parser builds anything: its table of parts, each
part's declared size and its size as it actually unpacks (headers lie), XML parts far below pictures, and the
number of paragraphs; the refusal names the file and says to split it. And no scan of the XML is quadratic."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from gongkai.cli import main
from gongkai.desk import word
from gongkai.desk.app import Desk, open_desk
from gongkai.importing import docx, draft, unpacking
from gongkai.importing.docx import MAX_PARAGRAPHS
from gongkai.importing.draft import ImportRefused, classified, draft_from_docx
from gongkai.importing.unpacking import CENTRAL_LIMIT, MAX_UNPACKED, XML_PART_LIMIT, XML_TOTAL_LIMIT
from tests.scratch import item, make_site, tree
from tests.test_desk_app import DAY, HOST, post
from tests.test_import import _config, gongwen

MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def rebuilt(replace: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A real 公文 .docx with some parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(gongwen()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, source.read(info.filename)))
        for name, data in replace.items():
            target.writestr(name, data)
    return out.getvalue()


def body_of(paragraphs: bytes) -> bytes:
    """word/document.xml with these paragraphs as its body."""
    xml = zipfile.ZipFile(io.BytesIO(gongwen())).read("word/document.xml")
    start, end = xml.index(b"<w:body>") + len(b"<w:body>"), xml.index(b"<w:sectPr")
    return xml[:start] + paragraphs + xml[end:]


def paragraph(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def padded_to(size: int) -> bytes:
    """word/document.xml of `size` bytes: a real-looking body of long paragraphs."""
    line = paragraph("各党支部要把学习贯彻党的创新理论作为首要政治任务，结合业务工作实际，认真组织开展主题党日活动。" * 3)
    base = body_of(b"")
    return body_of(line * ((size - len(base)) // len(line)) + b" " * ((size - len(base)) % len(line)))


HEADER = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
FOOTER = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def with_parts(parts: dict[str, tuple[str, bytes]]) -> bytes:
    """The 公文 with these header/footer parts (name: (header or footer, XML)), each listed in [Content_Types].xml
    and document.xml.rels, as Word lists them (python-docx then parses every one)."""
    source = zipfile.ZipFile(io.BytesIO(gongwen()))
    types, rels = source.read("[Content_Types].xml"), source.read("word/_rels/document.xml.rels")
    for number, (name, (kind, _)) in enumerate(parts.items()):
        content = HEADER if kind == "header" else FOOTER
        types = types.replace(b"</Types>", f'<Override PartName="/{name}" ContentType="{content}"/></Types>'.encode())
        relation = f'<Relationship Id="rIdX{number}" Type="{RELATION}{kind}" Target="{name.removeprefix("word/")}"/>'
        rels = rels.replace(b"</Relationships>", f"{relation}</Relationships>".encode())
    added = {name: xml for name, (_, xml) in parts.items()}
    return rebuilt({"[Content_Types].xml": types, "word/_rels/document.xml.rels": rels, **added})


def header_of(size: int) -> bytes:
    """A header part of about `size` bytes of empty paragraphs (the bomb: tiny packed, huge as a tree)."""
    start, end = f"<w:hdr {W}>".encode(), b"</w:hdr>"
    return start + b"<w:p/>" * ((size - len(start) - len(end)) // 6) + end


def lying(data: bytes, name: str, declared: int) -> bytes:
    """The zip with `name`'s uncompressed size declared as `declared` in both of its headers (a zip bomb's lie)."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory entry
        for found in re.finditer(re.escape(signature), data):
            at = found.start()
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                patched[at + offset : at + offset + 4] = declared.to_bytes(4, "little")
    return bytes(patched)


def refused(data: bytes, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    """The refusal; with `monkeypatch`, also that it came before python-docx read anything."""
    if monkeypatch is not None:

        def reached(data: bytes) -> None:
            raise AssertionError("the parser was reached")

        monkeypatch.setattr(draft, "read_docx", reached)
    with pytest.raises(ImportRefused) as caught:
        draft_from_docx(data, _config(), DAY, name="大文件.docx")
    return str(caught.value)


def test_an_xml_part_over_its_limit_is_refused_naming_it_and_saying_to_split(monkeypatch):
    message = refused(rebuilt({"word/document.xml": padded_to(XML_PART_LIMIT + 1)}), monkeypatch)
    assert "文件过大" in message and "word/document.xml" in message and "拆分" in message


def test_an_xml_part_at_its_limit_is_imported():
    made = draft_from_docx(rebuilt({"word/document.xml": padded_to(XML_PART_LIMIT)}), _config(), DAY)
    assert made.markdown.count("各党支部要把学习") > 1000


def test_a_part_that_lies_about_its_size_is_refused_as_it_unpacks(monkeypatch):
    honest = rebuilt({"word/document.xml": padded_to(XML_PART_LIMIT + 1024 * 1024)})
    message = refused(lying(honest, "word/document.xml", 100_000), monkeypatch)
    assert "文件已损坏" in message or "文件过大" in message


def test_xml_under_another_name_is_held_to_the_xml_limit(monkeypatch):
    """The main document may be any part the relationships name; its content type says it is parsed as XML."""
    types = zipfile.ZipFile(io.BytesIO(gongwen())).read("[Content_Types].xml")
    types = types.replace(b"</Types>", f'<Override PartName="/word/media/big.png" ContentType="{MAIN}"/></Types>'.encode())
    message = refused(rebuilt({"[Content_Types].xml": types, "word/media/big.png": padded_to(XML_PART_LIMIT + 1)}), monkeypatch)
    assert "word/media/big.png" in message and "文件过大" in message


def test_xml_parts_together_are_bounded_before_the_parser(monkeypatch):
    """Many headers, each under the per-part limit, together far over the budget: python-docx parses them all."""
    count = XML_TOTAL_LIMIT // (XML_PART_LIMIT - 1024) + 1
    bomb = with_parts({f"word/header{n}.xml": ("header", header_of(XML_PART_LIMIT - 1024)) for n in range(1, count + 1)})
    assert len(bomb) < XML_TOTAL_LIMIT // 10  # packs small: the upload limit does not catch it
    message = refused(bomb, monkeypatch)
    assert "文件过大" in message and "合计超过 8 MB" in message  # the command and desk prefix the file name
    assert "拆分" in message


def test_a_document_with_headers_and_footers_is_imported():
    def text(tag: str, words: str) -> bytes:
        return f"<w:{tag} {W}><w:p><w:r><w:t>{words}</w:t></w:r></w:p></w:{tag}>".encode()

    parts = {
        "word/header1.xml": ("header", text("hdr", "中共某某支部委员会")),
        "word/header2.xml": ("header", header_of(XML_PART_LIMIT - 1024 * 1024)),
        "word/footer1.xml": ("footer", text("ftr", "第 1 页")),
    }
    made = draft_from_docx(with_parts(parts), _config(), DAY)
    assert made.markdown


def test_a_picture_may_be_far_larger_than_an_xml_part():
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (XML_PART_LIMIT // 128)  # 8 MB, not XML: not parsed
    made = draft_from_docx(rebuilt({"word/media/extra.png": picture}), _config(), DAY)
    assert made.markdown


def test_all_parts_together_are_bounded(monkeypatch):
    message = refused(rebuilt({"word/media/zeros.png": bytes(MAX_UNPACKED + 1)}), monkeypatch)
    assert "文件过大" in message and f"{MAX_UNPACKED // 1024 // 1024} MB" in message


def test_a_compression_word_never_uses_is_refused(monkeypatch):
    assert "压缩方式" in refused(rebuilt({}, zipfile.ZIP_BZIP2), monkeypatch)


def test_a_huge_table_of_parts_is_refused_before_it_is_read(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(gongwen())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for number in range(CENTRAL_LIMIT // 60):  # each entry ≥ 46 bytes plus its name
            target.writestr(f"customXml/item{number:08}.bin", b"")
    assert "部件太多" in refused(out.getvalue(), monkeypatch)
    data = gongwen()
    end = data.rindex(b"PK\x05\x06")
    zip64 = data[:end] + b"PK\x06\x07" + bytes(16) + data[end:]  # a locator that would override the end record
    assert "ZIP64" in refused(zip64, monkeypatch)


def test_more_paragraphs_than_allowed_are_refused_as_they_are_read():
    many = body_of(b"<w:p/>" * MAX_PARAGRAPHS + paragraph("多出的一段"))
    assert "超过 30000 段" in refused(rebuilt({"word/document.xml": many}))
    enough = body_of(paragraph("标题") + b"<w:p/>" * (MAX_PARAGRAPHS - 1))
    assert draft_from_docx(rebuilt({"word/document.xml": enough}), _config(), DAY).markdown


def test_the_command_names_the_file_and_writes_nothing(tmp_path, capsys, monkeypatch):
    paths = make_site(tmp_path, {"a.md": item()})
    source = tmp_path / "年度报告.docx"
    source.write_bytes(rebuilt({"word/document.xml": padded_to(XML_PART_LIMIT + 1)}))
    before = tree(paths.content)
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(source), "--date", "2026-11-20"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{source}:1: 文件过大") and "Traceback" not in err
    assert tree(paths.content) == before


def test_the_desk_names_the_file(tmp_path):
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    desk.hosts = frozenset({HOST})
    data = rebuilt({"word/document.xml": padded_to(XML_PART_LIMIT + 1)})
    status, answer = post(desk, "/desk/api/import?name=年度报告.docx", data)
    assert status == 422 and answer["refused"].startswith("年度报告.docx：文件过大") and not desk.held


def test_the_marking_scan_is_linear_in_paragraph_starts_without_ends():
    """A part of 200,000 self-closing `<w:p …/>`: a lazy regex rescanned the rest of the part for each (hours)."""
    footnotes = (
        b'<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + b'<w:p w:x="1"/>' * 200_000
        + paragraph("秘密★1年")
        + b"</w:footnotes>"
    )
    assert classified(rebuilt({"word/footnotes.xml": footnotes})) == "秘密★"


@pytest.mark.parametrize(
    "xml",
    [
        b"<w:p>a</w:p><w:p x='1'>b</w:p>",
        b"<w:p>a<w:txbx><w:p>b</w:p></w:txbx>c</w:p>",  # nested: the outer paragraph up to the first end
        b"<w:pPr/><w:p/><w:p>a</w:p></w:p>",
        b"<w:p>no end",
        b"",
    ],
)
def test_paragraph_split_matches_the_lazy_pattern(xml):
    assert list(draft._paragraphs(xml)) == re.findall(rb"<w:p[ >].*?</w:p>", xml, re.S)


def test_runs_are_merged_in_one_join():
    runs = [docx.Run(" ")] * 100_000 + [docx.Run("粗", bold=True), docx.Run("体", bold=True), docx.Run("。")]
    assert [(r.text, r.bold) for r in docx._merged(runs)] == [(" " * 100_000, False), ("粗体", True), ("。", False)]


def test_unpacking_refuses_nothing_in_a_real_document():
    with zipfile.ZipFile(io.BytesIO(gongwen())) as archive:
        assert unpacking.refuse_parts(archive) is None
    assert unpacking.refuse_table(gongwen()) is None


def test_the_desk_holds_imports_up_to_a_total_of_bytes(tmp_path, monkeypatch):
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    desk.hosts = frozenset({HOST})
    data = gongwen()
    tickets = [post(desk, "/desk/api/import?name=通知0.docx&keep=1", data)[1]["import"]]
    one = sum(len(content) for _, content in desk.held[tickets[0]])  # its original and its pictures
    monkeypatch.setattr(word, "HELD_BYTES", one * 2)  # two fit
    tickets += [post(desk, f"/desk/api/import?name=通知{n}.docx&keep=1", data)[1]["import"] for n in range(1, 4)]
    assert list(desk.held) == tickets[2:]  # the oldest dropped first
    monkeypatch.setattr(word, "HELD_BYTES", 1)
    newest = post(desk, "/desk/api/import?name=通知.docx&keep=1", data)[1]["import"]
    assert list(desk.held) == [newest]  # the one just made is always kept


def test_the_desk_parses_one_import_at_a_time(tmp_path, monkeypatch):
    paths = make_site(tmp_path, {"n/a.md": item("甲", valid_until="2026-12-31")})
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    desk.hosts = frozenset({HOST})
    monkeypatch.setattr(word, "IMPORT_WAIT_SECONDS", 0)
    assert desk.importing.acquire(timeout=0)  # another import is being parsed
    status, answer = post(desk, "/desk/api/import?name=通知.docx", gongwen())
    assert status == 429 and answer["refused"] == "通知.docx：正在导入别的文件，请稍后再试。" and not desk.held
    desk.importing.release()
    assert post(desk, "/desk/api/import?name=通知.docx", gongwen())[0] == 200
    assert desk.importing.acquire(timeout=0)  # released after it, and after a refusal too
    desk.importing.release()
    status, answer = post(desk, "/desk/api/import?name=空.docx", rebuilt({"word/document.xml": body_of(b"")}))
    assert status == 422 and "没有文字" in answer["refused"]  # refused while parsing
    assert desk.importing.acquire(timeout=0)
