"""Turns the desk's requests into yes or no: passwords checked against scrypt hashes, same-origin and CSRF
checks for every change, upload names cleaned and types allowed, and every path kept inside content/."""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import re
import secrets
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from gongkai.problems import EXIT_OK, EXIT_USAGE

# scrypt with 16 MiB of memory per check: slow for a guesser, about 50 ms for the one who knows it.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
UPLOAD_LIMIT = 50 * 1024 * 1024
# SVG can carry scripts that would run on the public site: refused rather than cleaned.
UPLOAD_TYPES = {
    ".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
}  # fmt: skip
IMAGE_TYPES = (".jpg", ".jpeg", ".png")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    return stored_hash(salt, hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32))


def stored_hash(salt: bytes, digest: bytes) -> str:
    """The users file's form of a hash made with this module's scrypt parameters."""
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=2**26
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def user_line(name: str, password: str) -> str:
    """One line of the users file: `name:hash`."""
    return f"{name}:{hash_password(password)}"


def read_users(path: Path) -> dict[str, str]:
    """name -> hash. Raises ValueError with `path:line: message` lines for every bad line at once."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}:1: 无法读取用户文件（{error}）。请用 python build.py desk-user 生成每一行。") from None
    users, problems = {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, stored = line.strip().partition(":")
        if not name or not stored.startswith("scrypt$") or stored.count("$") != 5:
            problems.append(f"{path}:{number}: 这一行应是“姓名:scrypt$…”。请用 python build.py desk-user 姓名 生成。")
        elif name in users:
            problems.append(f"{path}:{number}: 用户“{name}”写了两次，请删去一行。")
        else:
            users[name] = stored
    if problems:
        raise ValueError("\n".join(problems))
    return users


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        name, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except ValueError:
        return None
    return (name, password) if sep else None


def csrf_token(secret: bytes, user: str) -> str:
    """The token a page of the desk carries; a page another site made cannot read it."""
    return hmac.new(secret, f"csrf:{user}".encode(), hashlib.sha256).hexdigest()


def refuse_cross_site(headers: Mapping[str, str], hosts: frozenset[str]) -> str | None:
    """Why a change must be refused (None: it comes from the desk's own page). `headers` keys are lowercase."""
    host = headers.get("host", "").lower()
    if host not in hosts:
        return f"地址“{host}”不是编辑台的地址。请用启动时显示的地址打开编辑台。"
    origin = headers.get("origin") or headers.get("referer") or ""
    if not origin or origin == "null" or urlsplit(origin).netloc.lower() != host:
        return "这个请求不是从编辑台本身的页面发出的，已拒绝。请在编辑台页面中操作。"
    return None


def clean_name(name: str) -> str:
    """A file name safe on every system, with its Chinese kept: no folders, no control or reserved characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]+', "", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[:80].strip(" .") or "附件"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def refuse_upload(name: str, data: bytes) -> str | None:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == ".svg":
        return "不接受 SVG 图片（其中可能带有脚本）。请另存为 PNG 或 JPG 再上传。"
    if suffix in (".doc", ".wps"):
        return "这是旧版 Word/WPS 格式。请在 Word 或 WPS 中“另存为”.docx 再上传。"
    if suffix not in UPLOAD_TYPES:
        return f"不接受“{suffix or '无扩展名'}”文件。可上传：{'、'.join(sorted(UPLOAD_TYPES))}。"
    if not data.startswith(UPLOAD_TYPES[suffix]):
        return f"文件内容不是真正的 {suffix} 文件（可能改过扩展名或已损坏）。请重新导出后上传。"
    if len(data) > UPLOAD_LIMIT:
        return f"文件超过 {UPLOAD_LIMIT // 1024 // 1024} MB，请压缩后再上传。"
    return None


def inside(root: Path, relpath: str) -> Path | None:
    """`root/relpath` when it stays inside root after resolving `..` and symbolic links; otherwise None."""
    if not relpath or relpath.startswith("/") or "\\" in relpath or "\x00" in relpath:
        return None
    base = root.resolve()
    target = (base / relpath).resolve()
    return target if target.is_relative_to(base) and target != base else None


def desk_user_command(name: str) -> int:
    """`desk-user`: asks for a password (twice at a terminal, once from a pipe) and prints the users-file line."""
    if ":" in name or not name.strip():
        print("命令用法错误：姓名不能为空，也不能含有英文冒号“:”。", file=sys.stderr)
        return EXIT_USAGE
    if sys.stdin.isatty():
        password = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一样，请重新运行。", file=sys.stderr)
            return EXIT_USAGE
    else:
        password = sys.stdin.readline().rstrip("\n")  # e.g. from a password manager through a pipe
    if len(password) < 8:
        print("密码太短：至少 8 个字符。", file=sys.stderr)
        return EXIT_USAGE
    print(user_line(name.strip(), password))
    return EXIT_OK
