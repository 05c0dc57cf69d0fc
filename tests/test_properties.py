"""Property-based tests: whatever an entry holds, the pipeline answers with clean problems or clean output."""
from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from html.parser import HTMLParser

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.build import load_definitions, render_all
from builder.check import check
from builder.load import LoadError, parse
from builder.notes import render_notes
from builder.project import load_project
from builder.render.latex_text import escape
from builder.render.markdown import md_text
from builder.validate import validate_entry
from conftest import FIXTURES, make_root, need_tool

MODEL = yaml.safe_load((FIXTURES / "minimal" / "entries" / "model-a.yaml").read_text())

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


@st.composite
def mutated_entries(draw):
    """The model fixture with a few keys deleted, replaced or added at any depth."""
    data = yaml.safe_load(yaml.safe_dump(MODEL))
    for _ in range(draw(st.integers(1, 4))):
        node = data
        path = []
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str) if isinstance(node, dict) else list(range(len(node)))))
            path.append((node, key))
            node = node[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if isinstance(data, dict):
                data[draw(st.text(max_size=12))] = draw(json_values)
            continue
        parent, key = path[-1]
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(json_values)
    return data


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_root(tmp_path_factory.mktemp("props") / "survey")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=mutated_entries())
def test_mutated_entries_never_crash_validate_or_build(root, entry):
    text = yaml.safe_dump(entry, allow_unicode=True, sort_keys=False)
    target = root / "entries" / "model-a.yaml"
    target.write_text(text, encoding="utf-8")
    project = load_project(root)
    result = check(project)  # must not raise
    for problem in result.problems:
        assert problem.line >= 1 and problem.col >= 1 and problem.message.startswith(("error: ", "warning: "))
    if not result.errors:
        render_all(project, result, load_definitions(project))  # must not raise either


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_any_text_parses_or_fails_cleanly(text):
    try:
        loaded = parse(text, "x.yaml")
    except LoadError as exc:
        assert exc.problem.line >= 1 and exc.problem.message.startswith("error: ")
        return
    if isinstance(loaded.data, dict):
        from builder.schema import load_schema
        validate_entry(loaded, load_schema(FIXTURES.parent.parent / "schema" / "entry.schema.json"))


YAML_PIECES = st.sampled_from(["a: 1\n", "a: 2\n", "b:\n", "- x\n", "  - y\n", "  c: d\n", "k: [1, {z: 2}]\n",
                               "&anc v\n", "*anc\n", "!!str 3\n", "!tag x\n", "---\n", "...\n", "? [k]\n: v\n",
                               "e: \"\\x07\"\n", "f: 'q'\n", "g: |\n  t\n", "h: null\n", "i: no\n", "j: 0x1F\n",
                               "{a: 1, a: 2}\n", "l: [\n", "1: one\n", "~: n\n", "m: 1e3\n", "  ", "\t", ":", "#c\n"])


@settings(max_examples=1500, deadline=None)
@given(text=st.lists(YAML_PIECES, max_size=8).map("".join) | st.text(alphabet="ab:- \n[]{}&*!'\"#,?|>", max_size=40)
       | json_values.map(lambda v: yaml.safe_dump(v, default_flow_style=None)))
def test_reading_without_positions_gives_the_same_data_or_the_same_problem(text):
    """parse_data (no positions, for valid files) answers exactly as parse: same data, or the same message."""
    from builder.load import parse_data

    def answer(read):
        try:
            return "data", read()
        except LoadError as exc:
            return "problem", str(exc.problem)
    assert answer(lambda: parse_data(text, "x.yaml")) == answer(lambda: parse(text, "x.yaml").data)


# --- LaTeX: anything compiles, and prints literally ----------------------------------------------
LITERAL_ALPHABET = st.sampled_from(list("abcXYZ019 #$%&~_^\\{}[]<>|\"'`-!?.,;:/@=+*()") + ["é", "ü", "ñ", "ß", "用", "语"])


def _expected(text: str) -> str:
    out = []
    for ch in text:
        if ch == " ":
            continue
        out.append(f"[U+{ord(ch):04X}]" if ord(ch) > 0x2FF else ch)
    return "".join(out)


def _compile(tmp_path, body: str) -> str:
    doc = ("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{textcomp}\\usepackage{lmodern}"
           "\\usepackage{pifont}\\begin{document}\n" + body + "\n\\end{document}\n")
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "t.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "t.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True).stdout


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(LITERAL_ALPHABET, min_size=1, max_size=40), min_size=5, max_size=12))
def test_latex_escape_prints_literally(tmp_path, texts):
    need_tool("pdflatex")
    need_tool("pdftotext")
    # Markers use Q, which the alphabet never produces, and a letter per text so none is a prefix of another;
    # each in an \mbox, which TeX cannot hyphenate (beside a long unbreakable text it made "QQ-DEND").
    mark = [f"QQ{chr(65 + i)}" for i in range(len(texts))]
    body = "\n\n".join(f"\\mbox{{{m}BEGIN}} {escape(t)} \\mbox{{{m}END}}" for m, t in zip(mark, texts))
    printed = unicodedata.normalize("NFKC", _compile(tmp_path, body))
    flat = re.sub(r"\s+", "", printed)
    for m, t in zip(mark, texts):
        got = flat.split(f"{m}BEGIN", 1)[1].split(f"{m}END", 1)[0]
        assert got == unicodedata.normalize("NFKC", _expected(t)), (t, got)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(max_size=60), min_size=5, max_size=12))
def test_any_unicode_compiles(tmp_path, texts):
    need_tool("pdflatex")
    _compile(tmp_path, "\n\n".join(escape(t) for t in texts) or "x")


# --- Markdown and HTML: nothing that runs ------------------------------------------------------
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
            "<a href='javascript:alert(1)'>a</a>", "<svg onload=alert(1)>", "<iframe src=javascript:alert(1)>",
            "![i](javascript:alert(1))", "<a href=\"&#106;avascript:alert(1)\">e</a>", "[x](JaVaScRiPt:alert(1))",
            "<style>*{}</style>", "<object data=x>", "<math><mi xlink:href=javascript:alert(1)>",
            "<details open ontoggle=alert(1)>", "`code`", "**bold**", "|", "\n\n", "<", ">", "&", "\"", "'"]
hostile_text = st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=20)), max_size=12).map("".join)


class Runnable(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "style", "svg", "math", "img"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(name)
            if value and re.sub(r"[\s\x00-\x20]+", "", value).lower().startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{name}={value}")


def runnable(html: str) -> list:
    parser = Runnable()
    parser.feed(html)
    return parser.found


@settings(max_examples=300, deadline=None)
@given(text=hostile_text)
def test_table_text_never_yields_markup(text):
    html = markdown.markdown("| a |\n|---|\n| " + md_text(text) + " |\n\n" + md_text(text), extensions=["tables"])
    assert runnable(html) == []


@settings(max_examples=300, deadline=None)
@given(text=hostile_text)
def test_notes_never_yield_anything_that_runs(text):
    assert runnable(render_notes(text)) == []


def test_the_alphabet_is_wide_enough():
    """Sanity: the literal check covers every ASCII special."""
    assert all(ch in "".join(LITERAL_ALPHABET.elements) for ch in "#$%&~_^\\{}")



@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=60),
       breaks=st.booleans(), keep_unicode=st.booleans())
def test_ascii_text_is_escaped_by_the_table_exactly_as_by_the_per_character_rules(text, breaks, keep_unicode):
    """The LaTeX escaper's fast path for ASCII (a translation table) gives the same text as its rules."""
    from builder.render.latex_text import _escape, _escape_chars
    assert _escape.__wrapped__(text, breaks, keep_unicode) == _escape_chars(text, breaks, keep_unicode)


@settings(max_examples=1000, deadline=None)
@given(text=st.text(max_size=40) | st.text(alphabet=" \t\n\x1c\x85\u00a0\u2003\u2028ab&<>\\`*_{}[]()#+!|-.", max_size=20))
def test_markdown_escaping_skips_only_text_it_would_not_change(text):
    """md_text returns text untouched when nothing in it needs escaping; otherwise it collapses
    whitespace, backslash-escapes Markdown's specials and HTML-escapes <, > and &."""
    from builder.render.markdown import _MD_SPECIAL, _md_text
    spelled_out = html.escape(_MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text)), quote=False)
    assert _md_text.__wrapped__(text) == spelled_out


def test_the_markdown_escaper_knows_every_whitespace_character_but_the_space():
    """Its quick test for "nothing to change" lists them; a character missing there would keep a line break."""
    import sys
    from builder.render.markdown import OTHER_WHITESPACE
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" "}
    assert set(OTHER_WHITESPACE) == every
    assert every == {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))} - {" "}


PROSE_PIECES = st.sampled_from(["a", "Zé", "1", "12.", "1. ", "9)", "١. ", "²", " ", "  ", "\n", "\n\n", "-", "- ",
                                ".", ",;:", "()", "'", '"', "?!", "/", "%", "_", "*", "\t", "#", "—", "中文", "ß", "&", "<"])


@settings(max_examples=2000, deadline=None)
@given(text=st.lists(PROSE_PIECES, max_size=14).map("".join) | st.text(alphabet="ab 1.-\n_*", max_size=30))
def test_plain_prose_is_cut_into_paragraphs_exactly_as_python_markdown_would(text):
    """Notes that are plain prose skip Python-Markdown; what they get is what it would have made."""
    import nh3

    from builder.notes import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, _markdown, plain_prose_html, render_notes
    html = plain_prose_html(text)
    if html is not None:
        assert html == _markdown(text)
        # and sanitising it would change nothing, so render_notes skips the sanitiser
        assert nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, strip_comments=True).strip() == html
        assert render_notes(text) == html


def test_plain_prose_takes_the_short_way_and_markup_does_not():
    from builder.notes import plain_prose_html
    assert plain_prose_html("A codec (24 kHz).\n12.5 Hz frames, 'semantic' first.\n\nSecond.") == \
        "<p>A codec (24 kHz).\n12.5 Hz frames, 'semantic' first.</p>\n<p>Second.</p>"
    for markup in ("*em*", "a_b", "- item", "1. item", "    code", "line  \nbreak", "[link](x)", "a | b", "<b>"):
        assert plain_prose_html(markup) is None, markup


@settings(max_examples=1000, deadline=None)
@given(data=st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) |
                        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3), max_leaves=10),
       path=st.lists(st.sampled_from(["a", "b", "[]", "", "a[]", "b[][]"]), min_size=1, max_size=4).map(".".join))
def test_values_at_reaches_what_walk_reaches(data, path):
    from builder.paths import values_at, walk
    assert values_at(data, path) == [value for _, value in walk(data, path)]


def test_walk_names_the_place_of_every_value_it_reaches():
    from builder.paths import walk
    data = {"a": [{"b": 1}, {"c": 2}, {"b": [3, 4]}], "d": {"b": 5}}
    assert walk(data, "a[].b") == [(("a", 0, "b"), 1), (("a", 2, "b"), [3, 4])]
    assert walk(data, "a[].b[]") == [(("a", 2, "b", 0), 3), (("a", 2, "b", 1), 4)]
    assert walk(data, "d.b") == [(("d", "b"), 5)] and walk(data, "d.x") == [] and walk(data, "d[]") == []
    assert walk(data, ["a", [], "c"]) == [(("a", 1, "c"), 2)]  # a path already split, as some callers pass it
