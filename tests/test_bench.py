"""The bench's own assumptions: the edits it makes, the items it takes for public, the children it stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.corpus import write_corpus
from bench.serve_edits import public_items, set_field, stop_group
from bench.speed import hugo_site


def test_public_items_are_the_corpus_public_ones(tmp_path: Path):
    content = write_corpus(tmp_path / "content", 60)
    scopes = {
        int(path.stem.split("-")[1]): yaml.safe_load(path.read_text("utf-8").split("---\n")[1])["scope"]
        for path in content.rglob("*.md")
    }
    assert public_items(60) == sorted(n for n, scope in scopes.items() if scope == "public")


def test_set_field_changes_one_key_and_keeps_the_rest(tmp_path: Path):
    path = write_corpus(tmp_path / "content", 1) / "000" / "item-00000.md"
    before = path.read_text("utf-8")
    set_field(path, "title", "新标题")
    set_field(path, "draft", "true")
    _, front, body = path.read_text("utf-8").split("---\n", 2)
    meta, old = yaml.safe_load(front), yaml.safe_load(before.split("---\n")[1])
    assert meta == old | {"title": "新标题", "draft": True}
    assert body == before.split("---\n", 2)[2]


def test_hugo_front_matter_has_one_line_per_key(tmp_path: Path):
    content = write_corpus(tmp_path / "content", 3)
    site = hugo_site(content, tmp_path)
    for path in (site / "content" / "items").glob("*.md"):
        front = path.read_text("utf-8").split("---\n")[1]
        keys = [line.split(":")[0] for line in front.splitlines() if not line.startswith((" ", "-"))]
        assert sorted(keys) == ["categories", "date", "title"], front


def test_stop_group_ends_the_child_and_its_children(tmp_path: Path):
    pids = tmp_path / "pids"
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pids)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], start_new_session=True, restore_signals=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)  # waits for the grandchild to exist, not for time to pass
    grandchild = int(pids.read_text())
    try:
        stop_group(process)
        assert process.returncode is not None
        deadline = time.monotonic() + 60
        while _alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(grandchild)
    finally:
        for pid in (process.pid, grandchild):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"  # a zombie has ended; its parent (init here) reaps it
