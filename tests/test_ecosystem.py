"""Fitting in: exports that other tools load, pre-commit hooks, editor settings, the CI workflow."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.schema import load_schema
from conftest import REPO, repo_corpus_root


def export(root, fmt, name):
    out = root / name
    old = os.getcwd()
    os.chdir(root)
    try:
        assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    finally:
        os.chdir(old)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return repo_corpus_root(tmp_path_factory.mktemp("export") / "survey")


def test_csv_loads_in_pandas_with_stable_columns(root):
    import pandas as pd
    frame = pd.read_csv(export(root, "csv", "corpus.csv"))
    assert len(frame) == 47 and list(frame.columns[:4]) == ["id", "name", "title", "kind"]
    assert {"fusion.input", "fusion.output", "backbone.name", "understanding_level.level"} <= set(frame.columns)
    ichigo = frame.set_index("id").loc["ichigo"]
    assert ichigo["fusion.input"] == "discrete_tokens" and float(ichigo["backbone.size_b"]) == 8.0
    tts = frame.set_index("id").loc["tts-llama"]
    assert tts["tokenizer"].startswith("unknown: ")
    again = pd.read_csv(export(root, "csv", "again.csv"))
    assert list(again.columns) == list(frame.columns)


def test_sqlite_has_a_table_per_kind_and_results(root):
    db = sqlite3.connect(export(root, "sqlite", "corpus.sqlite"))
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"model", "tokenizer", "benchmark", "analysis", "results", "training_stages", "sources"} <= tables
    n_models = db.execute("SELECT count(*) FROM model").fetchone()[0]
    assert n_models == 26  # 25 models plus the hostile fixture
    best = db.execute("SELECT model, value FROM results WHERE benchmark='librispeech' AND task='test-clean' "
                      "AND model IS NOT NULL ORDER BY value LIMIT 1").fetchone()
    assert best == ("kimi-audio", 1.28)
    stages = db.execute("SELECT count(*) FROM training_stages WHERE entry_id='ichigo'").fetchone()[0]
    assert stages == 3
    users = {r[0] for r in db.execute("SELECT id FROM model WHERE tokenizer LIKE '%whisper%'")}
    assert {"salmonn", "qwen2-audio"} <= users


def test_bibtex_parses_with_a_bibtex_library(root):
    import bibtexparser
    library = bibtexparser.parse_string(export(root, "bibtex", "corpus.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks and len(library.entries) == 47
    moshi = next(e for e in library.entries if e.key == "moshi")
    assert "Défossez" in moshi.fields_dict["author"].value


def test_json_and_jsonl_round_trip(root):
    data = json.loads(export(root, "json", "corpus.json").read_text())
    lines = [json.loads(line) for line in export(root, "jsonl", "corpus.jsonl").read_text().splitlines()]
    assert data == lines and data[0]["id"] < data[-1]["id"]


def test_vscode_maps_entries_to_the_schema_and_the_schema_explains_itself():
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"]["./schema/entry.schema.json"] == ["entries/**/*.yaml", "entries/**/*.yml"]
    for entry in sorted((REPO / "entries").rglob("*.yaml")):
        assert entry.read_text().startswith("# yaml-language-server: $schema="), entry
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    for key, node in schema.raw["properties"].items():
        assert node.get("title") or schema.resolve(node).get("title"), key


def test_pre_commit_hook_files_are_well_formed():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"slm-survey-validate", "slm-survey-fmt"}
    assert all(h["language"] == "python" and h["entry"].startswith("slm-survey ") for h in hooks)


def test_ci_workflow_validates_tests_builds_and_deploys():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    text = (REPO / ".github" / "workflows" / "ci.yml").read_text()
    assert set(workflow["jobs"]) == {"validate", "test", "deploy"}
    for needle in ("validate --format github", ".ci/run", "mkdocs build --strict", "--pdf",
                   "upload-artifact", "deploy-pages"):
        assert needle in text, needle


@pytest.mark.timeout(900)
def test_pre_commit_run_all_files_passes_in_a_clean_clone(tmp_path):
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pre_commit = Path(sys.executable).with_name("pre-commit")
    done = subprocess.run([str(pre_commit), "run", "--all-files"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
