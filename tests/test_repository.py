"""The repository holds only source: nothing vendored or generated is tracked, nor lies unignored in the working
tree, no tracked file is over 5 MB, and `make clean` removes ignored paths only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.scratch import REPO, default_sigint

LIMIT = 5 * 1024 * 1024
# Folders that only an installer or the interpreter makes: whatever lies inside one is not source.
MADE_FOLDERS = ("site-packages", "node_modules", "__pycache__")
# What an environment is called here: tracked as a link (a worktree sharing the main checkout's), checking one
# out deletes the real, ignored folder it replaces.
ENVIRONMENTS = (".venv", ".venv-bench", "node_modules")
GITLINK = "160000"  # a submodule's commit, not a file


def not_source(path: str) -> str | None:
    """Why a path (relative, with /) is not source, or None when it may be."""
    parts = path.split("/")
    for folder in MADE_FOLDERS:
        if folder in parts[:-1]:
            return f"inside {folder}/"
    if parts[-1] in ENVIRONMENTS:
        return "an environment's folder, or a link to one"
    if parts[-1] == "pyvenv.cfg" or parts[-2:] in (["bin", "activate"], ["Scripts", "activate"]):
        return "part of a virtualenv"
    if parts[-1].endswith((".pyc", ".pyo")):
        return "compiled Python"
    return None


def git(repo: Path, *args: str, stdin: bytes = b"") -> bytes:
    # The caller's GIT_DIR or GIT_INDEX_FILE (set inside git hooks) must not redirect these to another repository.
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    done = subprocess.run(
        ["git", *args], cwd=repo, input=stdin, capture_output=True, env=env, preexec_fn=default_sigint, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed in {repo}: {done.stderr.decode(errors='replace')}"
    return done.stdout


def tracked_sizes(repo: Path) -> dict[str, int]:
    """Every tracked path and its size in the index (what a commit would hold), read back with git cat-file."""
    entries = [line.split(b"\t", 1) for line in git(repo, "ls-files", "-z", "--stage").split(b"\0") if line]
    blobs = [(meta.split()[1].decode(), path.decode()) for meta, path in entries if meta.split()[0].decode() != GITLINK]
    sizes = git(repo, "cat-file", "--batch-check=%(objectsize)", stdin="".join(f"{h}\n" for h, _ in blobs).encode())
    return {path: int(size) for (_, path), size in zip(blobs, sizes.split(), strict=True)}


def loose_sizes(repo: Path) -> dict[str, int]:
    """Every untracked path that no ignore rule covers (what `git add .` would pick up), with its size on disk."""
    paths = [p.decode() for p in git(repo, "ls-files", "-z", "--others", "--exclude-standard").split(b"\0") if p]
    return {path: (repo / path).lstat().st_size for path in paths}


def offenders(repo: Path) -> list[str]:
    found = []
    for where, sizes in (("tracked", tracked_sizes(repo)), ("untracked and not ignored", loose_sizes(repo))):
        for path, size in sorted(sizes.items()):
            if reason := not_source(path):
                found.append(f"{path}: {where}, {reason}")
            elif size > LIMIT:
                found.append(f"{path}: {where}, {size / 1024 / 1024:.1f} MB (over 5 MB)")
    return found


def test_the_repository_holds_only_source():
    found = offenders(REPO)
    assert found == [], "untrack these (git rm -r --cached) and ignore them in .gitignore:\n" + "\n".join(found[:40])


def scratch_repository(root: Path) -> Path:
    git(root, "init", "-q", ".")
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    return root


def write(root: Path, path: str, data: bytes = b"x") -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(data)


def test_the_check_finds_each_kind_tracked_or_loose(tmp_path):
    repo = scratch_repository(tmp_path)
    tracked = ["venv/pyvenv.cfg", "env/bin/activate", "lib/site-packages/a.py", "web/node_modules/m.js", "pkg/x.pyc"]
    for path in [*tracked, "big.bin", "small.bin", "gongkai/ok.py"]:
        write(repo, path)
    write(repo, "big.bin", b"\0" * (LIMIT + 1))
    write(repo, "small.bin", b"\0" * LIMIT)
    write(repo, "gongkai/__pycache__/m.cpython-311.pyc")  # ignored by .gitignore: the working tree may hold it
    git(repo, "add", "-f", "--", *tracked, "big.bin", "small.bin", "gongkai/ok.py")
    for link in (".venv", "node_modules"):  # a worktree's links to the main checkout's environments
        (repo / link).symlink_to(tmp_path)
    git(repo, "add", "-f", "--", ".venv", "node_modules")
    write(repo, "tools/venv/pyvenv.cfg")  # loose: neither tracked nor ignored
    write(repo, "huge.iso", b"\0" * (LIMIT + 1))
    found = {line.split(": ", 1)[0]: line for line in offenders(repo)}
    expected = [*tracked, ".venv", "node_modules", "big.bin", "tools/venv/pyvenv.cfg", "huge.iso"]
    assert sorted(found) == sorted(expected)
    assert "a link to one" in found[".venv"]
    assert found["big.bin"].endswith("tracked, 5.0 MB (over 5 MB)")
    assert "untracked and not ignored" in found["huge.iso"] and "virtualenv" in found["tools/venv/pyvenv.cfg"]
    git(repo, "rm", "-r", "-q", "--cached", "venv")  # untracked but not ignored: still found, now as loose
    assert "venv/pyvenv.cfg: untracked and not ignored, part of a virtualenv" in offenders(repo)


def test_make_clean_removes_ignored_paths_only(tmp_path):
    repo = scratch_repository(tmp_path)
    shutil.copy(REPO / "Makefile", repo / "Makefile")
    made = [".venv/pyvenv.cfg", ".venv-bench/bin/python", "output/public/index.html", "node_modules/a/b.js",
            "gongkai/__pycache__/m.pyc", ".pytest_cache/v", ".ruff_cache/x", ".hypothesis/examples/e"]  # fmt: skip
    kept = ["gongkai/m.py", "notes.txt", "output/README.md"]  # the last: tracked although its folder is ignored
    for path in made + kept:
        write(repo, path)
    git(repo, "add", "-f", "--", "gongkai/m.py", "output/README.md", "Makefile", ".gitignore")
    done = subprocess.run(["make", "clean"], cwd=repo, capture_output=True, text=True, preexec_fn=default_sigint, check=False)
    assert done.returncode == 0, done.stderr
    assert [p for p in made if (repo / p).exists()] == []
    assert [p for p in kept if not (repo / p).exists()] == []


def ci_run(tmp_path: Path, output: str, status: int) -> subprocess.CompletedProcess[str]:
    """.ci/run with a stand-in `make` first on PATH that prints `output` and exits with `status`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    make = bin_dir / "make"
    make.write_text(f"#!/bin/sh\ncat <<'END'\n{output}\nEND\nexit {status}\n", "utf-8")
    make.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(
        [str(REPO / ".ci" / "run")], capture_output=True, text=True, env=env, preexec_fn=default_sigint, check=False
    )


def test_ci_fails_unless_tests_ran_and_passed_and_ends_with_the_summary(tmp_path):
    passed = ci_run(tmp_path, "tests/test_a.py ...\n========== 3 passed in 1.20s ==========", 0)
    assert passed.returncode == 0
    assert passed.stdout.splitlines()[-2:] == ["CI: ========== 3 passed in 1.20s ==========", "CI: exit 0"]
    failed = ci_run(tmp_path, "===== 1 failed, 2 passed in 3.00s =====\nmake: *** [Makefile:13: test] Error 1", 2)
    assert failed.returncode == 2 and "CI: ===== 1 failed, 2 passed in 3.00s =====" in failed.stdout
    nothing = ci_run(tmp_path, "============ no tests ran in 0.01s ============", 0)  # exit 5, had it been swallowed
    assert nothing.returncode == 1 and "pytest exit 5" in nothing.stdout
    silent = ci_run(tmp_path, "ruff: All checks passed!", 0)
    assert silent.returncode == 1 and "no summary line" in silent.stdout
