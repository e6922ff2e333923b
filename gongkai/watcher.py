"""Turns file-system events under content/, templates/ and the config into one debounced rebuild call that
names the files concerned."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer


class Watcher(FileSystemEventHandler):
    """Calls `rebuild(paths)` once things have been quiet for `delay` seconds: an editor's save is often
    several events. `paths` are the absolute paths of every file or folder an event named since the last call."""

    def __init__(self, paths: list[Path], rebuild: Callable[[frozenset[Path]], None], delay: float = 0.05) -> None:
        self._rebuild, self._delay = rebuild, delay
        self._timer: threading.Timer | None = None
        self._changed: set[Path] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._observer = Observer()
        for path in paths:
            watched = path if path.is_dir() else path.parent
            self._observer.schedule(self, str(watched), recursive=path.is_dir())
        self._files = {p.absolute() for p in paths if not p.is_dir()}
        self._dirs = [p.absolute() for p in paths if p.is_dir()]

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's time changing because a file in it did (that file has its own event)
        paths = {Path(str(event.src_path)).absolute(), Path(str(getattr(event, "dest_path", "") or event.src_path)).absolute()}
        concerned = {p for p in paths if self._concerns(p)}
        if not concerned:
            return
        with self._lock:
            if self._stopped:
                return
            # A folder event may stand for anything inside it (a move, a deletion): name it as it is.
            self._changed |= paths if event.is_directory else concerned
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            changed, self._changed = frozenset(self._changed), set()
        self._rebuild(changed)

    def _concerns(self, path: Path) -> bool:
        if path.name.startswith(".") or path.name.endswith(("~", ".swp", ".tmp")):
            return False  # editors' temporary files
        return path in self._files or any(path.is_relative_to(d) for d in self._dirs)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        """No call starts after this returns (one already under way goes on: the caller waits for it)."""
        with self._lock:
            self._stopped = True  # an event the observer still delivers starts no timer
            if self._timer is not None:
                self._timer.cancel()
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5)
