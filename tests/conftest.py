"""Shared fixtures: a throwaway survey root built from this repo's schema and config."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"


def make_root(dest: Path, entries: Path | None = FIXTURES / "minimal" / "entries") -> Path:
    """A survey directory with this repo's schema, config and table definitions."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schema", dest / "schema")
    shutil.copy(REPO / "survey.yaml", dest / "survey.yaml")
    if (REPO / "mkdocs.yml").exists():
        shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    if (REPO / "docs").exists():
        shutil.copytree(REPO / "docs", dest / "docs", ignore=shutil.ignore_patterns("survey"))
    if entries is not None:
        shutil.copytree(entries, dest / "entries")
    else:
        (dest / "entries").mkdir()
    return dest


@pytest.fixture
def survey_root(tmp_path, monkeypatch) -> Path:
    """The minimal fixture corpus in a fresh root; the working directory is the root."""
    root = make_root(tmp_path / "survey")
    monkeypatch.chdir(root)
    return root
