"""The survey's own files (survey.yaml, the entry schema, the table definitions), checked as entries are.

A mistake in one is a PATH:LINE:COL message and exit code 2 before any work
starts, never a traceback from the middle of a build. The shapes below are the
engine's: which settings, column types and figure types it understands. What a
survey puts in them (its fields, dimensions, tables) stays in the survey's files.
"""
from __future__ import annotations

import json
from pathlib import Path

from builder.load import LoadError, Loaded, load_entry, parse
from builder.problems import Problem, display_path


class ConfigError(Exception):
    """Problems with the survey's own files: a message, or Problems printed one PATH:LINE:COL line each."""

    def __init__(self, problems):
        self.problems = [] if isinstance(problems, str) else list(problems)
        super().__init__(problems if isinstance(problems, str) else
                         "\n".join(f"{p.path}:{p.line}:{p.col}: {p.message}" for p in self.problems))


_TEXT = {"type": "string"}
_NAME = {"type": "string", "minLength": 1}
_NAMES = {"type": "array", "items": _NAME}

SURVEY_SHAPE = {
    "type": "object",
    "properties": {
        "title": _TEXT, "description": _TEXT,
        "entries": _NAME, "schema": _NAME, "tables": _NAME, "docs_dir": _NAME, "latex_dir": _NAME, "site_dir": _NAME,
        "references": {"type": "array", "items": {
            "type": "object", "required": ["path", "kinds"], "additionalProperties": False,
            "properties": {"path": _NAME, "kinds": {**_NAMES, "minItems": 1}, "backlink": _TEXT}}},
        "sums": {"type": "array", "items": {
            "type": "object", "required": ["path", "field", "total"], "additionalProperties": False,
            "properties": {"path": _NAME, "field": _NAME, "total": {"type": "number"}}}},
        "import": {"type": "object", "additionalProperties": False, "properties": {
            "default_kind": _NAME, "kind_words": {"type": "object", "additionalProperties": _NAME}}},
    },
    "additionalProperties": False,
}

_COLUMN_TYPES = ["entry", "text", "value", "list", "bool", "template", "join", "refs", "backlinks", "expand"]
_NEEDS_FIELD = [t for t in _COLUMN_TYPES if t not in ("entry", "backlinks")]
_SLOT = {"type": "object", "required": ["field", "dimension"], "additionalProperties": False,
         "properties": {"field": _NAME, "dimension": _NAME}}

DEFINITIONS_SHAPE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tables": {"type": "array", "items": {
            "type": "object", "required": ["name", "title", "columns"], "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}, "title": _NAME, "caption": _TEXT,
                "kinds": _NAMES, "sort": _NAMES, "wide": {"type": "boolean"}, "rows": _NAME,
                "group_by": {"type": "object", "additionalProperties": False, "properties": {
                    "type": {"const": "entry"}, "field": _NAME, "dimension": _NAME, "header": _TEXT,
                    "latex_width": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}},
                    "if": {"not": {"required": ["type"]}}, "then": {"required": ["field", "dimension"]}},
                "columns": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["type"], "additionalProperties": False,
                    "properties": {
                        "type": {"enum": _COLUMN_TYPES}, "field": _NAME, "header": _TEXT, "dimension": _NAME,
                        "dimensions": {"type": "object", "additionalProperties": _NAME}, "template": _TEXT,
                        "separator": _TEXT, "footnote": _NAME, "latex": {"enum": ["l", "c", "r", "X"]},
                        "via": {"anyOf": [_NAME, _NAMES]}, "short": _TEXT},
                    "allOf": [
                        {"if": {"properties": {"type": {"enum": _NEEDS_FIELD}}}, "then": {"required": ["field"]}},
                        {"if": {"properties": {"type": {"enum": ["template", "join"]}}},
                         "then": {"required": ["template"]}},
                        {"if": {"properties": {"type": {"const": "backlinks"}}}, "then": {"required": ["via"]}},
                        {"if": {"properties": {"type": {"const": "expand"}}}, "then": {"required": ["dimension"]}}]}}}}},
        "leaderboards": {"type": "object", "additionalProperties": False, "properties": {"caption": _TEXT}},
        "figures": {"type": "array", "items": {
            "type": "object", "required": ["name", "type"], "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}, "type": {"enum": ["tree", "timeline"]},
                "title": _TEXT, "caption": _TEXT, "kinds": _NAMES, "root": _TEXT,
                "levels": {"type": "array", "minItems": 1, "items": _SLOT}, "series": _SLOT},
            "allOf": [
                {"if": {"properties": {"type": {"const": "tree"}}}, "then": {"required": ["levels"]}},
                {"if": {"properties": {"type": {"const": "timeline"}}}, "then": {"required": ["series"]}}]}},
    },
}


def _display(path) -> str:
    return display_path(Path(path))


def shape_problems(shape: dict, loaded: Loaded, what: str) -> list[Problem]:
    """Where loaded.data departs from shape, one problem per place, in file order.

    Every command reads survey.yaml, even one that finds its build up to date: jsonschema-rs, quick to
    import, says "valid"; jsonschema, which explains, is imported only when it is not.
    """
    import jsonschema_rs
    try:
        if jsonschema_rs.Draft202012Validator(shape).is_valid(loaded.data):
            return []
    except ValueError:  # data JSON cannot hold: jsonschema decides
        pass
    from jsonschema import Draft202012Validator
    out = []
    for error in Draft202012Validator(shape).iter_errors(loaded.data):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in (k for k in error.instance if k not in allowed):
                line, col = loaded.positions.key(path + (key,))
                known = ", ".join(allowed) or "none"
                out.append(Problem(loaded.path, line, col, f"error: {what}: unknown setting {key!r} (known: {known})"))
            continue
        line, col = loaded.positions.value(path)
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "the top level"
        out.append(Problem(loaded.path, line, col, f"error: {what}: {where}: {error.message[:300]}"))
    return sorted(out, key=lambda p: (p.line, p.col, p.message))


def load_config(path, shape: dict, what: str) -> Loaded:
    """A YAML settings file that must have the given shape (ConfigError otherwise)."""
    try:
        loaded = load_entry(path, _display(path))
    except LoadError as exc:
        raise ConfigError([exc.problem]) from None
    except OSError as exc:
        raise ConfigError([Problem(_display(path), 1, 1, f"error: cannot read {what}: {exc.strerror}")]) from None
    problems = shape_problems(shape, loaded, what)
    if problems:
        raise ConfigError(problems)
    return loaded


def dimension_problems(loaded: Loaded, dimensions) -> list[Problem]:
    """Every taxonomy dimension the definitions name must be one of the schema's."""
    known = set(dimensions)
    out = []

    def check(value, path):
        if isinstance(value, str) and value not in known:
            line, col = loaded.positions.value(path)
            out.append(Problem(loaded.path, line, col, f"error: table definitions: {value!r} is not a taxonomy "
                                                       f"dimension of the schema (known: {', '.join(sorted(known))})"))

    def visit(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "dimension":
                    check(value, path + (key,))
                elif key == "dimensions" and isinstance(value, dict):
                    for slot, name in value.items():
                        check(name, path + (key, slot))
                else:
                    visit(value, path + (key,))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, path + (i,))
    visit(loaded.data, ())
    return out


def load_schema_file(path) -> dict:
    """The entry schema: JSON that is a valid draft 2020-12 JSON Schema (ConfigError otherwise)."""
    from jsonschema import Draft202012Validator, SchemaError
    shown = _display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(shown, 1, 1, f"error: cannot read the entry schema: {exc}")]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(shown, exc.lineno, exc.colno, f"error: the entry schema is not valid JSON: {exc.msg}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError([Problem(shown, 1, 1, "error: the entry schema must be a JSON object")])
    try:
        Draft202012Validator.check_schema(raw)
    except SchemaError as exc:
        line, col = _json_position(text, shown, tuple(exc.absolute_path))
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise ConfigError([Problem(shown, line, col, f"error: not a valid JSON Schema (draft 2020-12) at {where}: "
                                                     f"{exc.message[:300]}")]) from None
    return raw


def _json_position(text: str, shown: str, path: tuple) -> tuple[int, int]:
    """Line and column of the value at path in a JSON text (JSON is YAML; 1:1 if the YAML reader disagrees)."""
    try:
        return parse(text, shown).positions.value(path)
    except LoadError:
        return 1, 1
