"""The one reader: turns the content folder, the config file and the templates on disk into a Snapshot in memory."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gongkai.problems import Problem, Problems


@dataclass(frozen=True)
class Snapshot:
    """Every input byte a build depends on; everything after reading is a pure function of it."""

    content: Mapping[str, bytes]  # POSIX path inside content/ -> bytes, every regular file
    content_root: str  # how messages name the content folder, e.g. "content"
    config: bytes
    config_path: str
    templates: Mapping[str, str]  # template name -> source text
    templates_root: str = "templates"
    register: bytes | None = None  # the archive register (归档登记), None when there is none yet
    register_path: str = "register.yaml"

    def display(self, relpath: str) -> str:
        return f"{self.content_root}/{relpath}"

    @property
    def fingerprint(self) -> str:
        """A hash of every input byte: equal fingerprints, equal builds (for one date)."""
        digest = hashlib.sha256()
        parts = [*(("content", k, v) for k, v in sorted(self.content.items())), ("config", "", self.config)]
        parts += [("template", k, v.encode()) for k, v in sorted(self.templates.items())]
        parts.append(("register", "", self.register or b""))
        for kind, name, data in parts:
            digest.update(f"{kind}\0{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()


def read_snapshot(content_dir: Path, config_path: Path, templates_dir: Path, register_path: Path | None = None) -> Snapshot:
    problems: list[Problem] = []
    content = _read_tree(content_dir, problems)
    templates: dict[str, str] = {}
    for rel, data in _read_tree(templates_dir, problems).items():
        try:
            templates[rel] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem(f"{templates_dir}/{rel}", 1, "模板不是 UTF-8 编码，请用 UTF-8 另存。"))
    try:
        config = config_path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(config_path), 1, "找不到配置文件。请确认路径，或用 --config 指定。(config file not found)"))
        config = b""
    except OSError as error:
        problems.append(Problem(str(config_path), 1, f"无法读取配置文件：{error.strerror}"))
        config = b""
    register = None
    register_path = register_path or config_path.with_name("register.yaml")
    try:
        register = register_path.read_bytes()
    except FileNotFoundError:
        pass  # no register yet: numbers are assigned by `register`
    except OSError as error:
        problems.append(Problem(str(register_path), 1, _unreadable(error, "文件")))
    if problems:
        raise Problems(problems)
    return Snapshot(
        content=content,
        content_root=str(content_dir),
        config=config,
        config_path=str(config_path),
        templates=templates,
        templates_root=str(templates_dir),
        register=register,
        register_path=str(register_path),
    )


def reread(
    snapshot: Snapshot, changed: Iterable[Path], content_dir: Path, config_path: Path, templates_dir: Path
) -> Snapshot | None:
    """`snapshot` with only the files the watcher named read again (new, changed or deleted items, the config,
    the templates), and the register (one file, not watched); None when a whole read is needed: a folder was
    named, a path outside the inputs, or anything that `read_snapshot` would report as a problem."""
    content, root = dict(snapshot.content), content_dir.absolute()
    config, templates = snapshot.config, snapshot.templates
    for path in {p.absolute() for p in changed}:
        if path == config_path.absolute():
            try:
                config = config_path.read_bytes()
            except OSError:
                return None
        elif path.is_relative_to(templates_dir.absolute()):
            try:
                templates = {rel: data.decode("utf-8-sig") for rel, data in _whole_tree(templates_dir).items()}
            except (OSError, UnicodeDecodeError):
                return None
        elif path.is_relative_to(root) and path != root:
            rel = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in rel.split("/")):
                continue  # never read (see _read_tree)
            if rel in content or not os.path.lexists(path):
                content.pop(rel, None)
                if any(key.startswith(rel + "/") for key in content):
                    return None  # a folder went: whatever was in it
            if os.path.lexists(path):
                if not _plain_file(root, path) or _printable(rel) != rel:
                    return None
                try:
                    content[rel] = path.read_bytes()
                except OSError:
                    return None
        else:
            return None
    try:
        register = Path(snapshot.register_path).read_bytes()
    except FileNotFoundError:
        register = None
    except OSError:
        return None
    return replace(snapshot, content=content, config=config, templates=templates, register=register)


def _plain_file(root: Path, path: Path) -> bool:
    """A regular file that `_read_tree` would read as it is: no folder on its way a symlink, itself not a
    symlink (those `read_snapshot` checks and names)."""
    folder = path.parent
    while folder != root:
        if folder.is_symlink() or folder.name.startswith("."):
            return False
        folder = folder.parent
    try:
        return not path.is_symlink() and stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _whole_tree(root: Path) -> dict[str, bytes]:
    problems: list[Problem] = []
    files = _read_tree(root, problems)
    if problems:
        raise OSError("unreadable")
    return files


def _read_tree(root: Path, problems: list[Problem]) -> dict[str, bytes]:
    """Reads every regular file below root; symlinks may not point outside it (that would publish other files).
    Whatever cannot be read is a problem: a folder skipped in silence would silently unpublish its items."""
    if not root.is_dir():
        problems.append(Problem(str(root), 1, "找不到这个文件夹。请确认路径，或用命令行参数指定。(folder not found)"))
        return {}
    real_root = root.resolve()
    files: dict[str, bytes] = {}

    def unreadable(error: OSError) -> None:
        problems.append(Problem(str(error.filename), 1, _unreadable(error, "文件夹")))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        for name in [d for d in dirnames if not d.startswith(".") and os.path.islink(os.path.join(dirpath, d))]:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            problems.append(Problem(f"{root}/{rel}", 1, "这是指向文件夹的符号链接，其中的文件不会被读取。请把文件夹复制进来。"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(n for n in filenames if not n.startswith(".")):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            where = f"{root}/{_printable(rel)}"
            if _printable(rel) != rel:
                problems.append(
                    Problem(where, 1, "文件名或文件夹名不是 UTF-8 编码，网页无法引用。请重新命名（在本机上重新输入名字）。")
                )
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(real_root):
                problems.append(Problem(where, 1, "符号链接指向文件夹之外，不能发布。请把文件复制进来。"))
                continue
            try:
                if not stat.S_ISREG(path.stat().st_mode):  # a pipe or device would block the build or never end
                    problems.append(Problem(where, 1, "这不是普通文件（可能是管道或设备），不能发布。请删除它或换成普通文件。"))
                    continue
                files[rel] = path.read_bytes()
            except OSError as error:
                problems.append(Problem(where, 1, _unreadable(error, "文件")))
    return files


def _unreadable(error: OSError, what: str) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return f"路径太长，系统无法读取这个{what}。请缩短文件夹和文件的名字，或少套几层文件夹。"
    if error.errno == errno.EACCES:
        return f"没有权限读取这个{what}。请检查它的访问权限。"
    return f"无法读取这个{what}：{error.strerror}"


def _printable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (a name made on a GBK system) become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


POSTER_KEYS = ".cache/posters.json"


def read_poster_cache(output: Path) -> dict[str, tuple[str, bytes]]:
    """The previous build's posters with their keys: a board whose key is unchanged is not rendered again."""
    try:
        keys = json.loads((output / POSTER_KEYS).read_text("utf-8"))
        return {board: (key, (output / "posters" / f"{board}.pdf").read_bytes()) for board, key in keys.items()}
    except (OSError, ValueError, AttributeError):
        return {}  # no usable cache: render everything


def font_fingerprint() -> str:
    """Which font files fontconfig offers, with sizes and times: a changed or added font invalidates posters."""
    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    entries = []
    for name in sorted(set(listing.split("\n")) - {""}):
        try:
            stat = os.stat(name)
        except OSError:
            continue
        entries.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()
