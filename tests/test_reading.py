import os
import threading

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


def _deep_folder(root, depth: int, name: str = "d" * 200) -> str:
    """Folders nested deeper than PATH_MAX allows to name, made one level at a time through descriptors."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("a.md", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w", encoding="utf-8") as file:
            file.write(item())
    finally:
        os.close(fd)
    return "/".join([name] * depth)


def test_what_cannot_be_read_is_reported_never_skipped(tmp_path):
    paths = make_site(tmp_path, {"a.md": item(), "ok/b.md": item()})
    deep = _deep_folder(paths.content, 24)  # 24 × 201 bytes: beyond the 4,096 a path may have
    os.mkfifo(paths.content / "pipe.md")  # reading it would wait forever
    os.symlink(paths.content / "ok", paths.content / "linked")
    (paths.content / os.fsdecode("\xb2\xe2\xca\xd4.md".encode("latin-1"))).write_text(item(), "utf-8")  # GBK name
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_snapshot(paths.content, paths.config, paths.templates)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)  # a daemon: a reader stuck on the pipe must not hang pytest
    reader.start()
    reader.join(timeout=120)
    assert not reader.is_alive(), "reading blocked on the named pipe"
    (failure,) = outcome
    assert isinstance(failure, Problems)
    found = {(p.path.removeprefix(f"{paths.content}/"), p.message.split("。")[0]) for p in failure.problems}
    too_long = next(path for path, message in found if "路径太长" in message)
    assert deep.startswith(too_long.removesuffix("/"))  # the first folder that cannot be opened
    assert found - {(too_long, "路径太长，系统无法读取这个文件夹")} == {
        ("pipe.md", "这不是普通文件（可能是管道或设备），不能发布"),
        ("linked", "这是指向文件夹的符号链接，其中的文件不会被读取"),
        ("\ufffd\ufffd\ufffd\ufffd.md", "文件名或文件夹名不是 UTF-8 编码，网页无法引用"),
    }
    assert all(p.line == 1 for p in failure.problems)


def test_rereading_the_named_paths_equals_reading_everything(tmp_path):
    """serve keeps its inputs and reads again only what the watcher names: an edit, a new file, a deletion,
    the config, a template and the register each end as a whole read would."""
    from gongkai.reading import reread

    paths = make_site(tmp_path, {"a.md": item("甲"), "sub/b.md": item("乙"), "c.md": item("丙")})
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    (paths.content / "a.md").write_text(item("甲改"), "utf-8")
    (paths.content / "sub" / "new.md").write_text(item("新"), "utf-8")
    (paths.content / "c.md").unlink()
    paths.config.write_text(paths.config.read_text("utf-8") + "\n# 注释\n", "utf-8")
    (paths.templates / "home.html").write_text((paths.templates / "home.html").read_text("utf-8") + "<!-- x -->", "utf-8")
    (paths.config.with_name("register.yaml")).write_text("numbers: []\n", "utf-8")
    named = [paths.content / "a.md", paths.content / "sub" / "new.md", paths.content / "c.md", paths.config]
    named += [paths.templates / "home.html", paths.content / ".hidden.swp"]
    again = reread(snapshot, named, paths.content, paths.config, paths.templates)
    assert again == read_snapshot(paths.content, paths.config, paths.templates)


def test_a_folder_or_a_symlink_named_asks_for_a_whole_read(tmp_path):
    from gongkai.reading import reread

    paths = make_site(tmp_path, {"sub/b.md": item("乙")})
    snapshot = read_snapshot(paths.content, paths.config, paths.templates)
    assert reread(snapshot, [paths.content / "sub"], paths.content, paths.config, paths.templates) is None
    os.symlink(paths.config, paths.content / "link.md")
    assert reread(snapshot, [paths.content / "link.md"], paths.content, paths.config, paths.templates) is None
    assert reread(snapshot, [tmp_path / "elsewhere.md"], paths.content, paths.config, paths.templates) is None
