"""Entry pages are shared between one forked worker and the building process itself."""
from __future__ import annotations

import os
import time
from types import SimpleNamespace

from builder import page_cache
from builder.page_cache import PendingPages


class _Corpus(dict):
    @property
    def entries(self):
        return list(self.values())


class _SlowWriter:
    """Renders a page saying which process made it, slowly enough that both processes get chunks."""

    def __init__(self, n):
        self.corpus = _Corpus((f"e{i:03}", SimpleNamespace(id=f"e{i:03}")) for i in range(n))

    def page_key(self, e, salt):
        return f"{salt}-{e.id}"

    def render_entry(self, e):
        time.sleep(0.004)
        return f"{e.id} by {os.getpid()}\n"


def test_every_page_is_written_once_by_the_worker_or_the_caller_in_corpus_order(tmp_path, monkeypatch):
    monkeypatch.setattr(PendingPages, "CHUNK", 20)
    writer = _SlowWriter(240)
    pending = PendingPages(writer, tmp_path, "salt", {})
    assert pending.pool is not None or (os.cpu_count() or 1) < 2
    records = pending.finish()
    assert [r[0] for r in records] == sorted(writer.corpus)  # corpus order, each page once
    assert {r[3] for r in records} == {"written"}
    makers = set()
    for eid, (key, _stamp), path, _state in records:
        assert key == f"salt-{eid}"
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"{eid} by ")
        makers.add(int(text.split()[-1]))
    if pending.pool is not None:  # the caller claimed the chunks the worker had not reached
        assert os.getpid() in makers and len(makers) == 2


def test_a_second_run_keeps_pages_whose_key_and_file_are_unchanged(tmp_path):
    writer = _SlowWriter(210)
    first = PendingPages(writer, tmp_path, "salt", {}).finish()
    known = {eid: record for eid, record, _path, _state in first}
    (tmp_path / "e005.md").write_text("edited by hand\n", encoding="utf-8")
    again = PendingPages(writer, tmp_path, "salt", known).finish()
    states = {eid: state for eid, _record, _path, state in again}
    assert states.pop("e005") == "written"
    assert set(states.values()) == {"kept"}
    assert page_cache._stamp(tmp_path / "e005.md") is not None
