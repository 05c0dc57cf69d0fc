"""Is the last build still up to date? Answered from file stamps alone, before any heavy import.

The manifest records the inputs a build read (entries, schema, tables,
survey.yaml, mkdocs.yml, the builder's own code, today's date) and the
outputs it wrote. If every stamp still matches, there is nothing to do.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

NAME = "manifest.json"


def _walk(folder: Path, out: dict, root: Path) -> None:
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    _walk(Path(entry.path), out, root)
                else:
                    st = entry.stat(follow_symlinks=False)
                    out[os.path.relpath(entry.path, root)] = [st.st_size, st.st_mtime_ns]
    except FileNotFoundError:
        pass


def inputs(project, options: dict) -> dict:
    found: dict = {}
    _walk(project.entries_dir, found, project.root)
    _walk(Path(__file__).resolve().parent, found, project.root)  # the builder's own code
    for f in (project.schema_path, project.tables_path, project.root / "survey.yaml", project.root / "mkdocs.yml"):
        try:
            st = os.stat(f)
            found[os.path.relpath(f, project.root)] = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            pass
    return {"files": found, "today": dt.date.today().isoformat(), "options": options}


def outputs(paths, root) -> dict:
    out = {}
    for p in paths:
        try:
            st = os.stat(p)
            out[os.path.relpath(p, root)] = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            pass
    return out


def _file(project) -> Path:
    return project.root / "build" / ".cache" / NAME


def up_to_date(project, options: dict) -> bool:
    try:
        saved = json.loads(_file(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if saved.get("inputs") != inputs(project, options):
        return False
    recorded = saved.get("outputs", {})
    return bool(recorded) and outputs([project.root / p for p in recorded], project.root) == recorded


def record(project, options: dict, written_paths) -> None:
    from builder.output import write_atomic
    data = {"inputs": inputs(project, options), "outputs": outputs(written_paths, project.root)}
    write_atomic(_file(project), json.dumps(data, sort_keys=True).encode("utf-8"))
