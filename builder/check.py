"""The validation pipeline as one library call: discover, load, validate, cross-check."""
from __future__ import annotations

import datetime as dt
import marshal
import os
from dataclasses import dataclass
from pathlib import Path

from builder.corpus import Corpus, Entry
from builder.crosscheck import cross_check
from builder.load import LazyPositions, Loaded, LoadError, decode, parse_data, parse_entry, read_bytes
from builder.problems import Problem, display_path, sort_problems
from builder.project import Project
from builder.schema import Schema, load_schema
from builder.validate import validate_entry

SUFFIXES = (".yaml", ".yml")


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


def _walk(folder: str, files: list, problems: list) -> None:
    """Entry files under folder, without following links (so everything found is inside it).

    scandir's entries know whether they are links or folders without another system call per file.
    """
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return
    for item in listing:
        if item.is_symlink():
            if item.name.endswith(SUFFIXES) or item.is_dir():
                problems.append(Problem(display_path(Path(item.path)), 1, 1,
                                        "error: symbolic link; entries must be regular files"))
        elif item.is_dir(follow_symlinks=False):
            _walk(item.path, files, problems)
        elif item.name.endswith(SUFFIXES):
            files.append(item.path)


def discover(project: Project, paths=None, text: bool = False) -> tuple[list, list]:
    """Entry files to check (sorted; as str when text, else Path), and problems with the paths themselves."""
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
        if not target.is_dir():
            if target.is_symlink():
                problems.append(Problem(shown, 1, 1, "error: symbolic link; entries must be regular files"))
            elif not target.name.endswith(SUFFIXES):
                problems.append(Problem(shown, 1, 1, "error: not a .yaml file"))
            else:
                files.append(str(target.resolve()))
            continue
        _walk(str(target.resolve()), files, problems)
    found = sorted(set(files))
    return (found if text else [Path(f) for f in found]), problems


def _check_one(file: str, display: str, schema: Schema):
    """Read, parse and schema-check one file: (stamp, digest, data or None, problems). Runs in workers."""
    from builder.cache import content_hash, stamp
    try:
        st = stamp(file)
        raw = read_bytes(file, display)
        text = decode(raw, display)
        data = parse_data(text, display)  # positions are read only if a message needs one
        if data is None or not isinstance(data, dict):
            parse_entry(text, display)  # raises the LoadError that says so
        loaded = Loaded(display, data, LazyPositions(file, display, text))
        return st, content_hash(raw), data, validate_entry(loaded, schema)
    except LoadError as exc:
        return None, "", None, [exc.problem]
    except OSError as exc:
        return None, "", None, [Problem(display, 1, 1, f"error: cannot read: {exc.strerror}")]


def _packed(outcome) -> tuple:
    """A worker's outcome as plain data for the trip back: the entry's data as marshal bytes (the cache
    keeps those bytes as they are, and marshal keeps interned strings shared), problems as tuples."""
    from builder.cache import problem_to_tuple
    file, display, st, digest, data, problems = outcome
    return file, display, st, digest, marshal.dumps(data), [problem_to_tuple(p) for p in problems]


def load_entries(files, schema: Schema, cache=None, workers: int | None = None,
                 progress=None) -> tuple[list, list]:
    """Entries and their load and schema problems; unchanged files come from the cache, the rest in parallel."""
    from builder.cache import stamp
    entries, problems = [], []
    todo = []
    path_of = {}  # the caller's path objects, kept for the entries (a new Path is 4 us, 10,000 times)
    here = os.getcwd()
    for file in files:
        hit = None
        if cache is not None and cache.items:  # a cold cache needs no stamps here: the workers take them
            try:
                hit = cache.get(str(file), stamp(file))
            except OSError:
                hit = None
        if hit is not None:
            display = display_path(file, here)
            _, digest, blob, probs = hit
            from builder.cache import problem_from_tuple
            problems += [problem_from_tuple(t) for t in probs]
            data = marshal.loads(blob) if blob is not None else None
            if isinstance(data, dict):
                entries.append(Entry(file, Loaded(display, data, LazyPositions(file, display), digest,
                                                  b"TODO" not in blob)))
        else:
            text = os.fspath(file)
            todo.append(text)
            path_of[text] = file if isinstance(file, Path) else Path(file)
    done = 0

    def take(outcome) -> None:
        nonlocal done
        file, display, st, digest, data, probs = outcome
        if type(data) is bytes:  # from the worker: the data as marshal bytes, the problems as tuples
            from builder.cache import problem_from_tuple
            blob, data = data, marshal.loads(data)
            probs = [problem_from_tuple(t) for t in probs]
        else:  # read here: the cache keeps these bytes, and the placeholder check reads them
            blob = marshal.dumps(data) if isinstance(data, dict) else None
        problems.extend(probs)
        is_entry = isinstance(data, dict)
        if is_entry:  # the bytes at hand tell whether any string holds a TODO (check_placeholders)
            entries.append(Entry(path_of[file], Loaded(display, data, LazyPositions(file, display), digest,
                                                    b"TODO" not in blob)))
        if cache is not None and st is not None:
            cache.put(file, st, digest, blob if is_entry else None, probs)
        done += 1
        if progress and done % 100 == 0:
            progress(done, len(todo))

    def check_chunk(chunk) -> list:  # the paths to show are worked out here too: on both cores
        return [(file, display, *_check_one(file, display, schema))
                for file in chunk for display in (display_path(file, here),)]

    workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(todo) >= 200 and workers > 1:
        from builder.shared_work import share_work
        schema.fast  # compile once, before forking, so the worker inherits it
        size = max(8, min(32, len(todo) // 32))
        pending = schema.pending  # the schema's own check, if still to do: the worker's once it has read its share
        answer = share_work([todo[i:i + size] for i in range(0, len(todo), size)], check_chunk, take, _packed,
                            after=pending.conforms if pending is not None else None)
        if pending is not None:
            pending.given(answer)
    else:
        for outcome in check_chunk(todo):
            take(outcome)
    entries.sort(key=lambda e: str(e.file))
    return entries, problems


def finish(corpus, problems, schema, project, today=None, memo=None) -> list:
    """Add the cross-entry checks to the per-file problems, each place said once."""
    problems = problems + cross_check(corpus, schema, project, today, memo)
    # One message per place: a leftover TODO that also breaks the schema is said once, by the schema.
    taken = {(p.path, p.line, p.col) for p in problems if p.is_error() and "placeholder left" not in p.message}
    return [p for p in problems if "placeholder left" not in p.message or (p.path, p.line, p.col) not in taken]


def check_settings(project: Project, schema: Schema) -> None:
    """survey.yaml's reference rules and sums against the entry schema (ConfigError says where they are wrong)."""
    if project.settings is not None:
        from builder.configs import ConfigError, settings_problems
        problems = settings_problems(project.settings, schema)
        if problems:
            raise ConfigError(problems)


def check(project: Project, paths=None, today: dt.date | None = None, schema: Schema | None = None,
          use_cache: bool = False, progress=None, on_corpus=None) -> CheckResult:
    """Validate the corpus; with paths, report only problems in those files (the corpus is still whole).

    on_corpus(corpus, schema) is called once the corpus is assembled, if no file has an error, before
    the cross-entry checks (a build starts its page worker there: the checks may still fail it).
    """
    # The schema's own check (is it a valid JSON Schema?) runs in the reader that ends first, if one is
    # forked; it is settled before anything read with the schema is reported, and first if anything fails.
    schema = schema or load_schema(project.schema_path, project.root / "build" / ".cache" if use_cache else None,
                                   defer=True)
    try:
        check_settings(project, schema)
        all_files, problems = discover(project)
        if paths:
            selected, path_problems = discover(project, paths)
            problems += path_problems
        cache = None
        if use_cache:
            from builder.cache import EntryCache, code_hash, content_hash
            key = content_hash((code_hash() + Path(project.schema_path).read_text(encoding="utf-8")).encode())
            cache = EntryCache(project.root / "build" / ".cache", key)
        entries, load_problems = load_entries(all_files, schema, cache, progress=progress)
        problems += load_problems
        saving = None
        if cache is not None:
            cache.prune(str(f) for f in all_files)
            saving = cache.save()  # written while the corpus is assembled
            cache = None  # its copy of every entry goes now, before a page worker forks and would inherit it
        corpus = Corpus.build(entries, project.references)
        if saving is not None:
            saving.join()  # no thread may run across the page worker's fork
    except Exception:
        schema.settle()  # a schema that is no JSON Schema explains whatever went wrong above
        raise
    schema.settle()
    if on_corpus is not None and not any(p.is_error() for p in problems):
        on_corpus(corpus, schema)
    problems = finish(corpus, problems, schema, project, today)
    corpus.refs.clear()  # read by the cross-checks only: a build need not hold them
    if paths:
        problems = only_in(problems, selected, path_problems)
    return CheckResult(corpus, sort_problems(problems), schema)


def only_in(problems, selected, path_problems) -> list:
    """The problems in the files selected (discover(project, paths)) and with the paths themselves."""
    wanted = {display_path(f) for f in selected} | {p.path for p in path_problems}
    return [p for p in problems if p.path in wanted]
