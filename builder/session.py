"""A build that stays in memory between edits (`serve`), so one changed entry costs a fraction of a second.

The first rebuild() is a full build. Later ones stat every input, read again
only the files whose stamp changed, and tell the memo which ids changed and
which entries neighbour them (by the survey's reference rules, before and after
the change); table rows, printed rows, pages and per-entry checks of every
other entry are reused. Only files whose text changed are written. The outputs
are byte-identical to a fresh `slm-survey build` (the tests compare them).
Editing the schema, the table definitions or survey.yaml starts afresh.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from builder.build import BuildResult, load_definitions, managed_folders, render_all
from builder.cache import stamp
from builder.changes import folder_times, folders_below
from builder.check import CheckResult, check_settings, discover, display_path, finish, load_entries
from builder.corpus import Corpus
from builder.memory import collect_idle, collected_when_idle
from builder.memo import Memo
from builder.output import WriteReport, build_lock, close_later, write_stamped, write_tree
from builder.problems import sort_problems
from builder.project import load_project
from builder.schema import load_schema


RECENT_NS = 200_000_000  # a folder changed less than this long ago may change again unseen (ns)


class Session:
    def __init__(self, project, site_pages=None, today: dt.date | None = None):
        self.project = project
        self.site_pages = site_pages
        self.today = today
        self.config = None
        self._reset()

    def _reset(self) -> None:
        self.memo = Memo()
        self.files: dict = {}        # file path -> (stamp, Entry or None, its problems)
        self.corpus = None
        self.written = None          # output path -> text last written by this session
        self.untrusted: set = set()  # outputs (as str) that may have changed since (recheck)
        self.pending = None          # (changed, affected) not yet rendered, after a build with errors
        self.last = None             # (day, check result, output paths) of the last build that wrote
        self.found_changes = False   # whether the last rebuild found an entry file new, changed or gone
        self._listing = None         # (folders, their times, files, problems) of the last discover()

    def _config(self) -> tuple:
        out = []
        for f in (self.project.schema_path, self.project.tables_path, self.project.root / "survey.yaml"):
            try:
                out.append((str(f), stamp(f)))
            except OSError:
                out.append((str(f), None))
        return tuple(out)

    def _load(self, hint=None) -> tuple:
        """Entries and per-file problems of the current files, reading only those whose stamp changed; changed ids.

        hint, when given, is every path that may have changed since the last call (serve learns them from the
        file system): a file known before and not in it is taken as it was, without looking at its stamp.
        """
        files, problems, same = self._discover()
        current, todo = {}, []
        if same and hint is not None:  # the files known, and only those in hint to look at
            for f in hint:
                known = self.files.get(f)
                if known is None:
                    continue  # not an entry file: the files are the ones known
                try:
                    st = stamp(f)
                except OSError:
                    st = None
                if st is None or known[0] != st:
                    todo.append((f, st))
            current = dict(self.files) if todo else self.files
            looked = [f for f, _ in todo]  # nothing else can differ from what is known
        else:
            for f in files:
                known = self.files.get(f)
                if known is not None and hint is not None and f not in hint:
                    current[f] = known
                    continue
                try:
                    st = stamp(f)
                except OSError:
                    st = None
                if known is not None and st is not None and known[0] == st:
                    current[f] = known
                else:
                    todo.append((f, st))
            looked = None  # every file known before or now (below, once the new ones are in current)
        entries, load_problems = load_entries([f for f, _ in todo], self.schema)
        by_path: dict = {}
        for p in load_problems:
            by_path.setdefault(p.path, []).append(p)
        fresh = {str(e.file): e for e in entries}
        for f, st in todo:
            current[f] = (st, fresh.get(f), by_path.pop(display_path(f), []))
        problems += [p for ps in by_path.values() for p in ps]
        changed = set()
        self.found_changes = False
        for key in looked if looked is not None else set(self.files) | set(current):
            old, new = self.files.get(key), current.get(key)
            if old is not new:
                self.found_changes = True  # also a file that stays unreadable: its problems may have changed
                changed.update(e.id for e in (old and old[1], new and new[1]) if e is not None)
        self.files = current
        problems += [p for _, _, ps in current.values() for p in ps]
        return [e for _, e, _ in current.values() if e is not None], problems, changed

    def _discover(self) -> tuple:
        """discover() (files, problems) and whether they are the last call's: reused while no folder below the
        entries changed its time (adding, removing or renaming a file or folder changes its folder's time; an
        edit inside a file changes none). The folders' times are taken before the files are listed: a file
        added meanwhile makes the next call list them again."""
        listing = self._listing
        if listing is not None and folder_times(listing[0]) == listing[1]:
            return listing[2], list(listing[3]), True
        folders = folders_below(str(self.project.entries_dir))  # as discover() walks them
        times = folder_times(folders)
        files, problems = discover(self.project, text=True)
        # A folder changed in the last moments may change again within the same tick of the file system's
        # clock (a few ms), keeping its time: such a listing is not reused.
        recent = time.time_ns() - RECENT_NS
        self._listing = (None if any(t is not None and t > recent for t in times) else
                         (folders, times, files, list(problems)))
        return files, problems, False

    def _neighbours(self, ids, corpora) -> set:
        """The ids, the entries they refer to and the entries referring to them, in each corpus given."""
        out = set(ids)
        for corpus in corpora:
            for i in ids:
                e = corpus.get(i)
                if e is not None:
                    out.update(v for _, _, v in corpus.refs_of(e, self.project.references, self.memo) if isinstance(v, str))
                out.update(b.source for b in corpus.backlinks.get(i, []))
        return out

    def rebuild(self, hint=None) -> BuildResult:
        """Check, and if there are no errors write what changed since the last call.

        hint: a set of absolute paths, every input that may have changed since the last call (see _load);
        None looks at the stamp of every entry file."""
        with collected_when_idle():
            return self._rebuild(hint)

    def check(self, hint=None) -> CheckResult:
        """What rebuild() would report, with nothing rendered or written (a daemon's `validate`): what
        changed is rendered by the next rebuild."""
        with collected_when_idle():
            return self._rebuild(hint, render=False).check

    def forget_outputs(self) -> None:
        """The output files may not hold what this session wrote (another build, a file deleted): the next
        rebuild renders everything again (from the memo) and compares it with the files on disk."""
        self.written = None
        self.last = None

    def recheck(self, paths) -> None:
        """These outputs may have changed since this session wrote them: the next rebuild compares them with
        the files on disk (and writes what differs) even if no entry changed."""
        self.untrusted.update(paths)
        self.last = None

    def idle(self) -> None:
        """Housekeeping between edits (serve calls it when nothing changed for a while)."""
        collect_idle()

    def _rebuild(self, hint=None, render: bool = True) -> BuildResult:
        config = self._config()
        if config != self.config:
            self._reset()
            self.project = load_project(self.project.root)  # each may raise ConfigError: read again next time
            self.schema = load_schema(self.project.schema_path, self.project.root / "build" / ".cache")
            check_settings(self.project, self.schema)
            self.definitions = load_definitions(self.project, self.schema)
            self.config = config
        self.memo.next_build()
        entries, problems, changed = self._load(hint)
        today = self.today or dt.date.today()
        if not changed and self.pending is None and self.last is not None and self.last[0] == today:
            return BuildResult(self.last[1], WriteReport(paths=self.last[2]))  # nothing to redo or write
        corpus = Corpus.build(entries, self.project.references, self.memo, previous=self.corpus, changed=changed)
        first = self.corpus is None
        if not first:
            affected = self._neighbours(changed, (self.corpus, corpus))
            if self.pending is not None:
                changed, affected = changed | self.pending[0], affected | self.pending[1]
            self.memo.changed, self.memo.affected = changed, affected
        self.corpus = corpus
        problems = finish(corpus, problems, self.schema, self.project, today, self.memo)
        result = CheckResult(corpus, sort_problems(problems), self.schema)
        if result.errors or not render:
            self.last = None
            if not first:
                self.pending = (self.memo.changed, self.memo.affected)
            else:
                self.corpus = None  # nothing rendered yet: the next good build is a first build
            return BuildResult(result)
        outputs = render_all(self.project, result, self.definitions, self.memo)
        files = dict(outputs.files)
        if self.site_pages is not None:
            files.update(self.site_pages(self.project, result, outputs, memo=self.memo))
        with build_lock(self.project.root / "build"):
            report = self._write(files, managed_folders(self.project, self.site_pages is not None))
        report.paths = sorted(files, key=os.fspath)  # by text, as a build's report (Path comparisons are slow)
        self.pending = None
        self.last = (today, result, report.paths)
        return BuildResult(result, report)

    def _write(self, files: dict, managed) -> WriteReport:
        if self.written is None:
            report = write_tree(files, managed)
        else:
            report = WriteReport()
            replaced: list = []  # the files written over, freed on a thread once this build is done with them
            try:
                stamps, untrusted = report.stamps, self.untrusted
                for path, text in files.items():
                    old = self.written.get(path)
                    if untrusted and os.fspath(path) in untrusted:
                        old = None
                    if old is text or old == text:
                        report.unchanged.append(path)
                        continue
                    # differs from what this session wrote there: no need to read the old file back; a file this
                    # session has not written (or no longer trusts: see recheck) is compared with what is there
                    written, stamps[path] = write_stamped(path, text.encode("utf-8") if isinstance(text, str) else text,
                                                          force=old is not None, old_files=replaced)
                    (report.written if written else report.unchanged).append(path)
            finally:
                close_later(replaced)
            for path in set(self.written) - set(files):
                try:
                    os.unlink(path)
                    report.removed.append(Path(path))
                except FileNotFoundError:
                    pass
        self.written = dict(files)
        self.untrusted = set()
        return report

