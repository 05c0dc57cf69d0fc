"""The survey's own corpus: big enough to be useful, complete enough to be honest."""
from __future__ import annotations

from builder.check import check
from builder.project import load_project
from builder.site_pages import dimension_paths
from builder.stats import compute_stats
from conftest import REPO


def stats():
    result = check(load_project(REPO))
    assert result.errors == [] and result.warnings == []
    return result, compute_stats(result.corpus, result.schema, dimension_paths(result.schema))


def test_corpus_size_and_mix():
    result, s = stats()
    kinds = {e.kind for e in result.corpus.entries}
    count = {k: sum(1 for e in result.corpus.entries if e.kind == k) for k in kinds}
    assert s.total >= 45
    assert count["model"] >= 25 and count["tokenizer"] >= 8 and count["benchmark"] >= 5
    assert s.models_with_results >= 8


def test_core_fields_are_known_or_explained():
    _, s = stats()
    cov = {c.field: c for c in s.coverage if c.kind == "model"}
    for field in ("fusion", "modalities", "backbone", "understanding_level"):
        assert cov[field].missing == 0, field
    for field in ("tokenizer", "training_stages"):
        assert cov[field].percent_known >= 80.0, (field, cov[field])


def test_every_entry_names_its_sources():
    result, _ = stats()
    for e in result.corpus.entries:
        sources = e.get("sources")
        assert sources and all(s.get("url", "").startswith(("http://", "https://")) for s in sources), e.id
        covered = {c for s in sources for c in s.get("covers", [])}
        assert "title" in covered or e.kind == "benchmark", e.id
