"""`slm-survey new` writes a template that validate walks a contributor through; `stats` counts honestly."""
from __future__ import annotations


import yaml

from conftest import generated_survey, run_main as run
from builder.check import check
from builder.project import load_project
from builder.schema import load_schema
from builder.site_pages import dimension_paths
from builder.stats import compute_stats


def test_new_writes_a_template_that_validate_refuses_until_filled(survey_root):
    code, out = run("new", "model-c", "--kind", "model")
    assert code == 0
    path = survey_root / "entries" / "model-c.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/entry.schema.json")
    data = yaml.safe_load(text)
    assert data["id"] == "model-c" and data["kind"] == "model"
    assert "# name:" in text and "# Backbone LLM:" in text
    code, out = run("validate", "entries/model-c.yaml")
    assert code == 1
    assert "placeholder left: 'TODO'" in out
    assert "is not a valid speech input fusion; allowed: cascade" in out


def test_new_never_overwrites(survey_root):
    before = (survey_root / "entries" / "model-a.yaml").read_text()
    code, _ = run("new", "model-a", "--kind", "model")
    assert code == 1
    assert (survey_root / "entries" / "model-a.yaml").read_text() == before


def test_new_rejects_bad_ids_and_kinds(survey_root):
    assert run("new", "Bad_Id", "--kind", "model")[0] == 1
    assert run("new", "fine-id", "--kind", "modle")[0] == 1
    assert not (survey_root / "entries" / "fine-id.yaml").exists()


def test_a_filled_template_validates(survey_root):
    run("new", "model-c", "--kind", "model")
    path = survey_root / "entries" / "model-c.yaml"
    data = yaml.safe_load(path.read_text())
    data.update({"title": "Model C: filled in", "date": "2024-05", "authors": ["A. Person"],
                 "links": {"paper": "https://example.org/c"},
                 "modalities": {"input": ["speech"], "output": ["text"]},
                 "fusion": {"input": "discrete_tokens", "output": "none"},
                 "tokenizer": [{"ref": "tok-a"}], "backbone": {"unknown": "not named in the paper"},
                 "training_stages": {"unknown": "not described in the paper"},
                 "understanding_level": {"level": 1, "rationale": "transcribes speech only"},
                 "sources": [{"id": "p", "url": "https://example.org/c", "tier": "primary",
                              "covers": ["title", "modalities", "fusion", "tokenizer", "understanding_level"]}]})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = check(load_project(survey_root))
    assert result.problems == []


def test_stats_counts_and_coverage(survey_root):
    result = check(load_project(survey_root))
    schema = load_schema(survey_root / "schema" / "entry.schema.json")
    stats = compute_stats(result.corpus, schema, dimension_paths(schema))
    assert stats.total == 5
    assert dict(stats.per_kind) == {"Model": 2, "Tokenizer / encoder": 1, "Analysis": 1, "Benchmark": 1}
    backbone = next(c for c in stats.coverage if c.kind == "model" and c.field == "backbone")
    assert (backbone.known, backbone.unknown, backbone.missing) == (1, 1, 0)
    fusion_in = dict(dict(stats.per_value)["Speech input fusion"])
    assert fusion_in["Discrete tokens (early fusion)"] == 1 and fusion_in["Continuous adapter"] == 1
    assert stats.results == 3 and stats.models_with_results == 2
    code, out = run("stats")
    assert code == 0 and "Coverage" in out and "backbone" in out


def test_a_placeholder_deep_inside_non_ascii_text_is_still_found(survey_root):
    """The placeholder check skips entries whose bytes hold no TODO; the skip must not miss this one."""
    path = survey_root / "entries" / "model-a.yaml"
    text = path.read_text(encoding="utf-8")
    old = "authors: [Grace Hopper, Alan Turing]"
    assert old in text
    path.write_text(text.replace(old, 'authors: [Grace Hopper, "Zoë Ünal (TODO: check the spelling)"]'), encoding="utf-8")
    code, out = run("validate", "entries/model-a.yaml")
    assert code == 1 and "placeholder left: 'Zoë Ünal (TODO: check the spelling)'" in out, out


def test_placeholders_are_found_in_files_read_by_workers_and_from_the_cache(tmp_path):
    """Past 200 files the workers' bytes tell the placeholder check which entries to skip; a TODO written
    plainly, or spelled with a YAML escape, must still be found, on the first read and from the cache."""
    root = generated_survey(tmp_path / "survey", 240)
    plain, escaped = root / "entries" / "models" / "m00007.yaml", root / "entries" / "models" / "m00100.yaml"
    plain.write_text(plain.read_text(encoding="utf-8").replace("name: Model 7", "name: Model 7 TODO", 1),
                     encoding="utf-8")
    text = escaped.read_text(encoding="utf-8")
    escaped.write_text(text.replace("name: Model 100", 'name: "Model 100 \\x54ODO"', 1), encoding="utf-8")
    for _ in range(2):  # the second time from the cache
        result = check(load_project(root), use_cache=True)
        found = sorted(p.path.split("/")[-1] for p in result.errors if "placeholder left" in p.message)
        assert found == ["m00007.yaml", "m00100.yaml"], [p.message for p in result.errors]
