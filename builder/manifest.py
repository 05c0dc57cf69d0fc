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
CODE = Path(__file__).resolve().parent  # the builder's own code is an input too


def _rel(path, root: str) -> str:
    """path relative to root (a plain prefix cut for paths under it: relpath is slow on 20,000 paths)."""
    path = os.fspath(path)
    if path.startswith(root) and path[len(root):len(root) + 1] == os.sep and ".." not in path:
        return path[len(root) + 1:]
    return os.path.relpath(path, root)


def _walk(folder, out: dict, root: str, prefix: str | None = None) -> None:
    """out[path relative to root] = [size, mtime] of every file below folder (prefix: folder's own relative
    path and a separator, found once per folder rather than per file)."""
    if prefix is None:
        rel = _rel(folder, root)
        prefix = "" if rel == "." else rel + os.sep
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":  # Python's bytecode of the builder: written by running it
                        _walk(entry.path, out, root, prefix + entry.name + os.sep)
                else:
                    st = entry.stat(follow_symlinks=False)
                    out[prefix + entry.name] = [st.st_size, st.st_mtime_ns]
    except FileNotFoundError:
        pass


def entry_stamps(project) -> dict:
    """The entry files' part of inputs(): path relative to the root -> [size, mtime]."""
    found: dict = {}
    _walk(os.path.abspath(project.entries_dir), found, os.path.abspath(project.root))
    return found


def inputs(project, options: dict, entries: dict | None = None) -> dict:
    """entries: entry_stamps(project), if the caller knows them (a daemon told of each change)."""
    found = dict(entries) if entries is not None else entry_stamps(project)
    root = os.path.abspath(project.root)
    _walk(str(CODE), found, root)
    for f in (project.schema_path, project.tables_path, project.root / "survey.yaml", project.root / "mkdocs.yml"):
        try:
            st = os.stat(f)
            found[_rel(os.path.abspath(f), root)] = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            pass
    return {"files": found, "today": dt.date.today().isoformat(), "options": options}


def stamps_of(paths, known: dict | None = None) -> dict:
    """path -> (size, mtime in ns) of each path that exists: from known where it is there, else by a stat."""
    out = {}
    known = known or {}
    for p in paths:
        stamp = known.get(p)
        if stamp is None:
            try:
                st = os.stat(p)
            except OSError:
                continue
            stamp = (st.st_size, st.st_mtime_ns)
        out[p] = stamp
    return out


def outputs(paths, root, known: dict | None = None) -> dict:
    """path -> [size, mtime in ns] of every output; known: stamps the writer kept as it wrote (no stat for those)."""
    root = os.path.abspath(root)
    return {_rel(os.path.abspath(p), root): list(stamp) for p, stamp in stamps_of(paths, known).items()}


def _outputs_unchanged(recorded: dict, root) -> bool:
    """Every recorded output still has its stamp (stops at the first that does not)."""
    root = os.path.abspath(root)
    for rel, stamp in recorded.items():
        try:
            st = os.stat(os.path.join(root, rel))
        except OSError:
            return False
        if [st.st_size, st.st_mtime_ns] != stamp:
            return False
    return True


def _file(project) -> Path:
    return project.root / "build" / ".cache" / NAME


def load(project) -> dict:
    """The manifest the last complete build recorded ({} if none, or unreadable)."""
    try:
        saved = json.loads(_file(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def output_folders(project, saved: dict) -> list:
    """The folders holding the outputs the manifest records (where a killed build may have left temp files)."""
    recorded = saved.get("outputs")
    if not isinstance(recorded, dict):
        return []
    folders = {os.path.dirname(rel) for rel in recorded if isinstance(rel, str)}  # a few, of 10,000 paths
    root = Path(project.root)
    return sorted(root / folder for folder in folders if ".." not in folder and not os.path.isabs(folder))


def up_to_date(project, options: dict, now: dict | None = None, saved: dict | None = None) -> bool:
    """now: inputs(project, options) if the caller has taken them already (they are the same walk); saved:
    load(project), if the caller has read it."""
    saved = load(project) if saved is None else saved
    if not saved:
        return False
    if saved.get("inputs") != (now if now is not None else inputs(project, options)):
        return False
    recorded = saved.get("outputs", {})
    return bool(recorded) and isinstance(recorded, dict) and _outputs_unchanged(recorded, project.root)


def record(project, options: dict, written_paths, read: dict | None = None, known: dict | None = None) -> None:
    """read: inputs() as they were when the build began (else now). Stamps from before the build make a
    file saved while it ran count as changed next time, though the build may have read either version.
    known: outputs' stamps taken as they were written (an output changed since then is stale next time)."""
    save(project, {"inputs": read if read is not None else inputs(project, options),
                   "outputs": outputs(written_paths, project.root, known)})


def save(project, data: dict) -> tuple:
    """Write the manifest: the stamp of the file written."""
    from builder.output import write_stamped
    return write_stamped(_file(project), json.dumps(data, sort_keys=True).encode("utf-8"))[1]


def stamp_of(project) -> tuple | None:
    try:
        st = os.stat(_file(project))
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)
