"""Never leak: over random corpora and dates, nothing the public must not see reaches any public file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai import leaks
from gongkai.model import Audience
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.retouch import retouch
from tests.scratch import item, make_site
from tests.strategies import BASE, DEFAULT_DAYS, Spec, corpora, snapshot


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
    result = run(snapshot(corpus), Options(day=day, posters=False))
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
def test_no_public_file_holds_what_the_public_must_not_see(corpus, day):
    result = run(snapshot(corpus), Options(day=day, posters=False))
    # The kiosk's audience is public unless configured otherwise: it is held to the public site's rule.
    public, kiosk = blob(result.outputs, "public/", "kiosk/"), blob(result.outputs, "kiosk/")
    # The internal record pages (register, supervision timeline) list scheduled items too; the pages that
    # show items to members must not, and drafts appear nowhere at all.
    records = ("internal/report.html", "internal/register.")
    internal = blob([(p, d) for p, d in result.outputs if not p.startswith(records)], "internal/")
    everything = blob([(p, d) for p, d in result.outputs if not p.startswith(".cache/")], "")  # the cache is no output
    for spec in corpus:
        if spec.status == "draft":
            assert spec.token.encode() not in everything
    for spec in corpus:
        token = spec.token.encode()
        body, summary = f"正文{spec.token}BODY".encode(), f"摘要{spec.token}SUM".encode()
        attachment = f"附件{spec.token}".encode()
        for audience, tree in ((Audience.PUBLIC, public), (Audience.INTERNAL, internal)):
            seen = expected(spec, corpus, audience, day)
            if seen == "hidden":
                assert token not in tree, (audience, spec)
            elif seen == "ended":
                assert f"标题{spec.token}".encode() in tree
                assert body not in tree and summary not in tree and attachment not in tree, (audience, spec)
            elif seen == "notice":
                assert f"标题{spec.token}".encode() in tree
                assert "撤销说明".encode() in tree
                assert body not in tree and summary not in tree and attachment not in tree, (audience, spec)
            else:
                assert body in tree, (audience, spec)
                assert (attachment in tree) == spec.attached
        assert (token in kiosk) == (expected(spec, corpus, Audience.PUBLIC, day) in ("notice", "full"))


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_records_and_feedback_stay_internal(corpus, day):
    """The supervision report, archive register and request log exist only on the internal site."""
    outputs = dict(run(snapshot(corpus), Options(day=day, posters=False)).outputs)
    for name in ("report.html", "register.html", "register.csv", "register.json", "requests.html"):
        assert f"internal/{name}" in outputs and f"public/{name}" not in outputs
    public = blob(outputs.items(), "public/", "kiosk/")
    assert "督查情况".encode() not in public and "归档登记".encode() not in public and "依申请公开".encode() not in public


@given(corpora, st.integers(-60, 90).map(lambda n: BASE + timedelta(days=n)))
def test_public_json_index_lists_exactly_the_current_public_items(corpus, day):
    result = run(snapshot(corpus), Options(day=day, posters=False))
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
