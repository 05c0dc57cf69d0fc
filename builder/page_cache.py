"""Entry pages of a build, rendered and written by forked workers while the main process renders tables.

Each page has a key: a hash over everything it shows. build/.cache/pages.marshal
records the key of every page on disk, so a page whose key is unchanged and
whose file is still there is neither rendered nor written again. Workers write
their pages themselves (atomically, only when the bytes change): the page texts
never travel back to the main process, which keeps it small.
"""
from __future__ import annotations

import marshal
import os
from pathlib import Path

from builder.cache import stamp
from builder.output import write_atomic

_WRITER = None
_JOB = None


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


def _write_pages_in_worker(entry_ids):
    return _write_pages(entry_ids, _WRITER, _JOB)


def _write_pages(entry_ids, writer, job):
    """Key, render and write the pages of these entries: [(id, index record, path, 'kept' | 'written' | 'unchanged')]."""
    folder, salt, known, force = job
    out = []
    for eid in entry_ids:
        e = writer.corpus[eid]
        key = writer.page_key(e, salt)
        path = folder / f"{eid}.md"
        before = known.get(eid)
        if before is not None and before[0] == key and _stamp(path) == before[1]:
            out.append((eid, (key, before[1]), path, "kept"))  # the same page, untouched since we wrote it
            continue
        written = write_atomic(path, writer.render_entry(e).encode("utf-8"), force)
        out.append((eid, (key, _stamp(path)), path, "written" if written else "unchanged"))
    return out


def _stamp(path):
    try:
        return stamp(path)
    except OSError:
        return None


class PendingPages:
    """Every entry page being keyed, rendered and written on the other cores while the caller goes on.

    finish() waits and returns [(entry id, key, path, state)] in corpus order.
    """

    def __init__(self, writer, folder: Path, salt: str, known: dict, force: bool = False):
        global _WRITER, _JOB
        self.writer, self.job_args = writer, (Path(folder), salt, {} if force else known, force)
        self.ids = [e.id for e in writer.corpus.entries]
        self.pool = self.job = None
        workers = min(2, os.cpu_count() or 1)
        if len(self.ids) >= 200 and workers >= 2:
            _WRITER, _JOB = writer, self.job_args
            import multiprocessing
            self.pool = multiprocessing.get_context("fork").Pool(workers)
            # One contiguous share per worker: each then touches (and so copies, forked) only its part of the corpus.
            share = -(-len(self.ids) // workers)
            self.job = self.pool.map_async(_write_pages_in_worker,
                                           [self.ids[i:i + share] for i in range(0, len(self.ids), share)], chunksize=1)

    def finish(self) -> list:
        if self.job is None:
            return _write_pages(self.ids, self.writer, self.job_args)
        try:
            return [item for part in self.job.get() for item in part]
        finally:
            self.pool.close()
            self.pool.join()

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
