"""Scratch sites built from a dict, for edge cases: files are written to a temporary folder beside the real templates."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Any

import yaml

from gongkai.pipeline import Paths

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATE = "2026-11-20"

CONFIG: dict[str, Any] = {
    "site": {
        "name": "中共测试单位委员会",
        "title": "测试单位党务公开",
        "issuer": "中共测试单位委员会",
        "public_url": "https://example.cn/dw",
        "feedback": {"phone": "010-12345678", "mailbox": "一楼意见箱", "email": "dw@example.cn"},
    },
    "departments": [{"name": "办公室", "monthly_quota": 1}, {"name": "机关党委", "monthly_quota": 1}],
    "catalog": {
        "org": {"name": "组织设置", "group": "组织建设", "kind": "fixed", "every": "half-year", "department": "机关党委"},
        "dues": {"name": "党费收缴", "group": "组织建设", "kind": "periodic", "every": "quarter", "default_days": 15},
        "notice": {"name": "通知公告", "group": "其他", "kind": "adhoc", "default_days": 10, "department": "办公室"},
    },
}


def item(title: str = "测试事项", **keys: Any) -> str:
    """An item file (.md) with sensible defaults; pass body= for the Markdown."""
    body = keys.pop("body", "正文。")
    front = {"title": title, "category": "notice", "scope": "public", "valid_from": "2026-11-15", **keys}
    text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return f"---\n{text}---\n{body}\n"


def make_site(root: Path, files: dict[str, str | bytes], config: dict[str, Any] | str | None = None) -> Paths:
    """Writes content files (path inside content/ -> text or bytes) and a config; returns the site's paths."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    for relpath, data in files.items():
        path = content / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    config_text = config if isinstance(config, str) else yaml.safe_dump(config or CONFIG, allow_unicode=True, sort_keys=False)
    (root / "site_config.yaml").write_text(config_text, encoding="utf-8")
    templates = root / "templates"
    if not templates.exists():
        shutil.copytree(REPO / "templates", templates)
    return Paths(content=content, config=root / "site_config.yaml", templates=templates, output=root / "output")


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root, for byte-for-byte comparisons."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sample_paths(output: Path) -> Paths:
    return Paths(content=REPO / "content", config=REPO / "site_config.yaml", templates=REPO / "templates", output=output)


def default_sigint() -> None:
    """preexec_fn for the children a test starts: SIGINT back to its default. A test run started as a background
    job of a non-interactive shell ignores SIGINT, and children inherit that; then Ctrl-C would never reach them."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
