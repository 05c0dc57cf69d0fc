"""Print problems for people (text), tools (json) and pull requests (github annotations)."""
from __future__ import annotations

import json


def summary(problems, files: int) -> str:
    errors = sum(1 for p in problems if p.is_error())
    warnings = len(problems) - errors
    if not problems:
        return f"ok: {files} entries, no problems"
    return f"{errors} error(s), {warnings} warning(s) in {files} entries"


def _frame(p, lines_of) -> str:
    lines = lines_of(p.path)
    if not lines or p.line > len(lines):
        return ""
    text = lines[p.line - 1].rstrip("\n")
    return f"    {text}\n    {' ' * (p.col - 1)}^\n"


def report_text(problems, files: int, frames: bool = False, lines_of=None) -> str:
    out = []
    for p in problems:
        out.append(f"{p.path}:{p.line}:{p.col}: {p.message}\n")
        if frames and lines_of:
            out.append(_frame(p, lines_of))
        if p.hint:
            out.append(f"    hint: {p.hint}\n")
    out.append(summary(problems, files) + "\n")
    return "".join(out)


def report_json(problems, files: int) -> str:
    return json.dumps({"files": files, "errors": sum(p.is_error() for p in problems),
                       "warnings": sum(not p.is_error() for p in problems),
                       "problems": [p.as_dict() for p in problems]}, indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def report_github(problems, files: int) -> str:
    out = []
    for p in problems:
        level = "error" if p.is_error() else "warning"
        message = p.message.split(": ", 1)[1] if p.message.startswith(("error: ", "warning: ")) else p.message
        out.append(f"::{level} file={_gh_escape(p.path, True)},line={p.line},col={p.col}::{_gh_escape(message)}\n")
    out.append(summary(problems, files) + "\n")
    return "".join(out)


REPORTERS = {"text": report_text, "json": report_json, "github": report_github}
