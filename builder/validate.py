"""Schema checks for one entry: jsonschema errors turned into positioned, readable problems.

jsonschema knows what is wrong but not where in the file, and its wording is for
schema authors. Here each error is narrowed to the branch the author meant (for
``anyOf``/``oneOf``), pointed at the offending key or value, and phrased for a
contributor: the allowed values of a taxonomy dimension and the nearest one to a
typo, the fields a mapping accepts, the form a value must take.
"""
from __future__ import annotations

import difflib

from builder.load import Loaded
from builder.problems import Problem
from builder.safe_text import show, type_name
from builder.schema import Schema

_JSON_TYPES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "null"}


def nearest(word, options) -> str | None:
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.lower(), [str(o) for o in options], n=1, cutoff=0.6)
    return found[0] if found else None


def _suggest(word, options) -> str:
    best = nearest(word, options)
    return f"; did you mean {show(best)}?" if best else ""


def _branches(error):
    groups: dict = {}
    for sub in error.context:
        groups.setdefault(sub.relative_schema_path[0], []).append(sub)
    return groups


def _is_unknown_branch(schema: Schema, error, index) -> bool:
    branch = error.validator_value[index]
    return isinstance(branch, dict) and branch.get("$ref") == "#/$defs/unknown"


def narrow(error, schema: Schema) -> list:
    """The errors that say what the author got wrong, descending into anyOf/oneOf."""
    if error.validator not in ("anyOf", "oneOf") or not error.context or error.schema.get("x-taxonomy"):
        return [error]
    groups = _branches(error)
    instance = error.instance
    # An author who wrote {unknown: ...} meant the unknown branch; anyone else meant the value.
    wants_unknown = isinstance(instance, dict) and "unknown" in instance
    candidates = {i: errs for i, errs in groups.items()
                  if _is_unknown_branch(schema, error, i) == wants_unknown} or groups
    # Branches that fail only on type are the ones the author did not mean.
    shallow = all(len(errs) == 1 and errs[0].validator == "type" and
                  list(errs[0].relative_path) == [] for errs in groups.values())
    if shallow:
        return [error]

    def depth(errs):
        return (max(len(e.absolute_path) for e in errs), -len(errs))
    chosen = max(candidates.values(), key=depth)
    out = []
    for sub in chosen:
        out.extend(narrow(sub, schema))
    return out


def _expected_types(error, schema: Schema) -> str:
    names = []
    for branch in error.validator_value:
        node = schema.resolve(branch)
        if branch.get("$ref") == "#/$defs/unknown":
            names.append("{unknown: <why>}")
            continue
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        names.extend(_JSON_TYPES.get(k, str(k)) for k in kinds if k)
    return " or ".join(dict.fromkeys(names))


def _found(value) -> str:
    """'a mapping', 'a list', or the type and the value: "string 'no'"."""
    if isinstance(value, (dict, list)):
        return show(value)
    return f"{type_name(value)} {show(value)}"


def _label(node: dict, path) -> str:
    title = node.get("title")
    if title:
        return title
    for part in reversed(list(path)):
        if isinstance(part, str):
            return part
    return "value"


def describe(error, loaded: Loaded, schema: Schema) -> list[Problem]:
    """One error -> problems with position and wording."""
    path = tuple(error.absolute_path)
    pos = loaded.positions
    node = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    kind = error.validator
    out = []

    def at_value(message, hint="", where=None):
        line, col = pos.value(path)
        out.append(Problem(loaded.path, line, col, "error: " + message, hint=hint,
                           where=tuple(where) if where is not None else path))

    if kind == "not" and error.validator_value == {}:  # `not: {}`: this key is not for this kind
        entry_kind = loaded.data.get("kind") if isinstance(loaded.data, dict) else None
        line, col = pos.key(path)
        out.append(Problem(loaded.path, line, col,
                           f"error: key {show(path[-1] if path else '')} does not belong in an entry of kind {show(entry_kind)}",
                           where=path))
    elif kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(node.get("properties", {}))
        for extra in value:
            if extra in node.get("properties", {}):
                continue
            line, col = pos.key(path + (extra,))
            out.append(Problem(loaded.path, line, col,
                               f"error: unknown key {show(extra)}{_suggest(extra, allowed)}",
                               hint="allowed keys: " + ", ".join(allowed), where=path + (extra,)))
    elif kind == "required":
        for name in error.validator_value:
            if isinstance(value, dict) and name not in value:
                prop = schema.field(name) if not path else {}
                hint = ""
                if any(b.get("$ref") == "#/$defs/unknown" for b in prop.get("anyOf", [])):
                    hint = f"if no source says, write `{name}: {{unknown: \"why\"}}`"
                where = f" in {show(path[-1])}" if path and isinstance(path[-1], str) else ""
                at_value(f"missing required key {show(name)}{where}", hint, where=path + (name,))
    elif kind == "oneOf" and node.get("x-taxonomy"):
        allowed = [o["const"] for o in node["oneOf"]]
        listing = ", ".join(str(a) for a in allowed)
        at_value(f"{show(value)} is not a valid {node.get('title', 'value').lower()}; allowed: {listing}"
                 f"{_suggest(value, allowed)}")
    elif kind in ("anyOf", "oneOf"):
        at_value(f"expected {_expected_types(error, schema)}, found {_found(value)}")
    elif kind == "type":
        expected = error.validator_value
        expected = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_JSON_TYPES.get(t, t) for t in expected)
        hint = ""
        if isinstance(value, str) and value in ("yes", "no", "on", "off", "y", "n"):
            hint = "only true and false are booleans here (YAML 1.2)"
        at_value(f"{_label(node, path)}: expected {names}, found {_found(value)}", hint)
    elif kind == "pattern" or kind == "format":
        desc = node.get("description", "")
        at_value(f"{show(value)} is not a valid {_label(node, path).lower()}" + (f": {desc}" if desc else ""))
    elif kind == "const":
        at_value(f"must be {show(error.validator_value)}, found {show(value)}")
    elif kind == "enum":
        allowed = error.validator_value
        at_value(f"{show(value)} is not allowed; allowed: {', '.join(map(str, allowed))}{_suggest(value, allowed)}")
    elif kind in ("minimum", "exclusiveMinimum"):
        at_value(f"{_label(node, path)}: {show(value)} is too small (minimum {error.validator_value}"
                 f"{', exclusive' if kind == 'exclusiveMinimum' else ''})")
    elif kind in ("maximum", "exclusiveMaximum"):
        at_value(f"{_label(node, path)}: {show(value)} is too large (maximum {error.validator_value})")
    elif kind == "minLength":
        at_value(f"{_label(node, path)}: too short (at least {error.validator_value} characters)")
    elif kind == "maxLength":
        at_value(f"{_label(node, path)}: too long ({len(value)} characters; at most {error.validator_value})")
    elif kind == "minItems":
        at_value(f"{_label(node, path)}: needs at least {error.validator_value} item(s)")
    elif kind == "maxItems":
        at_value(f"{_label(node, path)}: at most {error.validator_value} items, found {len(value)}")
    elif kind == "uniqueItems":
        at_value(f"{_label(node, path)}: items must not repeat")
    elif kind == "minProperties":
        at_value(f"{_label(node, path)}: must not be empty")
    else:
        at_value(error.message[:200])
    return out


def validate_entry(loaded: Loaded, schema: Schema) -> list[Problem]:
    """All schema problems of one loaded entry (an empty list when it conforms)."""
    if schema.is_valid(loaded.data):
        return []
    errors = [sub for error in schema.validator.iter_errors(loaded.data) for sub in narrow(error, schema)]
    if any(list(e.absolute_path) == ["kind"] for e in errors):
        # With the kind itself wrong, "this key does not belong to kind X" is noise.
        errors = [e for e in errors if not (e.validator == "not" and e.validator_value == {})]
    problems: list[Problem] = []
    for error in errors:
        problems.extend(describe(error, loaded, schema))
    return problems
