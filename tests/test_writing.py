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
