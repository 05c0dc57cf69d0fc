"""Entry pages of a build, rendered and written by a forked worker while the main process renders tables.

Each page has a key: a hash over everything it shows. build/.cache/pages.marshal
records the key of every page on disk, so a page whose key is unchanged and
whose file is still there is neither rendered nor written again. The worker writes
its pages itself (atomically, only when the bytes change): the page texts
never travel back to the main process, which keeps it small.
"""
from __future__ import annotations

import marshal
import os
import signal
from pathlib import Path
from typing import NamedTuple

from builder.cache import stamp
from builder.output import TempSweeper, write_atomic, write_stamped
from builder.processes import end_with_parent

_WRITER = None
_JOB = None
_CHUNKS = None
_NEXT = None
_GATE = None  # in the worker: set once the build may write (see PendingPages.open)


class PageIndex:
    """entry id -> (key, (size, mtime) of the file) of the page last written for it."""

    def __init__(self, folder: Path):
        self.file = Path(folder) / "pages.marshal"
        try:
            self.keys = marshal.loads(self.file.read_bytes())
            if not isinstance(self.keys, dict):
                self.keys = {}
        except (OSError, ValueError, EOFError, TypeError):
            self.keys = {}

    def save(self, keys: dict) -> None:
        if keys != self.keys:
            write_atomic(self.file, marshal.dumps(keys))
            self.keys = dict(keys)


def _render(entry_ids):
    w = _WRITER
    return [(eid, w.render_entry(w.corpus[eid])) for eid in entry_ids]


def render_in_parallel(writer, entries) -> list:
    """[(entry id, page text)] for the given entries, split over two forked workers when there are many."""
    ids = [e.id for e in entries]
    workers = min(2, os.cpu_count() or 1)
    if len(ids) < 200 or workers < 2:
        return [(eid, writer.render_entry(writer.corpus[eid])) for eid in ids]
    global _WRITER
    _WRITER = writer
    import multiprocessing
    chunks = [ids[i::workers * 4] for i in range(workers * 4)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_render, chunks)
    out = [item for part in parts for item in part]
    order = {eid: i for i, eid in enumerate(ids)}
    return sorted(out, key=lambda item: order[item[0]])


class PageJob(NamedTuple):
    """What every chunk of a build's pages and jobs is written with."""

    folder: Path         # the entry pages' folder
    salt: str            # the start of every page key (see SiteWriter.begin_entry_pages)
    known: dict          # entry id -> (key, stamp) of the page last written ({} when forced)
    force: bool
    sweeper: TempSweeper


def _write_pages(entry_ids, writer, job: PageJob, gate=None):
    """Key, render and write the pages of these entries: [(id, index record, path, 'kept' | 'written' | 'unchanged')].

    With a gate (an Event), everything is keyed and rendered first and nothing is written before it is set.
    """
    folder, salt, known, force = job.folder, job.salt, job.known, job.force
    out, todo = [], []
    for eid in entry_ids:
        e = writer.corpus[eid]
        key = writer.page_key(e, salt)
        path = folder / f"{eid}.md"
        before = known.get(eid)
        if before is not None and before[0] == key and _stamp(path) == before[1]:
            out.append((eid, (key, before[1]), path, "kept"))  # the same page, untouched since we wrote it
            continue
        todo.append((len(out), eid, key, path, writer.render_entry(e).encode("utf-8")))
        out.append(None)
    if todo:
        _await(gate)
        job.sweeper.before_write(todo[0][3])
    for at, eid, key, path, text in todo:
        written, stamp = write_stamped(path, text, force)
        out[at] = (eid, (key, stamp), path, "written" if written else "unchanged")
    return out


def _write_job(name, writer, job: PageJob, gate=None):
    """Do writer.run_job(name), writing each file it makes as it comes (a job may make hundreds):
    [(None, (None, stamp), path, state)], like pages. With a gate, the first write waits for it."""
    force, out = job.force, []

    def put(path, text) -> None:
        _await(gate)
        job.sweeper.before_write(path)
        written, stamp = write_stamped(path, text.encode("utf-8"), force)
        out.append((None, (None, stamp), path, "written" if written else "unchanged"))
    writer.run_job(name, put)
    return out


def _await(gate) -> None:
    """Return once the build may write (at once without a gate, or with an open one)."""
    if gate is not None and not gate.is_set():
        gate.wait()


def _do(item, writer, job, gate=None):
    kind, what = item
    return _write_pages(what, writer, job, gate) if kind == "pages" else _write_job(what, writer, job, gate)


def _stamp(path):
    try:
        return stamp(path)
    except OSError:
        return None


class PendingPages:
    """Every entry page being keyed, rendered and written on another core while the caller goes on.

    The pages are cut into chunks that a forked worker claims one by one from a shared counter;
    finish() makes the caller claim the rest once its own work is done, so both cores end together.
    One worker, not one per core: each forked worker copies whatever part of the corpus it reads
    (reference counts are written to every object touched), and the caller already holds a copy.
    finish() returns, in queue order, (None, (None, stamp), path, state) for the files of the first jobs, then
    (entry id, (key, stamp), path, state) for the entry pages in corpus order, then the files of the other jobs.
    """

    CHUNK = 100

    def __init__(self, writer, folder: Path, salt: str, known: dict, force: bool = False, gated: bool = False,
                 jobs=(), first=()):
        """gated: the worker keys and renders but writes nothing until open() (the build may yet fail its
        cross-entry checks: starting before them overlaps them with the pages). jobs: names of other files'
        jobs (writer.run_job(name, put)) that whichever process is free first does after the entry pages;
        first: such jobs done before them (large ones: the small chunks of pages at the end even out
        the two processes' shares)."""
        global _WRITER, _JOB, _CHUNKS, _NEXT, _GATE
        self.writer, self.job_args = writer, PageJob(Path(folder), salt, {} if force else known, force, TempSweeper())
        ids = [e.id for e in writer.corpus.entries]
        self.chunks = [("job", name) for name in first]
        self.chunks += [("pages", ids[i:i + self.CHUNK]) for i in range(0, len(ids), self.CHUNK)]
        self.chunks += [("job", name) for name in jobs]
        self.pool = self.job = self.next = self.gate = None
        if len(ids) >= 200 and (os.cpu_count() or 1) >= 2:
            import multiprocessing
            context = multiprocessing.get_context("fork")
            self.next = context.Value("i", 0)
            self.gate = context.Event()
            if not gated:
                self.gate.set()
            _WRITER, _JOB, _CHUNKS, _NEXT, _GATE = writer, self.job_args, self.chunks, self.next, self.gate
            self.pool = context.Pool(1, initializer=end_with_parent(signal.SIGKILL))  # no writes after a killed build
            self.job = self.pool.apply_async(_claim_chunks)

    def open(self) -> None:
        """Let the worker write (the build holds its lock and every check passed)."""
        if self.gate is not None:
            self.gate.set()

    def finish(self) -> list:
        if self.job is None:
            return [record for item in self.chunks for record in _do(item, self.writer, self.job_args)]
        self.open()
        try:
            mine = _claim_chunks(self.chunks, self.next, self.writer, self.job_args)
            done = dict(self.job.get())
            done.update(mine)
            return [item for index in sorted(done) for item in done[index]]
        finally:
            self.pool.close()
            self.pool.join()

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def _claim_chunks(chunks=None, counter=None, writer=None, job=None) -> list:
    """[(chunk index, its records)] for every chunk this process claimed until none was left."""
    gate = None
    if chunks is None:  # in the forked worker: what the caller set before forking
        chunks, counter, writer, job, gate = _CHUNKS, _NEXT, _WRITER, _JOB, _GATE
    done = []
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= len(chunks):
            return done
        done.append((index, _do(chunks[index], writer, job, gate)))
