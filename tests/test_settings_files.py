"""The survey's own files (survey.yaml, the entry schema, the table definitions) are untrusted too: a mistake
in one is one PATH:LINE:COL line per problem and exit code 2, before anything is written, never a traceback."""
from __future__ import annotations

import json
import re

import pytest

from builder.cli import main
from builder.session import Session
from builder.site_pages import site_pages
from builder.project import load_project
from conftest import generated_survey, make_root


def _json_schema_edit(change):
    def edit(root):
        path = root / "schema" / "entry.schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        change(schema)
        path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return edit


def _replace(rel, old, new):
    def edit(root):
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def _write(rel, text):
    def edit(root):
        (root / rel).write_text(text, encoding="utf-8")
    return edit


def _line_of(root, rel, needle) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# name -> (how the file is broken, what the first line says, whether `validate` reads that file too)
CASES = {
    "schema-not-json": (_write("schema/entry.schema.json", '{"type": "object",\n  "properties": \n'),
                        "schema/entry.schema.json:3:1: error: the entry schema is not valid JSON", True),
    "schema-not-a-json-schema": (_json_schema_edit(lambda s: s["properties"]["id"].update(type="strin")),
                                 "error: not a valid JSON Schema (draft 2020-12) at properties/id/type", True),
    "tables-yaml-syntax": (_write("schema/tables.yaml", "tables: [\n"), "schema/tables.yaml:2:1: error: YAML syntax",
                           False),
    "unknown-column-type": (_replace("schema/tables.yaml", "type: value, field: fusion.output",
                                     "type: valu, field: fusion.output"),
                            "error: table definitions: tables[0].columns[2].type: 'valu' is not one of", False),
    "column-without-its-template": (_replace("schema/tables.yaml", ', template: "{name}"', ""),
                                    "'template' is a required property", False),
    "unknown-dimension": (_replace("schema/tables.yaml", "dimension: fusion_out,", "dimension: fusion_outt,"),
                          "'fusion_outt' is not a taxonomy dimension of the schema (known: ", False),
    "misspelt-setting": (_replace("survey.yaml", "references:", "referenes:"),
                         "survey.yaml:{line}:1: error: survey settings: unknown setting 'referenes'", True),
    "setting-of-the-wrong-type": (_replace("survey.yaml", "    kinds: [tokenizer]", "    kinds: tokenizer"),
                                  "error: survey settings: references[0].kinds: 'tokenizer' is not of type 'array'", True),
    "survey-yaml-syntax": (_write("survey.yaml", "title: [\n"), "survey.yaml:2:1: error: YAML syntax", True),
    # settings that are well formed but name what the entry schema does not have
    "column-field-typo": (_replace("schema/tables.yaml", "{type: text, field: date, header: Date}",
                                   "{type: text, field: dat, header: Date}"),
                          "error: table definitions: dat: 'dat' is not a field there; did you mean 'date'?", False),
    "template-that-does-not-parse": (_replace("schema/tables.yaml", "{count}×{size} {layout?}", "{count}×{size {layout?}"),
                                     "is not a template: ", False),
    "template-slot-typo": (_replace("schema/tables.yaml", "{count}×{size} {layout?}", "{count}×{sise} {layout?}"),
                           "codebooks.sise: 'sise' is not a field there; did you mean 'size'?", False),
    "backlinks-not-along-a-reference-rule": (
        _replace("schema/tables.yaml", '"output_tokenizer[].ref"]', '"output_tokenizers[].ref"]'),
        "'output_tokenizers[].ref' is not the path of a reference rule in survey.yaml", False),
    "reference-path-typo": (_replace("survey.yaml", "  - path: tokenizer[].ref", "  - path: tokenzier[].ref"),
                            "survey settings: tokenzier[].ref: 'tokenzier' is not a field there; did you mean "
                            "'tokenizer'?", True),
    "reference-kind-typo": (_replace("survey.yaml", "    kinds: [tokenizer]", "    kinds: [tokenizr]"),
                            "survey settings: 'tokenizr' is not a kind of entry the schema allows", True),
}


@pytest.mark.parametrize("name,command", [(name, command) for name in sorted(CASES)
                                          for command in (["build", "--no-site"], ["validate"])
                                          if command[0] == "build" or CASES[name][2]])
def test_a_broken_settings_file_is_one_located_message_and_exit_code_2(tmp_path, capsys, name, command):
    edit, expected, _ = CASES[name]
    root = make_root(tmp_path / "survey")
    edit(root)
    expected = expected.replace("{line}", str(_line_of(root, "survey.yaml", "referenes:")) if "{line}" in expected else "")
    code = main(["--root", str(root), *command])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    first = err.splitlines()[0]
    assert re.match(r"^[^:]+:\d+:\d+: error: ", first) and expected in first, err
    assert not (root / "build" / "latex").exists() and not (root / "docs" / "survey").exists()


def test_the_schema_message_points_at_the_offending_value(tmp_path, capsys):
    root = make_root(tmp_path / "survey")
    _json_schema_edit(lambda s: s["properties"]["id"].update(type="strin"))(root)
    assert main(["--root", str(root), "validate"]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    line = int(first.split(":")[1])
    assert '"strin"' in (root / "schema" / "entry.schema.json").read_text(encoding="utf-8").splitlines()[line - 1]


def test_a_schema_found_valid_is_not_checked_again_until_its_text_changes(tmp_path, capsys, monkeypatch):
    """Checking the schema against the meta-schema costs 0.15 s a command; the cache remembers a valid text."""
    import jsonschema
    root = make_root(tmp_path / "survey")
    assert main(["--root", str(root), "validate"]) == 0
    checks = []
    real = jsonschema.Draft202012Validator.check_schema
    monkeypatch.setattr(jsonschema.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: checks.append(1) or real(schema, **kw)))
    assert main(["--root", str(root), "validate"]) == 0 and checks == []  # the same text: not checked again
    _json_schema_edit(lambda s: s["properties"]["id"].update(type="strin"))(root)
    capsys.readouterr()
    assert main(["--root", str(root), "validate"]) == 2 and checks == [1]  # a new text: checked, and refused
    assert "error: not a valid JSON Schema (draft 2020-12) at properties/id/type" in capsys.readouterr().err
    assert main(["--root", str(root), "validate"]) == 2 and checks == [1, 1]  # a refused text is never remembered


def test_on_a_large_survey_a_reader_checks_the_schema_once_it_has_read_its_share(tmp_path, monkeypatch):
    """Past 200 files a forked reader shares the reading; the schema's own check (0.09 s) is its spare work,
    done while the main process assembles the corpus: the main process never runs it."""
    import jsonschema
    from builder.configs import SCHEMA_CHECKED
    root = generated_survey(tmp_path / "survey", 240)
    checks = []  # calls in this process: the reader's land in its own copy of the list
    real = jsonschema.Draft202012Validator.check_schema
    monkeypatch.setattr(jsonschema.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: checks.append(1) or real(schema, **kw)))
    assert main(["--root", str(root), "validate"]) == 0
    assert checks == [] and (root / "build" / ".cache" / SCHEMA_CHECKED).exists()  # the reader's answer was taken


@pytest.mark.parametrize("change,where", [
    # refused by the compiled validator before reading starts
    (lambda s: s["properties"]["id"].update(type="strin"), "properties/id/type"),
    # only in an annotation the compiled validator never sees: reading ends, then the check refuses
    (lambda s: s["properties"]["id"].update(description=5), "properties/id/description"),
])
@pytest.mark.parametrize("command", [["validate"], ["build", "--no-site"]])
def test_on_a_large_survey_a_schema_that_is_no_json_schema_still_stops_everything(tmp_path, capsys, change, where,
                                                                                 command):
    root = generated_survey(tmp_path / "survey", 240)
    _json_schema_edit(change)(root)
    assert main(["--root", str(root), *command]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"error: not a valid JSON Schema (draft 2020-12) at {where}" in err.splitlines()[0]
    assert not (root / "build" / "latex").exists() and not (root / "docs" / "survey").exists()


def test_every_problem_of_a_settings_file_is_reported_at_once(tmp_path, capsys):
    root = make_root(tmp_path / "survey")
    text = (root / "survey.yaml").read_text(encoding="utf-8")
    (root / "survey.yaml").write_text(text.replace("kinds: [", "kinds: ").replace("]\n    backlink", "\n    backlink"),
                                      encoding="utf-8")
    assert main(["--root", str(root), "validate"]) == 2
    located = [line for line in capsys.readouterr().err.splitlines() if "survey.yaml:" in line and ": error: " in line]
    assert len(located) == text.count("kinds: [") >= 2


def test_a_session_reports_a_broken_settings_file_and_recovers_once_it_is_fixed(tmp_path):
    """serve saves are not atomic: a half-written tables.yaml must not end the session."""
    from builder.configs import ConfigError
    from builder.serve import regenerate
    import io
    root = make_root(tmp_path / "survey")
    session = Session(load_project(root), site_pages=site_pages)
    assert session.rebuild().ok
    good = (root / "schema" / "tables.yaml").read_text(encoding="utf-8")
    (root / "schema" / "tables.yaml").write_text("tables: [\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        session.rebuild()
    out = io.StringIO()
    assert regenerate(session, out) is False
    assert "schema/tables.yaml:2:1: error: YAML syntax" in out.getvalue()
    (root / "schema" / "tables.yaml").write_text(good, encoding="utf-8")
    assert session.rebuild().ok


def test_a_field_is_ruled_out_only_where_the_schema_closes_the_keys():
    from builder.configs import field_problem
    schema = {"type": "object", "additionalProperties": False, "$defs": {
        "unknown": {"type": "object", "additionalProperties": False, "properties": {"unknown": {"type": "string"}}}},
        "properties": {
            "size": {"anyOf": [{"type": "object", "additionalProperties": False,
                                "properties": {"count": {"type": "integer"}}}, {"$ref": "#/$defs/unknown"}]},
            "parts": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                                 "properties": {"ref": {"type": "string"}}}},
            "extra": {"type": "object"},
            "named": {"type": "object", "patternProperties": {"^x-": {}}, "additionalProperties": False},
            "either": {"anyOf": [{"type": "object", "properties": {"a": {}}, "additionalProperties": False},
                                 {"type": "object"}]}}}
    assert field_problem(schema, "size.count") is None and field_problem(schema, "size.unknown") is None
    assert "did you mean 'count'?" in field_problem(schema, "size.cuont")
    assert field_problem(schema, "parts[].ref") is None
    assert "'rfe' is not a field there" in field_problem(schema, "parts[].rfe")
    assert "did you mean 'size'?" in field_problem(schema, "sise")
    for open_path in ("extra.anything", "named.x-y", "either.b"):  # open objects, patterns, an open branch
        assert field_problem(schema, open_path) is None, open_path
