"""Faults at any point of a build: kill -9 or Ctrl-C at the Nth file-system operation of a first, an incremental
and a date-changing build, two builds at once, a full disk and a read-only output. Afterwards output/ is the old
tree, the new tree, or marked unfinished; the next build, whichever it is, gives exactly a clean build's tree.

Faults are injected by operation count, not by time: a forked child counts the writes, renames and removals it
makes and signals itself at call N, N drawn from a seeded generator over the count of an undisturbed run."""

from __future__ import annotations

import builtins
import errno
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import jinja2
import pytest

from gongkai.cli import main
from gongkai.journal import STAGING
from gongkai.pipeline import Options, Paths, build
from gongkai.writing import UNFINISHED, unfinished
from tests.scratch import REPO, item, make_site, tree

SEED = 20261210
TRIALS = 50  # per kind of build and signal
EARLY, LATE = date(2026, 12, 10), date(2026, 12, 20)
# Items that start between the two dates are exactly what an interrupted build must never leave behind.
FILES = {
    "base.md": item("长期事项", valid_from="2026-11-01", valid_until="2027-01-31"),
    "ends.md": item("将要结束", valid_from="2026-12-01", valid_until="2026-12-12", body="正文，含附件。"),
    "later.md": item("尚未开始", valid_from="2026-12-15", valid_until="2026-12-31"),
    "inside.md": item("党内事项", scope="internal", valid_from="2026-12-18", valid_until="2026-12-30"),
    "files/plan.pdf": b"%PDF-1.4 plan",
    "doc.md": item("带附件", valid_from="2026-12-01", valid_until="2026-12-31", attachments=["files/plan.pdf"]),
}
EDITED = {
    "base.md": item("长期事项（修订）", valid_from="2026-11-01", valid_until="2027-01-31"),
    "new/added.md": item("新增事项", valid_from="2026-12-05", valid_until="2026-12-25"),
    "doc.md": None,  # deleted
}


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates kept in memory across this module's hundreds of builds: compiling them is nine
    tenths of a tiny site's build, and the result is a pure function of the template source."""

    def __init__(self, store: dict[str, bytes]) -> None:
        self.store = store

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (data := self.store.get(bucket.key + bucket.checksum)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key + bucket.checksum] = bucket.bytecode_to_string()


@pytest.fixture(scope="module", autouse=True)
def compiled_templates() -> Iterator[None]:
    store: dict[str, bytes] = {}
    original = jinja2.Environment.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.bytecode_cache = _Compiled(store)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "__init__", init)
        # One process renders both sites: for a tiny site, cheaper than the fork that would share the work.
        patch.setenv("GONGKAI_SERIAL", "1")
        yield


class Site:
    """One scratch site in two versions (as first written, and edited), and clean builds to compare with."""

    def __init__(self, root: Path) -> None:
        self.before = make_site(root / "before", FILES)
        self.after = make_site(root / "after", {k: v for k, v in {**FILES, **EDITED}.items() if v is not None})
        self.output = root / "output"
        self.clean: dict[tuple[str, date], dict[str, bytes]] = {}
        self.folders: dict[tuple[str, date], Path] = {}
        for version in ("before", "after"):
            for day in (EARLY, LATE):
                folder = root / f"clean-{version}-{day}"
                assert build(self.paths(version, folder), Options(day=day, posters=False)) is not None
                self.clean[version, day], self.folders[version, day] = tree(folder), folder

    def paths(self, version: str, output: Path | None = None) -> Paths:
        base = self.before if version == "before" else self.after
        return Paths(base.content, base.config, base.templates, output or self.output)

    def reset(self, old: tuple[str, date] | None) -> None:
        """output/ as a finished build of `old` left it (or absent). Hard links are enough: the writer never
        writes into an existing file (it renames new ones over it), and every comparison is with the bytes
        read at the start, so a writer that did would still be caught."""
        shutil.rmtree(self.output, ignore_errors=True)
        if old is not None:
            shutil.copytree(self.folders[old], self.output, copy_function=os.link)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    return Site(tmp_path_factory.mktemp("faults"))


# (old, new): what output/ holds before the build, and what the build is asked for.
SCENARIOS = {
    "first": (None, ("before", EARLY)),
    "incremental": (("before", EARLY), ("after", EARLY)),
    "date": (("after", EARLY), ("after", LATE)),
}
MUTATIONS = ("replace", "rename", "unlink", "rmdir", "mkdir", "write", "truncate", "symlink", "link")


def _fault_hook(at: int, act: Callable[[], None], counted: list[int]) -> None:
    """Wraps every call that changes the file system in this process; calls `act` before mutation number `at`."""
    me = os.getpid()

    def wrap(function: Callable) -> Callable:
        def counting(*args, **kwargs):
            if os.getpid() == me:  # not in the render children `parallel.both` forks
                counted[0] += 1
                if counted[0] == at:
                    act()
            return function(*args, **kwargs)

        return counting

    for name in MUTATIONS:
        setattr(os, name, wrap(getattr(os, name)))
    real_open, real_os_open = builtins.open, os.open

    def opening(file, mode="r", *args, **kwargs):
        return (wrap(real_open) if any(c in mode for c in "wxa+") else real_open)(file, mode, *args, **kwargs)

    def os_opening(path, flags, *args, **kwargs):
        writes = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        return (wrap(real_os_open) if writes else real_os_open)(path, flags, *args, **kwargs)

    builtins.open = io.open = opening
    os.open = os_opening


def _in_child(work: Callable[[], None], at: int = 0, how: str = "count") -> tuple[str, int]:
    """Runs `work` in a forked child with the hook armed. Returns how it ended ("done", "interrupted",
    "killed") and how many mutations it made (for "count", which never fires)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        counted = [0]
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            act = {
                "kill": lambda: os.kill(os.getpid(), signal.SIGKILL),
                "int": lambda: os.kill(os.getpid(), signal.SIGINT),  # KeyboardInterrupt where Python is now
                "count": lambda: None,
            }[how]
            _fault_hook(at, act, counted)
            work()
        except KeyboardInterrupt:
            code = 3
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 4
        finally:
            os.write(write, str(counted[0]).encode())
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reported = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return "killed", 0
    code = os.WEXITSTATUS(status)
    assert code in (0, 3), "the child failed otherwise (its traceback is above)"
    return ("done" if code == 0 else "interrupted"), int(reported or b"0")


def _state(site: Site, old: tuple[str, date] | None, new: tuple[str, date]) -> str:
    """Which of the three allowed states output/ is in; anything else fails the test."""
    if unfinished(site.output):
        return "unfinished"
    # A build killed in phase 1 may leave its staging folder: inside output/, outside anything published,
    # and removed by the next build (test below).
    now = {path: data for path, data in tree(site.output).items() if not path.startswith(STAGING + "/")}
    if now == site.clean[new]:
        return "new"
    assert now == (site.clean[old] if old else {}), "neither the old tree, nor the new, nor marked unfinished"
    return "old"


@pytest.mark.parametrize("how", ["kill", "int"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_fault_at_any_point_leaves_a_tree_the_next_build_repairs(site, scenario, how):
    old, new = SCENARIOS[scenario]
    site.reset(old)
    ended, total = _in_child(lambda: build(site.paths(new[0]), Options(day=new[1], posters=False)))
    assert ended == "done" and total > 10
    assert tree(site.output) == site.clean[new]
    rng = random.Random(f"{SEED}-{scenario}-{how}")
    states = set()
    for trial in range(TRIALS):
        site.reset(old)
        # Stratified: one point drawn from each fiftieth of the build, so that every stretch of it (the short
        # phase that replaces files included) is hit whatever the count of operations becomes.
        at = 1 + min(total - 1, int((trial + rng.random()) * total / TRIALS))
        ended, _ = _in_child(lambda: build(site.paths(new[0]), Options(day=new[1], posters=False)), at, how)
        assert ended in ("killed", "interrupted")
        states.add(_state(site, old, new))
        # The next build is the one asked for again, or (as in the attack) the old one: neither is
        # "already up to date" with a mixed tree, and both give exactly a clean build's tree.
        then = rng.choice([new, old]) if old else new
        build(site.paths(then[0]), Options(day=then[1], posters=False))
        assert tree(site.output) == site.clean[then], (at, then)
        assert not unfinished(site.output)
    assert "unfinished" in states  # the trials did reach the middle of the write, not only its edges


def test_the_attack_interrupted_later_build_then_earlier_build(site):
    """The reported attack, step by step: build 12-10, interrupt 12-20 mid-write, build 12-10 again."""
    site.reset(("after", EARLY))
    paths = site.paths("after")
    _, total = _in_child(lambda: build(paths, Options(day=LATE, posters=False)))
    for at in range(1, total + 1, max(1, total // 12)):
        site.reset(("after", EARLY))
        _in_child(lambda: build(paths, Options(day=LATE, posters=False)), at, "int")
        state = _state(site, ("after", EARLY), ("after", LATE))
        result = build(paths, Options(day=EARLY, posters=False))
        assert result is not None or state == "old"  # never "up to date" over a changed tree
        assert tree(site.output) == site.clean["after", EARLY]


def test_staging_left_by_a_kill_in_phase_one_is_removed(site):
    site.reset(("after", EARLY))
    (site.output / STAGING / "public").mkdir(parents=True)
    (site.output / STAGING / "public/half.html").write_bytes(b"")
    build(site.paths("after"), Options(day=EARLY, posters=False), always=True)
    assert tree(site.output) == site.clean["after", EARLY]


def test_two_builds_at_once_never_mix(site):
    """Two processes released at the same instant into one output: one waits for the other."""
    rng = random.Random(SEED)
    for round in range(8):
        site.reset(rng.choice([None, ("after", EARLY), ("after", LATE)]))
        days = [EARLY, LATE] if round % 2 else [LATE, EARLY]
        gate_read, gate_write = os.pipe()
        children = []
        for day in days:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.close(gate_write)
                    os.read(gate_read, 1)  # returns when the parent closes the gate: both start together
                    build(site.paths("after"), Options(day=day, posters=False))
                    code = 0
                finally:
                    os._exit(code)
            children.append(pid)
        os.close(gate_read)
        os.close(gate_write)
        codes = [os.waitpid(pid, 0)[1] for pid in children]
        assert codes == [0, 0]
        assert not unfinished(site.output)
        assert tree(site.output) in (site.clean["after", EARLY], site.clean["after", LATE])


def test_a_build_waits_for_a_build_in_progress(site, tmp_path):
    """While one process holds the output, another build says it waits, then finishes."""
    from gongkai.writing import exclusive

    site.reset(("after", EARLY))
    messages: list[str] = []
    ready_read, ready_write = os.pipe()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            with exclusive(site.output):
                os.write(ready_write, b"x")
                os.read(go_read, 1)
        finally:
            os._exit(0)
    os.read(ready_read, 1)

    def progress(message: str) -> None:
        messages.append(message)
        os.write(go_write, b"x")  # the holder finishes only once we are waiting

    build(site.paths("after"), Options(day=LATE, posters=False, progress=progress))
    os.waitpid(pid, 0)
    assert any("正在被另一个构建写入" in m for m in messages)
    assert tree(site.output) == site.clean["after", LATE]
    for fd in (ready_read, ready_write, go_read, go_write):
        os.close(fd)


def _cli(site: Site, day: date, version: str = "after") -> int:
    paths = site.paths(version)
    args = ["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    return main([*args, "--output", str(site.output), "--date", day.isoformat(), "--no-posters", "-q"])


def _disk_full_after(budget: int) -> Callable:
    """os.write that writes `budget` bytes in all, then fails as a full disk does (a partial write first)."""
    real = os.write
    left = [budget]

    def write(fd: int, data) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real(fd, bytes(data[: left[0]]))
        left[0] -= written
        return written

    return write


@pytest.mark.parametrize("budget", [0, 3000, 20000])
def test_a_full_disk_leaves_the_old_tree_and_no_temporary_files(site, monkeypatch, capsys, budget):
    site.reset(("after", EARLY))
    monkeypatch.setattr(os, "write", _disk_full_after(budget))
    assert _cli(site, LATE) == 1
    monkeypatch.undo()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{site.output}/") and "磁盘空间已满" in lines[0], lines
    assert ": 磁盘空间已满，无法写入。请清理磁盘空间后重新构建。" in lines[0] and "保持原样" in lines[0]
    assert tree(site.output) == site.clean["after", EARLY]  # no staging, no 0-byte file, nothing else
    assert _cli(site, LATE) == 0 and tree(site.output) == site.clean["after", LATE]


def test_a_full_disk_on_a_first_build_leaves_nothing(site, monkeypatch, capsys):
    site.reset(None)
    monkeypatch.setattr(os, "write", _disk_full_after(5000))
    assert _cli(site, EARLY) == 1
    monkeypatch.undo()
    assert "磁盘空间已满" in capsys.readouterr().err
    assert not site.output.exists()


def _refusing(function: Callable, code: int, after: int = 0) -> Callable:
    calls = [0]

    def refuse(*args, **kwargs):
        calls[0] += 1
        if calls[0] > after:
            raise OSError(code, os.strerror(code), os.fspath(args[-1] if function is os.replace else args[0]))
        return function(*args, **kwargs)

    return refuse


@pytest.mark.parametrize("code, words", [(errno.EROFS, "只读"), (errno.EACCES, "没有写入权限")])
def test_a_read_only_output_is_one_message_and_the_old_tree(site, monkeypatch, capsys, code, words):
    # We run as root, for whom chmod stops nothing: the file system's answer is simulated instead.
    site.reset(("after", EARLY))
    monkeypatch.setattr(os, "mkdir", _refusing(os.mkdir, code))
    assert _cli(site, LATE) == 1
    monkeypatch.undo()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{site.output}: ") and words in lines[0], lines
    assert tree(site.output) == site.clean["after", EARLY]
    site.reset(None)
    monkeypatch.setattr(os, "mkdir", _refusing(os.mkdir, code))
    assert _cli(site, LATE) == 1
    monkeypatch.undo()
    assert capsys.readouterr().err.startswith(f"{site.output}: ") and not site.output.exists()


def test_a_disk_that_fails_midway_through_phase_two_is_marked_then_repaired(site, monkeypatch, capsys):
    site.reset(("after", EARLY))
    monkeypatch.setattr(os, "replace", _refusing(os.replace, errno.EROFS, after=4))
    assert _cli(site, LATE) == 1
    monkeypatch.undo()
    message = capsys.readouterr().err
    assert "只读" in message and "未完成" in message and unfinished(site.output)
    assert _cli(site, EARLY) == 0 and tree(site.output) == site.clean["after", EARLY]


def _python_build(site: Site, day: date) -> subprocess.Popen:
    paths = site.paths("after")
    command = [sys.executable, str(REPO / "build.py"), "build", "--content", str(paths.content), "--config"]
    command += [str(paths.config), "--templates", str(paths.templates), "--output", str(site.output)]
    command += ["--date", day.isoformat(), "--no-posters", "-q"]
    return subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Python's own Ctrl-C in the child
    )


def _when(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 120) -> None:
    """Waits until `condition` holds or the process has ended (then the signal finds a finished build)."""
    deadline = time.monotonic() + timeout
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.0005)


@pytest.mark.parametrize(
    "old, sig, mark",
    [(None, signal.SIGINT, STAGING), (EARLY, signal.SIGKILL, UNFINISHED), (EARLY, signal.SIGINT, UNFINISHED)],
)
def test_real_signals_to_python_build_py(site, old, sig, mark):
    """A real `python build.py build`, signalled as soon as its write phase shows on disk."""
    site.reset(("after", old) if old else None)
    process = _python_build(site, LATE)
    try:
        _when(lambda: (site.output / mark).exists(), process)
        process.send_signal(sig)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode in (0, 130, -signal.SIGKILL), err.decode()
    assert b"Traceback" not in err
    if process.returncode == 130:
        assert "已中断" in err.decode()
    _state(site, ("after", old) if old else None, ("after", LATE))
    build(site.paths("after"), Options(day=LATE, posters=False))
    assert tree(site.output) == site.clean["after", LATE] and not unfinished(site.output)
