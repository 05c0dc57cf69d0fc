"""The `slm-survey` command line: parse arguments, call the library, print, return an exit code.

Nothing here does work the library cannot do on its own; tests call the library.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from builder import __version__
from builder.problems import exit_code

EXIT_USAGE = 2


def _use_frames(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def cmd_validate(args, project) -> int:
    from builder.check import check
    from builder.reporters import REPORTERS, report_text
    result = check(project, args.paths or None)
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


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slm-survey",
        description="Validate survey entries and build the survey's tables, LaTeX and site.")
    parser.add_argument("--root", default=".", help="the survey directory (holding survey.yaml); default: current directory")
    parser.add_argument("--version", action="version", version=f"slm-survey {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check entries against the schema and each other",
                       description="Check entries (default: all of entries/) against the schema and each other. "
                                   "Prints PATH:LINE:COL: message per problem; exits 1 on any error.")
    p.add_argument("paths", nargs="*", help="entry files or folders inside entries/ (default: all)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text",
                   help="text for people, json for tools, github for pull-request annotations")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--quiet-warnings", action="store_true", help="print errors only")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from builder.project import ConfigError, load_project
    try:
        project = load_project(args.root)
    except ConfigError as exc:
        print(f"slm-survey: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args, project)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
