"""`slm-survey build` as a library call: validated corpus -> tables, figures, BibTeX, paper, site pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from builder.bibtex import bibtex
from builder.check import CheckResult, check
from builder.figures.data import build_timeline, build_tree
from builder.figures.latex import standalone, timeline_body, timeline_tex, tree_body, tree_tex
from builder.figures.svg import timeline_svg, tree_svg
from builder.configs import DEFINITIONS_SHAPE, ConfigError, definition_problems, load_config
from builder.memo import by_identity
from builder.memory import release_free_memory
from builder.output import StreamWriter, WriteReport, build_lock
from builder.project import Project
from builder.render.document import survey_document
from builder.render.latex import render_latex
from builder.tables.build import iter_tables
from builder.tables.leaderboard import iter_leaderboards


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


def load_definitions(project: Project, schema=None) -> dict:
    """The table and figure definitions, checked against what the engine understands and, given the entry
    schema, against it: the dimensions and fields they name exist (ConfigError otherwise)."""
    loaded = load_config(project.tables_path, DEFINITIONS_SHAPE, "table definitions")
    problems = definition_problems(loaded, schema, project.references) if schema is not None else []
    if problems:
        raise ConfigError(problems)
    return loaded.data


def render_all(project: Project, result: CheckResult, definitions: dict, memo=None, sink=None, site=None) -> Outputs:
    """Pure: from the validated corpus to the text of every output file (a memo only saves work).

    Without sink and site, every file lands in Outputs.files and every table model in Outputs.tables.
    A build passes sink(path, text), which writes each file as soon as it is made, and its SiteWriter,
    which gets each table model for its page right after the LaTeX: the build then holds one table
    model at a time (all of them at once are the largest thing it would hold but the corpus). When that
    writer has a page worker, the leaderboards and the BibTeX are jobs in its queue, not made here.
    """
    corpus, taxonomy = result.corpus, result.schema.taxonomy
    out = Outputs()
    put = sink if sink is not None else out.files.__setitem__
    latex = project.latex_dir
    for table in iter_tables(definitions, corpus, taxonomy, memo):
        put(latex / "tables" / f"{table.name}.tex", render_latex(
            table, memo.store(("tex", table.name)) if memo is not None else None))
        if site is None:
            out.tables.append(table)
        else:
            site.table_page(table)
        del table  # the next table is built only once this one is gone
    queued = site is not None and site.queues_jobs  # the leaderboards and BibTeX are in the page worker's queue
    if not queued:
        latex_leaderboards(project, definitions, corpus, put, site.results if site is not None else None, memo,
                           out.leaderboards.append if site is None else site.leaderboard)
    for fig in definitions.get("figures", []) or []:
        name, title, caption = fig["name"], fig.get("title", fig["name"]), " ".join(fig.get("caption", "").split())
        if fig["type"] == "tree":
            data = build_tree({**fig, "root": fig.get("root", project.title.split(":")[0])}, corpus, taxonomy, memo)
            put(latex / "figures" / f"{name}.tex", tree_tex(data, title, caption, name, _store(memo, ("tree-tex", name))))
            put(latex / "standalone" / f"{name}.tex",
                standalone(tree_body(data, cite=False, cache=_store(memo, ("tree-standalone", name))), "7in"))
            out.figures[name] = (fig, data)
        elif fig["type"] == "timeline":
            data = build_timeline(fig, corpus, taxonomy, memo)
            put(latex / "figures" / f"{name}.tex", timeline_tex(data, title, caption, name))
            put(latex / "standalone" / f"{name}.tex", standalone(timeline_body(data), "3.4in"))
            out.figures[name] = (fig, data)
        else:
            raise ValueError(f"unknown figure type {fig['type']!r}")
    if not queued:
        put(latex / "references.bib", bibtex(corpus, memo))
    return out


def latex_leaderboards(project: Project, definitions: dict, corpus, put, results=None, memo=None, on_table=None) -> None:
    """Each leaderboard's LaTeX (each table model then to on_table), then survey.tex, which inputs every table,
    leaderboard and figure. One job: a build queues it for whichever process is free first (the page
    worker, once a rebuild has found few pages to redo, while the main process renders the tables)."""
    tables = project.latex_dir / "tables"
    names = []
    for table in iter_leaderboards(definitions, corpus, memo, results):
        put(tables / f"{table.name}.tex",
            render_latex(table) if memo is None else by_identity(memo.store("tex-leaderboards"), table, render_latex))
        names.append(table.name)
        if on_table is not None:
            on_table(table)
        del table
    put(project.latex_dir / "survey.tex", survey_document(
        project.title, project.description, [t["name"] for t in definitions.get("tables", [])], names,
        [f["name"] for f in definitions.get("figures", []) or []]))


def _store(memo, name):
    return memo.store(name) if memo is not None else None


def figure_svgs(outputs: Outputs, link_for=None, memo=None) -> dict:
    """name -> SVG text for the site."""
    svgs = {}
    for name, (fig, data) in outputs.figures.items():
        title = fig.get("title", name)
        svgs[name] = (tree_svg(data, title, link_for, _store(memo, ("tree-svg", name))) if fig["type"] == "tree"
                      else timeline_svg(data, title))
    return svgs


def managed_folders(project: Project, site: bool) -> list:
    """Folders whose files are all generated: a build deletes what it no longer produces there."""
    folders = [project.latex_dir / "tables", project.latex_dir / "figures"]
    return folders + [project.generated_dir] if site else folders


def build(project: Project, today: dt.date | None = None, site_pages=None, force: bool = False,
          use_cache: bool = False, progress=None) -> BuildResult:
    """Validate, then (only if there are no errors) write every output atomically, as soon as it is made.

    site_pages, when given, is builder.site_pages.site_pages: its begin_streaming starts the entry
    pages on another core as soon as the corpus is assembled (a forked worker keys and renders them
    during the cross-entry checks and writes them once those passed) while the tables render here.
    """
    writers = []  # the page worker's writer once started (cancelling it once it has finished does nothing)

    def start_pages(corpus, schema) -> None:
        release_free_memory()  # before the page worker forks: it would inherit it
        try:  # the definitions are read once, here: the worker's jobs (the leaderboards) need them too
            writers.append(site_pages.begin_streaming(project, CheckResult(corpus, [], schema), None,
                                                      load_definitions(project, schema), force, gated=True))
        except Exception:  # noqa: BLE001 - a corpus or definitions the checks below refuse; they say why, not this
            pass

    try:
        result = check(project, today=today, use_cache=use_cache, progress=progress,
                       on_corpus=start_pages if site_pages is not None else None)
        if result.errors:
            return BuildResult(result)
        definitions = writers[0].definitions if writers else load_definitions(project, result.schema)
        with build_lock(project.root / "build"):
            sink = StreamWriter(managed_folders(project, site_pages is not None), force)
            if writers:
                writer = writers[0]
                writer.sink = sink
                writer.open_entry_pages()
            elif site_pages is not None:  # its early start failed: the corpus seemed one the checks would refuse
                release_free_memory()
                writer = site_pages.begin_streaming(project, result, sink, definitions, force)
                writers.append(writer)
            else:
                writer = None
            outputs = render_all(project, result, definitions, sink=sink, site=writer)
            report = sink.finish(writer.stream(outputs) if writer is not None else ())
    finally:  # a build that stops short (errors, a settings problem, an interrupt) writes no page
        for started in writers:
            started.cancel()
    return BuildResult(result, report)
