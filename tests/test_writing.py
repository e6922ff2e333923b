import stat

import pytest

from gongkai.writing import MANIFEST, MARKER, OutputRefused, write_tree
from tests.scratch import tree


def test_writes_tree_with_marker_readable_by_a_web_server(tmp_path):
    output = tmp_path / "out"
    write_tree(output, [("public/index.html", b"a"), ("public/items/x.html", b"b")])
    written = tree(output)
    assert set(written) == {MARKER, MANIFEST, "public/index.html", "public/items/x.html"}
    assert written["public/index.html"] == b"a" and written["public/items/x.html"] == b"b"
    assert stat.S_IMODE(output.stat().st_mode) == 0o755


def test_replaces_whole_tree_so_stale_files_disappear(tmp_path):
    output = tmp_path / "out"
    write_tree(output, [("old.html", b"old"), ("gone/deep/x.html", b"x")])
    write_tree(output, [("new.html", b"new")])
    assert set(tree(output)) == {MARKER, MANIFEST, "new.html"}
    assert not (output / "gone").exists()  # emptied folders go too
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing left beside it


def test_later_builds_write_only_what_changed(tmp_path):
    output = tmp_path / "out"
    files = [("index.html", b"home"), ("items/a.html", b"a"), ("items/b.html", b"b")]
    assert write_tree(output, files) == ["items/a.html", "items/b.html", "index.html"]  # deeper files first
    before = (output / "items/b.html").stat().st_ino
    changed = [("index.html", b"home 2"), ("items/a.html", b"a"), ("items/b.html", b"b"), ("items/c.html", b"c")]
    assert write_tree(output, changed) == ["items/c.html", "index.html"]  # the new page before the page linking it
    assert (output / "items/b.html").stat().st_ino == before
    assert not any(p.name.endswith(".tmp") for p in output.rglob("*"))


def test_a_file_changed_by_hand_is_rewritten(tmp_path):
    output = tmp_path / "out"
    write_tree(output, [("index.html", b"home")])
    (output / "index.html").unlink()
    assert write_tree(output, [("index.html", b"home")]) == ["index.html"]


def test_failure_midway_leaves_previous_output_untouched(tmp_path):
    output = tmp_path / "out"
    write_tree(output, [("index.html", b"good")])
    before = tree(output)

    def files():
        yield "index.html", b"half"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_tree(output, files())
    assert tree(output) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/x", "a/../../b"])
def test_never_writes_outside(tmp_path, bad):
    with pytest.raises(ValueError):
        write_tree(tmp_path / "out", [(bad, b"x")])
    assert not (tmp_path / "escape.html").exists()


def test_refuses_foreign_folder_and_file(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(OutputRefused):
        write_tree(tmp_path / "mine", [("a", b"b")])
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputRefused):
        write_tree(tmp_path / "file", [("a", b"b")])
    empty = tmp_path / "empty"
    empty.mkdir()
    write_tree(empty, [("a", b"b")])  # an empty folder is fine to fill
    assert (empty / "a").read_bytes() == b"b"


def test_update_files_keeps_the_manifest_true_and_drops_what_it_is_told(tmp_path):
    import hashlib
    import json

    from gongkai.writing import update_files

    output = tmp_path / "out"
    with pytest.raises(OutputRefused):
        update_files(output, [("a.html", b"a")])  # nothing built yet: no half outputs
    write_tree(output, [("items/a.html", b"old"), (".cache/memory", b"m"), ("index.html", b"home")])
    assert update_files(output, [("items/a.html", b"new")], remove=[".cache/memory"]) == ["items/a.html"]
    manifest = json.loads((output / MANIFEST).read_text())
    assert manifest["items/a.html"] == hashlib.sha256(b"new").hexdigest() and ".cache/memory" not in manifest
    assert tree(output)["items/a.html"] == b"new" and not (output / ".cache/memory").exists()
    # The next full build trusts the manifest: the page it would write is already there.
    assert write_tree(output, [("items/a.html", b"new"), ("index.html", b"home")]) == []


def test_a_user_file_survives_losing_the_cache_and_an_unknown_one_stops_the_build(tmp_path):
    """Never delete what we did not write: the manifest lives beside the marker, not in .cache/; without any
    record of our files, the build names the files it cannot place and changes nothing."""
    import shutil

    output = tmp_path / "out"
    write_tree(output, [("public/index.html", b"home"), (".cache/memory.json", b"{}"), ("public/old.html", b"old")])
    (output / "public/notes.txt").write_bytes(b"the user's")
    shutil.rmtree(output / ".cache")
    write_tree(output, [("public/index.html", b"home 2"), (".cache/memory.json", b"{}")])
    assert tree(output)["public/notes.txt"] == b"the user's" and not (output / "public/old.html").exists()
    (output / MANIFEST).unlink()
    before = tree(output)
    with pytest.raises(OutputRefused, match=r"public/notes\.txt"):
        write_tree(output, [("public/index.html", b"home 3")])
    assert tree(output) == before


def test_an_old_output_with_the_manifest_in_the_cache_is_taken_over(tmp_path):
    import hashlib
    import json

    output = tmp_path / "out"
    output.mkdir()
    (output / MARKER).write_text("x")
    (output / "public").mkdir()
    (output / "public/gone.html").write_bytes(b"gone")
    (output / ".cache").mkdir()
    legacy = {"public/gone.html": hashlib.sha256(b"gone").hexdigest()}
    (output / ".cache/manifest.json").write_text(json.dumps(legacy))
    write_tree(output, [("public/index.html", b"home")])
    assert set(tree(output)) == {MARKER, MANIFEST, "public/index.html"}


def test_a_tampered_manifest_cannot_delete_outside(tmp_path):
    import json

    output = tmp_path / "out"
    (tmp_path / "precious.txt").write_bytes(b"keep")
    write_tree(output, [("index.html", b"home")])
    (output / MANIFEST).write_text(json.dumps({"../precious.txt": "0" * 64, "index.html": "0" * 64}))
    write_tree(output, [("index.html", b"home")])
    assert (tmp_path / "precious.txt").read_bytes() == b"keep"


def test_a_file_may_become_a_folder_and_back(tmp_path):
    output = tmp_path / "out"
    write_tree(output, [("items/a.html", b"a"), ("items/b", b"file")])
    write_tree(output, [("items/a.html", b"a"), ("items/b/c.html", b"c")])
    assert set(tree(output)) == {MARKER, MANIFEST, "items/a.html", "items/b/c.html"}
    write_tree(output, [("items/a.html", b"a"), ("items/b", b"file again")])
    assert tree(output)["items/b"] == b"file again" and set(tree(output)) == {MARKER, MANIFEST, "items/a.html", "items/b"}


def test_the_seal_goes_first_and_comes_back_last(tmp_path, monkeypatch):
    """The build record never describes a tree that is not exactly there: a write that stops half way has
    already removed it."""
    import errno
    import os

    from gongkai.writing import WriteFailed, unfinished

    output = tmp_path / "out"
    write_tree(output, [("a/x.html", b"1"), ("b.html", b"1")], seal=("record.json", b"one"))
    assert tree(output)["record.json"] == b"one"
    real, calls = os.replace, []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.EIO, "I/O error", os.fspath(source), None, os.fspath(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteFailed, match="未完成"):
        write_tree(output, [("a/x.html", b"2"), ("b.html", b"2")], seal=("record.json", b"two"))
    monkeypatch.undo()
    assert unfinished(output) and not (output / "record.json").exists()
    write_tree(output, [("a/x.html", b"2"), ("b.html", b"2")], seal=("record.json", b"two"))
    assert not unfinished(output) and tree(output)["record.json"] == b"two"


def test_update_files_is_journaled_and_refused_on_an_unfinished_output(tmp_path):
    from gongkai.writing import UNFINISHED, update_files

    output = tmp_path / "out"
    write_tree(output, [("items/a.html", b"old"), ("index.html", b"home")], seal=("record.json", b"r"))
    update_files(output, [("items/a.html", b"new")], remove=["record.json"])
    assert set(tree(output)) == {MARKER, MANIFEST, "items/a.html", "index.html"}
    (output / UNFINISHED).write_text('{"journal": []}')
    with pytest.raises(OutputRefused):
        update_files(output, [("items/a.html", b"newer")])
