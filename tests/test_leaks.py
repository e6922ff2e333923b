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
    successors = [
        other.valid_from
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
        lambda c, seen, items, *rest: honest(c, view(items, seen.audience, date(2026, 12, 21)), items, *rest),
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
    assert main(["register", "--content", str(paths.content), "--config", str(paths.config), "--date", "2026-11-20"]) == 0
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
