"""Turns the bytes of a .docx (a zip) into a verdict on its size before the parser unpacks it: how big its table of
parts is, and each part's declared and actual unpacked size. A zip bomb lies in its headers, so every part is
also unpacked once with a cap; XML parts are held far lower than pictures, each and all together (python-docx
parses every XML part it can reach), because every byte of XML becomes tree nodes and objects (up to about 26
bytes of memory per byte: bench/import_docx.py --limit)."""

from __future__ import annotations

import zipfile

from lxml import etree

CENTRAL_LIMIT = 1024 * 1024  # the zip's table of parts: ~100 bytes a part, Word writes a few dozen to a thousand
XML_PART_LIMIT = 4 * 1024 * 1024  # one XML part unpacked: 10× the document.xml of a 100-page 公文
XML_TOTAL_LIMIT = 8 * 1024 * 1024  # all XML parts together: python-docx parses every part it can reach
MAX_UNPACKED = 100 * 1024 * 1024  # all parts together (pictures are stored packed: ~ the 50 MB upload at most)
_CHUNK = 64 * 1024
_END, _END64 = b"PK\x05\x06", b"PK\x06\x07"  # the end record, and the zip64 locator that would override it
_SPLIT = "请在 Word 中把文档拆分成几个文件后分别导入（图片多的，也可以先“文件 → 压缩图片”再另存）。"
_RESAVE = "请在 Word 或 WPS 中打开它，另存为“Word 文档（*.docx）”后再导入。"


def refuse_table(data: bytes) -> str | None:
    """Why the zip's table of parts is not read at all (zipfile would hold an object for every entry in it);
    the end record is found as zipfile finds it. None: it may be opened."""
    at = len(data) - 22 if data[-22:-18] == _END and data[-2:] == b"\0\0" else data.rfind(_END, -(65536 + 22))
    if at < 0 or len(data) - at < 22:
        return None  # no end record: zipfile refuses it as damaged
    if data[max(at - 20, 0) : at - 16] == _END64 or data[at + 12 : at + 16] == b"\xff\xff\xff\xff":
        return f"文件用了 Word 不用的 ZIP64 格式，不像正常的 Word 文档。{_RESAVE}"
    if int.from_bytes(data[at + 12 : at + 16], "little") > CENTRAL_LIMIT:
        return f"文件里的部件太多，不像正常的 Word 文档。{_RESAVE}"
    return None


def refuse_parts(archive: zipfile.ZipFile) -> str | None:
    """Why the parts of the .docx are too big to import: declared sizes first, then each part unpacked once
    (and dropped) with a cap, in case the headers lie. Raises zipfile.BadZipFile for a damaged part."""
    infos = archive.infolist()
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return f"文件中的 {info.filename} 用了 Word 不用的压缩方式，无法读取。{_RESAVE}"
    if sum(info.file_size for info in infos) > MAX_UNPACKED:
        return _too_big_in_all()
    types = _content_types(archive)
    xml = [info for info in infos if _is_xml(info.filename, types)]
    if sum(info.file_size for info in xml) > XML_TOTAL_LIMIT:
        return _too_much_xml()
    unpacked = xml_unpacked = 0
    for info in infos:
        is_xml = _is_xml(info.filename, types)
        limit = XML_PART_LIMIT if is_xml else MAX_UNPACKED
        if info.file_size > limit:
            return _too_big(info.filename, limit)
        xml_left = XML_TOTAL_LIMIT - xml_unpacked if is_xml else MAX_UNPACKED
        size = _unpacked_size(archive, info, min(limit, MAX_UNPACKED - unpacked, xml_left))
        if size is None:
            if limit < min(MAX_UNPACKED - unpacked, xml_left):
                return _too_big(info.filename, limit)
            return _too_much_xml() if xml_left < MAX_UNPACKED - unpacked else _too_big_in_all()
        unpacked += size
        xml_unpacked += size if is_xml else 0
    return None


def _unpacked_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> int | None:
    """The part's size, counted as it unpacks; None as soon as it passes `cap` (nothing of it is kept)."""
    size = 0
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                return None
    return size


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """([Content_Types].xml's types by part name, by extension), both lowercase, as python-docx reads them: a
    part whose type is XML is parsed into a tree, whatever its name."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}, {}
    if info.file_size > XML_PART_LIMIT or _unpacked_size(archive, info, XML_PART_LIMIT) is None:
        return {}, {}  # refused by its own size in a moment (its name ends in .xml)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(archive.read(info), parser)
    except etree.XMLSyntaxError:
        return {}, {}  # the parser refuses the file as damaged
    by_name, by_extension = {}, {}
    for element in root:
        kind = str(element.get("ContentType", "")).lower()
        if str(element.tag).endswith("Override"):
            by_name[str(element.get("PartName", "")).lower()] = kind
        elif str(element.tag).endswith("Default"):
            by_extension[str(element.get("Extension", "")).lower()] = kind
    return by_name, by_extension


def _is_xml(name: str, types: tuple[dict[str, str], dict[str, str]]) -> bool:
    by_name, by_extension = types
    lowered = name.lower()
    kind = by_name.get(f"/{lowered}") or by_extension.get(lowered.rsplit(".", 1)[-1], "")
    return lowered.endswith((".xml", ".rels")) or "xml" in kind


def _too_big(part: str, limit: int) -> str:
    what = "正文（word/document.xml）" if part == "word/document.xml" else part
    return f"文件过大：其中的{what}解压后超过 {limit // 1024 // 1024} MB（正常的文件远小于此）。{_SPLIT}"


def _too_much_xml() -> str:
    return (
        f"文件过大：正文、页眉页脚、样式等文字部件解压后合计超过 {XML_TOTAL_LIMIT // 1024 // 1024} MB"
        f"（正常的文件远小于此）。{_SPLIT}"
    )


def _too_big_in_all() -> str:
    return f"文件过大：解压后超过 {MAX_UNPACKED // 1024 // 1024} MB。{_SPLIT}"
