"""The compiled validator (jsonschema-rs) checks a rewritten schema (taxonomy oneOf-of-consts as enums,
patterns judged by Python's re): it must accept exactly what jsonschema accepts with the schema as written."""
from __future__ import annotations

import copy
import datetime as dt
import math

from builder.check import check
from builder.project import load_project
from builder.schema import Schema, for_fast_validation, load_schema
from conftest import REPO

ODD_VALUES = ["bogus", "", 1, 0, 6, True, False, None, 1.0, 2.5, [], {}, {"unknown": "not stated anywhere"},
              {"unknown": "x"}, "discrete_tokens", "semantic", "alignment", "model",
              # where Python's and ECMAScript's regular expressions or numbers part ways
              "abc\n", "2024-01\n", "2401.01234\n", "https://x.org/\n", "https://x.org/a\u2028b", "\u0663\u0663",
              "a\ufeffb", "https://x.org/\x85", 10 ** 30, -(10 ** 30), float("nan"), float("inf"), [1, True], [0, False],
              [1, 1.0], ["a", "a"]]


def _spots(data, path=()):
    """Every place in an entry where a scalar sits (keys of mappings, items of lists)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield path + (k,)
            yield from _spots(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield path + (i,)
            yield from _spots(v, path + (i,))


def _replaced(data, where, value):
    data = copy.deepcopy(data)
    node = data
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = copy.deepcopy(value)
    return data


def test_the_rewrite_turns_every_taxonomy_oneof_into_an_enum_and_changes_nothing_else():
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    fast = for_fast_validation(schema.raw)
    assert "oneOf" not in repr(fast)
    for name, dim in schema.raw["$defs"].items():
        if "oneOf" in dim:
            assert fast["$defs"][name]["enum"] == [b["const"] for b in dim["oneOf"]]
    assert fast["properties"].keys() == schema.raw["properties"].keys()


def test_the_compiled_validator_agrees_with_jsonschema_on_every_entry_and_thousands_of_edits():
    """validate_entry takes the compiled validator's "valid" as final, so it may never accept what jsonschema
    refuses; and each "invalid" it says in error costs a slow second opinion. Both answers must agree."""
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    entries = check(load_project(REPO)).corpus.entries
    compared = 0
    disagreements = []
    for e in entries[::7]:
        for where in _spots(e.data):
            for value in ODD_VALUES:
                data = _replaced(e.data, where, value)
                strict = not any(True for _ in schema.validator.iter_errors(data))
                compared += 1
                if schema.is_valid(data) != strict:
                    disagreements.append((e.id, where, value, strict))
    assert compared > 2000
    # JSON has no NaN or infinity: jsonschema-rs refuses them where jsonschema accepts (jsonschema then decides)
    assert all(strict and isinstance(value, float) and not math.isfinite(value)
               for _, _, value, strict in disagreements), disagreements


def test_patterns_are_judged_by_pythons_re_as_jsonschema_does():
    """ECMAScript's \\s does not match U+0085 and its $ does not match before a final newline; Python's do."""
    schema = Schema({"type": "object", "properties": {
        "url": {"type": "string", "pattern": "^https?://[^\\s]+$"},
        "id": {"type": "string", "format": "uri", "pattern": "^[a-z]+$"},
        "const": {"const": {"pattern": "^b$"}}}}, "inline")
    for data in ({"url": "https://x.org/\x85"}, {"url": "https://x.org\n"}, {"id": "abc\n"}, {"id": "ABC"},
                 {"const": {"pattern": "^b$"}}, {"const": {"pattern": "b"}}, {"url": 5}):
        strict = not any(True for _ in schema.validator.iter_errors(data))
        assert schema.is_valid(data) == strict, data
    assert schema.raw["properties"]["url"]["pattern"] == "^https?://[^\\s]+$"  # the schema itself is untouched


def test_data_json_cannot_hold_is_left_to_jsonschema():
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    assert schema.is_valid({"id": dt.date(2024, 1, 1)}) is False
