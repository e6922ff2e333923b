"""Turns `serve` into three small pieces working together: build, watch (watcher.py) and serve (serving.py)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from gongkai.desk.app import Desk
from gongkai.incremental import CACHE
from gongkai.pipeline import BUILD_RECORD, Kept, Options, Paths, Superseded, build_kept
from gongkai.problems import Problems
from gongkai.reading import Snapshot, reread
from gongkai.retouch import retouch
from gongkai.serving import Session, make_server
from gongkai.watcher import Watcher
from gongkai.writing import MANIFEST, OutputRefused, WriteFailed, unfinished, update_files


class Rebuilder:
    """One build at a time; a change during a build asks for one more build after it. Keeps the last good
    build in memory: an edit to an item's text is on screen before the full rebuild (retouch.py) has begun."""

    def __init__(self, paths: Paths, options: Options, session: Session) -> None:
        self.paths, self.options, self.session = paths, options, session
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._pending: set[Path] = set()
        self._pending_lock = threading.Lock()
        self._last: Kept | None = None  # the last good build
        self._snapshot: Snapshot | None = None  # the inputs as last read, kept up to date path by path
        self._manifest: tuple[int, int] | None = None  # the manifest's identity after our last write
        self._finished = False  # serve is stopping

    def __call__(self, changed: frozenset[Path] = frozenset()) -> None:
        with self._pending_lock:
            self._pending |= changed
        self._again.set()
        if not self._lock.acquire(blocking=False):
            return  # the running build will see the flag and go again
        try:
            while self._again.is_set() and not self._finished:
                self._again.clear()
                with self._pending_lock:
                    pending, self._pending = frozenset(self._pending), set()
                self.once(pending)
        finally:
            self._lock.release()

    def once(self, changed: frozenset[Path] = frozenset()) -> bool:
        # A tree an interrupted write left mixed is not shown while this build repairs it; a whole one is, as
        # this build updates it file by file.
        whole = not unfinished(self.paths.output)
        with self.session.changed:
            self.session.writing = whole
        try:
            return self._once(changed, whole)
        finally:
            with self.session.changed:
                self.session.writing = False

    def _once(self, changed: frozenset[Path], whole: bool) -> bool:
        started = time.monotonic()
        if changed and whole and self._last is not None and self._ours():
            self._retouch(changed, started)
        last = self._last if self._ours() else None  # another process wrote the output: its memory, not ours
        snapshot = self._reread(changed) if last is not None else None
        self._snapshot = None  # until this build has read (or failed to read) the inputs
        # A save during either pass stops it at its next stage (nothing more written) and the loop starts anew.
        whole = replace(self.options, superseded=self._again.is_set)
        try:
            memory = last.memory if last else None
            kept = build_kept(
                self.paths, replace(whole, slow_later=True), memory, always=last is None, snapshot=snapshot, hold=True
            )
            if kept is not None and kept.later:  # the pages first, on screen now; then the boards and lists they changed
                self._announce(kept, started)
                self._snapshot = kept.snapshot
                kept = build_kept(self.paths, whole, kept.memory, always=True, snapshot=kept.snapshot, hold=True)
        except Superseded:
            # What this build read stays known, so the next reads only the paths named since.
            self._snapshot = self._snapshot or snapshot
            return True
        except Problems as failure:
            lines = [str(p) for p in failure.problems]
            print(f"构建失败（{len(lines)} 个错误），继续显示上一次成功的结果：", file=sys.stderr)
            print("\n".join(f"  {line}" for line in lines), file=sys.stderr, flush=True)
            self.session.failed(lines)
            self._last = None  # until a build succeeds, every save goes through the full build
            return False
        except (OutputRefused, WriteFailed) as refusal:
            self.session.failed([str(refusal)])
            print(refusal, file=sys.stderr)
            return False
        except OSError as error:  # a full disk, a read-only folder: the output stays as it was, or marked unfinished
            line = (
                f"{error.filename or self.paths.output}: 无法写入输出文件夹（{error.strerror or error}），请检查磁盘空间和权限。"
            )
            print(line, file=sys.stderr, flush=True)
            self.session.failed([line])
            self._last = None
            return False
        self._snapshot = kept.snapshot if kept is not None else snapshot
        self._announce(kept, started)
        return True

    def _announce(self, kept: Kept | None, started: float) -> None:
        """A build written: kept for the next, and its changed pages reloaded."""
        if kept is not None:  # None: a save that changed nothing, the output and the last build stand
            self._last = kept
        self._manifest = self._identity()
        what = "页面已更新，正在生成其余部分（海报、搜索索引、列表）" if kept is not None and kept.later else "已重新生成"
        print(f"{what}（{(time.monotonic() - started) * 1000:.0f} 毫秒）", flush=True)
        self.session.succeeded(kept.result.written if kept else ())

    def _reread(self, changed: frozenset[Path]) -> Snapshot | None:
        """The inputs with only the paths the watcher named read again; None: read them all."""
        if self._snapshot is None or not changed:
            return None
        paths = self.paths
        return reread(self._snapshot, changed, paths.content, paths.config, paths.templates)

    def _retouch(self, changed: frozenset[Path], started: float) -> None:
        """The edited items' own pages, written and announced at once; the full build follows."""
        assert self._last is not None
        content = self.paths.content.absolute()
        try:
            edits = {p.relative_to(content).as_posix(): p.read_bytes() for p in changed}
        except (ValueError, OSError):
            return  # outside content/ (a template, the config), a folder, or gone: the full build decides
        pages = retouch(self._last, edits)
        if not pages:
            return
        # The build's memory and record on disk no longer describe these pages (they go); the memory kept
        # here forgets them too.
        for path, _ in pages:
            self._last.memory.state.made.pop(path, None)
        try:
            written = update_files(self.paths.output, pages, remove=[CACHE, BUILD_RECORD])
        except (OutputRefused, WriteFailed, OSError):
            return  # the output went away under us: the full build writes it whole, or says why not
        self._manifest = self._identity()
        print(f"已更新 {len(written)} 个页面（{(time.monotonic() - started) * 1000:.0f} 毫秒），正在更新其余部分…", flush=True)
        self.session.succeeded(written)

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = (self.paths.output / MANIFEST).stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _ours(self) -> bool:
        """Whether the output is still as our last write left it (the writer replaces the manifest each time)."""
        return self._manifest is not None and self._identity() == self._manifest

    def finish(self, timeout: float) -> None:
        """Lets a build under way end, and no other start."""
        self._finished = True
        if self._lock.acquire(timeout=timeout):
            self._lock.release()


class _Stop(Exception):
    """Raised in the main thread by the first SIGINT or SIGTERM once the preview is up."""


@dataclass
class _Signals:
    """What the signal handler knows; it takes no lock (it runs between any two lines of the main thread)."""

    asked: bool = False
    serving: bool = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.asked:
            raise KeyboardInterrupt  # asked twice: the user does not want to wait for the build
        self.asked = True
        if self.serving:
            raise _Stop


def serve(paths: Paths, options: Options, port: int, desk: Desk | None = None, host: str = "127.0.0.1") -> int:
    """Builds, then serves and rebuilds on each save until SIGINT (Ctrl-C) or SIGTERM: exits 0 with the watcher
    stopped, the port closed and no build left half-written. A second signal cuts a build short (exit 130)."""
    signals = _Signals()
    # Set explicitly, for SIGINT too: a background job of a non-interactive shell starts with SIGINT ignored.
    previous = {number: signal.signal(number, signals) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _serve(paths, options, port, signals, desk, host)
    except KeyboardInterrupt:
        note = "；输出文件夹没有写完，下次构建会把它补全" if unfinished(paths.output) else ""
        print(f"\n已中断{note}。", file=sys.stderr)
        return 130
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _serve(paths: Paths, options: Options, port: int, signals: _Signals, desk: Desk | None, host: str) -> int:
    session = Session()
    rebuild = Rebuilder(paths, replace(options, progress=None), session)
    if not rebuild.once():
        if unfinished(paths.output):
            print("上一次生成被中断且首次构建失败：预览只显示错误，不显示新旧混杂的页面；修改文件后会自动重试。", file=sys.stderr)
        elif not (paths.output / "public").exists():
            print("首次构建失败且没有可显示的结果；修改文件后会自动重试。", file=sys.stderr)
    if signals.asked:  # during the first build, which was left to finish
        print("正在退出…", flush=True)
        return 0
    try:
        server = make_server(paths.output, session, port, desk, host)
    except OSError as error:
        print(f"命令用法错误：无法在 {host}:{port} 上提供预览（{error.strerror}）：端口可能已被占用，"
              "请用 --port 换一个（0 表示任选一个空闲端口）。", file=sys.stderr)  # fmt: skip
        return 2
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://{host}:{server.server_address[1]}"
    print(f"预览：{base}/internal/  {base}/public/  {base}/kiosk/  {base}/posters/")
    if desk is not None:
        print(f"编辑台：{base}/desk/")
    print("保存文件后自动重新生成并刷新浏览器。按 Ctrl-C 退出。", flush=True)
    try:
        signals.serving = True
        while not signals.asked and thread.is_alive():
            thread.join(1.0)
    except _Stop:
        pass
    finally:
        print("\n正在退出…", flush=True)
        watcher.stop()
        session.close()  # ends the event streams
        server.shutdown()
        server.server_close()
        rebuild.finish(timeout=600)  # a build under way ends whole rather than cut short
    return 0
