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


def test_an_entry_page_deleted_or_edited_by_hand_is_restored_by_the_next_build(tmp_path):
    """Pages whose key is unchanged are not rewritten, but only while their file is the one written."""
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    before = _digest(root)
    pages = root / "docs" / "survey" / "entries"
    (pages / "whisper.md").unlink()
    (pages / "anygpt.md").write_text("edited by hand\n", encoding="utf-8")
    again = build(project, site_pages=site_pages).report
    assert sorted(p.name for p in again.written) == ["anygpt.md", "whisper.md"]
    assert _digest(root) == before


def test_a_streamed_build_writes_what_the_plain_site_pages_function_returns(tmp_path):
    """build() streams pages to disk (entry pages from workers); site_pages() returns them: the same texts."""
    from builder.build import load_definitions, render_all
    from builder.check import check
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    result = check(project)
    pages = site_pages(project, result, render_all(project, result, load_definitions(project)))
    assert len(pages) > 50
    for path, text in pages.items():
        assert path.read_text(encoding="utf-8") == text, path


def test_an_unchanged_build_renders_no_entry_page_again(tmp_path, monkeypatch):
    """Each page's key (a hash of what it shows) is stable, so an unchanged page is not even rendered."""
    from builder.site_pages import SiteWriter
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    rendered = []
    original = SiteWriter.render_entry
    monkeypatch.setattr(SiteWriter, "render_entry", lambda self, e: rendered.append(e.id) or original(self, e))
    edited = root / "entries" / "tokenizers" / "whisper.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace('name: "Whisper"', 'name: "Whisper v2"'), encoding="utf-8")
    assert build(project, site_pages=site_pages, force=False).ok
    # The edited entry and the pages that show its name; not the whole corpus.
    assert "whisper" in rendered and "anygpt" not in rendered
    assert 0 < len(rendered) < 20


def test_force_rewrites_every_output_including_entry_pages(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    forced = build(project, site_pages=site_pages, force=True).report
    pages = sorted((root / "docs" / "survey" / "entries").glob("*.md"))
    assert pages and set(pages) <= set(forced.written)
    assert forced.unchanged == []
