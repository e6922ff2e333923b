"""Save → page on screen: Gongkai's `serve` against `hugo server`, side by side on one synthetic corpus.

    .venv/bin/python -m bench.serve_edits [--items 10000] [--rounds 3] [--json] [--search]

Writes the corpus of bench.corpus (N items, registered up to REGISTER_FITS) as Gongkai's content folder and the
same items as a Hugo site (bench.speed.hugo_site), starts `build.py serve --no-posters --no-search` (search
indexes with --search; Hugo makes none) and `hugo server` (its defaults: live reload, fast render) each on a
free port of 127.0.0.1, and times, for each kind of edit, the seconds from the file's save until the page
that shows it, fetched over one keep-alive connection in a tight loop, has the new state: the edited item's
page (its public page for Gongkai), or the category list page for a scope change or a new or deleted file.
Before every save both servers must be idle (under 30 ms of CPU in a second), so that neither tool's
background work lands in the other's figure; the tools alternate edit by edit, each round on other items.
Also: from starting each server until an item's page is served (Gongkai with an empty output folder), and
Gongkai's cold command-line build of the same corpus, the target for its start.

Bounded: `--rounds` rounds (3) of 7 edits per tool, each waiting at most `--timeout` s (120). Every child
runs in its own process group, killed on exit; the temporary folder is removed."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import CATEGORIES, REPO
from bench.speed import DAY, PYTHON, corpus_site, gongkai, hugo_binary, hugo_site, tree_cpu

KINDS = {  # kind: (what the editor did, target in ms per issue #13, or None)
    "body": ("body text, editor pauses between saves", 100),
    "resave": ("body saved again ~1 s after the last save", 300),
    "title": ("title", 300),
    "date": ("date (window start)", 300),
    "scope": ("scope public → internal (category list)", 300),
    "new": ("new item file (category list)", 300),
    "delete": ("that new file deleted (category list)", None),
}
# Gongkai reads no file over 2 MB, register.yaml included: 10,000 entries make 2.1 MB and fail every build, so
# larger corpora go unregistered (each item then draws a warning that it has no 索引号).
REGISTER_FITS = 9_000
Check = Callable[[int, str], bool]


@dataclass
class Side:
    """One tool under test: its files, its pages and its running server."""

    name: str
    content: Path
    command: Callable[[int], list[str]]
    cwd: Path
    item_file: Callable[[int], Path]
    item_page: Callable[[int], str]
    list_page: Callable[[str], str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    connection: http.client.HTTPConnection | None = None
    last_save: float = 0.0
    created: tuple[Path, str, str] | None = None  # the round's new file, its title and its list page
    stale: list[bool] = field(default_factory=list)  # after each scope edit: the item's page still served?

    def start(self) -> float:
        """Starts the server and returns the moment it was started (after preparing its command)."""
        self.port = free_port()
        command = self.command(self.port)
        with self.log.open("ab") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(
                command, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped whole, with any worker it forks
            )  # fmt: skip
        self.connection = None
        return started

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def get(self, path: str) -> tuple[int, str]:
        """One GET over the kept connection (reopened if the server closed it); status 0 when none answered."""
        for _ in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                return response.status, response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
        return 0, ""

    def wait_for(self, path: str, check: Check, timeout: float, pause: float = 0.0) -> float | None:
        """The moment `path` first passes `check`, or None after `timeout` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.process.returncode}); its log:\n{tail(self.log)}")
            status, text = self.get(path)
            if check(status, text):
                return time.perf_counter()
            if pause:
                time.sleep(pause)
        return None

    def settle(self, quiet: float = 1.0, budget: float = 0.03, timeout: float = 300.0) -> None:
        """Waits until the server has used less than `budget` CPU seconds over `quiet` seconds: its rebuilds,
        background work included, are done."""
        assert self.process is not None
        deadline = time.perf_counter() + timeout
        before = tree_cpu(self.process.pid)
        while time.perf_counter() < deadline:
            time.sleep(quiet)
            now = tree_cpu(self.process.pid)
            if now - before < budget:
                return
            before = now
        raise SystemExit(f"{self.name} still busy after {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group, SIGKILL if it has not ended 20 s later."""
    for number, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, number)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def tail(path: Path) -> str:
    return path.read_text("utf-8", "replace")[-3000:] if path.exists() else ""


def set_field(path: Path, key: str, value: str) -> None:
    """Sets one front-matter key (a line `key: value`), as an editor's save would: the file rewritten in place."""
    text = path.read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    lines = [line for line in front.splitlines() if not line.startswith(f"{key}:")]
    path.write_text("---\n" + "\n".join([*lines, f"{key}: {value}"]) + "\n---\n" + body, "utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")


def public_items(count: int) -> list[int]:
    """Items public in bench.corpus (see its scope rule), the ones whose public pages Gongkai shows."""
    return [n for n in range(count) if n % 3 and CATEGORIES[n % len(CATEGORIES)] != "discipline"]


def contains(marker: str) -> Check:
    return lambda status, text: status == 200 and marker in text


def lacks(marker: str) -> Check:
    return lambda status, text: status == 200 and marker not in text


def gone(status: int, _text: str) -> bool:
    return status == 404


def edit(side: Side, kind: str, n: int, rep: int, timeout: float) -> float | None:
    """Makes one edit of `kind` to item `n` (or the round's new file) and returns the seconds from the save until
    the page that shows it does (None: not within `timeout`)."""
    path, hugo = side.item_file(n), side.name == "hugo"
    category = CATEGORIES[n % len(CATEGORIES)]
    marker = f"修改{secrets.randbelow(10**9):09d}"
    page, list_page = side.item_page(n), side.list_page(category)
    title = f"第{n + 1}号公开事项："
    start_day = f"2026-11-0{rep % 9 + 1}"
    save: Callable[[], None]
    if kind in ("body", "resave"):
        target, check = page, contains(marker)
        save = lambda: append(path, f"{marker}。")  # noqa: E731
    elif kind == "title":
        target, check = page, contains(marker)
        save = lambda: set_field(path, "title", f"第{n + 1}号公开事项（{marker}）")  # noqa: E731
    elif kind == "date":
        target, check = page, contains(start_day)
        save = lambda: set_field(path, "date" if hugo else "valid_from", start_day)  # noqa: E731
    elif kind == "scope":
        # The public list no longer shows it. Hugo builds one site: its user takes a page off it by making it a
        # draft; Hugo never deletes a rendered page, so the item's own page stays served (see `stale`).
        target, check = list_page, lacks(title)
        save = lambda: set_field(path, "draft", "true") if hugo else set_field(path, "scope", "internal")  # noqa: E731
    elif kind == "new":  # in item n's category; the round's "delete" edit removes it again
        new_file = side.content / f"bench-new-{rep}.md" if hugo else side.content / "000" / f"bench-new-{rep}.md"
        side.created = (new_file, f"{marker}号新事项", list_page)
        target, check = list_page, contains(side.created[1])
        front = (
            f"title: {side.created[1]}\ndate: 2026-11-19\ncategories: [{category}]\n"
            if hugo
            else f"title: {side.created[1]}\ncategory: {category}\nscope: public\nvalid_from: 2026-11-19\n"
            "valid_until: 2026-12-09\n"
        )
        save = lambda: new_file.write_text(f"---\n{front}---\n新增事项的正文。\n", "utf-8")  # noqa: E731
    else:  # a published item cannot be deleted in Gongkai (it must be withdrawn): the file deleted is a new one
        assert side.created is not None, "the delete edit follows a new one"
        target, check = side.created[2], lacks(side.created[1])
        save = side.created[0].unlink
    status, text = side.get(target)
    if status != 200 or check(status, text):
        raise SystemExit(f"{side.name}: {target} answers {status} or already shows what the {kind} edit should bring")
    if kind == "body":  # the editor's pause between saves
        time.sleep(max(0.0, side.last_save + 3.0 - time.perf_counter()))
    if kind == "resave":
        append(path, "第一次保存。")
        time.sleep(1.0)
    saved = time.perf_counter()
    save()
    side.last_save = saved
    shown = side.wait_for(target, check, timeout)
    if kind == "scope":  # once all its work is done
        side.settle()
        side.stale.append(side.get(page)[0] == 200)
    return None if shown is None else shown - saved


def item_shown(side: Side, n: int) -> Check:
    title = f"第{n + 1}号公开事项"
    return lambda status, text: status == 200 and title in text


def sides(root: Path, site: Path, hugo: Path, search: bool) -> tuple[Side, Side]:
    output = root / "serve-output"

    aside = root / "old-output"
    aside.mkdir()

    def gongkai_command(port: int) -> list[str]:
        if output.exists():  # each start is a cold one; moved, not deleted: deleting is slow on this disk
            output.rename(aside / str(len(list(aside.iterdir()))))
        command = [PYTHON, str(REPO / "build.py"), "serve", "--content", str(site / "content"), "--output", str(output),
                   "--config", str(site / "site_config.yaml"), "--templates", str(REPO / "templates"),
                   "--no-posters", "--date", DAY, "--port", str(port)]  # fmt: skip
        return command if search else [*command, "--no-search"]

    def gongkai_path(n: int) -> str:
        return f"{n // 100:03d}/item-{n:05d}"

    ours = Side(
        "gongkai", site / "content", gongkai_command, root,
        lambda n: site / "content" / f"{gongkai_path(n)}.md",
        lambda n: f"/public/items/{gongkai_path(n)}.html",
        lambda category: f"/public/categories/{category}.html",
        root / "gongkai.log",
    )  # fmt: skip
    theirs = Side(
        "hugo", hugo / "content" / "items",
        lambda port: [hugo_binary(), "server", "--bind", "127.0.0.1", "--port", str(port), "--source", str(hugo)],
        hugo,
        lambda n: hugo / "content" / "items" / f"item-{n:05d}.md",
        lambda n: f"/items/item-{n:05d}/",
        lambda category: f"/categories/{category}/",
        root / "hugo.log",
    )  # fmt: skip
    return ours, theirs


def run(count: int, rounds: int, timeout: float, search: bool, root: Path) -> dict[str, object]:
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "gongkai")], check=True)
    site = corpus_site(root / "site", count, register=count <= REGISTER_FITS)
    hugo = hugo_site(site / "content", root)
    ours, theirs = sides(root, site, hugo, search)
    items = public_items(count)
    probe = items[len(items) // 2]
    starts: dict[str, list[float | None]] = {"gongkai": [], "hugo": [], "cold build": []}
    loads = [os.getloadavg()[0]]
    try:
        for rep in range(rounds):
            for side in (ours, theirs) if rep % 2 == 0 else (theirs, ours):
                side.stop()
                started = side.start()
                shown = side.wait_for(side.item_page(probe), item_shown(side, probe), 600, pause=0.01)
                starts[side.name].append(None if shown is None else shown - started)
                side.settle()
                if rep < rounds - 1:
                    side.stop()
            cold_output = root / f"cold-output-{rep}"  # kept until the end: deleting is slow on this disk
            os.sync()
            command = gongkai(site, cold_output) + ([] if search else ["--no-search"])
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            starts["cold build"].append(time.perf_counter() - started)
        loads.append(os.getloadavg()[0])
        edits: dict[str, dict[str, list[float | None]]] = {kind: {"gongkai": [], "hugo": []} for kind in KINDS}
        for rep in range(rounds):
            for k, kind in enumerate(KINDS):
                n = items[(rep * len(KINDS) + k) * 7 % len(items)]
                for side in (ours, theirs) if (rep + k) % 2 == 0 else (theirs, ours):
                    ours.settle()
                    theirs.settle()
                    edits[kind][side.name].append(edit(side, kind, n, rep, timeout))
            loads.append(os.getloadavg()[0])
    finally:
        ours.stop()
        theirs.stop()
    stale = {side.name: side.stale for side in (ours, theirs)}
    return {"items": count, "rounds": rounds, "search": search, "load_average": loads, "start": starts, "edits": edits,
            "item_page_served_after_scope_edit": stale}  # fmt: skip


def median_ms(values: list[float | None]) -> str:
    if not values:
        return "—"
    if any(v is None for v in values):
        done = sorted(v for v in values if v is not None)
        return f"{len(values) - len(done)} of {len(values)} not within the timeout" + (f"; others {', '.join(f'{v * 1000:.0f}' for v in done)} ms" if done else "")  # fmt: skip
    return f"{statistics.median(values) * 1000:,.0f} ms ({min(values) * 1000:,.0f}–{max(values) * 1000:,.0f})"  # type: ignore[arg-type, type-var]


def verdict(ours: list[float | None], theirs: list[float | None], target: float | None) -> str:
    if not ours or any(v is None for v in ours):
        return "no"
    mine = statistics.median(ours)  # type: ignore[arg-type]
    finished = [v for v in theirs if v is not None]
    faster = len(finished) < len(theirs) or mine < statistics.median(finished)
    return "yes" if faster and (target is None or mine * 1000 <= target) else "no"


def table(result: dict) -> str:
    lines = [
        f"serve vs hugo server, {result['items']:,} items, medians of {result['rounds']} (min–max); "
        f"load average {', '.join(f'{v:.1f}' for v in result['load_average'])}",
        "| edit → page shows it | Gongkai serve | hugo server | target | met? |",
        "|---|---|---|---|---|",
    ]
    for kind, (what, target) in KINDS.items():
        ours, theirs = result["edits"][kind]["gongkai"], result["edits"][kind]["hugo"]
        goal = f"≤ {target} ms and faster than Hugo" if target else "faster than Hugo"
        lines.append(f"| {what} | {median_ms(ours)} | {median_ms(theirs)} | {goal} | {verdict(ours, theirs, target)} |")
    starts = result["start"]
    cold = [v for v in starts["cold build"] if v is not None]
    met = bool(cold) and None not in starts["gongkai"] and statistics.median(starts["gongkai"]) <= statistics.median(cold)
    lines.append(
        f"| start until an item's page is served | {median_ms(starts['gongkai'])} | {median_ms(starts['hugo'])} | "
        f"≤ cold CLI build: {median_ms(starts['cold build'])} | {'yes' if met else 'no'} |"
    )
    for name, stale in result["item_page_served_after_scope_edit"].items():
        if any(stale):
            lines.append(f"After {sum(stale)} of {len(stale)} scope edits {name} still served the item's own page.")
    return "\n".join(lines)


def stop_once(*_: object) -> None:
    """SIGTERM: unwinds through `finally` (children stopped, folders removed), which a second one must not cut."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(143)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds an edit may take to show")
    parser.add_argument("--search", action="store_true", help="Gongkai also builds its search indexes (Hugo has none)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (seconds)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_once)  # so that `finally` stops the servers
    root = Path(tempfile.mkdtemp(prefix="gongkai-serve-edits-"))
    try:
        result = run(args.items, min(args.rounds, 10), args.timeout, args.search, root)
        print(json.dumps(result, indent=2) if args.json else table(result), flush=True)  # before the slow clean-up
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
