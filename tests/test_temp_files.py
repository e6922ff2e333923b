"""Writes outside output/ go through a fresh temporary file (O_EXCL, random name): a planted symlink at any name
the old code used is never followed, and nothing is left beside the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.desk.saving import write_whole
from gongkai.replacing import replace_whole
from tests.scratch import CONFIG, item, make_site

REVIEWER = "张审核"
REVIEWED = {**CONFIG, "review": {"required": True, "reviewers": [REVIEWER]}}


def plant(folder: Path, name: str, victim: Path) -> list[Path]:
    """Symlinks to `victim` at every temporary name the writes used to take for `name`."""
    planted = [folder / f".{name}.tmp", folder / f".{name}.desk-tmp"]
    for link in planted:
        link.symlink_to(victim)
    return planted


def beside(folder: Path, planted: list[Path]) -> list[str]:
    """Dot-files left in `folder` other than the planted ones."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p not in planted)


def cli(paths, *args: str) -> int:
    common = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    return main([args[0], *common, "--output", str(paths.output), *args[1:]])


@pytest.fixture
def victim(tmp_path) -> Path:
    path = tmp_path / "victim"
    path.write_bytes(b"precious")
    return path


def test_review_register_retire_and_report_never_follow_a_planted_temporary_name(tmp_path, victim):
    paths = make_site(tmp_path / "site", {"adhoc/a.md": item("甲", valid_from="2026-11-20"), "b.md": item("乙")}, REVIEWED)
    folder = paths.content / "adhoc"
    planted = plant(folder, "a.md", victim)
    assert cli(paths, "review", str(folder / "a.md"), "--by", REVIEWER, "--date", "2026-11-14") == 0
    assert "reviewed_by: 张审核" in (folder / "a.md").read_text("utf-8")
    assert beside(folder, planted) == []

    register = paths.config.with_name("register.yaml")
    planted += plant(register.parent, register.name, victim)
    assert cli(paths, "register") == 0 and register.is_file() and not register.is_symlink()

    out = tmp_path / "site" / "统计.csv"
    planted += plant(out.parent, out.name, victim)
    assert cli(paths, "report", "--date", "2026-11-20", "--format", "csv", "--out", str(out)) in (0, 3)
    assert out.read_text("utf-8").strip()

    assert cli(paths, "retire", str(paths.content / "b.md"), "--reason", "过时", "--date", "2026-11-20") == 0
    assert not (paths.content / "b.md").exists()
    assert victim.read_bytes() == b"precious"
    assert beside(register.parent, planted) == [] and beside(folder, planted) == []


def test_desk_saves_never_follow_a_planted_temporary_name(tmp_path, victim):
    folder = tmp_path / "content"
    folder.mkdir()
    planted = plant(folder, "a.md", victim)
    write_whole(folder / "a.md", b"one")
    write_whole(folder / "a.md", b"two")
    with pytest.raises(FileExistsError):
        write_whole(folder / "a.md", b"three", exclusive=True)
    assert (folder / "a.md").read_bytes() == b"two" and victim.read_bytes() == b"precious"
    assert beside(folder, planted) == []


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_gets_the_usual_ones(tmp_path):
    kept = tmp_path / "kept.yaml"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    replace_whole(kept, b"new")
    assert kept.read_bytes() == b"new" and stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    os.umask(umask)
    replace_whole(tmp_path / "fresh.yaml", b"x")
    assert stat.S_IMODE((tmp_path / "fresh.yaml").stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


def test_deploy_history_never_follows_a_planted_temporary_name(tmp_path, victim):
    from tests.test_deploy import build_and_deploy, site

    paths, srv = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")})
    dest = srv / "public"
    dest.mkdir(parents=True)
    planted = plant(dest, "history", victim)
    (dest / ".current.tmp").symlink_to(victim)
    planted.append(dest / ".current.tmp")
    build_and_deploy(paths, "2026-11-20", "web")
    assert (dest / "history").read_text("utf-8").count("\n") == 1 and (dest / "current").is_symlink()
    assert victim.read_bytes() == b"precious" and beside(dest, planted) == []
