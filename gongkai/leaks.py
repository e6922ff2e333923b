"""Turns rendered files and what their audience must not see into a verdict: every trace of a forbidden item."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

from gongkai.model import Audience, Item
from gongkai.problems import Problem
from gongkai.visibility import exposure, notice

PATH, TEXT, PASSAGE = "path", "text", "passage"  # how a marker is looked for: see Marker.how
OUTPUTS = {Audience.PUBLIC: "公开输出", Audience.INTERNAL: "党内输出"}  # how a message names an audience's outputs

# A passage is a stretch of text that no escaping can alter: no whitespace (a template may reflow it), none of
# & < > " ' (HTML escapes them), no \ (JSON escapes it and quotes), no ; (the end of an entity) and no ASCII
# comma (CSV's delimiter; Chinese writes ，). So it reaches a page as the very same characters whether printed
# raw, escaped, stripped of tags, as JSON or in a CSV cell.
_RUNS = re.compile(r"[^\s&<>\"'\\;,]{8,}")
SHORTEST = 8  # shorter stretches recur by chance too easily (dates, names, set phrases): see LETTERS
# A text with no stretch of SHORTEST characters (a reason, an answer, a name) is looked for anywhere by its
# stretches that hold at least this many written characters (a name: NAME_LETTERS). Found, such a stretch is a
# leak only if it occurs nowhere in what the audience may read (`allowed_text`): a set phrase is, a secret is not.
LETTERS, NAME_LETTERS = 4, 2
SHINGLE = 16  # a long stretch is cut into passages of this length: as good as a fingerprint of its text
SAMPLES = 4  # passages kept per field: its start (where an excerpt begins), its end, and evenly between
# The scan looks up GRAM characters every STRIDE characters of each stretch of a page, so any passage (at least
# SHORTEST long) lying anywhere in it contains one looked-up gram: STRIDE - 1 + GRAM <= SHORTEST.
GRAM = 4
STRIDE = SHORTEST - GRAM + 1
# Passages shorter than SHORTEST but of LETTERS or more characters have their own index (2-character grams);
# shorter ones (names: the reviewers, a handful) are one regular expression, which finds overlapping names too.
SHORT_GRAM = 2
SHORT_STRIDE = LETTERS - SHORT_GRAM + 1
_SHORT_RUNS = re.compile(r"[^\s&<>\"'\\;,]+")
_NAMES = re.compile(r"[^\s&<>\"'\\;,、，]+")  # names are listed with 、 or ，
EXTRA_VALUES = 1_000  # texts taken from one item's `extra`: aliases may make a small file a huge structure
SEARCHED_BEFORE_SKIPPING = 50_000  # characters: about ten item pages (serve's quick redraw searches all it draws)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Marker:
    text: str
    item: Item
    what: str
    how: str = TEXT  # PATH: a link or file path; TEXT: a whole text between tags or JSON string; PASSAGE: anywhere
    coincidence_possible: bool = False  # the text may also occur, legitimately, in what the audience sees


# A text's passages as (marker text, what, how, coincidence possible), by (text, what): serve keeps the last
# build's so that 10,000 unchanged texts are not cut again at each save (Cuts).
Cut = tuple[tuple[str, str, str, bool], ...]


@dataclass
class Cuts:
    """The passages cut from each text by the last build (`last`) and by this one (`now`, what the next build
    gets): a pure function's results, so taking them again is the same as cutting again."""

    last: dict[tuple[str, str], Cut] = field(default_factory=dict)
    now: dict[tuple[str, str], Cut] = field(default_factory=dict)


def forbidden(items: Iterable[Item], audience: Audience, day: date, cuts: Cuts | None = None) -> list[Marker]:
    """Traces of whatever `audience` must not see on `day`: page paths, titles, attachments, and passages of the
    texts: title, body, summary, 文号, issuer, withdrawal reason and `extra` values of hidden items; the body,
    summary and `extra` of withdrawn ones; and what only members' pages show (feedback, the reason for the scope,
    the reviewer): every item's for the public, hidden items' for members. An item the audience saw before
    keeps a notice at its address: that page and its title are allowed, nothing else of it."""
    items = tuple(items)
    shown = {i.id: exposure(i, audience, day) for i in items}
    allowed_files = {a.source for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    allowed_names = {a.name for i in items if (e := shown[i.id]) and e.full for a in i.attachments}
    markers = []
    for item in items:
        seen = shown[item.id]
        texts: list[tuple[str, str]] = []
        if seen is None:
            markers.append(Marker(item.page_path, item, "网页路径", PATH))
            if item.title:
                markers.append(Marker(item.title, item, "标题", coincidence_possible=True))
            # Its title as passages too: a page may name it inside a longer text (a chart's tooltip, a link).
            texts += [("标题", item.title), ("文号", item.doc_number), ("撤销说明", item.withdrawn_reason)]
            texts.append(("发布机构", item.issuer))
        if seen is None or not seen.full:
            for attachment in item.attachments:
                if attachment.source not in allowed_files:
                    markers.append(Marker(attachment.output_path, item, "附件", PATH))
                    if attachment.name not in allowed_names:
                        markers.append(Marker(attachment.name, item, "附件名", coincidence_possible=True))
            texts += [("摘要", item.summary), ("正文", _TAGS.sub(" ", item.body_html))]
            texts += [("附加字段", text) for text in extra_texts(item.extra)]  # a restyled template may print them
        if seen is None or audience is Audience.PUBLIC:
            texts += [(what, text) for f in item.feedback for what, text in (("意见反馈", f.summary), ("反馈答复", f.response))]
            texts.append(("范围说明", item.scope_reason))
            markers += names(item.reviewed_by, item, "审核人")
        for what, text in texts:
            markers += passages(text, item, what) if cuts is None else _remembered(text, item, what, cuts)
    noticed = {i.id for i in items if shown[i.id] is None and notice(i, audience, day) is not None}
    return [m for m in markers if m.item.id not in noticed or m.what not in ("网页路径", "标题", "标题片段")]


def _remembered(text: str, item: Item, what: str, cuts: Cuts) -> list[Marker]:
    key = (text, what)
    cut = cuts.now.get(key)
    if cut is None:
        cut = cuts.last.get(key)
        if cut is None:
            cut = tuple((m.text, m.what, m.how, m.coincidence_possible) for m in passages(text, item, what))
        cuts.now[key] = cut
    return [Marker(text, item, label, how, coincidence) for text, label, how, coincidence in cut]


def passages(text: str, item: Item, what: str) -> list[Marker]:
    """A few distinctive passages of `text`; for a short text, its stretches that hold LETTERS written characters;
    else the whole text (matched whole)."""
    runs = _RUNS.findall(text)
    # Candidates: each stretch's first and last SHINGLE characters (cutting a long text whole costs too much).
    tiles = [tile for run in runs for tile in ((run,) if len(run) <= SHINGLE else (run[:SHINGLE], run[-SHINGLE:]))]
    picked: list[str] = []
    if tiles:
        last = len(tiles) - 1
        for k in range(SAMPLES):  # evenly spread from the first tile to the last; the next one if not distinctive
            start = round(k * last / (SAMPLES - 1))
            tile = next((t for t in tiles[start : start + SAMPLES] if _distinctive(t)), None)
            if tile is not None and tile not in picked:
                picked.append(tile)
        if not picked:  # none where the samples fell: any one, so that a full copy is always found
            picked = [tile for run in runs for tile in _tiles(run) if _distinctive(tile)][:1]
    if picked:
        return [Marker(tile, item, f"{what}片段", PASSAGE, coincidence_possible=True) for tile in picked]
    # A short text ("内容有误，已撤回"): a template may print it inside a longer text ("撤回理由：…"), so it is
    # looked for anywhere, by its stretches of written words; the scan's check against what the audience may
    # read keeps a set phrase from being a false alarm.
    whole = text.strip()
    short = [run for run in dict.fromkeys(_SHORT_RUNS.findall(whole)) if _letters(run) >= LETTERS][:SAMPLES]
    if short:
        return [Marker(run, item, what if run == whole else f"{what}片段", PASSAGE, True) for run in short]
    if len(whole) >= 4 and not whole.isascii():
        return [Marker(whole, item, what, TEXT, coincidence_possible=True)]
    return []


def names(text: str, item: Item, what: str) -> list[Marker]:
    """Each name in `text` (a reviewer: "张明华", or several: "张明华、李卫东"), looked for anywhere: a name is
    short, so one of NAME_LETTERS written characters counts; one the audience may read elsewhere is no leak."""
    found = dict.fromkeys(_NAMES.findall(text))
    return [Marker(name, item, what, PASSAGE, coincidence_possible=True) for name in found if _letters(name) >= NAME_LETTERS]


def extra_texts(extra: object) -> list[str]:
    """The texts among the values of an item's `extra` (its keys are what a template names, not content), at
    most EXTRA_VALUES of them. Each container is walked once: YAML aliases share them, however deep or often."""
    texts: list[str] = []
    pending, walked = [extra], set()
    while pending and len(texts) < EXTRA_VALUES:
        value = pending.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, (dict, list, tuple, set, frozenset)) and id(value) not in walked:
            walked.add(id(value))
            pending.extend(reversed(list(value.values() if isinstance(value, dict) else value)))
    return texts


def _tiles(run: str) -> list[str]:
    """A stretch cut into SHINGLE-long passages end to end, the last one flush with its end."""
    if len(run) <= SHINGLE:
        return [run]
    return [run[i : i + SHINGLE] for i in range(0, len(run) - SHINGLE, SHINGLE)] + [run[-SHINGLE:]]


def _distinctive(passage: str) -> bool:
    """Written words, not numbers, dates or markup: at least two letters outside ASCII (Chinese characters)."""
    return not passage.isascii() and _letters(passage) >= 2


def _letters(text: str) -> int:
    """How many written characters (letters outside ASCII: Chinese characters) `text` holds."""
    return sum(1 for c in text if c.isalpha() and not c.isascii())


# Where an item can show up in what we render: a link or file path; a text, cut out between the characters
# that delimit texts in HTML and JSON (a text node, an attribute value, a JSON string; a comment, a script).
_PATHS = re.compile(r"(?:items|files)/[^\"'<>\s]+")
_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_CONTROLS = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def scan(
    outputs: Iterable[tuple[str, bytes]], markers: list[Marker], where: str, allowed_text: Callable[[], str]
) -> list[Problem]:
    """One problem per leaking item, naming what leaked and where.

    Each file is read once, whatever the number of markers: every path it links to or names is looked up
    among the forbidden paths, and it is cut into its distinct texts. A text is examined the first time it
    is met (most recur: the layout's on every page, an item's on its pages and in the lists): looked up, also
    with its entities or escapes undone, among the forbidden whole texts and searched for the forbidden
    passages (see `_index`). A text that also occurs in what the audience may read (`allowed_text`) is a
    coincidence, not a leak; past a few pages, the texts that are themselves a part of it are not searched."""
    if not markers:
        return []
    by_path = {m.text: m for m in markers if m.how == PATH}
    by_text = {m.text: m for m in markers if m.how == TEXT}
    by_passage: dict[str, Marker] = {}
    for marker in markers:
        if marker.how == PASSAGE:
            by_passage.setdefault(marker.text, marker)
    grams = _index(p for p in by_passage if len(p) >= SHORTEST)
    short_grams = _index((p for p in by_passage if LETTERS <= len(p) < SHORTEST), SHORT_GRAM, SHORT_STRIDE)
    names = sorted((p for p in by_passage if len(p) < LETTERS), key=len, reverse=True)
    named = re.compile(f"(?=({'|'.join(map(re.escape, names))}))") if names else None
    allowed: list[str] = []  # what the audience may read, made once, when first needed

    def readable() -> str:
        if not allowed:
            allowed.append(allowed_text())
        return allowed[0]

    examined: set[str] = set()  # every text met so far
    traces: dict[str, list[Marker]] = {}  # those that hold a forbidden path, whole text or passage
    volume = 0  # characters searched for passages
    readable_texts: set[str] = set()  # past a few pages: the texts that are each a part of what may be read

    def examine(texts: set[str]) -> None:
        nonlocal volume, readable_texts
        for text in texts - examined:
            examined.add(text)
            if not readable_texts and volume > SEARCHED_BEFORE_SKIPPING:
                readable_texts = _cut(readable())
            found = []
            if "items/" in text or "files/" in text:  # a link or file path is never a coincidence
                found += [
                    by_path[p] for raw in _PATHS.findall(text) if (p := unquote(raw.split("#")[0])) in by_path
                ]  # %23 is part of a name
            if text not in readable_texts:  # else anything found in it would be a coincidence
                stripped = text.strip()
                forms = {stripped, html.unescape(stripped) if "&" in text else stripped}
                forms.add(_json_string(stripped) if "\\" in text else stripped)
                found += [by_text[form] for form in forms if form in by_text]
                for form in forms:
                    if by_passage and not form.isascii():  # markup, numbers, addresses: no passage is ASCII only
                        found += [by_passage[p] for p in _passages_in(form, grams)]
                        found += [by_passage[p] for p in _passages_in(form, short_grams, SHORT_GRAM, SHORT_STRIDE)]
                        found += [by_passage[m[1]] for m in named.finditer(form)] if named else []
                        volume += len(form)
            if found:
                traces[text] = found

    verdicts: dict[str, bool] = {}  # a text that recurs: is it in what the audience may read?
    found: dict[str, tuple[Marker, list[str]]] = {}
    for path, data in outputs:
        hits = [m for m in (by_path.get(path.split("/", 1)[-1]),) if m]  # the forbidden file itself
        texts = _cut(data.decode("utf-8", "replace"))
        if path.startswith("files/") or path.split("/", 1)[-1].startswith("files/"):
            # An attachment is its item's own file, published as it is: only forbidden whole texts count.
            hits += [by_text[text.strip()] for text in texts if text.strip() in by_text]
        else:
            examine(texts)
            hits += [marker for text in texts & traces.keys() for marker in traces[text]]
        for marker in hits:
            if marker.coincidence_possible:
                if marker.text not in verdicts:
                    verdicts[marker.text] = marker.text in readable()
                if verdicts[marker.text]:
                    continue
            entry = found.setdefault(marker.item.id, (marker, []))
            if path not in entry[1]:
                entry[1].append(path)
    problems = []
    for marker, paths in found.values():
        files = paths[0] + (f" 等 {len(paths)} 个文件" if len(paths) > 1 else "")
        message = (
            f"泄露检查未通过：{where}的 {files} 含有不应出现的{marker.what}“{marker.text}”。"
            "构建已停止，输出目录保持不变。请检查模板，或联系维护人员。"
        )
        problems.append(Problem(marker.item.source, marker.item.line, message))
    return problems


def _cut(whole: str) -> set[str]:
    """The distinct texts between the characters that delimit them: < > " in HTML and JSON, line breaks and
    commas in CSV (no passage holds one), and NUL (see guarding.public_text). Not stripped: that would cost a
    step per text, each time; the characters are replaced, then split on: 2x a regex's speed."""
    for delimiter in '<>"\n,':
        whole = whole.replace(delimiter, "\0")
    return set(whole.split("\0"))


def _index(passages: Iterable[str], gram: int = GRAM, stride: int = STRIDE) -> dict[str, dict[tuple[int, int], set[str]]]:
    """Each passage under its first `stride` grams: wherever it lies in a text, exactly one of those offsets falls
    on a multiple of `stride`, where the scan looks. Under a gram, passages are grouped by that offset and their
    length, so that a common gram (文号 share their start) costs a few set lookups, not one per passage."""
    grams: dict[str, dict[tuple[int, int], set[str]]] = {}
    for passage in passages:
        for offset in range(stride):
            group = grams.setdefault(passage[offset : offset + gram], {})
            group.setdefault((offset, len(passage)), set()).add(passage)
    return grams


def _passages_in(
    text: str, grams: dict[str, dict[tuple[int, int], set[str]]], gram: int = GRAM, stride: int = STRIDE
) -> list[str]:
    """The forbidden passages in `text`: a gram is looked up every `stride` characters, and for each of its
    groups the stretch of text where such a passage would lie is looked up among them."""
    found: list[str] = []
    if not grams:
        return found
    for i in range(0, len(text) - gram + 1, stride):
        groups = grams.get(text[i : i + gram])
        if groups is not None:
            for (offset, length), passages in groups.items():
                if i >= offset and (candidate := text[i - offset : i - offset + length]) in passages:
                    found.append(candidate)
    return found


def _json_string(raw: str) -> str:
    """A quoted string's text with its backslash escapes undone (JSON's, which HTML attributes never use),
    leniently: a text cut at a quote may end in half an escape (\\" in a JSON string)."""
    text = _ESCAPES.sub(lambda m: chr(int(m[1][1:], 16)) if len(m[1]) == 5 else _CONTROLS.get(m[1], m[1]), raw)
    try:  # characters beyond the first 65,536 come as two escapes (a surrogate pair): join them
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeError:
        return text
