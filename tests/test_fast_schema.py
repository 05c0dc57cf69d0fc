"""The compiled validator checks a rewritten schema (taxonomy oneOf-of-consts as enums): it must accept
exactly what jsonschema accepts with the schema as written, value for value."""
from __future__ import annotations

import copy

import fastjsonschema

from builder.check import check
from builder.project import load_project
from builder.schema import for_fast_validation, load_schema
from conftest import REPO

ODD_VALUES = ["bogus", "", 1, 0, 6, True, False, None, 1.0, 2.5, [], {}, {"unknown": "not stated anywhere"},
              {"unknown": "x"}, "discrete_tokens", "semantic", "alignment", "model"]


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
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    as_written = fastjsonschema.compile(copy.deepcopy(schema.raw), formats={"uri": lambda value: True})
    entries = check(load_project(REPO)).corpus.entries
    compared = disagreements = 0
    for e in entries[::7]:
        for where in _spots(e.data):
            for value in ODD_VALUES:
                data = _replaced(e.data, where, value)
                strict = not any(True for _ in schema.validator.iter_errors(data))
                try:
                    as_written(data)
                    before = True
                except fastjsonschema.JsonSchemaException:
                    before = False
                fast = schema.is_valid(data)
                compared += 1
                assert fast == before, (e.id, where, value)  # the rewrite changes no answer
                if fast and not strict:
                    disagreements += 1
    assert compared > 2000
    # validate_entry takes the compiled validator's "valid" as final: it may never accept what jsonschema refuses.
    assert disagreements == 0
