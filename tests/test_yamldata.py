"""The compiled reader (builder/_yamldata.c) answers exactly as the Python reader it speeds up.

builder.load.parse_data reads valid entry files with it where it is built. Its answer is
final for the files it accepts, so it must give exactly the data parse() gives: the same
types (1, 1.0 and True are different answers), the same keys in the same order, and
the same strings interned (the build relies on shared strings for its memory). Everything it
calls unusual is handed to parse(), so problems keep their wording and place; it must not
call unusual what the Python reader reads without help, or the speed is silently lost.
"""
from __future__ import annotations

import marshal
import os

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import builder.load
from builder.load import LoadError, compiled_reader, parse, parse_data, parse_data_python
from conftest import FIXTURES, REPO

try:
    from builder import _yamldata
except ImportError:  # not built here; test_the_compiled_reader_is_built says so
    _yamldata = None

needs_reader = pytest.mark.skipif(_yamldata is None, reason="builder._yamldata is not built here (see README)")


def test_the_compiled_reader_is_built():
    """CI installs libyaml's headers, so a reader missing there is an install step that failed."""
    if _yamldata is None:
        if os.environ.get("CI"):
            pytest.fail("builder._yamldata was not built: is libyaml-dev installed? (pip install -e . says why)")
        pytest.skip("builder._yamldata is not built here: files are read by the Python reader (slower, same data)")
    assert compiled_reader().startswith("libyaml ")


def interned(text: str) -> bool:
    """Whether a string is interned, without interning it (sys.intern would): marshal's type code says."""
    return chr(marshal.dumps(text)[0] & 0x7F) in "tZ"  # TYPE_INTERNED, TYPE_SHORT_ASCII_INTERNED


def same(a, b) -> bool:
    """Equal, with the same types throughout, dict keys in the same order and the same strings interned."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(k, k2) for k, k2 in zip(a, b)) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, str):
        return a == b and interned(a) == interned(b)
    if isinstance(a, float) and a != a:
        return b != b  # NaN
    return a == b


def answer(read):
    try:
        return "data", read()
    except LoadError as exc:
        return "problem", str(exc.problem)


def agree(text: str) -> None:
    """The compiled reader's answer for text is parse()'s, and it needs parse() no more than the Python reader."""
    expected = answer(lambda: parse(text, "x.yaml").data)
    got = _yamldata.load(text)
    if got is not _yamldata.UNUSUAL:
        assert expected[0] == "data" and same(got, expected[1]), (text, got, expected)
    fallbacks = []
    real_parse = builder.load.parse

    def counting_parse(*args):
        fallbacks.append(args)
        return real_parse(*args)
    builder.load.parse = counting_parse
    try:
        python = answer(lambda: parse_data_python(text, "x.yaml"))
    finally:
        builder.load.parse = real_parse
    if not fallbacks and _yamldata.well_formed(text):  # the Python reader read it alone: so must the compiled
        assert got is not _yamldata.UNUSUAL, text     # one, unless its own libyaml refuses the syntax (below)
    assert python[0] == expected[0] and (same(python[1], expected[1]) if python[0] == "data"
                                         else python[1] == expected[1])
    final = answer(lambda: parse_data(text, "x.yaml"))
    assert final[0] == expected[0] and (same(final[1], expected[1]) if final[0] == "data" else final[1] == expected[1])


SCALARS = [
    # the core schema's null, booleans and their near misses
    "", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "yes",
    "no", "on", "off", "y", "n",
    # integers: signs, zeros, 18 digits (an int) and 19 (a float), non-decimal forms (strings)
    "0", "-0", "+0", "007", "00", "+1", "-1", "123456789012345678", "-123456789012345678",
    "1234567890123456789", "99999999999999999999999999999999999999", "0x1F", "0o17", "0b101", "1_000",
    "1,000",
    # floats and what only looks like one
    "1.", ".5", "+.5", "-.5e-3", "1e5", "1E5", "1e+5", "1.5e-07", "1e400", "-1e400", ".", "+", "-", "+.", "-.",
    "1e", "1e+", "e5", ".e5", "1.2.3", "1..2", ".inf", "-.inf", ".nan", ".NaN", "inf", "nan",
    "0.1000000000000000055511151231257827021181583404541015625", "1" * 38 + ".5", "1" * 39 + ".5",
    # strings of every length around the interning limit, and dates that stay strings
    "x" * 40, "x" * 41, "é" * 40, "é" * 41, "2024-01", "2024-01-15", "12:30", "1:20:30",
]


@needs_reader
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("form", ["plain", "single", "double", "key", "tagged", "in-flow", "literal"])
def test_scalars_resolve_as_the_python_reader_resolves_them(scalar, form):
    text = {
        "plain": f"k: {scalar}\n",
        "single": f"k: '{scalar}'\n",
        "double": f'k: "{scalar}"\n',
        "key": f"{scalar}: v\n" if scalar else "? ''\n: v\n",
        "tagged": f"k: !!str {scalar}\n",
        "in-flow": f"k: [{scalar}, {{a: {scalar}}}]\n",
        "literal": f"k: |\n  {scalar}\n",
    }[form]
    agree(text)


# Every character the reader refuses in a string, and its neighbours, which it must let through.
CHARACTERS = ([chr(c) for c in range(0x20)] + ["\x7f", "\x80", "\x85", "\x9f", "\xa0", "\u061b", "\u061c",
              "\u061d", "\u200d", "\u200e", "\u200f", "\u2010", "\u2028", "\u2029", "\u202a", "\u202e", "\u202f",
              "\u2065", "\u2066", "\u2069", "\u206a", "\ufeff", "\U0001f600"])


@needs_reader
@pytest.mark.parametrize("char", CHARACTERS, ids=[f"U+{ord(c):04X}" for c in CHARACTERS])
@pytest.mark.parametrize("form", ["escaped", "raw-quoted", "raw-plain", "raw-key", "comment"])
def test_control_and_bidirectional_characters_are_caught_where_the_python_reader_catches_them(char, form):
    escape = f"\\U{ord(char):08x}"
    text = {
        "escaped": f'k: "a{escape}b"\n',
        "raw-quoted": f"k: 'a{char}b'\n",
        "raw-plain": f"k: a{char}b\n",
        "raw-key": f"a{char}b: v\n",
        "comment": f"k: v # a{char}b\n",
    }[form]
    agree(text)


STRUCTURES = [
    "", "\n", "# only a comment\n", "---\n", "---\n...\n", "...\n", "--- |\n  text\n", "plain scalar\n", "- a\n- b\n",
    "a: 1\nb:\n  c: [1, 2]\n", "a: {}\nb: []\n", "{a: 1, b: [x, {c: d}]}\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n---\nb: 2\n",
    "a: 1\na: 2\n", "{a: 1, a: 2}\n", "a:\n  b: 1\n  b: 2\n", "a: &x 1\nb: *x\n", "a: &x [1]\n", "&x a: 1\n", "a: *x\n",
    "? [k]\n: v\n", "? {k: v}\n: v\n", "[a]: v\n", "a: !!map {}\n", "a: !!seq []\n", "a: !!map text\n", "a: !!int 3\n",
    "a: !!float 3\n", "a: !!binary aGk=\n", "a: !custom x\n", "a: ! x\n", "a: ! 12\n", "%TAG !e! tag:example.com,2000:\n--- !e!x\na: 1\n",
    "%TAG !! tag:yaml.org,2002:\n---\na: !!str 1\n", "%YAML 1.1\n---\na: 1\n", "%YAML 1.2\n---\na: 1\n", "%YAML 2.0\n---\na: 1\n",
    "a: [1, 2\n", "a: 'unclosed\n", "a:\tb\n", "\ta: b\n", "a: b: c\n", "- a\nb: c\n", "a:\n- b\n- c\n",
    "a: >\n  folded\n  text\n\n  more\n", "a: |-\n  keep\n", "a: |+\n  keep\n\n", "a: \"multi\n  line\"\n",
    "a: 'it''s'\n", 'a: "\\t\\u00e9\\x41"\n', "a: \"\\ud800\"\n", "\ufeffa: 1\n", "a: 1\n\ufeff\n", "a: 1\r\nb: 2\r\n",
    "a: 1\rb: 2\r", "a: x\u2028y\n", "a: x\u0085y\n",
    "{" * 31 + "}" * 31 + "\n", "a: " + "[" * 31 + "]" * 31 + "\n", "a: " + "[" * 32 + "]" * 32 + "\n",
    "[" * 33 + "]" * 33 + "\n", "a: " + "[" * 200 + "\n",
]


@needs_reader
@pytest.mark.parametrize("text", STRUCTURES)
def test_documents_read_as_the_python_reader_reads_them(text):
    agree(text)


@needs_reader
def test_every_entry_of_the_repository_and_the_fixtures_reads_the_same():
    files = sorted([*(REPO / "entries").rglob("*.yaml"), *FIXTURES.rglob("*.yaml"),
                    *(REPO / "tests" / "cases").rglob("*.yaml")])
    assert len(files) > 100
    for f in files:
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue  # refused before any reader sees it
        if "\x00" not in text:
            agree(text)


PIECES = st.sampled_from([
    "a: 1\n", "a: 2\n", "b:\n", "- x\n", "  - y\n", "  c: d\n", "k: [1, {z: 2}]\n", "&anc v\n", "*anc\n", "!!str 3\n",
    "!tag x\n", "---\n", "...\n", "? [k]\n: v\n", "e: \"\\x07\"\n", "f: 'q'\n", "g: |\n  t\n", "h: null\n", "i: no\n",
    "j: 0x1F\n", "{a: 1, a: 2}\n", "l: [\n", "1: one\n", "~: n\n", "m: 1e3\n", "  ", "\t", ":", "#c\n", "n: -.5\n",
    "o: 123456789012345678901\n", "p: \u202e\n", "q: \"\\u202e\"\n", "r: '\u0085'\n", "s: \ufeff\n", "- - - z\n",
    "t: !!map {}\n", "%YAML 1.2\n", "u: \"\\\n  v\"\n", "w: >-\n  x\n  y\n", "? z\n", "x" * 41 + ": long\n",
])


@needs_reader
@settings(max_examples=3000, deadline=None)
@given(text=st.lists(PIECES, max_size=10).map("".join)
       | st.text(alphabet="ab1.:- \n\t[]{}&*!'\"#,?|>%~\\\u202e\x85", max_size=60)
       | st.text(max_size=80)
       | st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                      max_leaves=12).map(lambda v: yaml.safe_dump(v, default_flow_style=None, allow_unicode=True)))
def test_any_text_reads_as_the_python_reader_reads_it(text):
    agree(text)


@needs_reader
def test_syntax_the_two_libyamls_judge_differently_is_left_to_parse():
    """PyYAML's wheel carries libyaml 0.2.6, Debian's libyaml-dev is 0.2.5: '[?]' is a list holding one
    pair for the first and an error for the second. Whichever this module has, parse_data answers as parse()."""
    assert _yamldata.well_formed("a: [1, {b: c}]\n") and not _yamldata.well_formed("a: [\n")
    text = "[?]"
    if not _yamldata.well_formed(text):
        assert _yamldata.load(text) is _yamldata.UNUSUAL
    assert same(parse_data(text, "x.yaml"), parse(text, "x.yaml").data)
    agree(text)


@pytest.mark.parametrize("built", [True, False])
def test_version_says_which_reader_reads_the_entries(built, monkeypatch, capsys):
    from builder.cli import main
    if built and _yamldata is None:
        pytest.skip("builder._yamldata is not built here")
    if not built:
        monkeypatch.setattr(builder.load, "_compiled_load", None)
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("slm-survey ")
    assert ("entries read with libyaml " in out) if built else ("not built (needs a C compiler and libyaml-dev" in out)


def test_without_the_compiled_reader_entries_read_the_same(monkeypatch):
    """Where it is not built, parse_data reads in Python: same data, same problems."""
    texts = [f.read_text(encoding="utf-8") for f in sorted(FIXTURES.rglob("*.yaml"))]
    texts += ["a: 1\na: 2\n", "a: &x 1\n", "k: [1, 1.5, ~, 'q', \"\\u202e\"]\n"]
    with_reader = [answer(lambda: parse_data(t, "x.yaml")) for t in texts]
    monkeypatch.setattr(builder.load, "_compiled_load", None)
    without = [answer(lambda: parse_data(t, "x.yaml")) for t in texts]
    assert all(a[0] == b[0] and (same(a[1], b[1]) if a[0] == "data" else a[1] == b[1]) for a, b in zip(with_reader, without))
    assert sum(a[0] == "problem" for a in without) == 3
