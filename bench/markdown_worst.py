"""Worst-case Markdown: 1 MB of each pathological pattern, rendered alone and built as an item's whole body
(both sites and the kiosk, no posters); prints seconds per MB and what came out. Target: ≤ 10 s per MB.

    .venv/bin/python -m bench.markdown_worst [--size MB] [--only NAME] [--no-build]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from datetime import date

import yaml

from gongkai.parsing.markup import BodyRenderer
from gongkai.pipeline import Options, run
from gongkai.problems import Problems
from gongkai.reading import Snapshot
from tests.scratch import CONFIG, REPO, item


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * (size // len(unit.encode()))


def _lines(line: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        parts, total, n = [], 0, 0
        while total < size:
            parts.append(line(n))
            total += len(parts[-1].encode())
            n += 1
        return "".join(parts)

    return build


def _backticks(size: int) -> str:
    """Runs of backticks of every length: a naive matcher looks for each run's closer through the rest."""
    parts, total, n = [], 0, 1
    while total < size:
        parts.append("`" * n + "a")
        total += n + 1
        n = n % 200 + 1
    return "".join(parts)


def _table(size: int) -> str:
    """A wide header and many one-cell rows: a renderer that pads every row to the header's width multiplies."""
    header = "|" + "a|" * 5_000 + "\n|" + "-|" * 5_000 + "\n"
    return header + _repeat("|x\n")(size - len(header))


PATTERNS: dict[str, Callable[[int], str]] = {
    "open brackets [": _repeat("["),
    "close brackets ]": _repeat("]"),
    "image openers ![": _repeat("!["),
    "unclosed links [a](": _repeat("[a]("),
    "nested brackets [[..]]": lambda size: "[" * (size // 2) + "]" * (size // 2),
    "stars *": _repeat("*"),
    "underscores _": _repeat("_"),
    "alternating *a": _repeat("*a"),
    "emphasis words *a **b": _repeat("*a **b "),
    "intraword a_b": _repeat("a_b"),
    "backticks of every length": _backticks,
    "backtick runs `": _repeat("`"),
    "less-than <": _repeat("<"),
    "tags <a": _repeat("<a "),
    "comments <!--": _repeat("<!--"),
    "processing <?": _repeat("<?"),
    "cdata <![CDATA[": _repeat("<![CDATA["),
    "entities &#": _repeat("&#"),
    "backslashes \\": _repeat("\\"),
    "deep list (indented)": _lines(lambda n: "  " * min(n, 5_000) + "- a\n"),
    "deep list (one line)": _repeat("- "),
    "deep blockquote": _repeat(">"),
    "deep ordered list": _repeat("1. "),
    "long emphasis line": _repeat("**粗**体 _斜_ "),
    "reference uses": lambda size: "[r]: /" + "u" * 1_000 + "\n\n" + _repeat("[r]")(size),
    "javascript: links": _repeat("[x](javascript:alert(1))\n"),
    "missing-file links": _repeat("[x](nope.pdf)\n"),
    "table wide header": _table,
    "table one-letter cells": lambda size: "|a|b|\n|-|-|\n" + _repeat("|x|y|\n")(size),
    'quotes "': _repeat('"'),
    "chinese prose": _repeat("经局党组研究，决定增补何建平同志为机关党委委员。\n\n"),
}


def _snapshot(body: str) -> Snapshot:
    templates = {p.relative_to(REPO / "templates").as_posix(): p.read_text("utf-8") for p in (REPO / "templates").rglob("*.*")}
    content = {"a.md": item(body=body).encode()}
    config = yaml.safe_dump(CONFIG, allow_unicode=True).encode()
    return Snapshot(content=content, content_root="content", config=config, config_path="site_config.yaml", templates=templates)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--size", type=float, default=1.0, help="megabytes of each pattern (default 1)")
    arguments.add_argument("--only", help="only patterns whose name contains this")
    arguments.add_argument("--no-build", action="store_true", help="render only, skip the full build")
    options = arguments.parse_args()
    size = int(options.size * 1_000_000)
    print(f"{'pattern':28} {'render s/MB':>11} {'build s/MB':>10}  outcome")
    worst = 0.0
    for name, make in PATTERNS.items():
        if options.only and options.only not in name:
            continue
        body = make(size)
        megabytes = len(body.encode()) / 1_000_000
        started = time.perf_counter()
        html, _, problems = BodyRenderer().render(body, "", frozenset(), "content/a.md", 7)
        render = (time.perf_counter() - started) / megabytes
        outcome = f"{len(problems)} problems: {problems[0].message[:40]}" if problems else f"{len(html):,} bytes of HTML"
        build = float("nan")
        if not options.no_build:
            snapshot = _snapshot(body)
            started = time.perf_counter()
            with contextlib.suppress(Problems):
                run(snapshot, Options(day=date(2026, 11, 20), posters=False))
            build = (time.perf_counter() - started) / megabytes
        worst = max(worst, render, 0.0 if build != build else build)
        print(f"{name:28} {render:11.3f} {build:10.3f}  {outcome}", flush=True)
    print(f"worst: {worst:.2f} s per MB (target ≤ 10)")


if __name__ == "__main__":
    main()
