"""The 编辑台's speed on a 1,000-item corpus, over real HTTP against a real `serve` stack in this process.

    .venv/bin/python -m bench.desk

Figures: the validation round trip (the form's check: request, parse by the real parser, answer) and the time
from a save to the item's preview page serving the new text (the watcher, the quick redraw, the server)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from bench.corpus import REPO, write_corpus
from gongkai.cli import main
from gongkai.desk.app import Desk, open_desk
from gongkai.pipeline import Options, Paths
from gongkai.preview import Rebuilder
from gongkai.serving import Session, make_server
from gongkai.watcher import Watcher

DAY = date(2026, 11, 20)
ITEMS = 1000
CHECKS = 30
SAVES = 5


def _request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body or None, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def run(root: Path) -> None:
    paths = Paths(root / "content", root / "site_config.yaml", REPO / "templates", root / "output")
    write_corpus(paths.content, ITEMS, DAY)
    shutil.copy(REPO / "site_config.yaml", paths.config)
    common = ["--content", str(paths.content), "--config", str(paths.config), "--templates", str(paths.templates)]
    assert main(["register", *common]) == 0
    session = Session()
    rebuild = Rebuilder(paths, Options(day=DAY, posters=False), session)
    assert rebuild.once()
    desk = open_desk(paths, DAY, "127.0.0.1", None, "")
    assert isinstance(desk, Desk)
    server = make_server(paths.output, session, 0, desk)
    port = server.server_address[1]
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        relpath = "005/item-00500.md"
        status, page = _request(port, "GET", f"/desk/edit?path={relpath}")
        assert status == 200
        token = re.search(rb'name="desk-token" content="(\w+)"', page).group(1).decode()  # type: ignore[union-attr]
        setup = json.loads(re.search(rb'id="setup">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
        headers = {"Origin": f"http://127.0.0.1:{port}", "X-Desk-Token": token, "Content-Type": "application/json"}
        checks = []
        for n in range(CHECKS):
            values = {**setup["values"], "body": setup["values"]["body"] + f"\n改动 {n}\n"}
            started = time.perf_counter()
            status, answer = _request(
                port, "POST", "/desk/api/check", json.dumps({"path": relpath, "values": values}).encode(), headers
            )
            checks.append(time.perf_counter() - started)
            assert status == 200 and not json.loads(answer)["errors"], answer
        saves = []
        digest = setup["hash"]
        page_path = f"/public/items/{relpath[:-3]}.html"
        for n in range(SAVES):
            marker = f"保存测量标记{n}"
            values = {**setup["values"], "body": setup["values"]["body"] + f"\n{marker}\n"}
            started = time.perf_counter()
            body = json.dumps({"path": relpath, "hash": digest, "values": values}).encode()
            status, answer = _request(port, "POST", "/desk/api/save", body, headers)
            assert status == 200, answer
            digest = json.loads(answer)["hash"]
            deadline = started + 30
            while marker not in _request(port, "GET", page_path)[1].decode():
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the preview never showed the save of {relpath}")
                time.sleep(0.005)  # a benchmark polls; tests wait on events
            saves.append(time.perf_counter() - started)
            while rebuild._lock.locked():  # the full rebuild that follows: finished before the next save
                time.sleep(0.01)
            time.sleep(0.2)  # and the watcher quiet again
    finally:
        watcher.stop()
        session.close()
        server.shutdown()
        server.server_close()
    print(f"编辑台, {ITEMS} items:")
    print(
        f"  validation round trip (HTTP check)   median {statistics.median(checks) * 1000:.0f} ms, "
        f"worst {max(checks) * 1000:.0f} ms of {CHECKS}"
    )
    print(
        f"  save → preview page serves the edit  median {statistics.median(saves) * 1000:.0f} ms, "
        f"worst {max(saves) * 1000:.0f} ms of {SAVES} ({', '.join(f'{s * 1000:.0f}' for s in saves)})"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="gongkai-desk-bench-") as folder:
        run(Path(folder))
    sys.exit(0)
