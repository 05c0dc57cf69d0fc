"""Acceptance suite: every folder under tests/cases/ is an entry (or a few) and what validate must say.

Each case holds `entries/` (copied beside the minimal fixture corpus) and
`case.yaml` with the exit code and the lines the output must contain. Adding a
case is adding a folder.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from conftest import CASES, REPO, make_root

CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "case.yaml").exists())


def run_case(case_dir: Path, tmp_path: Path, monkeypatch) -> tuple[int, str, dict]:
    spec = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    root = make_root(tmp_path / "survey")
    shutil.copytree(case_dir / "entries", root / "entries", dirs_exist_ok=True)
    monkeypatch.chdir(root)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["validate"])
    return code, out.getvalue(), spec


def test_suite_has_cases():
    print(f"\nbad-input suite: {len(CASE_DIRS)} cases in tests/cases/")
    assert len(CASE_DIRS) >= 30


@pytest.mark.timeout(10)
@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case(case_dir, tmp_path, monkeypatch):
    code, output, spec = run_case(case_dir, tmp_path, monkeypatch)
    assert "Traceback" not in output
    assert code == spec["exit"], output
    lines = output.splitlines()
    for expected in spec["expect"]:
        assert any(line.startswith(expected) for line in lines), f"missing {expected!r} in:\n{output}"
    if spec["exit"] == 1:
        first = [line for line in lines if ": error: " in line]
        assert first, output
        # Every problem line has the PATH:LINE:COL: shape.
        for line in first:
            path, line_no, col, _ = line.split(":", 3)
            assert path.startswith("entries/") and line_no.isdigit() and col.isdigit(), line


SCHEMA_LEVEL = [p for p in CASE_DIRS if yaml.safe_load((p / "case.yaml").read_text())["schema_level"]]


def _check_jsonschema(files) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), "--schemafile", str(REPO / "schema" / "entry.schema.json"), *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_check_jsonschema_accepts_every_entry():
    files = sorted((REPO / "entries").rglob("*.yaml"))
    assert files
    result = _check_jsonschema(files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case_dir", SCHEMA_LEVEL, ids=[p.name for p in SCHEMA_LEVEL])
def test_check_jsonschema_rejects_schema_level_cases(case_dir):
    files = sorted((case_dir / "entries").rglob("*.yaml"))
    result = _check_jsonschema(files)
    assert result.returncode == 1, result.stdout + result.stderr
