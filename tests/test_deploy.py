"""Deploying releases: local and over rsync/ssh, refusals, rollback, pruning, against a real nginx."""

from __future__ import annotations

import copy
import os
import signal
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
import yaml

from gongkai.cli import main
from gongkai.parsing.config import parse_config
from gongkai.problems import Problems
from gongkai.releases import HISTORY, live_history
from gongkai.writing import UNFINISHED
from tests.scratch import CONFIG, item, make_site

PASSWORD = "gongkai-测试".encode().hex()  # ASCII, as basic auth sends it


def site(tmp_path: Path, files: dict, remote: str | None = None, port: int = 8080, kiosk: str = "public", **deploy) -> tuple:
    """A scratch site deploying each source to srv/SOURCE; `deploy` adds targets (key -> {source, dest})."""
    srv = tmp_path / "srv"
    config = copy.deepcopy(CONFIG)
    config["kiosk"] = {"audience": kiosk}
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
    config["deploy"].update(deploy)
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


def test_refuses_a_build_for_another_day_than_today_in_the_sites_time_zone(tmp_path, capsys):
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_from="2026-11-01", valid_until="2026-12-31")})
    assert cli(paths, "build", "--date", "2026-11-21", "-q") == 0
    assert cli(paths, "deploy", "web", today="2026-11-20") == 1  # a future build: items not yet begun
    assert "晚于今天（2026-11-20）" in capsys.readouterr().err
    assert cli(paths, "deploy", "web", "--allow-past-date", today="2026-11-20") == 1  # never a future one
    assert cli(paths, "deploy", "web", today="2026-11-22") == 1
    assert "--allow-past-date" in capsys.readouterr().err
    assert not (srv / "public").exists()
    assert cli(paths, "deploy", "web", "--allow-past-date", today="2026-11-22") == 0
    assert "内容更新于 2026-11-21" in (srv / "public/current/index.html").read_text("utf-8")
    # Today is the site's day (Asia/Shanghai): 15:00 UTC on the 20th is 23:00 there, still the 20th; 17:00 UTC
    # is 01:00 on the 21st.
    args = ["deploy", "web", "--config", str(paths.config), "--content", str(paths.content),
            "--templates", str(paths.templates), "--output", str(paths.output)]  # fmt: skip
    assert main(args, clock=at("2026-11-20", "15:00:00+00:00")) == 1
    assert main(args, clock=at("2026-11-20", "17:00:00+00:00")) == 0


def test_refuses_an_unfinished_build(tmp_path, capsys):
    paths, srv = site(tmp_path, {"a.md": item("通知")})
    assert cli(paths, "build", "--date", "2026-11-20", "-q") == 0
    (paths.output / UNFINISHED).write_text("", "utf-8")  # what an interrupted write leaves behind
    assert cli(paths, "deploy", "web") == 1
    assert "上次构建没有完成" in capsys.readouterr().err
    assert not (srv / "public").exists()


def test_rollback_follows_what_was_live(tmp_path, capsys):
    """deploy R1, R2, rollback, deploy R3, rollback: back to R1, never to R2, which was rolled back."""
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_from="2026-11-01", valid_until="2026-12-31")})
    current = srv / "public/current/index.html"

    def live() -> str:
        return current.read_text("utf-8").split("内容更新于 ", 1)[1][:10]

    build_and_deploy(paths, "2026-11-20", "web")  # R1
    build_and_deploy(paths, "2026-11-21", "web")  # R2
    assert cli(paths, "deploy", "web", "--rollback") == 0 and live() == "2026-11-20"
    build_and_deploy(paths, "2026-11-22", "web")  # R3
    assert cli(paths, "deploy", "web", "--rollback") == 0 and live() == "2026-11-20"
    assert cli(paths, "deploy", "web", "--rollback") == 1  # R1 was the first live release
    assert "没有更早的" in capsys.readouterr().err
    # Rolling back twice goes further back along what was live: R4, R5, R6 -> R5 -> R4.
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        build_and_deploy(paths, day, "web")
    assert cli(paths, "deploy", "web", "--rollback") == 0 and live() == "2026-11-24"
    assert cli(paths, "deploy", "web", "--rollback") == 0 and live() == "2026-11-23"
    history = (srv / "public" / HISTORY).read_text("utf-8").split()
    assert history[-1] == os.readlink(srv / "public/current").rsplit("/", 1)[-1]
    assert set(history) <= {p.name for p in (srv / "public/releases").iterdir()}
    assert not list((srv / "public").glob(".*"))  # no temporary history or link left behind


def test_live_history_is_made_true_to_the_disk():
    """A deploy or rollback stopped between the symlink swap and the history's rename leaves `current` as the
    truth; releases removed since drop out; without a history, name order up to `current`."""
    assert live_history(["a", "b"], ["a", "b", "c"], "c") == ["a", "b", "c"]  # deploy swapped, history not written
    assert live_history(["a", "b", "c"], ["a", "b", "c"], "b") == ["a", "b"]  # rollback swapped, history not written
    assert live_history(["a", "x", "b"], ["a", "b"], "b") == ["a", "b"]  # x removed by hand
    assert live_history(None, ["c", "a", "b", ".d.partial"], "b") == ["a", "b"]
    assert live_history(None, [], None) == []


def test_rollback_without_a_history_uses_release_order(tmp_path):
    """Releases made before the history existed: rollback goes to the release before `current` by name."""
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_from="2026-11-01", valid_until="2026-12-31")})
    for day in ("2026-11-20", "2026-11-21"):
        build_and_deploy(paths, day, "web")
    (srv / "public" / HISTORY).unlink()
    assert cli(paths, "deploy", "web", "--rollback") == 0
    assert "内容更新于 2026-11-20" in (srv / "public/current/index.html").read_text("utf-8")


def fake_ssh(tmp_path: Path, monkeypatch) -> None:
    """`ssh` stand-in that runs the remote command on this machine."""
    script = tmp_path / "fake-ssh"
    # Like ssh: options (rsync passes `-l user`), then the host, then the command to run there.
    script.write_text(
        '#!/bin/sh\nwhile [ "$#" -gt 0 ]; do case "$1" in -l) shift 2;; -*) shift;; *) break;; esac; done\nshift\nexec sh -c "$*"\n',
        "utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("GONGKAI_SSH", str(script))


def test_remote_deploy_over_rsync_and_ssh(tmp_path, monkeypatch):
    """The remote scheme with real rsync, and its history: R1, R2, rollback, R3, rollback returns to R1."""
    fake_ssh(tmp_path, monkeypatch)
    far = tmp_path / "far"
    paths, _ = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")}, remote=f"gongkai@intranet:{far}")
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        build_and_deploy(paths, day, "far")
    assert len(list((far / "releases").iterdir())) == 2
    assert "内容更新于 2026-11-22" in (far / "current/index.html").read_text("utf-8")
    assert cli(paths, "deploy", "far", "--rollback") == 0
    assert "内容更新于 2026-11-21" in (far / "current/index.html").read_text("utf-8")
    build_and_deploy(paths, "2026-11-23", "far")
    assert cli(paths, "deploy", "far", "--rollback") == 0
    assert "内容更新于 2026-11-21" in (far / "current/index.html").read_text("utf-8")  # not the 22nd, rolled back
    assert cli(paths, "deploy", "far", "--rollback") == 1
    assert (far / HISTORY).read_text("utf-8").split() == [os.readlink(far / "current").rsplit("/", 1)[-1]]


def test_fingerprinted_assets_of_the_previous_release_are_carried_over(tmp_path):
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")})
    build_and_deploy(paths, "2026-11-20", "web")
    (old_css,) = (srv / "public/current/assets").glob("style.*.css")
    style = paths.templates / "style.css"
    style.write_text(style.read_text("utf-8") + "\nbody { letter-spacing: 0.01em; }\n", "utf-8")
    build_and_deploy(paths, "2026-11-20", "web")
    names = {p.name for p in (srv / "public/current/assets").glob("style.*.css")}
    assert old_css.name in names and len(names) == 2


# ---- against a real nginx --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, request):
    """Debian's nginx on 127.0.0.1 with its own config, pid and temp paths, serving the generated server block.
    Parametrise it indirectly with the kiosk's audience (default public). Yields (base URL, paths, what
    `nginx -t` said)."""
    port = free_port()
    paths, _srv = site(tmp_path, {
        "a.md": item("公开通知", valid_until="2026-12-31", body="公开正文"),
        "b.md": item("党内通报", scope="internal", valid_until="2026-12-31", doc_number="测党〔2026〕7号"),
    }, port=port, kiosk=getattr(request, "param", "public"))  # fmt: skip
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
    test = subprocess.run(["nginx", "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(conf)],
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/public/", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    yield base, paths, test.stderr
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
    base, paths, _ = nginx
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
    base, paths, _ = nginx
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


def test_nginx_accepts_the_generated_config_without_warnings(nginx):
    _, _, said = nginx
    assert "test is successful" in said
    assert "[warn]" not in said and "[emerg]" not in said  # e.g. a duplicate MIME type in charset_types


@pytest.mark.parametrize("nginx", ["internal"], indirect=True)
def test_an_internal_kiosk_is_guarded_like_the_internal_site(nginx):
    """kiosk: {audience: internal} puts internal titles, texts and 文号 into kiosk/: nginx must not serve it openly."""
    base, _, _ = nginx
    for path in ("/kiosk/slides.json", "/kiosk/", "/kiosk/index.html", "/public/../kiosk/slides.json"):
        status, _, body = get(base + path)
        assert status == 401 and "党内通报" not in body.decode("utf-8", "replace"), path
    status, headers, body = get(base + "/kiosk/slides.json", "editor", PASSWORD)
    assert status == 200 and "党内通报" in body.decode() and "测党〔2026〕7号" in body.decode()
    assert headers["X-Robots-Tag"] == "noindex, nofollow"
    assert get(base + "/public/")[0] == 200  # the public site stays open


def test_a_public_kiosk_is_open(nginx):
    base, _, _ = nginx
    status, _, body = get(base + "/kiosk/slides.json")
    assert status == 200 and "公开通知" in body.decode() and "党内通报" not in body.decode()


# ---- values that reach nginx.conf and command lines --------------------------------------------------------

INJECTION = "/x; } location /leak/ { alias /etc/; autoindex on; } #"


@pytest.mark.parametrize(
    ("section", "line", "expected"),
    [
        ({"server": {"auth_file": INJECTION}}, "auth_file:", "server 的“auth_file”"),
        ({"server": {"root": "/srv/$host"}}, "root:", "server 的“root”"),
        ({"server": {"root": "/srv/../etc"}}, "root:", "“..”"),
        ({"server": {"server_name": "a.example; include /etc/passwd"}}, "server_name:", "“a.example;”“/etc/passwd”"),
        ({"server": {"listen": "80 default_server; location"}}, "listen:", "listen"),
        ({"server": {"listen": "70000"}}, "listen:", "1–65535"),
        ({"server": {"listen": "999.1.1.1:80"}}, "listen:", "listen"),
        ({"server": {"allow": ["10.0.0.0/8", "fe80::1%x;deny"]}}, "- fe80", "IP 地址"),
        ({"deploy": {"t": {"source": "public", "dest": "/srv/a b"}}}, "dest:", "dest"),
        ({"deploy": {"t": {"source": "public", "dest": "/srv/a'b"}}}, "dest:", "dest"),
        ({"deploy": {"t": {"source": "public", "dest": "-oProxyCommand=x:/srv"}}}, "dest:", "不能以 -"),
        ({"deploy": {"t": {"source": "public", "dest": "web@host:/srv/a;reboot"}}}, "dest:", "dest"),
        ({"site": {"name": "中共测试单位委员会\n} location /leak/ {"}}, "name:", "换行"),
    ],
)
def test_config_values_are_checked_for_where_nginx_and_the_shell_read_them(section, line, expected):
    """Each value is refused at parse time, with the file and its line (the first line starting with `line`)."""
    config = copy.deepcopy(CONFIG)
    for key, settings in section.items():
        config[key] = {**config.get(key, {}), **settings}
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=1000)
    with pytest.raises(Problems) as failure:
        parse_config(text.encode("utf-8"), "site_config.yaml")
    [problem] = failure.value.problems
    first = next(n for n, text_line in enumerate(text.splitlines(), 1) if text_line.strip().startswith(line))
    assert (problem.path, problem.line) == ("site_config.yaml", first)
    assert expected in problem.message


def test_safe_config_values_pass_as_written():
    server = {"server_name": "dangwu.example.cn  www.example.cn", "listen": "[::1]:8080", "allow": ["10.0.0.0/8", "::1"]}
    deploy = {"t": {"source": "public", "dest": "web@host-1:/srv/党务/公开"}, "u": {"source": "kiosk", "dest": "/srv/k"}}
    config = {**copy.deepcopy(CONFIG), "server": server, "deploy": deploy}
    parsed = parse_config(yaml.safe_dump(config, allow_unicode=True).encode("utf-8"), "site_config.yaml")
    assert parsed.server.server_name == "dangwu.example.cn www.example.cn" and parsed.server.listen == "[::1]:8080"
    assert parsed.server.allow == ("10.0.0.0/8", "::1/128") and [t.remote for t in parsed.deploy] == [True, False]


def test_an_injected_auth_file_stops_the_build_and_reaches_no_file(tmp_path, capsys):
    paths, _ = site(tmp_path, {"a.md": item("通知")})
    assert cli(paths, "build", "--date", "2026-11-20", "-q", "--no-posters") == 0
    before = (paths.output / "server/nginx.conf").read_bytes()
    config = yaml.safe_load(paths.config.read_text("utf-8"))
    config["server"]["auth_file"] = INJECTION
    paths.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    assert cli(paths, "build", "--date", "2026-11-20", "-q", "--no-posters") == 1
    err = capsys.readouterr().err
    assert f"{paths.config}:" in err and "auth_file" in err and "Traceback" not in err
    assert (paths.output / "server/nginx.conf").read_bytes() == before


# ---- what only members may read goes only where nginx guards it --------------------------------------------


def test_internal_audience_sources_go_only_where_the_generated_config_guards_them(tmp_path, monkeypatch, capsys):
    fake_ssh(tmp_path, monkeypatch)
    srv = tmp_path / "srv"
    extra = {
        "screen": {"source": "kiosk", "dest": str(tmp_path / "elsewhere")},  # a second kiosk folder, not in nginx.conf
        "far-print": {"source": "posters", "dest": f"gongkai@intranet:{tmp_path}/far"},
        # The internal site's guarded root, but inside the folder the public site is served from.
        "members": {"source": "internal", "dest": str(srv / "public/current/members")},
    }
    files = {"a.md": item("通知", valid_until="2026-12-31"), "b.md": item("党内通报", scope="internal", valid_until="2026-12-31")}
    paths, _ = site(tmp_path, files, kiosk="internal", **extra)
    assert cli(paths, "build", "--date", "2026-11-20", "-q") == 0
    assert cli(paths, "deploy", "screen") == 1
    assert "只供党内查看" in capsys.readouterr().err and not (tmp_path / "elsewhere").exists()
    assert cli(paths, "deploy", "far-print") == 1
    assert "只供党内查看" in capsys.readouterr().err and not (tmp_path / "far").exists()
    assert cli(paths, "deploy", "members") == 1
    assert "位于公开发布的文件夹" in capsys.readouterr().err
    assert cli(paths, "deploy", "lobby") == 0 and cli(paths, "deploy", "web") == 0  # the guarded root; the public site
    # A public kiosk may go anywhere.
    paths, _ = site(tmp_path / "open", {"a.md": item("通知")}, screen={"source": "kiosk", "dest": str(tmp_path / "elsewhere")})
    assert cli(paths, "build", "--date", "2026-11-20", "-q", "--no-posters") == 0
    assert cli(paths, "deploy", "screen") == 0


def test_a_remote_target_at_the_guarded_root_is_accepted(tmp_path, monkeypatch):
    """Without a local posters target, nginx.conf serves posters from server.root/posters behind the guard: a
    remote target there (the config installed on that machine) is where they may go."""
    fake_ssh(tmp_path, monkeypatch)
    srv = tmp_path / "srv"
    paths, _ = site(tmp_path, {"a.md": item("通知")})
    config = yaml.safe_load(paths.config.read_text("utf-8"))
    del config["deploy"]["print"]
    config["deploy"]["far-print"] = {"source": "posters", "dest": f"gongkai@intranet:{srv}/posters/"}
    paths.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    build_and_deploy(paths, "2026-11-20", "far-print")
    assert (srv / "posters/current/hall.pdf").is_file()
    assert f"alias {srv}/posters/current/;" in (paths.output / "server/nginx.conf").read_text("utf-8")


# ---- deploy and build take turns ------------------------------------------------------------------------------


def test_deploy_waits_for_a_running_build_and_says_so(tmp_path, monkeypatch):
    """While a build holds output/ (its flock), deploy checks and copies nothing; it says it waits, as a build does."""
    from gongkai import deploy as deploy_module
    from gongkai.locking import acquire, release

    paths, srv = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")})
    assert cli(paths, "build", "--date", "2026-11-20", "-q") == 0
    told = threading.Event()
    said: list[str] = []
    monkeypatch.setattr(deploy_module, "_progress", lambda message: (said.append(message), told.set()))
    held = acquire(paths.output.absolute())
    codes: list[int] = []
    deploying = threading.Thread(target=lambda: codes.append(cli(paths, "deploy", "web")))
    try:
        deploying.start()
        assert told.wait(timeout=120)
        assert said == [f"{paths.output}/ 正在被另一个构建写入，等它完成后继续…"]
        assert deploying.is_alive() and not (srv / "public").exists()  # nothing checked or copied while the build runs
    finally:
        release(held)
        deploying.join(timeout=120)
    assert codes == [0] and (srv / "public/current/index.html").is_file()


def test_rollback_never_puts_a_members_only_release_live_at_an_open_address(tmp_path, monkeypatch, capsys):
    """Kiosk internal (R1, behind the guard), then public (R2, open): rolling back to R1 would serve internal
    slides openly, locally or remotely; it is refused and nothing moves. Back to internal, R1 may return."""
    fake_ssh(tmp_path, monkeypatch)
    files = {"a.md": item("通知", valid_until="2026-12-31"), "b.md": item("党内通报", scope="internal", valid_until="2026-12-31")}
    paths, srv = site(tmp_path, files, kiosk="internal")
    config = yaml.safe_load(paths.config.read_text("utf-8"))
    del config["deploy"]["lobby"]  # the kiosk's guarded root is then server.root/kiosk: this remote target's folder
    config["deploy"]["far-lobby"] = {"source": "kiosk", "dest": f"gongkai@intranet:{srv}/kiosk"}

    def set_audience(audience: str) -> None:
        config["kiosk"] = {"audience": audience}
        paths.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")

    set_audience("internal")
    build_and_deploy(paths, "2026-11-20", "far-lobby")
    first = os.readlink(srv / "kiosk/current")
    set_audience("public")
    build_and_deploy(paths, "2026-11-21", "far-lobby")
    second = os.readlink(srv / "kiosk/current")
    capsys.readouterr()
    assert cli(paths, "deploy", "far-lobby", "--rollback", today="2026-11-21") == 1
    err = capsys.readouterr().err
    assert "无法发布：要回退到的版本" in err and "只供党内查看" in err and "python build.py deploy far-lobby" in err
    assert os.readlink(srv / "kiosk/current") == second
    set_audience("internal")  # guarded again: the members-only release may come back behind the guard
    assert cli(paths, "deploy", "far-lobby", "--rollback", today="2026-11-21") == 0
    assert os.readlink(srv / "kiosk/current") == first


def test_rollback_locally_checks_exposure_like_a_deploy(tmp_path, capsys):
    paths, srv = site(tmp_path, {"a.md": item("通知", valid_until="2026-12-31")}, kiosk="internal")
    config = yaml.safe_load(paths.config.read_text("utf-8"))
    build_and_deploy(paths, "2026-11-20", "lobby")
    config["kiosk"] = {"audience": "public"}
    paths.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    build_and_deploy(paths, "2026-11-21", "lobby")
    second = os.readlink(srv / "kiosk/current")
    assert cli(paths, "deploy", "lobby", "--rollback", today="2026-11-21") == 1
    assert "只供党内查看" in capsys.readouterr().err and os.readlink(srv / "kiosk/current") == second
    assert (srv / "kiosk/open").read_text("utf-8").split() == [second.rsplit("/", 1)[-1]]
    # An open release made after it may come back while the kiosk stays public.
    build_and_deploy(paths, "2026-11-22", "lobby")
    assert cli(paths, "deploy", "lobby", "--rollback", today="2026-11-22") == 0
    assert os.readlink(srv / "kiosk/current") == second
