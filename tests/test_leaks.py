"""Never leak: over random corpora and dates, nothing an audience must not see reaches any of its outputs.

The search indexes are left out here (search=False): they are compressed, so these byte searches could not
see into them, and Pagefind costs about a second per build. tests/rendering/test_search.py holds them to
the same rule, decompressed."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai import leaks
from gongkai.model import Audience
from gongkai.pipeline import Options, recipe, run
from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from gongkai.retouch import retouch
from tests.scratch import CONFIG, item, make_site
from tests.strategies import BASE, DEFAULT_DAYS, Spec, corpora, make, snapshot


def effective_until(spec: Spec, corpus: tuple[Spec, ...]) -> date | None:
    """An independent model of the window rules, written from the issue's words rather than from our code."""
    if spec.length is not None:
        return spec.valid_from + timedelta(days=spec.length)
    if DEFAULT_DAYS[spec.category]:
        return spec.valid_from + timedelta(days=DEFAULT_DAYS[spec.category] - 1)
    # A newer published item of the category takes over the day it reaches everyone the older one is for: members
    # from its start; for a public item, the public too, from the day the newer one goes public.
    successors = [
        other.valid_from + timedelta(days=other.public_after or 0) if spec.scope == "public" else other.valid_from
        for other in corpus
        if other.category == spec.category
        and other.status == "published"
        and other.valid_from > spec.valid_from
        and (other.scope == "public" or spec.scope == "internal")
    ]
    return min(successors) - timedelta(days=1) if successors else None


def expected(spec: Spec, corpus: tuple[Spec, ...], audience: Audience, day: date) -> str:
    """'hidden', 'ended' (the public saw it before: its title stays at its address, nothing else), 'notice'
    or 'full'."""
    until = effective_until(spec, corpus)
    started = spec.valid_from <= day
    ended = until is not None and day > until
    if spec.status == "draft" or not started:
        return "hidden"
    if audience is Audience.PUBLIC:
        public_start = spec.valid_from + timedelta(days=spec.public_after or 0)
        gone_public = day >= public_start
        if spec.scope != "public" or not gone_public:
            return "hidden"
        if ended:
            return "ended" if public_start <= until else "hidden"
    return "full" if spec.status == "published" else "notice"


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)), st.data())
def test_serve_redraws_of_an_edited_text_obey_the_same_rule(corpus, day, data):
    """serve's quick redraw (retouch.py) writes before the full build: it must be held to the same rule."""
    result = recipe(snapshot(corpus), Options(day=day, posters=False, search=False))
    spec = data.draw(st.sampled_from(corpus))
    relpath = f"items/{spec.token}.md"
    edited = spec.file().replace(b"BODY\n", f"BODY\n\n修改{spec.token}EDIT\n".encode())
    pages = retouch(result, {relpath: edited})
    assert pages is not None  # only the text changed: the quick path takes it
    for audience in Audience:
        tree = blob(pages, f"{audience.value}/")
        seen = expected(spec, corpus, audience, day)
        if seen in ("hidden", "ended"):  # an ended item's notice does not show its text: nothing to redraw
            assert tree == b"", (audience, spec)
        elif seen == "notice":
            assert f"修改{spec.token}EDIT".encode() not in tree and f"正文{spec.token}".encode() not in tree
        else:
            assert f"修改{spec.token}EDIT".encode() in tree, (audience, spec)


def blob(outputs, *prefixes: str) -> bytes:
    return b"\n".join(path.encode() + b"\n" + data for path, data in outputs if path.startswith(prefixes))


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_no_output_holds_what_its_audience_must_not_see(corpus, day):
    result = run(snapshot(corpus), Options(day=day, posters=False, search=False))
    # The kiosk's audience is public unless configured otherwise: it is held to the public site's rule.
    public, kiosk = blob(result.outputs, "public/", "kiosk/"), blob(result.outputs, "kiosk/")
    # Every internal page, the record pages (register, supervision report and its charts) too: members never
    # see a draft or an item whose window has not begun, not even its title or file name.
    internal = blob(result.outputs, "internal/")
    everything = blob([(p, d) for p, d in result.outputs if not p.startswith(".cache/")], "")  # the cache is no output
    for spec in corpus:
        if spec.status == "draft":
            assert spec.token.encode() not in everything and spec.passage.encode() not in everything
    for spec in corpus:
        token = spec.token.encode()
        body, summary = f"正文{spec.token}BODY".encode(), f"摘要{spec.token}SUM".encode()
        passage, doc_number = spec.passage.encode(), spec.doc_number.encode()
        attachment = f"附件{spec.token}".encode()
        feedback = [text.encode() for text in spec.remarks]
        for audience, tree in ((Audience.PUBLIC, public), (Audience.INTERNAL, internal)):
            seen = expected(spec, corpus, audience, day)
            if seen == "hidden":
                assert token not in tree and passage not in tree and doc_number not in tree, (audience, spec)
            elif seen == "ended":  # seen before: its title stays at its address, nothing else of it
                assert f"标题{spec.token}".encode() in tree
                assert body not in tree and summary not in tree and attachment not in tree, (audience, spec)
                assert passage not in tree and doc_number not in tree, (audience, spec)
            elif seen == "notice":
                assert f"标题{spec.token}".encode() in tree and doc_number in tree
                assert "撤销说明".encode() in tree
                assert body not in tree and summary not in tree and attachment not in tree, (audience, spec)
                assert passage not in tree, (audience, spec)
            else:
                assert body in tree and passage in tree and doc_number in tree, (audience, spec)
                assert (attachment in tree) == spec.attached
            # Feedback and the office's answers are for members only, on every item they may see.
            members_read_it = audience is Audience.INTERNAL and seen != "hidden" and spec.feedback
            assert all((text in tree) == members_read_it for text in feedback), (audience, spec)
        assert (token in kiosk) == (expected(spec, corpus, Audience.PUBLIC, day) in ("notice", "full"))


# Restyled templates that print what the page's audience must not read, as a careless edit would: the text of
# a withdrawn item (only its notice may show), or feedback (members only) on the public site.
HOSTILE = {
    "body, raw": ("item.html", "<h1>{{ item.title }}</h1>", "<h1>{{ item.title }}</h1>\n<div>{{ body | safe }}</div>"),
    "body, escaped": ("item.html", "<h1>{{ item.title }}</h1>", "<h1>{{ item.title }}</h1><p>{{ item.body_html }}</p>"),
    "body, an excerpt": (
        "item.html",
        "<h1>{{ item.title }}</h1>",
        '<h1>{{ item.title }}</h1><meta name="description" content="{{ item.body_html | striptags | truncate(40) }}">',
    ),
    "summary, in a sentence": ("item.html", "<dl", "<p>内容摘要：{{ item.summary }}。</p><dl"),
    "summary, in a comment": ("item.html", "<dl", "<!-- {{ item.summary }} --><dl"),
    "summary, as JSON": ("item.html", "<dl", "<script>var s = {{ item.summary | tojson }};</script><dl"),
    "summary, in lists": ("_macros.html", "{% if shown.full and item.summary %}", "{% if item.summary %}"),
    "feedback and 文号": (
        "item.html",
        "</article>",
        "{% for f in item.feedback %}<p>{{ f.summary }}——{{ f.response }}</p>{% endfor %}<p>{{ item.doc_number }}</p></article>",
    ),
}


def hostile(corpus, name: str):
    template, old, new = HOSTILE[name]
    shot = snapshot(corpus)
    assert old in shot.templates[template]
    return replace(shot, templates={**shot.templates, template: shot.templates[template].replace(old, new)})


def leaking(spec: Spec, corpus: tuple[Spec, ...], day: date, name: str) -> bool:
    """Whether a hostile template prints, on a page of this item (or its category's list), what that page's
    audience must not read: the model's answer, not the code's."""
    shown = {audience: expected(spec, corpus, audience, day) for audience in Audience}
    if name == "summary, in lists":  # lists show what is current: members see an ended item in the archive only
        until = effective_until(spec, corpus)
        return "notice" in shown.values() and (until is None or day <= until)
    if name.startswith(("body", "summary")):
        return "notice" in shown.values()
    # An ended item's old public address is a notice page (notice.html): no item.html, nothing of it printed.
    return spec.feedback and shown[Audience.PUBLIC] not in ("hidden", "ended")


@settings(max_examples=40)
@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)), st.sampled_from(sorted(HOSTILE)))
def test_a_hostile_template_fails_the_build_naming_each_leaking_item(corpus, day, name):
    """The scan does not trust the templates: whatever they print, a trace of what the audience must not read
    stops the build, and each item it comes from is named (file:line, in Chinese); else the build goes on."""
    sources = {f"content/items/{spec.token}.md" for spec in corpus if leaking(spec, corpus, day, name)}
    if not sources:
        run(hostile(corpus, name), Options(day=day, posters=False, search=False))  # no false alarm
        return
    with pytest.raises(Problems) as failure:
        run(hostile(corpus, name), Options(day=day, posters=False, search=False))
    named = {p.path for p in failure.value.problems}
    # The shared set phrase is a passage of every item's text: printed where no allowed text has it, it is named
    # for the other items that hold it and may not be shown either (hidden, or withdrawn) — never for others.
    secret = {f"content/items/{s.token}.md" for s in corpus if {expected(s, corpus, a, day) for a in Audience} != {"full"}}
    assert sources <= named <= sources | secret
    assert all(p.line >= 1 and p.message.startswith("泄露检查未通过：") for p in failure.value.problems)


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_records_and_feedback_stay_internal(corpus, day):
    """The supervision report, archive register and request log exist only on the internal site."""
    outputs = dict(run(snapshot(corpus), Options(day=day, posters=False, search=False)).outputs)
    for name in ("report.html", "register.html", "register.csv", "register.json", "requests.html"):
        assert f"internal/{name}" in outputs and f"public/{name}" not in outputs
    public = blob(outputs.items(), "public/", "kiosk/")
    assert "督查情况".encode() not in public and "归档登记".encode() not in public and "依申请公开".encode() not in public


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_public_json_index_lists_exactly_the_current_public_items(corpus, day):
    result = run(snapshot(corpus), Options(day=day, posters=False, search=False))
    index = dict(result.outputs)["public/items.json"].decode()
    for spec in corpus:
        assert (spec.token in index) == (expected(spec, corpus, Audience.PUBLIC, day) in ("notice", "full"))


def test_scan_catches_a_leaked_title_path_and_attachment(tmp_path):
    paths = make_site(
        tmp_path, {"secret.md": item("党内机密标题", scope="internal", attachments=["a/名单.pdf"]), "a/名单.pdf": b"%PDF"}
    )
    result = run_paths(paths)
    secret = next(i for i in result.items if i.id == "secret")
    markers = leaks.forbidden(result.items, Audience.PUBLIC, result.day)
    leaks_ = (
        "<p>党内机密标题</p>",
        '<a href="../items/secret.html">',
        '<a href="files/a/%E5%90%8D%E5%8D%95.pdf">',
        "<li>名单.pdf</li>",
    )
    for leaked in (*leaks_, '{"title": "党内机密标题"}', "<td>\n  党内机密标题 </td>"):
        problems = leaks.scan([("index.html", leaked.encode())], markers, "公开输出", lambda: "")
        assert problems and problems[0].path == secret.source, leaked
    assert leaks.scan([("index.html", b"<p>nothing here</p>")], markers, "公开输出", lambda: "") == []


def test_scan_stops_the_build_before_anything_is_written(tmp_path, monkeypatch):
    """The scan is the safety net under the visibility rule: simulate a bug that hands the public the members'
    view, and the build must fail with the leak named, leaving the previous output as it was."""
    from gongkai import pipeline
    from gongkai.cli import main
    from tests.scratch import tree

    paths = make_site(tmp_path, {"secret.md": item("党内机密标题", scope="internal"), "open.md": item("公开事项")})
    args = ["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    args += ["--output", str(paths.output), "--date", "2026-11-20"]
    assert main(args) == 0
    before = tree(paths.output)
    honest_view = pipeline.view
    monkeypatch.setattr(pipeline, "view", lambda items, audience, day: honest_view(items, Audience.INTERNAL, day))
    # 4 files: the home, category and item pages, and items.json (the search index, made from the pages once
    # they pass, is never made).
    with pytest.raises(
        Problems, match=r"泄露检查未通过：公开输出的 public/.* 等 4 个文件 含有不应出现的网页路径“items/secret.html”"
    ):
        run_paths(paths)
    assert main([*args[:-1], "2026-11-21"]) == 1  # another day, so that the build is not skipped as up to date
    assert tree(paths.output) == before


def test_a_public_title_equal_to_an_internal_one_is_not_a_false_alarm(tmp_path):
    paths = make_site(tmp_path, {"a.md": item("党费收缴情况", scope="internal"), "b.md": item("党费收缴情况")})
    result = run_paths(paths)
    assert len(result.views[Audience.PUBLIC].current) == 1


def run_paths(paths):
    from gongkai.reading import read_snapshot

    return run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=date(2026, 11, 20), posters=False))


# Chinese text with what a real one holds: punctuation, digits, Latin letters, spaces, line breaks, & and quotes.
CHINESE = st.text(
    st.sampled_from("党组织建设学习教育干部监督廉政会议决定名单人员情况说明安排整改落实，。、；：“”《》（）0123456789ABC &\"'\n")
)
PRINTINGS = {
    "as a paragraph": lambda text: f"<p>{html.escape(text)}</p>",
    "inside a sentence": lambda text: f"<p>据悉：{html.escape(text)}等等</p>",
    "in an attribute": lambda text: f'<meta content="{html.escape(text)}">',
    "as JSON": lambda text: json.dumps({"x": text}, ensure_ascii=False),
    "as ASCII JSON (tojson)": lambda text: f"<script>var x = {json.dumps(text)};</script>",
    "stripped of tags": lambda text: f"<p>{html.escape(' '.join(text.split()))}</p>",
    "in a comment": lambda text: f"<!-- {text} -->",
}


@given(CHINESE, CHINESE, CHINESE, st.sampled_from(sorted(PRINTINGS)))
def test_the_scan_finds_a_full_copy_of_a_forbidden_text_however_it_is_printed(before, middle, after, printing):
    """Whatever else a forbidden body holds, if it has a stretch of written words (here eight Chinese characters,
    leaks.SHORTEST) a full copy of it is found, however printed, however the rest breaks the text up."""
    body = f"{before}天津市委组织部门{middle}{after}"
    hidden = make(id="secret", title="秘", scope=Audience.INTERNAL, summary="", body_html=f"<p>{html.escape(body)}</p>")
    markers = leaks.forbidden((hidden,), Audience.PUBLIC, date(2026, 11, 20))
    page = PRINTINGS[printing](body)
    problems = leaks.scan([("public/index.html", page.encode())], markers, "公开输出", lambda: "")
    assert [p.path for p in problems] == ["content/secret.md"], (body, [m.text for m in markers])


@pytest.mark.parametrize("count", [1, 1000])
def test_an_excerpt_from_the_start_is_found_among_many_items(count):
    """Samples include a text's start, where an excerpt (a list's teaser, a description) begins."""
    texts = [f"第{n}项{''.join(chr(0x4E00 + (n * 7919 + k * 104729) % 20000) for k in range(300))}" for n in range(count)]
    items = [make(id=f"s{n}", title=f"秘{n}", scope=Audience.INTERNAL, body_html=f"<p>{t}</p>") for n, t in enumerate(texts)]
    markers = leaks.forbidden(items, Audience.PUBLIC, date(2026, 11, 20))
    assert sum(m.how == leaks.PASSAGE for m in markers) <= leaks.SAMPLES * count * 2  # a few per text, not all
    leaked = texts[count // 2][:40]
    problems = leaks.scan([("public/index.html", f"<p>摘要：{leaked}……</p>".encode())], markers, "公开输出", lambda: "")
    assert [p.path for p in problems] == [f"content/s{count // 2}.md"]


def test_an_internal_kiosk_is_scanned_against_the_members_view(tmp_path, monkeypatch):
    """kiosk: {audience: internal} shows members' items (no false alarm), and is still held to their rule."""
    from gongkai import planning
    from gongkai.visibility import view

    config = {**CONFIG, "kiosk": {"audience": "internal"}}
    files = {"members.md": item("党内事项标题", scope="internal"), "later.md": item("下月才开始的事项", valid_from="2026-12-20")}
    paths = make_site(tmp_path, files, config)
    result = run_paths(paths)
    assert "党内事项标题" in dict(result.outputs)["kiosk/slides.json"].decode()
    honest = planning.render_kiosk
    # A bug that shows the screen everything scheduled: the members must not see an item before it begins.
    monkeypatch.setattr(
        planning,
        "render_kiosk",
        lambda c, seen, *rest: honest(c, view(result.items, seen.audience, date(2026, 12, 21)), *rest),
    )
    with pytest.raises(Problems, match=r"later\.md:\d+: 泄露检查未通过：党内输出的 kiosk/"):
        run_paths(paths)


def test_internal_boards_are_scanned_against_the_members_view(tmp_path, monkeypatch):
    """A board for members is scanned before its PDF is drawn: a draft's text on it stops the build."""
    from gongkai import pipeline

    config = {**CONFIG, "boards": {"office": {"title": "机关", "audience": "internal"}}}
    draft = "起草中的内容，尚未经支部委员会研究同意，请勿公开。"
    paths = make_site(tmp_path, {"draft.md": item("草稿", status="draft", body=draft), "open.md": item("公开事项")}, config)
    honest = pipeline.poster_sources
    monkeypatch.setattr(pipeline, "poster_sources", lambda *a: [replace(s, html=s.html + draft) for s in honest(*a)])
    with pytest.raises(Problems, match=r"draft\.md:\d+: 泄露检查未通过：党内输出的 posters/office\.pdf 含有不应出现的正文片段"):
        run(read_snapshot(paths.content, paths.config, paths.templates), Options(day=date(2026, 11, 20)))


def test_members_records_show_an_item_only_once_it_begins(tmp_path):
    """The register numbers an item ahead of its window; the 归档登记 and 督查情况 pages name it from its start."""
    from gongkai.cli import main

    files = {
        "now.md": item("本月公示事项"),
        "later.md": item("下月才开始的事项", valid_from="2026-12-20", valid_until="2026-12-30"),
    }
    paths = make_site(tmp_path, files)
    assert main(["register", "--content", str(paths.content), "--config", str(paths.config)]) == 0
    shot = read_snapshot(paths.content, paths.config, paths.templates)
    for day, shown in ((date(2026, 11, 20), False), (date(2026, 12, 20), True)):
        outputs = dict(run(shot, Options(day=day, posters=False, search=False)).outputs)
        for name in ("report.html", "register.html", "register.csv", "register.json"):
            assert ("下月才开始的事项" in outputs[f"internal/{name}"].decode("utf-8-sig")) == shown, (day, name)
        assert "本月公示事项" in outputs["internal/register.html"].decode()


def test_a_hostile_template_stops_the_command_line_build_and_writes_nothing(tmp_path, capsys):
    from gongkai.cli import main
    from tests.scratch import tree

    withdrawn = item(
        "已撤销的事项",
        status="withdrawn",
        withdrawn_on="2026-11-16",
        withdrawn_reason="内容有误",
        body="撤销前的正文，包含不应再公开的人员名单和情况说明。",
    )
    paths = make_site(tmp_path, {"gone.md": withdrawn, "open.md": item("公开事项")})
    args = ["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    args += ["--output", str(paths.output), "--date", "2026-11-20"]
    assert main(args) == 0
    before = tree(paths.output)
    page = paths.templates / "item.html"
    page.write_text(page.read_text("utf-8").replace("<dl", "<section>{{ body | safe }}</section><dl"), "utf-8")
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    public = next(line for line in err.splitlines() if "公开输出的" in line)
    assert "gone.md:2: 泄露检查未通过：公开输出的 public/items/gone.html" in public and "不应出现的正文片段" in public
    assert "Traceback" not in err
    assert tree(paths.output) == before


# Short texts: a reason, an answer or a summary of a few words has no passage of leaks.SHORTEST characters. A
# template may still print it inside a longer text, behind a label ("撤回理由：…"): it is looked for anywhere.
SHORT_SECRET = st.text(st.sampled_from("撤回理由名单有误核实办理完毕答复暂缓"), min_size=4, max_size=leaks.SHORTEST - 1)


@given(SHORT_SECRET, CHINESE, CHINESE, st.sampled_from(sorted(PRINTINGS)), st.sampled_from(["summary", "answer"]))
def test_a_short_forbidden_text_is_found_inside_a_longer_one(secret, before, after, printing, field):
    """A withdrawn item's short summary, or a short answer to feedback (members only): printed with anything
    around it, it is found; the same words in something the public may read are a coincidence, not a leak."""
    from gongkai.model import FeedbackEntry, Status

    if field == "summary":
        hidden = make(id="gone", status=Status.WITHDRAWN, withdrawn_reason="有误", summary=secret)
    else:
        hidden = make(id="gone", feedback=(FeedbackEntry(date(2026, 11, 12), "请公开", secret),))
    markers = leaks.forbidden((hidden,), Audience.PUBLIC, date(2026, 11, 20))
    page = PRINTINGS[printing](f"{before}答复：{secret}{after}").encode()
    problems = leaks.scan([("public/items/gone.html", page)], markers, "公开输出", lambda: "")
    assert [p.path for p in problems] == ["content/gone.md"], (secret, [m.text for m in markers])
    assert leaks.scan([("public/items/gone.html", page)], markers, "公开输出", lambda: f"通知{secret}如下") == []


def test_fields_only_members_read_are_markers_for_the_public():
    """范围说明 and 审核人 show on internal pages only; `extra` values are an item's content: a hidden or withdrawn
    item's, printed by a restyled template, are leaks. Members may read the first two on items they see."""
    from gongkai.model import Status

    day = date(2026, 11, 20)
    shown = make(id="open", scope_reason="涉及群众切身利益", reviewed_by="王建国")
    gone = make(id="gone", status=Status.WITHDRAWN, extra={"主题词": ["专项整治", {"备注": "内部掌握"}]})
    public = leaks.forbidden((shown, gone), Audience.PUBLIC, day)
    texts = {(m.item.id, m.text) for m in public}
    assert {("open", "涉及群众切身利益"), ("open", "王建国"), ("gone", "专项整治"), ("gone", "内部掌握")} <= texts
    for page in ("<p>范围：涉及群众切身利益</p>", "<p>审核人王建国同志</p>", "<li>专项整治</li>", '"内部掌握"'):
        problems = leaks.scan([("public/items/open.html", page.encode())], public, "公开输出", lambda: "")
        assert problems, page
    members = {m.text for m in leaks.forbidden((shown, gone), Audience.INTERNAL, day)}
    assert not {"涉及群众切身利益", "王建国"} & members and {"专项整治", "内部掌握"} <= members


def test_short_names_are_found_even_where_they_overlap():
    """Names (2–3 characters) are looked for at every character: "李卫东" printed names both 李卫 and 卫东."""
    first, second = make(id="a", reviewed_by="李卫"), make(id="b", reviewed_by="卫东、张明华")
    markers = leaks.forbidden((first, second), Audience.PUBLIC, date(2026, 11, 20))
    problems = leaks.scan([("public/index.html", "<p>经李卫东审核</p>".encode())], markers, "公开输出", lambda: "")
    assert sorted(p.path for p in problems) == ["content/a.md", "content/b.md"]
    problems = leaks.scan([("public/index.html", "<p>张明华</p>".encode())], markers, "公开输出", lambda: "张明华")
    assert problems == []  # in what the public may read (an item's text names them): no leak


def test_extra_values_are_walked_once_however_often_aliases_share_them():
    shared: list = ["专项整治工作"]
    for _ in range(60):  # 2**60 leaves if each list were walked every time it is referred to
        shared = [shared, shared]
    assert leaks.extra_texts({"主题词": shared}) == ["专项整治工作"]
    assert len(leaks.extra_texts({"k": [f"第{n}条" for n in range(5000)]})) == leaks.EXTRA_VALUES


# Restyled templates printing, on every item page, what only members' pages or a shown item may print.
PRINTED_WHERE_NOT_ALLOWED = {
    "a withdrawn item's short summary, labelled": (
        {
            "gone.md": item(
                "已撤销事项", status="withdrawn", withdrawn_on="2026-11-16", withdrawn_reason="有误", summary="名单有误待核"
            )
        },
        "<p>撤回理由：{{ item.summary }}</p>",
    ),
    "a short answer to feedback": (
        {"open.md": item("公开事项", feedback=[{"date": "2026-11-16", "summary": "建议", "response": "已办理完毕"}])},
        "{% for f in item.feedback %}<p>答复：{{ f.response }}。</p>{% endfor %}",
    ),
    "the reason for the scope": (
        {"open.md": item("公开事项", category="org", valid_until="2026-12-31", scope_reason="涉及群众切身利益")},
        "<p>说明：{{ item.scope_reason }}</p>",
    ),
    "a withdrawn item's extra values": (
        {
            "gone.md": item(
                "已撤销事项",
                status="withdrawn",
                withdrawn_on="2026-11-16",
                withdrawn_reason="有误",
                extra={"主题词": ["专项整治"]},
            )
        },
        "<p>{{ item.extra.values() | list }}</p>",
    ),
}


@pytest.mark.parametrize("name", sorted(PRINTED_WHERE_NOT_ALLOWED))
def test_a_template_printing_what_the_public_may_not_read_stops_the_build(tmp_path, name):
    files, printing = PRINTED_WHERE_NOT_ALLOWED[name]
    config = {**CONFIG, "catalog": {**CONFIG["catalog"], "org": {**CONFIG["catalog"]["org"], "scope": "internal"}}}
    paths = make_site(tmp_path, {**files, "plain.md": item("另一事项")}, config)
    run_paths(paths)  # the templates as shipped: no false alarm
    page = paths.templates / "item.html"
    page.write_text(page.read_text("utf-8").replace("<dl", f"{printing}<dl", 1), "utf-8")
    with pytest.raises(Problems) as failure:
        run_paths(paths)
    problems = failure.value.problems
    # A withdrawn item's text is hidden from members too: their site fails as well; feedback and 范围说明 not.
    assert {p.path.rsplit("/", 1)[-1] for p in problems} == set(files)
    assert any("泄露检查未通过：公开输出的 public/items/" in p.message for p in problems)
    assert len(problems) == (2 if "withdrawn" in name else 1)


def test_a_short_text_inside_an_ended_items_title_is_no_false_alarm(tmp_path):
    """An ended item's notice page prints its title: a short summary that the title holds is no leak there."""
    ended = item("第三季度廉政谈话记录摘登", valid_from="2026-11-01", summary="廉政谈话记录", body="已谈话。")
    paths = make_site(tmp_path, {"ended.md": ended, "open.md": item("公开事项")})
    outputs = dict(run_paths(paths).outputs)
    assert "第三季度廉政谈话记录摘登" in outputs["public/items/ended.html"].decode()  # the notice


def test_a_reviewer_printed_on_a_public_page_stops_the_build(tmp_path):
    """The config lists the reviewers, but the public never reads them: a name printed for it is a leak."""
    from gongkai.cli import main

    config = {**CONFIG, "review": {"reviewers": ["王建国"]}}
    paths = make_site(tmp_path, {"open.md": item("公开事项")}, config)
    args = ["--content", str(paths.content), "--config", str(paths.config), "--date", "2026-11-15"]
    assert main(["review", str(paths.content / "open.md"), "--by", "王建国", *args]) == 0
    assert "王建国" in dict(run_paths(paths).outputs)["internal/items/open.html"].decode()  # members read it
    page = paths.templates / "item.html"
    page.write_text(page.read_text("utf-8").replace("<dl", "<p>审核：{{ item.reviewed_by }}</p><dl", 1), "utf-8")
    with pytest.raises(
        Problems, match=r"open\.md:\d+: 泄露检查未通过：公开输出的 public/items/open\.html.* 含有不应出现的审核人“王建国”"
    ):
        run_paths(paths)
