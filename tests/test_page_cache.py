"""Entry pages are shared between one forked worker and the building process itself."""
from __future__ import annotations

import os
import time
from types import SimpleNamespace

from builder import page_cache
from builder.build import build
from builder.page_cache import PendingPages
from builder.project import load_project
from builder.site_pages import site_pages
from conftest import generated_survey


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


class _WriterWithJobs(_SlowWriter):
    def __init__(self, n, folder):
        super().__init__(n)
        self.folder = folder

    def run_job(self, name, put):
        put(self.folder / f"{name}.md", f"{name} by {os.getpid()}\n")


def test_jobs_queued_before_and_after_the_entry_pages_are_done_once_by_whichever_process_is_free(tmp_path, monkeypatch):
    monkeypatch.setattr(PendingPages, "CHUNK", 20)
    writer = _WriterWithJobs(240, tmp_path)
    records = PendingPages(writer, tmp_path, "salt", {}, jobs=("papers", "stats"), first=("boards",)).finish()
    assert [r[0] for r in records] == [None] + sorted(writer.corpus) + [None, None]  # in the order queued
    assert [r[2].name for r in records[:1] + records[-2:]] == ["boards.md", "papers.md", "stats.md"]
    assert {r[3] for r in records} == {"written"}
    assert (tmp_path / "papers.md").read_text(encoding="utf-8").startswith("papers by ")


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


def test_a_gated_worker_renders_but_writes_nothing_until_the_build_opens_the_gate(tmp_path, monkeypatch):
    monkeypatch.setattr(PendingPages, "CHUNK", 20)  # 80 ms a chunk: an ungated worker would have written by now
    writer = _SlowWriter(240)
    pending = PendingPages(writer, tmp_path, "salt", {}, gated=True)
    time.sleep(0.3)
    assert list(tmp_path.iterdir()) == []
    pending.open()
    records = pending.finish()
    assert [r[0] for r in records] == sorted(writer.corpus) and {r[3] for r in records} == {"written"}
    assert len(list(tmp_path.glob("*.md"))) == 240


def test_a_gated_worker_that_is_cancelled_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(PendingPages, "CHUNK", 20)
    pending = PendingPages(_SlowWriter(240), tmp_path, "salt", {}, gated=True)
    time.sleep(0.3)
    pending.cancel()
    assert list(tmp_path.iterdir()) == []


def test_a_build_that_fails_its_cross_entry_checks_writes_no_page(tmp_path, monkeypatch):
    """The page worker starts before the cross-entry checks; a dangling reference must still stop every write."""
    import builder.check
    checks = builder.check.cross_check

    def slow_checks(*args, **kwargs):  # time for the page worker to render and (were it not gated) write
        time.sleep(1.0)
        return checks(*args, **kwargs)
    monkeypatch.setattr(builder.check, "cross_check", slow_checks)
    root = generated_survey(tmp_path / "survey", 260)  # enough for the page worker to start
    model = root / "entries" / "models" / "m00000.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("  - ref: t", "  - ref: nowhere-t", 1), encoding="utf-8")
    result = build(load_project(root), site_pages=site_pages)
    assert not result.ok
    assert any("nowhere-t" in p.message for p in result.check.errors)
    assert not (root / "docs" / "survey").exists() and not (root / "build" / "latex").exists()
    model.write_text(text, encoding="utf-8")
    result = build(load_project(root), site_pages=site_pages)
    assert result.ok
    assert len(list((root / "docs" / "survey" / "entries").glob("*.md"))) == 260


def test_a_build_with_a_page_worker_writes_exactly_what_the_plain_functions_return(tmp_path):
    """Past 200 entries a forked worker shares the entry pages and the queued jobs (every leaderboard's LaTeX
    and page and survey.tex, the papers and statistics pages) with the main process: the files are those
    render_all and site_pages make in one process, byte for byte, none missing and none extra."""
    from builder.build import load_definitions, render_all
    from builder.check import check
    root = generated_survey(tmp_path / "survey", 260)
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    result = check(project)
    outputs = render_all(project, result, load_definitions(project))
    expected = dict(outputs.files)
    expected.update(site_pages(project, result, outputs))
    assert len([p for p in expected if p.name.startswith("leaderboard-")]) > 5
    written = {p for folder in ("build/latex", "docs/survey") for p in (root / folder).rglob("*") if p.is_file()}
    assert written | {root / "docs" / "index.md"} == set(expected)
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, path
