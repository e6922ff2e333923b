"""Turns the bytes of an uploaded or named file into a Draft item (front matter, Markdown, images to place under
content/), or a refusal telling the editor what to do instead (.doc, .wps, .pdf, damaged or classified files)."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from gongkai.importing.docx import Paragraph, Table, TooLong, WordDocument, read_docx
from gongkai.importing.gongwen import Layout, compact, recognise
from gongkai.importing.markdown import to_markdown
from gongkai.importing.unpacking import refuse_parts, refuse_table
from gongkai.model import Config
from gongkai.parsing.items import SCOPES

MAX_BYTES = 50 * 1024 * 1024  # the desk's upload limit; a 20-page 公文 with photos is a few MB
_SAVE_AS = "请在 Word 或 WPS 中打开它，点“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，再导入新保存的 .docx 文件。"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 .doc, old .wps, and password-protected .docx
IMPORTED_FOLDER = "imported"  # items without a category, until the editor gives them one


class ImportRefused(ValueError):
    """The file cannot become an item; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Draft:
    relpath: str  # the new item's path inside content/
    fields: tuple[tuple[str, Any], ...]  # front matter, in the order of the item keys
    markdown: str
    files: tuple[tuple[str, bytes], ...]  # images (and the original, if kept): paths inside content/, bytes
    recognised: tuple[str, ...]  # what was found, in the editor's words
    notes: tuple[str, ...]  # what could not be carried over, or needs checking

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.fields)


def draft_from_docx(
    data: bytes,
    config: Config,
    day: date,
    *,
    name: str = "",
    category: str = "",
    scope: str = "internal",
    keep_original: bool = False,
) -> Draft:
    """The pure import: a .docx's bytes in, a Draft out (nothing is read or written). `name` is the file's name
    (for the fallback title and the kept original); `category` a catalogue key or name; `scope` any value the
    item parser accepts. Raises ImportRefused."""
    key = category_key(config, category) if category else ""
    if scope not in SCOPES:
        raise ImportRefused(f"公开范围“{scope}”不对。可以写：{'、'.join(SCOPES)}。")
    document = _read(data, name)
    layout = recognise(document.blocks)
    if marking := classified(data):
        raise ImportRefused(
            f"原文标有密级“{marking}”。涉密文件不能公开（党内也不能），没有导入。"
            "如果文件已经解密，请在 Word 中删去密级标志后再导入。"
        )
    if keep_original and (concealed := concealed_content(data)):
        raise ImportRefused(
            f"原文含有{concealed}，原件作为附件发布会把这些内容一起公开。请在 Word 中接受或拒绝全部修订、删除批注和"
            "隐藏文字后另存，再导入；或者不保留原件。"
        )
    if layout.secret:
        raise ImportRefused(
            f"原文标有密级“{layout.secret.written}”。涉密文件不能公开（党内也不能），没有导入。"
            "如果文件已经解密，请在 Word 中删去密级标志后再导入。"
        )
    title, told = _title(document, layout, name)
    stem = f"{day.isoformat()}-{_slug(title)}"
    relpath = f"{day.year}/{key or IMPORTED_FOLDER}/{stem}.md"
    folder = f"attachments/{stem}"
    link = posixpath.relpath(folder, posixpath.dirname(relpath))
    fields: dict[str, Any] = {"title": title, "category": key or None, "scope": SCOPES[scope], "valid_from": day}
    recognised = [told]
    issuers = {compact(config.site.issuer), compact(config.site.name)}
    if layout.issuer and compact(layout.issuer.value) not in issuers:
        fields["issuer"] = layout.issuer.value
        recognised.append(f"发文机关：{layout.issuer.value}（与本站不同，写入 issuer）")
    elif layout.issuer:
        recognised.append(f"发文机关：{layout.issuer.value}（即本站，不另写 issuer）")
    if layout.doc_number:
        fields["doc_number"] = layout.doc_number.value
        as_written = compact(layout.doc_number.written)
        changed = "" if as_written == layout.doc_number.value else f"（原文“{as_written}”，已按公文格式改写）"
        recognised.append(f"文号：{layout.doc_number.value}{changed}")
    notes = list(document.notes)
    if layout.date:
        fields["date"] = date.fromisoformat(layout.date.value)
        recognised.append(f"成文日期：{layout.date.value}（落款“{layout.date.written}”）")
    elif layout.bad_date:
        notes.append(f"落款日期“{layout.bad_date.written}”不存在，没有填写成文日期（date），请核对原文后补上。")
    files = [(f"{folder}/{picture.name}", picture.data) for picture in document.pictures]
    if keep_original:
        original = _file_name(name) or "原文.docx"
        files.append((f"{folder}/{original}", data))
        fields["attachments"] = [f"{link}/{original}"]
        recognised.append(f"原文作为附件：content/{folder}/{original}")
    if layout.addressees:
        recognised.append(f"主送：{layout.addressees.value}（保留在正文开头）")
    if layout.attachment_note:
        recognised.append(
            "附件说明：保留在正文中"
            + ("" if keep_original else "；附件本身请另行放入 content/attachments/ 并在 attachments 中列出")
        )
    recognised.append(_counts(document, len(document.pictures), folder))
    if key:
        entry = next(e for e in config.catalog if e.key == key)
        recognised.append(f"类别：{entry.name}（{key}）")
    recognised.append(f"公开范围：{'党内' if SCOPES[scope] == 'internal' else '向社会公开'}（{SCOPES[scope]}）")
    markdown = to_markdown(document.blocks, link, layout.consumed)
    return Draft(relpath, tuple(fields.items()), markdown, tuple(files), tuple(recognised), tuple(notes))


def category_key(config: Config, value: str) -> str:
    """A catalogue key from a key or a Chinese name."""
    for entry in config.catalog:
        if value in (entry.key, entry.name):
            return entry.key
    choices = "；".join(f"{e.name}（{e.key}）" for e in config.catalog)
    raise ImportRefused(f"目录里没有“{value}”这个类别。可以写类别的名称或键：{choices}")


def item_text(draft: Draft) -> str:
    """The item file: front matter as a person would write it (dates unquoted), then the Markdown."""
    lines = ["---"]
    for key, value in draft.fields:
        if value is None:
            lines.append(f"{key}:   # 还没有填写：请写公开目录中的类别名称或键，见编辑指南第四节")
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"))
    lines.append("---")
    return "\n".join(lines) + "\n" + draft.markdown


def refusal(data: bytes, name: str) -> str | None:
    """Why these bytes are not a .docx that can be imported, in the editor's words; None if they are."""
    suffix = posixpath.splitext(name.lower())[1]
    if len(data) > MAX_BYTES:
        return f"文件有 {len(data) // 1024 // 1024} MB，超过 {MAX_BYTES // 1024 // 1024} MB。请在 Word 中压缩图片（“文件 → 压缩图片”）后另存，再导入。"
    if data.startswith(b"%PDF"):
        return (
            "这是 PDF 文件，不能转换为正文。可以把它作为附件发布：放进 content/attachments/，"
            "在事项的 attachments 中写上它的路径（见编辑指南）；如果有 Word 原稿，请导入 .docx 原稿。"
        )
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "文件设置了打开密码，无法读取。请在 Word 中取消密码（“文件 → 信息 → 保护文档”）后另存为 .docx，再导入。"
        kind = "WPS 文字（.wps）" if suffix == ".wps" else "旧版 Word（.doc）"
        return f"这是{kind}文件，只能导入 Word 文档（.docx）。{_SAVE_AS}"
    if data.startswith(b"{\\rtf"):
        return f"这是 RTF 文件，只能导入 Word 文档（.docx）。{_SAVE_AS}"
    if not data.startswith(b"PK\x03\x04"):
        what = {".doc": "旧版 Word（.doc）", ".wps": "WPS 文字（.wps）", ".pdf": "PDF"}.get(suffix, "Word 文档（.docx）")
        return f"这不是可以读取的 Word 文档（文件名像{what}，内容却不是）。{_SAVE_AS}"
    if too_many := refuse_table(data):
        return too_many
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                other = (
                    "Excel 表格"
                    if "xl/workbook.xml" in names
                    else "PowerPoint 演示文稿"
                    if "ppt/presentation.xml" in names
                    else "Word 文档"
                )
                return f"这是{other}，不是 Word 文档（.docx），不能导入为正文。可以把它作为附件发布（见编辑指南）。"
            return refuse_parts(archive)
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return f"文件已损坏（不是完整的 .docx）。{_SAVE_AS}"


def _read(data: bytes, name: str) -> WordDocument:
    problem = refusal(data, name)
    if problem:
        raise ImportRefused(problem)
    try:
        document = read_docx(data)
    except TooLong as why:
        raise ImportRefused(str(why)) from None
    except Exception as error:  # a damaged upload may fail anywhere in a third-party parser
        raise ImportRefused(f"文件无法读取（{type(error).__name__}），可能已损坏。{_SAVE_AS}") from None
    if not document.pictures and not any(_has_text(b) for b in document.blocks):
        raise ImportRefused("文件里没有文字，也没有图片，不能导入。请确认选对了文件。")
    return document


def _has_text(block: Paragraph | Table) -> bool:
    if isinstance(block, Paragraph):
        return bool(block.text.strip())
    return any(p.text.strip() for row in block.rows for cell in row for p in cell)


def _title(document: WordDocument, layout: Layout, name: str) -> tuple[str, str]:
    """(title, where it came from) — the 公文 title line, else the file's Title property, else its name."""
    if layout.title:
        return layout.title.value, f"标题：{layout.title.value}（第 {layout.title.block + 1} 段）"
    if document.core_title:
        return document.core_title, f"标题：{document.core_title}（取自文件属性中的标题，请核对）"
    stem = posixpath.splitext(_file_name(name))[0] or "导入的文件"
    return stem, f"标题：{stem}（没有找到标题行，暂用文件名，请修改）"


def _counts(document: WordDocument, pictures: int, folder: str) -> str:
    paragraphs = [b for b in document.blocks if isinstance(b, Paragraph)]
    parts = [
        f"段落 {sum(1 for p in paragraphs if p.text.strip())} 段",
        f"小标题 {sum(1 for p in paragraphs if p.heading)} 个",
        f"列表 {sum(1 for p in paragraphs if p.marker)} 项",
        f"表格 {sum(1 for b in document.blocks if isinstance(b, Table))} 个",
        f"图片 {pictures} 张" + (f"（放在 content/{folder}/）" if pictures else ""),
    ]
    return "正文：" + "，".join(parts)


def _slug(title: str) -> str:
    return re.sub(r"[^\w-]+", "-", title).strip("-")[:40] or "item"


def _file_name(name: str) -> str:
    """The file's own name, safe as a file name inside content/."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r'[\x00-\x1f<>:"|?*]+', "_", base).strip(" .")


# A 密级 marking anywhere (the 版头, a table, the page header): 秘密★1年, 机密☆, 密级：秘密 — or a paragraph that is
# the marking alone. Read from the XML of the body, headers and footers, hidden text included.
_MARKING = re.compile(r"(绝密|机密|秘密)\s*[★☆*＊]|密级\s*[:：]?\s*(绝密|机密|秘密)")
_PARAGRAPH = re.compile(rb"<w:p[ >]")  # a paragraph's start; it ends at the next </w:p> (found by split: linear)
_TEXT = re.compile(rb"<w:t(?: [^<>]*)?>([^<]*)</w:t>")
_STORY = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def classified(data: bytes) -> str:
    """The 密级 marking a .docx carries anywhere in its text, or ''."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if _STORY.fullmatch(n)):
            for paragraph in _paragraphs(archive.read(name)):
                text = re.sub(r"\s+", "", b"".join(_TEXT.findall(paragraph)).decode("utf-8", "replace"))
                if (found := _MARKING.search(text)) or text in ("绝密", "机密", "秘密"):
                    return found.group(0) if found else text
    return ""


def _paragraphs(xml: bytes) -> Iterator[bytes]:
    """Each `<w:p …>…</w:p>`, from a paragraph's start to the first end after it (as a lazy regex would match,
    but in linear time: a lazy `.*?` rescans the rest of the part for every start that has no end)."""
    for piece in xml.split(b"</w:p>")[:-1]:
        if start := _PARAGRAPH.search(piece):
            yield piece[start.start() :] + b"</w:p>"


def concealed_content(data: bytes) -> str:
    """What a .docx holds that its reader does not see and the import leaves out (hidden text, tracked changes,
    comments), in words; '' when nothing."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        xml = b"".join(archive.read(n) for n in sorted(names) if _STORY.fullmatch(n))
    kinds = []
    if b"<w:vanish" in xml:
        kinds.append("隐藏文字")
    if b"<w:del " in xml or b"<w:ins " in xml or b"<w:delText" in xml:
        kinds.append("修订记录")
    if "word/comments.xml" in names:
        kinds.append("批注")
    return "、".join(kinds)
