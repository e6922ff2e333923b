"""Turns each finished build into what open pages hear: the script injected into every served page, and the
session that counts builds, remembers the files each changed and the errors of a failed one."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from gongkai.admission import SECTIONS

EVENTS = "/__gongkai/events"  # the event stream every served page listens to

# Injected into every HTML page as it is served (never into the files on disk): listens for rebuilds.
LIVE_RELOAD = """<script>
(function () {
  var source = new EventSource("/__gongkai/events");
  source.addEventListener("reload", function (event) {
    // The files that changed ("*": too many to list). A page reloads when it, or a file it may embed, changed.
    var changed = JSON.parse(event.data), here = decodeURIComponent(location.pathname).replace(/\\/$/, "/index.html");
    if (changed.some(function (p) { return p === "*" || p === here || !/\\.(html|json)$/.test(p); })) location.reload();
  });
  source.addEventListener("errors", function (event) {
    var problems = JSON.parse(event.data), box = document.getElementById("gongkai-errors");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "gongkai-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;white-space:pre-wrap;" +
        "background:rgba(40,0,0,.93);color:#fff;font:16px/1.7 monospace;cursor:auto";
      document.body.appendChild(box);
    }
    box.textContent = "构建失败：仍在显示上一次成功的结果。请按下面的文件和行号修改，保存后会自动刷新。\\n\\n" + problems.join("\\n");
  });
})();
</script>
"""


LIVE_RELOAD_BYTES = LIVE_RELOAD.encode()

MAX_LISTED = 500  # beyond this many changed files a reload event says "*" (everything)
KEPT = 100  # generations whose changed files are remembered for listeners that fell behind


@dataclass
class Session:
    """What the server knows between rebuilds; shared by the request threads, guarded by one condition."""

    generation: int = 0
    errors: list[str] = field(default_factory=list)
    closed: bool = False
    writing: bool = False  # serve's own build is updating a whole output: its files may be served meanwhile
    changed: threading.Condition = field(default_factory=threading.Condition)
    written: dict[int, tuple[str, ...]] = field(default_factory=dict)  # generation -> URL paths it changed

    def succeeded(self, written: Iterable[str] = ()) -> None:
        """`written`: paths inside the output folder that this build changed."""
        paths = tuple(f"/{p}" for p in written if p.startswith(tuple(f"{s}/" for s in SECTIONS)))
        self._next([], paths if len(paths) <= MAX_LISTED else ("*",))

    def failed(self, errors: list[str]) -> None:
        self._next(errors, ())

    def _next(self, errors: list[str], paths: tuple[str, ...]) -> None:
        with self.changed:
            self.generation += 1
            self.errors = errors
            self.written[self.generation] = paths
            self.written.pop(self.generation - KEPT, None)
            self.changed.notify_all()

    def since(self, seen: int) -> list[str]:
        """The URL paths changed by the builds after generation `seen` (call with the condition held)."""
        paths: set[str] = set()
        for generation in range(seen + 1, self.generation + 1):
            paths.update(self.written.get(generation, ("*",)))  # forgotten: too far behind, reload anyway
        return ["*"] if "*" in paths or len(paths) > MAX_LISTED else sorted(paths)

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()
