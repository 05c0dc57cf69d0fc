"""Docs cannot drift from the code: every CLI command and option, and every taxonomy dimension, is in the README."""
from __future__ import annotations

import argparse

from builder.cli import make_parser
from builder.schema import load_schema
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _subcommands():
    parser = make_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action


def test_every_command_and_option_has_help_and_is_in_the_readme():
    parser, subparsers = _subcommands()
    for option in parser._actions:
        if option.option_strings and option.dest not in ("help", "version"):
            assert option.help, option.dest
            assert any(s in README for s in option.option_strings), option.option_strings
    help_of = {a.dest: a.help for a in subparsers._choices_actions}
    for name, sub in subparsers.choices.items():
        assert help_of.get(name), f"command {name} has no help"
        assert f"slm-survey {name}" in README, f"command {name} missing from README"
        for option in sub._actions:
            if option.dest == "help":
                continue
            assert option.help, f"{name} {option.dest} has no help"
            if option.option_strings:
                assert any(s in README for s in option.option_strings), f"{name} {option.option_strings} not in README"


def test_every_taxonomy_dimension_is_in_the_readme():
    for dim in load_schema(REPO / "schema" / "entry.schema.json").taxonomy:
        assert f"`{dim.name}`" in README, dim.name
        for value in dim.values:
            if dim.name not in ("understanding_level",):
                assert str(value.value) in README, (dim.name, value.value)


def test_readme_shows_the_two_setup_commands():
    assert "make build" in README and "make test" in README
