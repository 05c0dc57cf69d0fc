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


def _shape(corpus):
    return ([e.id for e in corpus.entries], {i: e.id for i, e in corpus.by_id.items()},
            {t: [(b.source, b.field, b.label) for b in bs] for t, bs in corpus.backlinks.items()},
            {k: [e.id for e in es] for k, es in corpus.by_kind.items()})


def test_a_patched_corpus_equals_one_built_afresh(tmp_path):
    """A session patches the corpus when an edit keeps every id; the result must be the full build's."""
    import copy

    from builder.corpus import Corpus, Entry
    from builder.load import Loaded
    project = load_project(REPO)
    entries = check(project).corpus.entries
    refs = project.references
    before = Corpus.build(entries, refs)

    def edited(e, change):
        data = copy.deepcopy(e.data)
        change(data)
        return Entry(e.file, Loaded(e.path, data, e.loaded.positions))

    by_id = before.by_id
    cases = {  # id -> how its data changes
        "anygpt": lambda d: d.update(tokenizer=[{"ref": "whisper"}, {"ref": "hubert"}]),  # references added
        "whisper": lambda d: d.update(name="Whisper (renamed)"),                          # no reference changed
        "ichigo": lambda d: d.pop("tokenizer", None),                                      # references removed
    }
    for edited_ids in (["anygpt"], ["whisper"], ["ichigo"], ["anygpt", "ichigo", "whisper"]):
        fresh = {i: edited(by_id[i], cases[i]) for i in edited_ids}
        after = [fresh.get(e.id, e) for e in entries]
        patched = Corpus.build(after, refs, previous=before, changed=set(edited_ids))
        assert patched.entries is not before.entries and patched.index is before.index  # patched, not rebuilt
        assert _shape(patched) == _shape(Corpus.build(after, refs)), edited_ids
        assert _shape(before) == _shape(Corpus.build(entries, refs))  # the previous corpus is left as it was

    # An id added, removed or changed: built afresh.
    renamed = [edited(by_id["whisper"], lambda d: d.update(id="whisper-x")) if e.id == "whisper" else e for e in entries]
    rebuilt = Corpus.build(renamed, refs, previous=before, changed={"whisper", "whisper-x"})
    assert rebuilt.index is not before.index
    assert _shape(rebuilt) == _shape(Corpus.build(renamed, refs))
