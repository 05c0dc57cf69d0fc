"""The `slm-survey` command line: parse arguments, call the library, print, return an exit code.

Nothing here does work the library cannot do on its own; tests call the library.
"""
from __future__ import annotations

import argparse
import os
import sys

from builder import __version__

# Imports are inside the commands: a command a build daemon runs costs this process only Python's start,
# this module and builder.daemon_link.

EXIT_USAGE = 2


def _use_frames(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


# What a command returns with stays alive until the process exits: freeing a 10,000-entry corpus object
# by object took validate 0.08 s, and run() ends the process without freeing anything.
_HELD: list = []


def _sweep_temps(project, folders=()) -> None:
    """Delete temp files a killed command left in build/.cache and in these folders. A build sweeps each
    output folder as it first writes there, but an up-to-date build writes nothing, and the cache folder
    is written last."""
    from builder.output import remove_stale_temps_in
    remove_stale_temps_in([project.root / "build" / ".cache", *folders])


def cmd_validate(args, project, daemon=None) -> int:
    from pathlib import Path
    from builder.check import check
    from builder.problems import exit_code
    from builder.reporters import REPORTERS, report_text
    from builder.progress import Progress
    _sweep_temps(project)
    bar = Progress("validate")
    if daemon is not None:  # a long-lived process: holds only its session
        result = daemon.check(project, args.paths)
    else:
        result = check(project, args.paths or None, use_cache=True, progress=bar)
        _HELD.append(result)
    bar.close()
    files = len(result.corpus)
    problems = result.problems if not args.quiet_warnings else result.errors
    if args.format == "text":
        cache: dict = {}

        def lines_of(path):
            if path not in cache:
                try:
                    cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    cache[path] = []
            return cache[path]
        sys.stdout.write(report_text(problems, files, _use_frames(sys.stdout), lines_of))
    else:
        sys.stdout.write(REPORTERS[args.format](problems, files))
    return exit_code(result.problems, strict=args.strict)


def _print_problems(problems, files, fmt="text") -> None:
    from builder.reporters import REPORTERS
    sys.stdout.write(REPORTERS[fmt](problems, files))


def cmd_build(args, project, daemon=None) -> int:
    from builder import manifest
    options = {"site": not args.no_site, "pdf": args.pdf}
    # before reading them: a file saved during the build is news next time
    read = daemon.inputs(project, options) if daemon is not None else manifest.inputs(project, options)
    saved = daemon.saved(project) if daemon is not None else manifest.load(project)
    if daemon is None or not daemon.trusts_outputs():  # a daemon whose last build wrote them left no temp file
        _sweep_temps(project, manifest.output_folders(project, saved))
    if not args.force and manifest.up_to_date(project, options, read, saved):
        print("build: up to date (no entry, schema, table definition or builder file changed)")
        return 0
    from builder.build import build
    from builder.site_pages import site_pages
    from builder.sitebuild import compile_pdf, mkdocs_build
    from builder.progress import Progress
    bar = Progress("build")
    if daemon is not None:
        result = daemon.build(project, read)
    else:
        result = build(project, site_pages=site_pages, force=args.force, use_cache=True, progress=bar)
    bar.close()
    if not result.ok:
        _print_problems(result.check.problems, len(result.check.corpus), args.format)
        print("build: not built; fix the errors above", file=sys.stderr)
        return 1
    if result.check.warnings and args.format == "text":
        _print_problems(result.check.warnings, len(result.check.corpus))
    report = result.report
    print(f"build: {len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.removed)} removed "
          f"({len(result.check.corpus)} entries)")
    if args.pdf:
        done = compile_pdf(project.latex_dir)
        if done is None:
            print("build: --pdf needs pdflatex and bibtex (Debian: texlive-latex-extra)", file=sys.stderr)
            return 1
        if done.returncode != 0:
            print(done.stdout[-3000:], file=sys.stderr)
            return 1
        print(f"build: {project.latex_dir / 'survey.pdf'}")
    if not args.no_site:
        if not (project.root / "mkdocs.yml").exists():
            print("build: no mkdocs.yml; site skipped")
            return 0
        done = mkdocs_build(project)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            print("build: mkdocs build --strict failed", file=sys.stderr)
            return 1
        print(f"build: site written to {project.site_dir}")
    outputs = list(report.paths)
    if not args.no_site:
        outputs.append(project.site_dir / "index.html")
    if args.pdf:
        outputs.append(project.latex_dir / "survey.pdf")
    if daemon is not None:
        daemon.record(project, options, outputs, read, report)
    else:
        manifest.record(project, options, outputs, read, report.stamps)
    return 0


def cmd_stats(args, project) -> int:
    from builder.check import check
    from builder.site_pages import dimension_paths
    from builder.stats import compute_stats, render_text
    result = check(project)
    if result.errors:
        _print_problems(result.errors, len(result.corpus))
        return 1
    stats = compute_stats(result.corpus, result.schema, dimension_paths(result.schema))
    if args.format == "json":
        import dataclasses
        import json
        print(json.dumps(dataclasses.asdict(stats), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(stats))
    return 0


def cmd_new(args, project) -> int:
    from builder.schema import load_schema
    from builder.template import TemplateError, new_entry
    try:
        path = new_entry(project, load_schema(project.schema_path), args.id, args.kind)
    except (TemplateError, FileExistsError) as exc:
        print(f"new: {exc}", file=sys.stderr)
        return 1
    print(f"new: wrote {path}; fill in the TODOs, then run: slm-survey validate {path}")
    return 0


def cmd_fmt(args, project) -> int:
    from builder.check import discover
    from builder.fmt import format_file
    from builder.schema import load_schema
    files, problems = discover(project, args.paths or None)
    if problems:
        _print_problems(problems, 0)
        return 1
    order = load_schema(project.schema_path).key_order()
    changed = []
    for f in files:
        try:
            if format_file(f, order, check_only=args.check):
                changed.append(f)
        except Exception as exc:  # ruamel raises many types for broken YAML; validate explains them
            print(f"fmt: {f}: not formatted ({type(exc).__name__}); run slm-survey validate", file=sys.stderr)
            return 1
    verb = "would reformat" if args.check else "reformatted"
    for f in changed:
        print(f"{verb} {f}")
    print(f"fmt: {len(changed)} of {len(files)} entries {verb}")
    return 1 if (args.check and changed) else 0


def _import(args, project, parse_fn, tool) -> int:
    from pathlib import Path
    from builder.importers.stubs import apply, plan, report
    from builder.schema import load_schema
    source = Path(args.file)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        print(f"{tool}: cannot read {source}: {exc.strerror}", file=sys.stderr)
        return 1
    text = raw.decode("utf-8", errors="replace")
    from builder.importers.records import KindRules
    records, skipped = parse_fn(text, str(source), KindRules.from_config(project.raw))
    out_dir = Path(args.out).resolve() if args.out else None
    planned = plan(records, project, load_schema(project.schema_path), out_dir, tool, beside=args.beside)
    if not args.dry_run:
        apply(planned)
    sys.stdout.write(report(planned, skipped, args.dry_run))
    return 0


def cmd_import_notes(args, project) -> int:
    from builder.importers.notes import parse_notes
    return _import(args, project, parse_notes, "import-notes")


def cmd_import_bib(args, project) -> int:
    from builder.importers.bibtex import parse_bibtex
    return _import(args, project, parse_bibtex, "import-bib")


def cmd_export(args, project) -> int:
    from pathlib import Path
    from builder.check import check
    from builder.export import export
    result = check(project, use_cache=True)
    if result.errors:
        _print_problems(result.errors, len(result.corpus))
        print("export: fix the errors above first", file=sys.stderr)
        return 1
    out = Path(args.output)
    export(result.corpus, result.schema, args.format, out)
    print(f"export: {len(result.corpus)} entries to {out} ({args.format})")
    return 0


def cmd_daemon(args, project) -> int:
    from builder import daemon
    if args.action == "start":
        message, code = daemon.start(str(project.root), args.idle_minutes)
    elif args.action == "stop":
        message, code = daemon.stop(project.root)
    else:
        message, code = daemon.status(project.root)
    print(message, file=sys.stderr if code == 1 else sys.stdout)
    return code


def cmd_serve(args, project) -> int:
    import gc
    from builder.serve import serve
    gc.enable()  # a long-running process: only its rebuilds pause the collector
    return serve(project, args.address, dirty=args.dirty)


class _Version(argparse.Action):
    """--version, and whether entries are read by the compiled reader (a slow install shows here)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from builder.load import compiled_reader
        reader = compiled_reader()
        how = (f"entries read with {reader} (builder._yamldata)" if reader != "python" else
               "entries read in Python: builder._yamldata is not built (needs a C compiler and libyaml-dev; see README)")
        print(f"slm-survey {__version__}; {how}")
        parser.exit()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slm-survey",
        description="Validate survey entries and build the survey's tables, LaTeX and site.")
    parser.add_argument("--root", default=".", help="the survey directory (holding survey.yaml); default: current directory")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and which YAML reader is in use")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check entries against the schema and each other",
                       description="Check entries (default: all of entries/) against the schema and each other. "
                                   "Prints PATH:LINE:COL: message per problem; exits 1 on any error.")
    p.add_argument("paths", nargs="*", help="entry files or folders inside entries/ (default: all)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text",
                   help="text for people, json for tools, github for pull-request annotations")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--quiet-warnings", action="store_true", help="print errors only")
    p.add_argument("--no-daemon", action="store_true", help=_NO_DAEMON)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="validate, then write tables, figures, BibTeX, the paper and the site",
                       description="Validate the entries; if there is no error, write the LaTeX (build/latex/), the site's "
                                   "generated pages (docs/survey/, docs/index.md) and run mkdocs build --strict into site/. "
                                   "Outputs are written atomically and only when their bytes change.")
    p.add_argument("--no-site", action="store_true", help="write the pages but do not run MkDocs")
    p.add_argument("--pdf", action="store_true", help="also compile build/latex/survey.pdf with pdflatex and bibtex")
    p.add_argument("--format", choices=["text", "json", "github"], default="text", help="how to print validation problems")
    p.add_argument("--force", action="store_true", help="rewrite every output even when its bytes are unchanged")
    p.add_argument("--no-daemon", action="store_true", help=_NO_DAEMON)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("stats", help="counts per taxonomy value and year, and how complete each field is",
                       description="Print counts per kind, year and taxonomy value, and per-field coverage "
                                   "(known / unknown with a reason / missing). The same page is on the site.")
    p.add_argument("--format", choices=["text", "json"], default="text", help="text for people, json for tools")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("new", help="write a commented template entry (never over an existing one)",
                       description="Write entries/<kind>s/<id>.yaml: required keys with TODO placeholders, optional keys "
                                   "commented out with their descriptions. Refuses an id that exists.")
    p.add_argument("id", help="the new entry's id (lowercase slug, also its file name)")
    p.add_argument("--kind", required=True, help="a value of the schema's kind dimension, e.g. model")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("fmt", help="put entries in the canonical layout, keeping comments",
                       description="Reorder top-level keys to the schema's order and double-quote dates and arXiv ids, "
                                   "keeping comments and formatting (ruamel.yaml round trip). Writes atomically.")
    p.add_argument("paths", nargs="*", help="entry files or folders inside entries/ (default: all)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if any entry would be reformatted")
    p.set_defaults(func=cmd_fmt)

    for name, func, what in (("import-notes", cmd_import_notes, "paper notes (one `### YYYYMM `tags` Org` section per paper)"),
                             ("import-bib", cmd_import_bib, "a BibTeX file")):
        p = sub.add_parser(name, help=f"entry stubs from {what}",
                           description=f"Write one entry stub per paper in {what}, with every field the source gives and "
                                       "TODOs for the rest, then list what validate still wants for each stub. Never "
                                       "overwrites: an existing id or arXiv id is reported as a clash.")
        p.add_argument("file", help="the file to import")
        p.add_argument("--out", help="folder for the stubs (default: entries/<kind>s/)")
        p.add_argument("--dry-run", action="store_true", help="write nothing; show what would be written")
        p.add_argument("--beside", action="store_true",
                       help="on a clash, write the imported notes next to the existing entry for a merge by hand")
        p.set_defaults(func=func)

    p = sub.add_parser("export", help="the corpus as CSV, JSON, JSONL, BibTeX or SQLite for other tools",
                       description="Write the validated corpus for pandas, DuckDB, datasette or a reference manager. "
                                   "Columns are flattened with stable names and order (from the schema); SQLite has a "
                                   "table per entry kind plus results, training_stages and sources.")
    p.add_argument("--format", required=True, choices=["csv", "json", "jsonl", "bibtex", "sqlite"],
                   help="output format")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="preview the site; pages regenerate when an entry changes",
                       description="Build the pages, start MkDocs' live-reloading server, and rebuild the generated "
                                   "pages whenever a file in entries/ or schema/ changes.")
    p.add_argument("--address", "-a", default="127.0.0.1:8000", help="host:port to serve on (default 127.0.0.1:8000)")
    p.add_argument("--dirty", action="store_true",
                   help="MkDocs rebuilds only the pages an edit changed (much sooner on a large survey; until serve "
                        "restarts, tags on those pages are not links and search may list a renamed heading)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("daemon", help="keep the build in memory so build and validate take a fraction of a second",
                       description="Start, stop or ask about a build daemon for this survey. While it runs, `build` "
                                   "(without --force) and `validate` run in it: it keeps the entries and "
                                   "everything rendered in memory and redoes only what changed, so one edited entry costs "
                                   "a fraction of a second even with thousands of entries. The outputs are exactly a "
                                   "fresh build's. It stops after --idle-minutes without a command.")
    p.add_argument("action", choices=["start", "stop", "status"], help="start it in the background, stop it, or "
                                                                         "print its state (exit 3 if not running)")
    p.add_argument("--idle-minutes", type=float, default=60.0, help="stop after this long without a command (default 60)")
    p.set_defaults(func=cmd_daemon)
    return parser


_NO_DAEMON = ("work in this process even if a build daemon (`slm-survey daemon start`) is running; "
              "SLM_SURVEY_NO_DAEMON=1 does the same")


def main(argv=None, daemon=None) -> int:
    """daemon: the builder.daemon.Daemon running this command line for a client (build and validate then
    use its session); without it, a command a running daemon can take is sent there."""
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    if daemon is None:
        from builder.daemon_link import forward
        code = forward(args, argv)
        if code is not None:
            return code
    from builder.project import ConfigError, load_project
    from builder.memory import paused_gc
    try:
        project = load_project(args.root)
        with paused_gc():
            if daemon is not None:
                return args.func(args, project, daemon=daemon)
            return args.func(args, project)
    except ConfigError as exc:  # survey.yaml, or the entry schema or table definitions a command read
        if exc.problems:
            print(f"{exc}\nslm-survey: fix the survey's settings above first", file=sys.stderr)
        else:
            print(f"slm-survey: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


def run() -> None:
    """The console script: main(), then an exit that does not free the heap object by object.

    A 10,000-entry build ends holding millions of objects; the interpreter's orderly teardown spent
    most of a second freeing them one by one, where the system takes the memory back at once. Only
    when nothing needs an orderly exit: streams are flushed first, and with a child process still
    alive the usual exit runs. The cyclic collector stays off for the whole process (`serve` turns it
    back on for its long life).
    """
    import gc
    gc.disable()  # commands pause it anyway; re-enabled on the way out, it made one full pass over the heap (0.15 s)
    code = main()
    if "multiprocessing" in sys.modules:
        import multiprocessing
        if multiprocessing.active_children():
            sys.exit(code)
    from builder.processes import exit_now
    exit_now(code)

