"""The engine is generic: a second survey with another taxonomy builds its tables and site."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

from conftest import REPO

EXAMPLE = REPO / "examples" / "sorting"


def test_the_sorting_survey_builds_tables_latex_and_site(tmp_path):
    root = tmp_path / "sorting"
    shutil.copytree(EXAMPLE, root)
    done = subprocess.run([sys.executable, "-m", "builder", "--root", str(root), "build"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    latex = root / "build" / "latex"
    table = (latex / "tables" / "algorithms.tex").read_text()
    assert "Quicksort \\cite{quicksort}" in table and "\\multicolumn{3}{l}{\\textit{n log n}}" in table
    assert "\\begin{tabular}{lll}" in table  # no X column: natural width, not tabularx
    board = (latex / "tables" / "leaderboard-random-ints.tex").read_text()
    assert "\\textbf{80.0}" in board and "\\underline{95.0}" in board  # lower is better here
    assert "\\begin{forest}" in (latex / "figures" / "family.tex").read_text()
    assert (root / "site" / "index.html").exists()
    page = (root / "site" / "survey" / "entries" / "quicksort" / "index.html").read_text()
    assert "Partition around a pivot" in page
    assert "Average time" in (root / "site" / "survey" / "taxonomy" / "complexity" / "index.html").read_text()


DOMAIN_WORDS = re.compile(r"speech|fusion|codebook|understanding|whisper|tokeniz|audio|qwen|salmonn", re.IGNORECASE)


def test_no_survey_specific_knowledge_in_the_engine():
    """What a survey is about lives in its schema, entries and table definitions, never in builder/."""
    offenders = []
    for f in sorted((REPO / "builder").rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        if f.name == "__init__.py" and f.parent.name == "builder":
            text = text.split('"""', 2)[2]  # the package docstring says what it leaves out
        for n, line in enumerate(text.splitlines(), 1):
            if DOMAIN_WORDS.search(line):
                offenders.append(f"{f.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []
