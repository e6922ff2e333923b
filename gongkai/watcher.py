"""Turns file-system events under content/, templates/ and the config into one debounced rebuild call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer


class Watcher(FileSystemEventHandler):
    """Calls `rebuild` once things have been quiet for `delay` seconds: an editor's save is often several events."""

    def __init__(self, paths: list[Path], rebuild: Callable[[], None], delay: float = 0.05) -> None:
        self._rebuild, self._delay = rebuild, delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._observer = Observer()
        for path in paths:
            watched = path if path.is_dir() else path.parent
            self._observer.schedule(self, str(watched), recursive=path.is_dir())
        self._files = {p.absolute() for p in paths if not p.is_dir()}
        self._dirs = [p.absolute() for p in paths if p.is_dir()]

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's time changing because a file in it did (that file has its own event)
        paths = [Path(str(event.src_path)), Path(str(getattr(event, "dest_path", "") or event.src_path))]
        if not any(self._concerns(p) for p in paths):
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._delay, self._rebuild)
            self._timer.daemon = True
            self._timer.start()

    def _concerns(self, path: Path) -> bool:
        path = path.absolute()
        if path.name.startswith(".") or path.name.endswith(("~", ".swp", ".tmp")):
            return False  # editors' temporary files
        return path in self._files or any(path.is_relative_to(d) for d in self._dirs)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self._observer.stop()
        self._observer.join(timeout=5)
