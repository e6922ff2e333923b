import os

import pytest

from gongkai.problems import Problems
from gongkai.reading import read_snapshot
from tests.scratch import item, make_site


def test_reads_all_files_skipping_hidden_ones(tmp_path):
    paths = make_site(tmp_path, {"a.md": item(), ".git/config": "x", ".DS_Store": "x", "_draft.md": "x", "f/a.pdf": b"%PDF"})
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    assert sorted(snapshot.content) == ["_draft.md", "a.md", "f/a.pdf"]
    assert "home.html" in snapshot.templates


def test_symlink_out_of_content_is_refused(tmp_path):
    paths = make_site(tmp_path, {"a.md": item()})
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    os.symlink(tmp_path / "secret.txt", paths.content / "link.txt")
    with pytest.raises(Problems, match="符号链接指向文件夹之外"):
        read_snapshot(paths.content, paths.config, paths.templates)


def test_missing_folders_are_reported_together(tmp_path):
    with pytest.raises(Problems) as failure:
        read_snapshot(tmp_path / "nope", tmp_path / "nope.yaml", tmp_path / "tpl")
    assert len(failure.value.problems) == 3
