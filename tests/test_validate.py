"""Validation behaviour: the library API, and the CLI's contract (exit codes, output lines)."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder.check import check
from builder.load import LoadError, load_entry
from builder.project import load_project
from builder.schema import load_schema
from conftest import REPO, make_root

SCHEMA = REPO / "schema" / "entry.schema.json"


def run_cli(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_schema_passes_its_metaschema():
    Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))


def test_taxonomy_values_all_have_labels_and_definitions():
    taxonomy = load_schema(SCHEMA).taxonomy
    names = {d.name for d in taxonomy}
    assert {"kind", "fusion_in", "fusion_out", "tokenizer_type", "codebook_layout", "stage_type", "understanding_level"} <= names
    for dim in taxonomy:
        assert dim.label and dim.definition, dim.name
        for value in dim.values:
            assert value.label and value.definition and "\n" not in value.definition, (dim.name, value.value)
    assert taxonomy["understanding_level"].allowed() == [1, 2, 3, 4, 5]


def test_repository_entries_are_valid():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("ok: ")


def test_console_script_and_module_agree():
    exe = Path(sys.executable).with_name("slm-survey")
    a = subprocess.run([str(exe), "validate"], cwd=REPO, capture_output=True, text=True)
    b = run_cli("validate")
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout


def test_bad_entry_exit_code_and_no_traceback(survey_root):
    (survey_root / "entries" / "bad.yaml").write_text("id: bad\nkind: [\n")
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith("entries/bad.yaml:")


def test_json_format_is_machine_readable(survey_root):
    (survey_root / "entries" / "model-a.yaml").write_text(
        (survey_root / "entries" / "model-a.yaml").read_text().replace("kind: model", "kind: modle"))
    result = run_cli("validate", "--format", "json", cwd=survey_root)
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["errors"] >= 1
    first = data["problems"][0]
    assert set(first) == {"path", "line", "col", "severity", "message", "hint"}


def test_github_format_annotates_the_line(survey_root):
    (survey_root / "entries" / "model-a.yaml").write_text(
        (survey_root / "entries" / "model-a.yaml").read_text().replace("kind: model", "kind: modle"))
    result = run_cli("validate", "--format", "github", cwd=survey_root)
    assert result.stdout.startswith("::error file=entries/model-a.yaml,line=4,col=7::")


def test_single_path_reports_only_that_file(survey_root):
    entries = survey_root / "entries"
    (entries / "bench-a.yaml").write_text((entries / "bench-a.yaml").read_text().replace("kind: benchmark", "kind: benchmrk"))
    result = run_cli("validate", "entries/tok-a.yaml", cwd=survey_root)
    assert result.returncode == 0, result.stdout
    result = run_cli("validate", "entries/bench-a.yaml", cwd=survey_root)
    assert result.returncode == 1 and "benchmrk" in result.stdout


def test_path_outside_entries_is_refused(survey_root):
    (survey_root / "x.yaml").write_text("id: x\n")
    result = run_cli("validate", "entries/../x.yaml", cwd=survey_root)
    assert result.returncode == 1
    assert result.stdout.startswith("entries/../x.yaml:1:1: error: outside the entries folder")


def test_symlink_out_of_the_repo_is_refused(survey_root, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: secret\n")
    os.symlink(secret, survey_root / "entries" / "link.yaml")
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1
    assert "entries/link.yaml:1:1: error: symbolic link; entries must be regular files" in result.stdout
    assert "secret" not in result.stdout.replace("link.yaml", "")


def test_file_over_the_size_limit(survey_root):
    (survey_root / "entries" / "big.yaml").write_text("id: big\nnotes: " + "x" * (1024 * 1024 + 10) + "\n")
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1
    assert "entries/big.yaml:1:1: error: file is larger than 1024 KiB" in result.stdout


def test_a_one_megabyte_string_is_a_clean_length_error(survey_root):
    text = (survey_root / "entries" / "tok-a.yaml").read_text().replace("title: A small test tokenizer", "title: " + "y" * 1_000_000)
    (survey_root / "entries" / "tok-a.yaml").write_text(text)
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1
    assert "entries/tok-a.yaml:3:8: error: Title: too long (1000000 characters; at most 300)" in result.stdout
    assert len(result.stdout) < 2000  # the string is not echoed back


@pytest.mark.timeout(20)
def test_nesting_ten_thousand_deep(survey_root):
    (survey_root / "entries" / "deep.yaml").write_text("id: deep\nx: " + "[" * 10_000 + "]" * 10_000 + "\n")
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1
    assert result.stdout.startswith("entries/deep.yaml:2:")
    assert "nested more than 32 levels deep" in result.stdout or "exceeded maximum nesting depth" in result.stdout
    assert "Traceback" not in result.stderr


def test_python_tag_is_never_run(survey_root):
    marker = survey_root / "pwned"
    (survey_root / "entries" / "evil.yaml").write_text(f"id: evil\ntitle: !!python/object/apply:os.system ['touch {marker}']\n")
    result = run_cli("validate", cwd=survey_root)
    assert result.returncode == 1 and not marker.exists()


def test_loader_keeps_positions_and_yaml12_scalars(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text("# c\nid: e\nflags: [no, yes, true, 2024-10-01, 1.5, 7]\n")
    loaded = load_entry(f, "e.yaml")
    assert loaded.data["flags"] == ["no", "yes", True, "2024-10-01", 1.5, 7]
    assert loaded.positions.value(("flags", 3)) == (3, 24)
    assert loaded.positions.key(("flags",)) == (3, 1)


def test_loader_rejects_multiple_documents(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text("id: a\n---\nid: b\n")
    with pytest.raises(LoadError) as info:
        load_entry(f, "e.yaml")
    assert info.value.problem.line == 2


def test_uncovered_core_field_is_a_warning_not_an_error(survey_root):
    entries = survey_root / "entries"
    text = (entries / "model-a.yaml").read_text().replace("covers: [title, modalities, fusion,", "covers: [title, modalities,")
    (entries / "model-a.yaml").write_text(text)
    result = check(load_project(survey_root))
    assert not result.errors
    assert [w.message for w in result.warnings] == [
        "warning: no source covers 'fusion'; add it to the `covers` of the source it came from"]
    assert run_cli("validate", cwd=survey_root).returncode == 0
    assert run_cli("validate", "--strict", cwd=survey_root).returncode == 1


def test_date_long_before_arxiv_wants_a_note(survey_root):
    entries = survey_root / "entries"
    (entries / "tok-a.yaml").write_text((entries / "tok-a.yaml").read_text().replace('date: "2023-05"', 'date: "2023-01"'))
    result = check(load_project(survey_root), today=dt.date(2025, 1, 1))
    assert [p.message for p in result.problems] == [
        "warning: date 2023-01 is 4 months before arXiv id 2305.00001; say why in date_note (e.g. released before the paper)"]


def test_corpus_backlinks_come_from_declared_references(survey_root):
    corpus = check(load_project(survey_root)).corpus
    labels = {(b.source, b.label) for b in corpus.backlinks["tok-a"]}
    assert ("model-a", "uses this as its speech tokenizer or encoder") in labels
    assert ("study-a", "studied by") in labels
    assert {b.source for b in corpus.backlinks["bench-a"]} == {"model-a", "model-b"}


def test_a_cache_that_cannot_be_written_costs_only_speed(tmp_path):
    """The entry cache is written on a thread while the corpus is assembled: a failure there says nothing and
    changes nothing (a read-only checkout, or here a folder in the cache file's place: root ignores modes)."""
    root = make_root(tmp_path / "survey")
    (root / "build" / ".cache" / "entries.marshal").mkdir(parents=True)
    for command in (["validate"], ["build", "--no-site"]):
        done = run_cli(*command, cwd=root)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr
    assert (root / "build" / ".cache" / "entries.marshal").is_dir()
    assert not [p.name for p in (root / "build" / ".cache").iterdir() if p.name.startswith(".")]  # no temp file left
    assert (root / "build" / "latex" / "survey.tex").exists()
