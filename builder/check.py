"""The validation pipeline as one library call: discover, load, validate, cross-check."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from builder.corpus import Corpus, Entry
from builder.crosscheck import cross_check
from builder.load import LoadError, load_entry
from builder.problems import Problem, sort_problems
from builder.project import Project
from builder.schema import Schema, load_schema
from builder.validate import validate_entry

SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    """Paths as the user typed them: relative to the working directory when possible."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith(".." + os.sep + "..") else rel


@dataclass
class CheckResult:
    corpus: Corpus
    problems: list
    schema: Schema

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.is_error()]

    @property
    def warnings(self) -> list:
        return [p for p in self.problems if not p.is_error()]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def discover(project: Project, paths=None) -> tuple[list, list]:
    """Entry files to check (sorted), and problems with the paths themselves."""
    problems = []
    files = []
    folder = project.entries_dir
    targets = [Path(p) for p in paths] if paths else [folder]
    for target in targets:
        shown = display_path(target.absolute()) if target.is_absolute() else str(target)
        if not target.exists() and not target.is_symlink():
            problems.append(Problem(shown, 1, 1, "error: no such file or folder"))
            continue
        if not _inside(target.absolute().parent if target.is_symlink() else target, folder):
            problems.append(Problem(shown, 1, 1, f"error: outside the entries folder {display_path(folder)}; "
                                                 "entries live there"))
            continue
        candidates = sorted(target.rglob("*")) if target.is_dir() else [target]
        for file in candidates:
            if file.is_symlink():
                problems.append(Problem(display_path(file), 1, 1, "error: symbolic link; entries must be regular files"))
                continue
            if file.is_dir() or not file.name.endswith(SUFFIXES):
                if file is target and not target.is_dir():
                    problems.append(Problem(display_path(file), 1, 1, "error: not a .yaml file"))
                continue
            if not _inside(file, folder):
                problems.append(Problem(display_path(file), 1, 1, "error: resolves outside the entries folder"))
                continue
            files.append(file.resolve())
    return sorted(set(files)), problems


def load_entries(files) -> tuple[list, list]:
    entries, problems = [], []
    for file in files:
        try:
            entries.append(Entry(file, load_entry(file, display_path(file))))
        except LoadError as exc:
            problems.append(exc.problem)
        except OSError as exc:
            problems.append(Problem(display_path(file), 1, 1, f"error: cannot read: {exc.strerror}"))
    return entries, problems


def check(project: Project, paths=None, today: dt.date | None = None, schema: Schema | None = None) -> CheckResult:
    """Validate the corpus; with paths, report only problems in those files (the corpus is still whole)."""
    schema = schema or load_schema(project.schema_path)
    all_files, problems = discover(project)
    if paths:
        selected, path_problems = discover(project, paths)
        problems += path_problems
    entries, load_problems = load_entries(all_files)
    problems += load_problems
    for e in entries:
        problems += validate_entry(e.loaded, schema)
    corpus = Corpus.build(entries, project.references)
    problems += cross_check(corpus, schema, project, today)
    # One message per place: a leftover TODO that also breaks the schema is said once, by the schema.
    taken = {(p.path, p.line, p.col) for p in problems if p.is_error() and "placeholder left" not in p.message}
    problems = [p for p in problems if "placeholder left" not in p.message or (p.path, p.line, p.col) not in taken]
    if paths:
        wanted = {display_path(f) for f in selected} | {p.path for p in path_problems}
        problems = [p for p in problems if p.path in wanted]
    return CheckResult(corpus, sort_problems(problems), schema)
