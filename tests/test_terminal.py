"""On a terminal: caret frames under the problem and a progress bar; piped or NO_COLOR: plain lines."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(120)


def run_in_pty(args, cwd, env=None) -> str:
    """Run a command with stdout and stderr on a pseudo-terminal; return what it printed."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdout=secondary, stderr=secondary, env=env or os.environ.copy())
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(main)
    return b"".join(chunks).decode("utf-8", errors="replace")


def break_kind(root):
    f = root / "entries" / "model-a.yaml"
    f.write_text(f.read_text().replace("kind: model", "kind: modle"))


def test_terminal_shows_a_caret_under_the_problem(survey_root):
    break_kind(survey_root)
    out = run_in_pty([sys.executable, "-m", "builder", "validate"], survey_root)
    lines = out.replace("\r", "").splitlines()
    at = next(i for i, line in enumerate(lines) if "entries/model-a.yaml:4:7: error" in line)
    assert lines[at + 1].strip() == "kind: modle"
    assert lines[at + 2].index("^") == lines[at + 1].index("modle")


def test_no_color_and_pipes_give_plain_lines(survey_root):
    break_kind(survey_root)
    env = {**os.environ, "NO_COLOR": "1"}
    out = run_in_pty([sys.executable, "-m", "builder", "validate"], survey_root, env)
    assert "^" not in out and "entries/model-a.yaml:4:7: error" in out
    piped = subprocess.run([sys.executable, "-m", "builder", "validate"], cwd=survey_root, capture_output=True, text=True)
    assert "^" not in piped.stdout and piped.stdout.startswith("entries/model-a.yaml:4:7: error")


def test_long_runs_show_progress_on_a_terminal(survey_root):
    template = (survey_root / "entries" / "bench-a.yaml").read_text()
    for i in range(600):
        (survey_root / "entries" / f"bench-x{i}.yaml").write_text(template.replace("id: bench-a", f"id: bench-x{i}"))
    out = run_in_pty([sys.executable, "-m", "builder", "validate"], survey_root)
    assert "validate [" in out and "/605" in out  # 600 new entries plus the 5 of the fixture
    piped = subprocess.run([sys.executable, "-m", "builder", "validate"], cwd=survey_root, capture_output=True, text=True)
    assert "validate [" not in piped.stdout + piped.stderr


def test_the_console_script_ends_fast_but_loses_no_output(survey_root):
    """`run` skips the interpreter's teardown (os._exit): everything printed still arrives, with main's exit code."""
    for i in range(300):  # far more output than a pipe buffer holds, so a lost flush would show
        (survey_root / "entries" / f"broken-{i}.yaml").write_text(f"id: broken-{i}\nkind: [nonsense\n")
    piped = subprocess.run([sys.executable, "-m", "builder", "validate"], cwd=survey_root, capture_output=True, text=True)
    assert piped.returncode == 1
    lines = [line for line in piped.stdout.splitlines() if ": error:" in line]
    assert {line.split(":")[0] for line in lines} >= {f"entries/broken-{i}.yaml" for i in range(300)}
    assert piped.stdout.endswith("\n")
