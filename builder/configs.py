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


SCHEMA_CHECKED = "schema-checked"  # in a cache folder: the key of the last schema text found valid


def read_schema_file(path, cache_folder=None) -> "MetaCheck":
    """The entry schema's JSON (ConfigError if it is not a JSON object), with its check against the
    meta-schema still to settle (MetaCheck)."""
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
    return MetaCheck(raw, text, shown, cache_folder)


class MetaCheck:
    """Whether the entry schema's text is a valid JSON Schema (draft 2020-12).

    The check takes jsonschema and 0.07-0.09 s at every command. With a cache folder, a text found valid
    once (by this builder code) is not checked again. Otherwise it can run where a core is free: a reader
    with no files left runs conforms() while the main process assembles the corpus, and hands its answer
    over with given(); settle() then only takes it (or checks here, to say where the schema is wrong).
    """

    def __init__(self, raw: dict, text: str, shown: str, cache_folder=None):
        self.raw, self.text, self.shown = raw, text, shown
        self.marker = Path(cache_folder) / SCHEMA_CHECKED if cache_folder is not None else None
        self.settled = False
        self._answer = None  # a function returning conforms() as run elsewhere (None: no answer)
        if self.marker is not None:
            from builder.cache import code_hash, content_hash
            self.key = content_hash((code_hash() + text).encode("utf-8")).encode("ascii")
            try:
                self.settled = self.marker.read_bytes() == self.key
            except OSError:
                pass

    def conforms(self) -> bool | None:
        """The check alone, quietly (None if it could not run): what a reader does with its spare time."""
        try:
            from jsonschema import Draft202012Validator
            Draft202012Validator.check_schema(self.raw)
            return True
        except Exception:  # noqa: BLE001 - settle() checks again and says what is wrong
            return None

    def given(self, answer) -> None:
        """answer(): what conforms() returned where it ran, waited for when settle() needs it."""
        self._answer = answer

    def settle(self) -> None:
        """Raise ConfigError if the schema is not a valid JSON Schema; else remember the text as valid."""
        if self.settled:
            return
        answer, self._answer = self._answer, None
        if answer is None or answer() is not True:
            from jsonschema import Draft202012Validator, SchemaError
            try:
                Draft202012Validator.check_schema(self.raw)
            except SchemaError as exc:
                line, col = _json_position(self.text, self.shown, tuple(exc.absolute_path))
                where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
                raise ConfigError([Problem(self.shown, line, col, f"error: not a valid JSON Schema (draft 2020-12) at "
                                                                  f"{where}: {exc.message[:300]}")]) from None
        self.settled = True
        if self.marker is not None:
            from builder.output import write_atomic
            try:
                write_atomic(self.marker, self.key)
            except OSError:
                pass  # a read-only checkout checks it again next time


def _json_position(text: str, shown: str, path: tuple) -> tuple[int, int]:
    """Line and column of the value at path in a JSON text (JSON is YAML; 1:1 if the YAML reader disagrees)."""
    try:
        return parse(text, shown).positions.value(path)
    except LoadError:
        return 1, 1


def _deref(schema: dict, node):
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema.get("$defs", {}).get(ref[len("#/$defs/"):], {})
    return node if isinstance(node, dict) else {}


def _key(schema: dict, node, key: str, depth: int = 0) -> tuple:
    """Can a mapping judged by node hold key? ("yes" | "no" | "open", schema nodes for its value, keys listed).

    JSON Schema's logic: every allOf branch must hold, so one that lists its keys and allows no others
    rules a key out; of anyOf and oneOf branches one must hold, so all of them must rule it out. A node
    that says nothing of keys (or of anything we do not follow) leaves them open.
    """
    node = _deref(schema, node)
    if depth > 32 or not node:
        return "open", [], set()
    verdicts, children, listed = [], [], set()
    props = node.get("properties")
    if isinstance(props, dict):
        listed |= set(props)
        if key in props:
            verdicts.append("yes")
            children.append(props[key])
        elif node.get("additionalProperties") is False and "patternProperties" not in node:
            verdicts.append("no")
    elif node.get("type") not in (None, "object"):
        verdicts.append("no")  # a string, number or list holds no keys
    for branch in node.get("allOf", []) or []:
        verdict, found, names = _key(schema, branch, key, depth + 1)
        verdicts.append(verdict)
        children += found
        listed |= names
    either = [_key(schema, b, key, depth + 1) for k in ("anyOf", "oneOf") for b in node.get(k, []) or []]
    if either:
        verdicts.append("no" if all(v == "no" for v, _, _ in either) else
                        "yes" if any(v == "yes" for v, _, _ in either) else "open")
        for _, found, names in either:
            children += found
            listed |= names
    if "no" in verdicts:
        return "no", [], listed
    return ("yes" if "yes" in verdicts else "open"), children, listed


def _items(schema: dict, node, depth: int = 0) -> list:
    """Schema nodes for the items of a list judged by node."""
    node = _deref(schema, node)
    if depth > 32 or not node:
        return []
    out = [node["items"]] if isinstance(node.get("items"), dict) else []
    for k in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(k, []) or []:
            out += _items(schema, branch, depth + 1)
    return out


def field_problem(schema: dict, path: str, start=None) -> str | None:
    """Why a dotted path (``a.b``, ``a[].b``) can reach nothing in an entry the schema accepts, or None.

    Only a mapping whose keys the schema closes can rule a key out; wherever the schema leaves keys open,
    or uses what this does not follow, the path gets the benefit of the doubt.
    """
    from builder.paths import parse_path
    nodes = [schema if start is None else start]
    for step in parse_path(path):
        if step == []:
            nodes = [item for n in nodes for item in _items(schema, n)]
        else:
            results = [_key(schema, n, step) for n in nodes]
            if results and all(v == "no" for v, _, _ in results):
                from builder.validate import nearest
                fields = sorted({k for _, _, names in results for k in names})
                guess = nearest(step, fields)
                return f"{step!r} is not a field there" + (f"; did you mean {guess!r}?" if guess else
                                                            f" (fields: {', '.join(fields) or 'none'})")
            if any(v == "open" for v, _, _ in results):
                return None
            nodes = [c for _, found, _ in results for c in found]
        if not nodes:
            return None
    return None


def definition_problems(loaded: Loaded, schema, references=()) -> list[Problem]:
    """Table and figure definitions against the entry schema: the taxonomy dimensions they name exist, the
    fields they read can exist in an entry, templates parse, and a backlinks column follows a reference rule
    of survey.yaml."""
    from builder.tables.build import template_slots
    raw, out = schema.raw, []
    dimensions = schema.taxonomy.dimensions
    rules = [r.get("path") for r in references if isinstance(r, dict)]

    def problem(where, message):
        line, col = loaded.positions.value(where)
        out.append(Problem(loaded.path, line, col, f"error: table definitions: {message}"))

    def field(path, where) -> bool:
        """Whether path can reach something (a missing path is no problem here: the shape says what is required)."""
        why = field_problem(raw, path) if isinstance(path, str) and path else None
        if why:
            problem(where, f"{path}: {why}")
        return why is None

    def dimension(name, where):
        if isinstance(name, str) and name not in dimensions:
            problem(where, f"{name!r} is not a taxonomy dimension of the schema (known: {', '.join(sorted(dimensions))})")

    data = loaded.data if isinstance(loaded.data, dict) else {}
    for t, table in enumerate(data.get("tables") or []):
        at = ("tables", t)
        rows = table.get("rows")
        field(rows, at + ("rows",))
        group = table.get("group_by") or {}
        field(group.get("field"), at + ("group_by", "field"))
        dimension(group.get("dimension"), at + ("group_by", "dimension"))
        for k, key in enumerate(table.get("sort") or []):
            if key != "name":  # the entry's display name, not a field
                field(key, at + ("sort", k))
        for c, col in enumerate(table.get("columns") or []):
            here = at + ("columns", c)
            dimension(col.get("dimension"), here + ("dimension",))
            for slot, name in (col.get("dimensions") or {}).items():
                dimension(name, here + ("dimensions", slot))
            path = col.get("field")
            if rows and path and col.get("type") != "expand":  # a row's field, in each item of the rows list
                path = f"{rows}[].{path}"
            reachable = field(path, here + ("field",))
            if col.get("type") in ("template", "join") and isinstance(col.get("template"), str):
                try:
                    slots = template_slots(col["template"])
                except ValueError as exc:  # e.g. an unclosed {: the table would fail to build
                    problem(here + ("template",), f"{col['template']!r} is not a template: {exc}")
                    slots = []
                for slot in slots if reachable and path else []:
                    field(f"{path}[].{slot}" if col["type"] == "join" else f"{path}.{slot}", here + ("template",))
            field(col.get("footnote"), here + ("footnote",))
            via = col.get("via")
            for v, name in enumerate(via if isinstance(via, list) else [via] if via else []):
                if name not in rules:
                    problem(here + ("via",) + ((v,) if isinstance(via, list) else ()),
                            f"{name!r} is not the path of a reference rule in survey.yaml "
                            f"(rules: {', '.join(map(str, rules)) or 'none'})")
    for f, fig in enumerate(data.get("figures") or []):
        slots = [(("levels", i), level) for i, level in enumerate(fig.get("levels") or [])]
        slots += [(("series",), fig["series"])] if isinstance(fig.get("series"), dict) else []
        for where, slot in slots:
            field(slot.get("field"), ("figures", f) + where + ("field",))
            dimension(slot.get("dimension"), ("figures", f) + where + ("dimension",))
    return sorted(out, key=lambda p: (p.line, p.col, p.message))


def settings_problems(settings: Loaded, schema) -> list[Problem]:
    """survey.yaml against the entry schema: reference rules and sums read fields entries can have, and
    reference rules name kinds the schema allows."""
    raw, out = schema.raw, []
    kind = schema.taxonomy.get("kind")
    kinds = set(kind.allowed()) if kind is not None else None

    def problem(where, message):
        line, col = settings.positions.value(where)
        out.append(Problem(settings.path, line, col, f"error: survey settings: {message}"))

    data = settings.data if isinstance(settings.data, dict) else {}
    for r, rule in enumerate(data.get("references") or []):
        why = field_problem(raw, rule["path"])
        if why:
            problem(("references", r, "path"), f"{rule['path']}: {why}")
        for k, name in enumerate(rule.get("kinds") or []):
            if kinds is not None and name not in kinds:
                problem(("references", r, "kinds", k), f"{name!r} is not a kind of entry the schema allows "
                                                       f"({', '.join(sorted(map(str, kinds)))})")
    for i, rule in enumerate(data.get("sums") or []):
        why = field_problem(raw, rule["path"]) or field_problem(raw, f"{rule['path']}[].{rule['field']}")
        if why:
            problem(("sums", i, "path"), f"{rule['path']}: {why}")
    return sorted(out, key=lambda p: (p.line, p.col, p.message))
