"""`slm-survey build` as a library call: validated corpus -> tables, figures, BibTeX, paper, site pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from builder.bibtex import bibtex
from builder.check import CheckResult, check
from builder.figures.data import build_timeline, build_tree
from builder.figures.latex import standalone, timeline_body, timeline_tex, tree_body, tree_tex
from builder.figures.svg import timeline_svg, tree_svg
from builder.load import load_entry
from builder.memo import by_identity
from builder.output import StreamWriter, WriteReport, build_lock
from builder.project import Project
from builder.render.document import survey_document
from builder.render.latex import render_latex
from builder.tables.build import build_tables
from builder.tables.leaderboard import build_leaderboards


@dataclass
class Outputs:
    """Every generated file (path -> text) of one build, before anything is written."""

    files: dict = field(default_factory=dict)
    tables: list = field(default_factory=list)
    leaderboards: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)


@dataclass
class BuildResult:
    check: CheckResult
    report: WriteReport | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None


def load_definitions(project: Project) -> dict:
    return load_entry(project.tables_path, str(project.tables_path)).data


def render_all(project: Project, result: CheckResult, definitions: dict, memo=None) -> Outputs:
    """Pure: from the validated corpus to the text of every output file (a memo only saves work)."""
    corpus, taxonomy = result.corpus, result.schema.taxonomy
    out = Outputs()
    out.tables = build_tables(definitions, corpus, taxonomy, memo)
    out.leaderboards = build_leaderboards(definitions, corpus, memo)
    latex = project.latex_dir
    for table in out.tables:
        out.files[latex / "tables" / f"{table.name}.tex"] = render_latex(
            table, memo.store(("tex", table.name)) if memo is not None else None)
    for table in out.leaderboards:
        out.files[latex / "tables" / f"{table.name}.tex"] = (
            render_latex(table) if memo is None else by_identity(memo.store("tex-leaderboards"), table, render_latex))
    figure_names = []
    for fig in definitions.get("figures", []) or []:
        name, title, caption = fig["name"], fig.get("title", fig["name"]), " ".join(fig.get("caption", "").split())
        if fig["type"] == "tree":
            data = build_tree({**fig, "root": fig.get("root", project.title.split(":")[0])}, corpus, taxonomy, memo)
            out.files[latex / "figures" / f"{name}.tex"] = tree_tex(data, title, caption, name)
            out.files[latex / "standalone" / f"{name}.tex"] = standalone(tree_body(data, cite=False), "7in")
            out.figures[name] = (fig, data)
        elif fig["type"] == "timeline":
            data = build_timeline(fig, corpus, taxonomy, memo)
            out.files[latex / "figures" / f"{name}.tex"] = timeline_tex(data, title, caption, name)
            out.files[latex / "standalone" / f"{name}.tex"] = standalone(timeline_body(data), "3.4in")
            out.figures[name] = (fig, data)
        else:
            raise ValueError(f"unknown figure type {fig['type']!r}")
        figure_names.append(name)
    out.files[latex / "references.bib"] = bibtex(corpus, memo)
    out.files[latex / "survey.tex"] = survey_document(
        project.title, project.description, [t.name for t in out.tables],
        [t.name for t in out.leaderboards], figure_names)
    return out


def figure_svgs(outputs: Outputs, link_for=None) -> dict:
    """name -> SVG text for the site."""
    svgs = {}
    for name, (fig, data) in outputs.figures.items():
        title = fig.get("title", name)
        svgs[name] = tree_svg(data, title, link_for) if fig["type"] == "tree" else timeline_svg(data, title)
    return svgs


def managed_folders(project: Project, site: bool) -> list:
    """Folders whose files are all generated: a build deletes what it no longer produces there."""
    folders = [project.latex_dir / "tables", project.latex_dir / "figures"]
    return folders + [project.generated_dir] if site else folders


def build(project: Project, today: dt.date | None = None, site_pages=None, force: bool = False,
          use_cache: bool = False, progress=None) -> BuildResult:
    """Validate, then (only if there are no errors) write every output atomically, as soon as it is made.

    site_pages, when given, is builder.site_pages.site_pages: its begin_streaming starts the entry
    pages on the other cores (written by the workers) while the tables render here.
    """
    result = check(project, today=today, use_cache=use_cache, progress=progress)
    if result.errors:
        return BuildResult(result)
    definitions = load_definitions(project)
    with build_lock(project.root / "build"):
        sink = StreamWriter(managed_folders(project, site_pages is not None), force)
        writer = site_pages.begin_streaming(project, result, sink, force) if site_pages is not None else None
        try:
            outputs = render_all(project, result, definitions)
            for path in sorted(outputs.files):
                sink(path, outputs.files[path])
            outputs.files = {}  # written: a large survey never holds all its outputs at once
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        report = sink.finish(writer.stream(outputs) if writer is not None else ())
    return BuildResult(result, report)
