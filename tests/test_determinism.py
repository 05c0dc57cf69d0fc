"""Same input, byte-identical output; an unchanged rebuild writes nothing."""
from __future__ import annotations

import hashlib
import json

from builder.build import build
from builder.project import load_project
from builder.site_pages import site_pages
from conftest import repo_corpus_root


def _digest(root):
    files = sorted(p for d in ("build/latex", "docs") for p in (root / d).rglob("*") if p.is_file()
                   and not p.name.startswith(".slm-survey"))
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_build_twice_changes_no_byte(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    first = build(project, site_pages=site_pages)
    assert first.ok and first.report.written
    before = _digest(root)
    second = build(project, site_pages=site_pages)
    assert second.report.written == [] and second.report.removed == []
    assert _digest(root) == before


def test_two_roots_from_the_same_entries_are_identical(tmp_path):
    a = repo_corpus_root(tmp_path / "a")
    b = repo_corpus_root(tmp_path / "b")
    for root in (a, b):
        assert build(load_project(root), site_pages=site_pages).ok
    assert _digest(a) == _digest(b)


def test_a_removed_entry_removes_its_page(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    build(project, site_pages=site_pages)
    page = root / "docs" / "survey" / "entries" / "cjk-notes.md"
    assert page.exists()
    (root / "entries" / "cjk-notes.yaml").unlink()
    report = build(project, site_pages=site_pages).report
    assert page in report.removed and not page.exists()


def test_cached_and_uncached_builds_write_the_same_bytes(tmp_path):
    """The cache is an optimisation only: a warm build writes exactly what a cold one does."""
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    assert build(project, site_pages=site_pages, use_cache=True).ok
    cold = _digest(root)
    assert build(project, site_pages=site_pages, use_cache=True, force=True).ok
    assert _digest(root) == cold


def test_validating_does_not_change_the_schema():
    from builder.schema import load_schema
    from conftest import REPO
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    before = json.dumps(schema.raw, sort_keys=True)
    schema.is_valid({"id": "x"})
    assert json.dumps(schema.raw, sort_keys=True) == before
