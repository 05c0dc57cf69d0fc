"""Rendered entry pages, cached by a key over what each page shows; misses rendered on every core."""
from __future__ import annotations

import marshal
import os
from pathlib import Path

_WRITER = None


class PageCache:
    def __init__(self, folder: Path):
        self.file = Path(folder) / "pages.marshal"
        self.items: dict = {}
        self.dirty = False
        try:
            self.items = marshal.loads(self.file.read_bytes())
            if not isinstance(self.items, dict):
                self.items = {}
        except (OSError, ValueError, EOFError, TypeError):
            self.items = {}

    def get(self, entry_id: str, key: str):
        hit = self.items.get(entry_id)
        return hit[1] if hit and hit[0] == key else None

    def put(self, entry_id: str, key: str, text: str) -> None:
        self.items[entry_id] = (key, text)
        self.dirty = True

    def prune(self, keep) -> None:
        for eid in [e for e in self.items if e not in keep]:
            del self.items[eid]
            self.dirty = True

    def save(self) -> None:
        if self.dirty:
            from builder.output import write_atomic
            write_atomic(self.file, marshal.dumps(self.items))
            self.dirty = False


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
