"""Shared fixtures: a throwaway survey root built from this repo's schema and config."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMINGS: dict = {}  # bad-input case -> seconds, reported at the end of the run
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"


def run_main(*args) -> tuple[int, str]:
    """Run the CLI in this process; return its exit code and what it printed."""
    import io
    from contextlib import redirect_stdout

    from builder.cli import main
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


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


def generated_survey(dest: Path, n: int) -> Path:
    """A synthetic survey of n entries (benchmarks/generate.py): past 200, files are read by worker processes."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(n, dest)


def repo_corpus_root(dest: Path) -> Path:
    """This repository's entries plus the hostile and CJK fixtures, in a fresh root."""
    root = make_root(dest, entries=None)
    for f in sorted((REPO / "entries").rglob("*.yaml")):
        target = root / "entries" / f.relative_to(REPO / "entries")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, target)
    for f in sorted((FIXTURES / "hostile" / "entries").glob("*.yaml")):
        shutil.copy(f, root / "entries" / f.name)
    return root


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One full build (LaTeX, PDF, site) of the repo corpus plus hostile fixtures, shared by the slow tests."""
    from builder.build import build
    from builder.project import load_project
    from builder.site_pages import site_pages
    from builder.sitebuild import compile_pdf, mkdocs_build
    root = repo_corpus_root(tmp_path_factory.mktemp("built") / "survey")
    project = load_project(root)
    result = build(project, site_pages=site_pages)
    assert result.ok, [p.message for p in result.check.errors]
    pdf = compile_pdf(project.latex_dir) if shutil.which("pdflatex") else None
    site = mkdocs_build(project)
    return {"root": root, "project": project, "result": result, "pdf": pdf, "site": site}


def need_tool(name: str):
    """Skip when a system tool is missing, except in CI, where .ci/run installs it."""
    if shutil.which(name) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed; .ci/run should have installed it")
        pytest.skip(f"{name} is not installed (Debian: see .ci/run)")


@pytest.fixture
def survey_root(tmp_path, monkeypatch) -> Path:
    """The minimal fixture corpus in a fresh root; the working directory is the root."""
    root = make_root(tmp_path / "survey")
    monkeypatch.chdir(root)
    return root


def pytest_terminal_summary(terminalreporter):
    """Report the bad-input suite: how many cases, how many passed, the slowest."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])
               if getattr(r, "when", "") == "call" and "test_cases.py::test_case[" in r.nodeid]
    if not reports:
        return
    passed = sum(1 for r in reports if r.passed)
    slowest = max(TIMINGS.items(), key=lambda kv: kv[1]) if TIMINGS else ("-", 0.0)
    terminalreporter.write_line(
        f"bad-input suite: {len(reports)} cases, {passed} passed, {len(reports) - passed} failed; "
        f"slowest {slowest[0]} {slowest[1]:.2f}s (informational, not asserted)")
