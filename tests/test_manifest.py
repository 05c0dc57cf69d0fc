"""An unchanged build is answered from file stamps alone; any change to an input or output is noticed."""
from __future__ import annotations

import os

from conftest import make_root, run_main

UP_TO_DATE = "build: up to date"


def _build(root, *extra) -> str:
    code, out = run_main("--root", str(root), "build", "--no-site", *extra)
    assert code == 0, out
    return out


def test_a_second_build_with_nothing_changed_is_up_to_date(tmp_path):
    root = make_root(tmp_path / "survey")
    assert UP_TO_DATE not in _build(root)
    assert UP_TO_DATE in _build(root)


def test_a_relative_root_reads_the_same_manifest(tmp_path, monkeypatch):
    root = make_root(tmp_path / "survey")
    _build(root)
    monkeypatch.chdir(tmp_path)
    assert UP_TO_DATE in _build("survey")
    monkeypatch.chdir(root)
    assert UP_TO_DATE in _build(".")


def test_an_edited_input_or_an_edited_or_deleted_output_means_a_real_build(tmp_path):
    root = make_root(tmp_path / "survey")
    _build(root)
    page = next((root / "docs" / "survey" / "entries").glob("*.md"))
    original = page.read_bytes()

    page.write_text("edited by hand\n", encoding="utf-8")
    assert UP_TO_DATE not in _build(root)
    assert page.read_bytes() == original  # restored

    page.unlink()
    assert UP_TO_DATE not in _build(root)
    assert page.read_bytes() == original

    entry = next((root / "entries").rglob("*.yaml"))
    stat = entry.stat()
    entry.write_bytes(entry.read_bytes() + b"\n# a comment\n")
    os.utime(entry, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert UP_TO_DATE not in _build(root)
    assert UP_TO_DATE in _build(root)


def test_an_entry_saved_while_a_build_runs_makes_the_next_build_a_real_one(tmp_path, monkeypatch):
    """The manifest keeps the stamps the inputs had when the build began, not when it ended."""
    import builder.build
    root = make_root(tmp_path / "survey")
    entry = next((root / "entries").rglob("*.yaml"))
    real_build = builder.build.build

    def build_during_which_the_entry_is_saved(*args, **kwargs):
        result = real_build(*args, **kwargs)
        entry.write_text(entry.read_text(encoding="utf-8") + "# saved during the build\n", encoding="utf-8")
        return result
    monkeypatch.setattr(builder.build, "build", build_during_which_the_entry_is_saved)
    assert UP_TO_DATE not in _build(root)
    monkeypatch.setattr(builder.build, "build", real_build)
    assert UP_TO_DATE not in _build(root)
    assert UP_TO_DATE in _build(root)


def test_the_builders_code_is_an_input_but_its_bytecode_is_not(tmp_path, monkeypatch):
    """Python writes builder/__pycache__ when it runs the builder: that must not make the next build a full one."""
    from builder import manifest
    from builder.project import load_project
    code = tmp_path / "code"
    (code / "__pycache__").mkdir(parents=True)
    (code / "tables.py").write_text("x = 1\n")
    monkeypatch.setattr(manifest, "CODE", code)
    project = load_project(make_root(tmp_path / "survey"))
    before = manifest.inputs(project, {})
    (code / "__pycache__" / "tables.cpython-311.pyc").write_bytes(b"bytecode")
    assert manifest.inputs(project, {}) == before
    (code / "tables.py").write_text("x = 2\n")
    assert manifest.inputs(project, {}) != before


def _dead_pid() -> int:
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_files_a_killed_command_left_go_with_the_next_build_or_validate(tmp_path):
    """A build killed mid-write leaves a temp file beside the output (or the cache file) it was writing.
    The next build deletes them: an up-to-date one too, which writes nothing, and also where only the page
    worker writes (survey.tex, the entry pages). validate sweeps the cache. A running process's stays."""
    root = make_root(tmp_path / "survey")
    _build(root)
    cache, latex, pages = root / "build" / ".cache", root / "build" / "latex", root / "docs" / "survey" / "entries"
    dead = _dead_pid()
    left = [cache / f".manifest.json.{dead}-3.tmp", latex / f".survey.tex.{dead}-4.tmp",
            next(pages.glob("*.md")).parent / f".page.md.{dead}-5.tmp"]
    alive = cache / f".pages.marshal.{os.getpid()}-7.tmp"

    def plant():
        for f in (*left, alive):
            f.write_text("half", encoding="utf-8")
    plant()
    assert UP_TO_DATE in _build(root)
    assert not any(f.exists() for f in left) and alive.exists()
    plant()
    (cache / "manifest.json").unlink()  # no record of the outputs' folders: the writers sweep them
    assert UP_TO_DATE not in _build(root)
    assert not any(f.exists() for f in left) and alive.exists()
    plant()
    code, out = run_main("--root", str(root), "validate")
    assert code == 0, out
    assert not left[0].exists() and alive.exists()


def test_the_folders_swept_are_those_of_recorded_outputs_inside_the_survey(tmp_path):
    """A manifest is a file on disk like any other: a path that leaves the survey names no folder to sweep."""
    from types import SimpleNamespace

    from builder.manifest import output_folders
    project = SimpleNamespace(root=tmp_path)
    saved = {"outputs": {"build/latex/tables/a.tex": [1, 2], "build/latex/tables/b.tex": [1, 2], "docs/index.md": [1, 2],
                         "../elsewhere/x.md": [1, 2], "/etc/x": [1, 2]}}
    assert output_folders(project, saved) == [tmp_path / "build/latex/tables", tmp_path / "docs"]
    assert output_folders(project, {}) == [] and output_folders(project, {"outputs": ["a"]}) == []
