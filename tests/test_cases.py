"""Acceptance suite: every folder under tests/cases/ is an entry (or a few) and what validate must say.

Each case holds `entries/` (copied beside the minimal fixture corpus) and
`case.yaml` with the exit code and the lines the output must contain. Adding a
case is adding a folder.
"""
from __future__ import annotations

import io
import os
import shutil
import time
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from conftest import CASES, FIXTURES, REPO, TIMINGS, make_root

CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "case.yaml").exists())


GENERATORS = {
    # Too big to keep in the repository: made by the runner, described in case.yaml.
    "big_file": lambda: "id: big\nnotes: " + "x" * (1024 * 1024 + 10) + "\n",
    "deep_nesting": lambda: "id: deep\nx: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "long_string": lambda: (FIXTURES / "minimal" / "entries" / "tok-a.yaml").read_text()
        .replace("id: tok-a", "id: tok-b").replace('arxiv: "2305.00001"', 'arxiv: "2305.00002"')
        .replace("title: A small test tokenizer", "title: " + "y" * 1_000_000),
}
OUTSIDE = "id: outside\ntitle: a file outside the entries folder\n"


def run_case(case_dir: Path, tmp_path: Path, monkeypatch) -> tuple[int, str, dict]:
    spec = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    root = make_root(tmp_path / "survey")
    shutil.copytree(case_dir / "entries", root / "entries", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".keep"))
    if spec.get("generate"):
        gen = spec["generate"]
        (root / "entries" / gen["file"]).write_text(GENERATORS[gen["content"]](), encoding="utf-8")
    if spec.get("symlink"):
        target = tmp_path / spec["symlink"]["target"]
        target.write_text(OUTSIDE)
        os.symlink(target, root / "entries" / spec["symlink"]["name"])
    if spec.get("fifo"):
        os.mkfifo(root / "entries" / spec["fifo"])
    if spec.get("outside"):
        (root / spec["outside"]).write_text(OUTSIDE)
    monkeypatch.chdir(root)
    out = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(out):
        code = main(spec.get("args", ["validate"]))
    TIMINGS[case_dir.name] = time.perf_counter() - started
    return code, out.getvalue(), spec


def test_suite_has_cases():
    print(f"\nbad-input suite: {len(CASE_DIRS)} cases in tests/cases/")
    assert len(CASE_DIRS) >= 40


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
        # One clear error per bad input, not a cascade.
        assert len(first) == spec.get("errors", 1), output
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
