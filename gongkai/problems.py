"""Turns what went wrong in a user's files into `path:line: message` lines they can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

# Every command's exit status: 0 done; 1 the content, config or a file is wrong (each problem listed); 2 the
# command line is wrong; 3 (report only) something is overdue.
EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_OVERDUE = 0, 1, 2, 3


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning, pinned to a file and line so an editor can find it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Problems(Exception):
    """Raised when a stage found errors; carries every one of them, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise Problems(problems)


def closest(value: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name most like `value` (a misspelt key, category, reviewer or path), or None when none is close."""
    return next(iter(difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)), None)


def did_you_mean(value: str, known: Iterable[str], otherwise: str, cutoff: float = 0.6) -> str:
    """The hint after an unknown name: the closest known one, or else `otherwise` (what may be written)."""
    guess = closest(value, known, cutoff)
    return f"您是不是想写“{guess}”？" if guess else otherwise
