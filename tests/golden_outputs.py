"""Rendered outputs of the minimal fixture corpus, compared with tests/golden/ (regenerate: make golden)."""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from builder.build import load_definitions, render_all
from builder.check import check
from builder.project import load_project
from builder.render.markdown import Links, render_markdown

GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = dt.date(2025, 1, 1)


def render_goldens() -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import make_root
    with tempfile.TemporaryDirectory() as tmp:
        root = make_root(Path(tmp) / "survey")
        project = load_project(root)
        result = check(project, today=TODAY)
        assert not result.errors, result.errors
        outputs = render_all(project, result, load_definitions(project))
        links = Links(entry=lambda i: f"../entries/{i}.md", value=lambda d, v: f"../taxonomy/{d}.md#{d}-{v}")
        by_name = {t.name: t for t in outputs.tables + outputs.leaderboards}
        files = {
            "architectures.md": render_markdown(by_name["architectures"], links),
            "leaderboard-bench-a.md": render_markdown(by_name["leaderboard-bench-a"], links),
            "architectures.tex": outputs.files[project.latex_dir / "tables" / "architectures.tex"],
            "levels.tex": outputs.files[project.latex_dir / "tables" / "levels.tex"],
            "references.bib": outputs.files[project.latex_dir / "references.bib"],
        }
    return files


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for name, text in render_goldens().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name}")
