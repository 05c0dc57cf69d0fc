"""One problem type for every check, and the one place that turns problems into an exit code."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """A finding about one place in one file; line and col are 1-based."""

    path: str
    line: int
    col: int
    message: str
    severity: str = ERROR
    hint: str = field(default="", compare=False)
    where: tuple = field(default=(), compare=False)  # JSON path of the offending value (or missing key)

    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col,
                "severity": self.severity, "message": self.message, "hint": self.hint}


def exit_code(problems, strict: bool = False) -> int:
    """0 when clean; 1 on any error (or on any warning with strict)."""
    if any(p.is_error() for p in problems):
        return 1
    if strict and problems:
        return 1
    return 0


def sort_problems(problems):
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))


def display_path(path, here: str | None = None) -> str:
    """Paths as the user typed them: relative to the working directory (here, when the caller has asked for
    it once for thousands of paths) when possible."""
    text = os.fspath(path)
    here = here if here is not None else os.getcwd()
    if text.startswith(here) and text[len(here):len(here) + 1] == os.sep and "/." not in text and "//" not in text:
        return text[len(here) + 1:]  # the common case, without relpath's normalising (10,000 calls per run)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return text
    return text if rel.startswith(".." + os.sep + "..") else rel
