"""Deploying releases: local and over rsync/ssh, refusals, rollback, pruning, against a real nginx."""

from __future__ import annotations

import copy
import os
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from gongkai.cli import main
from tests.scratch import CONFIG, item, make_site

PASSWORD = "gongkai-测试".encode().hex()  # ASCII, as basic auth sends it


def site(tmp_path: Path, files: dict, remote: str | None = None, port: int = 8080) -> tuple:
    srv = tmp_path / "srv"
    config = copy.deepcopy(CONFIG)
    config["boards"] = {"hall": {"title": "大厅", "audience": "public"}}
    config["server"] = {
        "listen": f"127.0.0.1:{port}",
        "root": str(srv),
        "auth_file": str(tmp_path / "htpasswd"),
        "allow": ["127.0.0.1"],
    }
    config["deploy"] = {
        "members": {"source": "internal", "dest": str(srv / "internal"), "keep": 3},
        "web": {"source": "public", "dest": str(srv / "public"), "keep": 3},
        "lobby": {"source": "kiosk", "dest": str(srv / "kiosk")},
        "print": {"source": "posters", "dest": str(srv / "posters")},
    }
    if remote:
        config["deploy"]["far"] = {"source": "public", "dest": remote, "keep": 2}
    paths = make_site(tmp_path, files, config)
    return paths, srv


def at(day: str, clock: str = "10:00:00+08:00") -> Callable[[], datetime]:
    """deploy's clock, stopped on `day` (Beijing time unless told): tests never depend on the real date."""
    return lambda: datetime.fromisoformat(f"{day}T{clock}")


def cli(paths, *args: str, today: str = "2026-11-20") -> int:
    common = [
        "--content",
        str(paths.content),
        "--config",
        str(paths.config),
        "--templates",
        str(paths.templates),
        "--output",
        str(paths.output),
    ]
    return main([args[0], *common, *args[1:]], clock=at(today))


def build_and_deploy(paths, day: str, *targets: str) -> None:
    assert cli(paths, "build", "--date", day, "-q") == 0
    for target in targets:
        assert cli(paths, "deploy", target, today=day) == 0


def test_refuses_without_build_and_after_changes(tmp_path, capsys):
    paths, _srv = site(tmp_path, {"a.md": item("通知")})
    assert cli(paths, "deploy", "web") == 1
    assert "没有构建结果" in capsys.readouterr().err
    build_and_deploy(paths, "2026-11-20", "web")
    (paths.content / "b.md").write_text(item("新通知"), "utf-8")
    assert cli(paths, "deploy", "web") == 1
    assert "上次成功构建之后有改动" in capsys.readouterr().err
    (paths.content / "b.md").write_text("---\ntitle: [\n---\n", "utf-8")
    assert cli(paths, "build", "-q") == 1  # a failed build
    assert cli(paths, "deploy", "web") == 1
    assert cli(paths, "deploy", "nowhere") == 2
    assert "没有名为“nowhere”的发布目标" in capsys.readouterr().err


def test_releases_swap_prune_and_roll_back(tmp_path, capsys):
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_from="2026-11-01", valid_until="2026-12-31")})
    for day in ("2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"):
        build_and_deploy(paths, day, "web")
    releases = sorted(p.name for p in (srv / "public/releases").iterdir())
    assert len(releases) == 3  # keep: 3
    current = srv / "public/current"
    assert current.is_symlink() and os.readlink(current) == f"releases/{releases[-1]}"
    assert "内容更新于 2026-11-24" in (current / "index.html").read_text("utf-8")
    assert cli(paths, "deploy", "web", "--rollback") == 0
    assert "内容更新于 2026-11-23" in (current / "index.html").read_text("utf-8")
    assert "已回退" in capsys.readouterr().out
    assert cli(paths, "deploy", "web", "--rollback") == 0
    assert cli(paths, "deploy", "web", "--rollback") == 1  # nothing older is kept


def test_remote_deploy_over_rsync_and_ssh(tmp_path, monkeypatch):
    """The remote scheme with real rsync; `ssh` is a stand-in that runs the remote command on this machine."""
    fake_ssh = tmp_path / "fake-ssh"
    # Like ssh: options (rsync passes `-l user`), then the host, then the command to run there.
    fake_ssh.write_text(
        '#!/bin/sh\nwhile [ "$#" -gt 0 ]; do case "$1" in -l) shift 2;; -*) shift;; *) break;; esac; done\nshift\nexec sh -c "$*"\n',
        "utf-8",
    )
    fake_ssh.chmod(fake_ssh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("GONGKAI_SSH", str(fake_ssh))
    far = tmp_path / "far"
    paths, _ = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")}, remote=f"gongkai@intranet:{far}")
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        build_and_deploy(paths, day, "far")
    assert len(list((far / "releases").iterdir())) == 2
    assert "内容更新于 2026-11-22" in (far / "current/index.html").read_text("utf-8")
    assert cli(paths, "deploy", "far", "--rollback") == 0
    assert "内容更新于 2026-11-21" in (far / "current/index.html").read_text("utf-8")


def test_fingerprinted_assets_of_the_previous_release_are_carried_over(tmp_path):
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")})
    build_and_deploy(paths, "2026-11-20", "web")
    old_css = next((srv / "public/current/assets").iterdir()).name
    style = paths.templates / "style.css"
    style.write_text(style.read_text("utf-8") + "\nbody { letter-spacing: 0.01em; }\n", "utf-8")
    build_and_deploy(paths, "2026-11-20", "web")
    names = {p.name for p in (srv / "public/current/assets").iterdir()}
    assert old_css in names and len(names) == 2


# ---- against a real nginx --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path):
    """Debian's nginx on 127.0.0.1 with its own config, pid and temp paths, serving the generated server block."""
    port = free_port()
    paths, _srv = site(tmp_path, {
        "a.md": item("公开通知", valid_until="2026-12-31", body="公开正文"),
        "b.md": item("党内通报", scope="internal", valid_until="2026-12-31"),
    }, port=port)  # fmt: skip
    hashed = subprocess.run(["openssl", "passwd", "-6", PASSWORD], capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "htpasswd").write_text(f"editor:{hashed}\n", "utf-8")
    build_and_deploy(paths, "2026-11-20", "members", "web", "lobby", "print")
    prefix = tmp_path / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True)
    conf = prefix / "nginx.conf"
    temp = " ".join(f"{kind}_temp_path {prefix}/tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(
        f"user root; worker_processes 1; daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ include /etc/nginx/mime.types; default_type application/octet-stream; access_log off; {temp}\n"
        f"  include {paths.output}/server/nginx.conf; }}\n",
        "utf-8",
    )
    process = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/public/", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    yield base, paths
    process.terminate()
    process.wait(timeout=10)


def get(url: str, user: str | None = None, password: str | None = None):
    request = urllib.request.Request(url)
    if user:
        request.add_header("Authorization", "Basic " + b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_nginx_access_control_headers_and_types(nginx):
    base, paths = nginx
    assert get(base + "/internal/")[0] == 401
    assert get(base + "/internal/", "editor", "wrong")[0] == 401
    status, headers, body = get(base + "/internal/", "editor", PASSWORD)
    assert status == 200 and "党内通报" in body.decode()
    assert headers["X-Robots-Tag"] == "noindex, nofollow"
    status, headers, body = get(base + "/public/")
    assert status == 200 and "公开通知" in body.decode() and "党内通报" not in body.decode()
    assert headers["Content-Type"] == "text/html; charset=utf-8" and headers["Cache-Control"] == "no-cache"
    assert get(base + "/kiosk/")[0] == 200
    status, headers, _ = get(base + "/kiosk/version.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json") and headers["Cache-Control"] == "no-cache"
    css = next((paths.output / "public/assets").iterdir()).name
    status, headers, _ = get(f"{base}/public/assets/{css}")
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert get(base + "/posters/hall.pdf")[0] == 401
    status, headers, body = get(base + "/posters/hall.pdf", "editor", PASSWORD)
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert get(base + "/public/../internal/index.html")[0] == 401  # nginx normalises the path: still protected


def test_deploy_under_load_never_errors_or_mixes(nginx):
    base, paths = nginx
    markers = ("内容更新于 2026-11-20", "内容更新于 2026-11-21")
    failures, seen = [], set()
    stop = threading.Event()

    def load() -> None:  # until the deploys are done; bounded all the same: 50,000 requests or 120 seconds
        deadline = time.monotonic() + 120
        for _ in range(50_000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            status, _, body = get(base + "/public/index.html")
            text = body.decode("utf-8", "replace")
            found = [m for m in markers if m in text]
            if status != 200 or len(found) != 1:
                failures.append((status, found))
            else:
                seen.add(found[0])

    worker = threading.Thread(target=load)
    worker.start()
    for n in range(6):
        build_and_deploy(paths, ("2026-11-21", "2026-11-20")[n % 2], "web")
    stop.set()
    worker.join()
    assert failures == []
    assert seen == set(markers)
    assert cli(paths, "deploy", "web", "--rollback") == 0
    assert markers[1] in get(base + "/public/index.html")[2].decode()


def test_internal_is_closed_when_no_access_is_configured(tmp_path):
    config = copy.deepcopy(CONFIG)
    paths = make_site(tmp_path, {"a.md": item("通知")}, config)
    assert main(["build", "--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates),
                 "--output", str(paths.output), "--date", "2026-11-20", "-q", "--no-posters"]) == 0  # fmt: skip
    conf = (paths.output / "server/nginx.conf").read_text("utf-8")
    internal = conf[conf.index("location /internal/") :]
    assert "deny all;" in internal[: internal.index("}")]
