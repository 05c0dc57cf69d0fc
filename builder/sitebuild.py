"""Run MkDocs on the generated pages (a subprocess, so its config and plugins stay out of our process)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
import subprocess
import sys


def mkdocs_build(project, strict: bool = True) -> subprocess.CompletedProcess:
    config = project.root / "mkdocs.yml"
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(project.site_dir)]
    if strict:
        cmd.append("--strict")
    # Material prints an end-of-life notice on every build; the README covers it (and the Zensical check).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(cmd, cwd=project.root, capture_output=True, encoding="utf-8", errors="replace", env=env)


def compile_pdf(latex_dir) -> subprocess.CompletedProcess | None:
    """pdflatex + bibtex + pdflatex x2 on survey.tex; None when pdflatex is not installed."""
    if not shutil.which("pdflatex") or not shutil.which("bibtex"):
        return None
    steps = [["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "survey.tex"],
             ["bibtex", "survey"],
             ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "survey.tex"],
             ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "survey.tex"]]
    result = None
    for step in steps:
        result = subprocess.run(step, cwd=latex_dir, capture_output=True, encoding="utf-8", errors="replace", timeout=300)
        if result.returncode != 0:
            return result
    # Each figure alone, as a PDF for a paper that includes figures as images.
    for tex in sorted((Path(latex_dir) / "standalone").glob("*.tex")):
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
                              cwd=tex.parent, capture_output=True, encoding="utf-8", errors="replace", timeout=300)
        if done.returncode != 0:
            return done
    return result
