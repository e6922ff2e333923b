"""Turns `serve` into three small pieces working together: build, watch (watcher.py) and serve (serving.py)."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace

from gongkai.pipeline import Options, Paths, build
from gongkai.problems import Problems
from gongkai.serving import Session, make_server
from gongkai.watcher import Watcher
from gongkai.writing import OutputRefused


class Rebuilder:
    """One build at a time; a change during a build asks for one more build after it."""

    def __init__(self, paths: Paths, options: Options, session: Session) -> None:
        self.paths, self.options, self.session = paths, options, session
        self._lock = threading.Lock()
        self._again = threading.Event()

    def __call__(self) -> None:
        self._again.set()
        if not self._lock.acquire(blocking=False):
            return  # the running build will see the flag and go again
        try:
            while self._again.is_set():
                self._again.clear()
                self.once()
        finally:
            self._lock.release()

    def once(self) -> bool:
        started = time.monotonic()
        try:
            build(self.paths, self.options)
        except Problems as failure:
            lines = [str(p) for p in failure.problems]
            print(f"构建失败（{len(lines)} 个错误），继续显示上一次成功的结果：", file=sys.stderr)
            print("\n".join(f"  {line}" for line in lines), file=sys.stderr, flush=True)
            self.session.failed(lines)
            return False
        except OutputRefused as refusal:
            self.session.failed([str(refusal)])
            print(refusal, file=sys.stderr)
            return False
        print(f"已重新生成（{(time.monotonic() - started) * 1000:.0f} 毫秒）", flush=True)
        self.session.succeeded()
        return True


def serve(paths: Paths, options: Options, port: int) -> int:
    session = Session()
    rebuild = Rebuilder(paths, replace(options, progress=None), session)
    if not rebuild.once() and not (paths.output / "public").exists():
        print("首次构建失败且没有可显示的结果；修改文件后会自动重试。", file=sys.stderr)
    server = make_server(paths.output, session, port)
    watcher = Watcher([paths.content, paths.templates, paths.config], rebuild)
    watcher.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"预览：{base}/internal/  {base}/public/  {base}/kiosk/  {base}/posters/")
    print("保存文件后自动重新生成并刷新浏览器。按 Ctrl-C 退出。", flush=True)
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        print("\n正在退出…")
    finally:
        watcher.stop()
        session.close()
        server.shutdown()
        server.server_close()
    return 0
