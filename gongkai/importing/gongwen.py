"""Turns the paragraphs of an official document laid out per GB/T 9704 (党政机关公文格式) into item fields: the
发文机关标志 (红头) → issuer, 发文字号 → doc_number, the title line → title, the 落款's 成文日期 → date."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gongkai.importing.docx import Block, Paragraph

_OPEN, _CLOSE = "〔\\[［【(（", "〕\\]］】)）"
DOC_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,16}})[{_OPEN}]((?:19|20)\d\d)[{_CLOSE}]第?0*(\d{{1,5}})号"
)  # 青自然资党〔2026〕18号, also with [], ［］, 【】 or （） as people type them
_SIGNER = re.compile(r"签发人[:：].*$")
_ARABIC_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ZERO = "〇○零OΟ"  # 〇 (U+3007) is right; ○ (a circle), 零, the letter O and Greek Ο are all typed for it
_YEAR_DIGIT = f"[{_ZERO}一二三四五六七八九]"
_CHINESE_DATE = re.compile(
    rf"({_YEAR_DIGIT}{{4}})年(十[一二]?|[一二三四五六七八九])月(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])日"
)
_SECRET = re.compile(r"^(绝密|机密|秘密)(★.*)?$")
_URGENCY = re.compile(r"^(特急|加急|特提|平急)$")
_COPY_NUMBER = re.compile(r"^\d{1,8}$")  # 份号
_GENRES = ("通知", "决定", "报告", "意见", "公示", "方案", "办法", "纪要", "请示", "批复", "函", "通报", "公告", "规定", "细则", "计划", "总结", "决议")  # fmt: skip
_OPENING = 15  # the 红头, 文号 and title sit in the first few paragraphs; a sentence further down is not one


@dataclass(frozen=True)
class Found:
    value: str  # as it goes into the item
    block: int  # index of the paragraph in the document's blocks
    written: str  # as the document has it


@dataclass(frozen=True)
class Layout:
    title: Found | None = None
    doc_number: Found | None = None
    date: Found | None = None  # value: ISO date
    bad_date: Found | None = None  # a 落款 date that does not exist (2026年2月30日)
    issuer: Found | None = None
    addressees: Found | None = None  # 主送机关, kept in the text
    attachment_note: Found | None = None  # 附件说明, kept in the text
    secret: Found | None = None  # 密级: such a document is never published
    consumed: frozenset[int] = frozenset()  # paragraphs that became fields (红头, 份号, 紧急程度, 文号, title)


def compact(text: str) -> str:
    """Full-width letters and digits made plain, every kind of space removed: how 公文 lines are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u3000", ""))


def recognise(blocks: Sequence[Block]) -> Layout:
    texts = {i: compact(b.text) for i, b in enumerate(blocks) if isinstance(b, Paragraph)}
    opening = [i for i, text in texts.items() if text][:_OPENING]
    number_at = next((i for i in opening if DOC_NUMBER.fullmatch(_SIGNER.sub("", texts[i]))), None)
    secret = next((Found(texts[i], i, blocks[i].text.strip()) for i in opening if _SECRET.match(texts[i])), None)
    doc_number = None
    if number_at is not None:
        match = DOC_NUMBER.fullmatch(_SIGNER.sub("", texts[number_at]))
        assert match is not None
        doc_number = Found(f"{match[1]}〔{match[2]}〕{match[3]}号", number_at, blocks[number_at].text.strip())
    head = _head(blocks, texts, opening, number_at)
    consumed = set(head)
    anchor = number_at if number_at is not None else max(head, default=-1)
    title_lines = _title(blocks, texts, [i for i in opening if i > anchor], anchored=anchor >= 0)
    consumed |= set(title_lines)
    if number_at is not None:
        consumed.add(number_at)
    title = None
    if title_lines:
        written = "".join(blocks[i].text.strip() for i in title_lines)
        title = Found(re.sub(r"\s+", " ", written).strip(), title_lines[0], written)
    issuer = None
    organ_lines = [i for i in head if not (_SECRET.match(texts[i]) or _URGENCY.match(texts[i]) or _COPY_NUMBER.match(texts[i]))]
    if organ_lines:
        written = "".join(texts[i] for i in organ_lines)
        issuer = Found(written.removesuffix("文件") or written, organ_lines[0], written)
    after = max(consumed, default=-1)
    signed, bad, organ = _signature(blocks, texts, after)
    if issuer is None and organ is not None:
        issuer = organ
    first = next((i for i in texts if i > after and texts[i]), None)  # 主送 is the first line after the title
    addressees = None
    if first is not None and texts[first].endswith(("：", ":")) and len(texts[first]) <= 60:
        addressees = Found(texts[first].rstrip("：:"), first, blocks[first].text.strip())
    note = next(
        (Found(texts[i], i, blocks[i].text.strip()) for i in texts if i > after and re.match(r"^附件[:：]", texts[i])), None
    )
    return Layout(title, doc_number, signed, bad, issuer, addressees, note, secret, frozenset(consumed))


def _head(blocks: Sequence[Block], texts: dict[int, str], opening: list[int], number_at: int | None) -> list[int]:
    """The 版头 above the 文号: 份号, 密级, 紧急程度 and the 发文机关标志 (one or more organ lines, often ending 文件)."""
    if number_at is not None:
        return [i for i in opening if i < number_at]
    first = opening[:3]
    for position, i in enumerate(first):  # no 文号: a 红头 is still a short line ending in 文件
        if texts[i].endswith("文件") and len(texts[i]) <= 40:
            return first[: position + 1]
    return []


def _title(blocks: Sequence[Block], texts: dict[int, str], after: list[int], anchored: bool) -> list[int]:
    """The title: the big centred line(s) after the 文号 (or at the top of a document without 版头)."""
    candidates = after[:4] if anchored else after[:3]
    lines: list[int] = []
    for i in candidates:
        paragraph = blocks[i]
        assert isinstance(paragraph, Paragraph)
        text = texts[i]
        titled = paragraph.align == "center" or paragraph.style.lower() in ("title", "标题") or paragraph.heading == 1
        if not titled or text.endswith(("：", ":")) or _is_date(text) or len(text) > 100:
            break
        if lines and (text.startswith(("（", "(", "——", "-")) or len("".join(texts[j] for j in lines) + text) > 100):
            break
        if lines and not (lines[-1] + 1 == i or all(not texts.get(k) for k in range(lines[-1] + 1, i))):
            break
        lines.append(i)
        if len(lines) == 3:
            break
    if not anchored and len(lines) > 1:
        # Without a 文号, a centred organ name may stand above the title: keep the lines from the first that
        # reads like a title (关于…, …通知) on.
        titled = [n for n, i in enumerate(lines) if texts[i].startswith("关于") or texts[i].endswith(_GENRES)]
        if titled:
            lines = lines[titled[0] :]
    if not anchored and lines and blocks[lines[0]].align != "center" and lines[0] != after[0]:
        return []
    return lines


def _signature(blocks: Sequence[Block], texts: dict[int, str], after: int) -> tuple[Found | None, Found | None, Found | None]:
    """(成文日期, a date that does not exist, the organ signed above it), from the last line that is only a date."""
    for i in sorted((i for i in texts if i > after), reverse=True):
        lines = [compact(line) for line in blocks[i].text.split("\n")]
        lines = [line for line in lines if line]
        if not lines or not _is_date(lines[-1]):
            continue
        written = lines[-1]
        day = _date(written)
        organ_text = lines[-2] if len(lines) > 1 else next((texts[k] for k in range(i - 1, after, -1) if texts.get(k)), "")
        organ = None
        if organ_text and len(organ_text) <= 40 and not re.search(r"[。！？；，：:,;]", organ_text):
            organ = Found(organ_text, i, organ_text)
        if day is None:
            return None, Found(written, i, written), organ
        return Found(day.isoformat(), i, written), None, organ
    return None, None, None


def _is_date(text: str) -> bool:
    return bool(_ARABIC_DATE.fullmatch(text) or _CHINESE_DATE.fullmatch(text))


def _date(text: str) -> date | None:
    """2026年11月12日 or 二〇二六年十一月十二日 (also with ○, 零 or O for 〇); None if no such day."""
    match = _ARABIC_DATE.fullmatch(text)
    if match:
        numbers = [int(part) for part in match.groups()]
    else:
        match = _CHINESE_DATE.fullmatch(text)
        if not match:
            return None
        year = "".join(str(_digit(c)) for c in match[1])
        numbers = [int(year), _number(match[2]), _number(match[3])]
    try:
        return date(*numbers)
    except ValueError:
        return None


def _digit(char: str) -> int:
    return 0 if char in _ZERO else "一二三四五六七八九".index(char) + 1


def _number(text: str) -> int:
    """一 … 九, 十, 十一 … 十九, 二十 … 三十一."""
    if "十" not in text:
        return _digit(text)
    tens, _, ones = text.partition("十")
    return (_digit(tens) if tens else 1) * 10 + (_digit(ones) if ones else 0)
