"""Load the entry schema once and compile one validator to reuse for every file."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from builder.taxonomy import Taxonomy, taxonomy_from_schema


_ANNOTATIONS = {"title", "description", "$comment", "examples"}
_VALUES = {"const", "enum", "default", "examples"}  # data, not schemas: never rewritten
PATTERN_FORMAT = "x-pattern:"


def for_fast_validation(node):
    """The same schema, in the form the compiled validator checks fastest (it accepts exactly the same data).

    A taxonomy dimension is a oneOf of documented consts: compiled, that tries every branch (some forty per
    entry). A oneOf whose branches are nothing but distinct consts of one type (strings, or integers) accepts
    what an enum of those values accepts.
    """
    if isinstance(node, list):
        return [for_fast_validation(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: v if k in _VALUES else for_fast_validation(v) for k, v in node.items()}
    if isinstance(out.get("pattern"), str):
        # Python's and ECMAScript's regular expressions part ways on some characters (what \s matches, where
        # $ may match): a pattern becomes a format that Python's re judges, as jsonschema does.
        check = {"format": PATTERN_FORMAT + out.pop("pattern")}
        if "format" in out:
            out["allOf"] = [*out.get("allOf", []), check]
        else:
            out.update(check)
    branches = out.get("oneOf")
    if isinstance(branches, list) and branches and "enum" not in out and all(
            isinstance(b, dict) and "const" in b and all(k == "const" or k in _ANNOTATIONS or k.startswith("x-") for k in b)
            for b in branches):
        values = [b["const"] for b in branches]
        same_type = all(type(v) is str for v in values) or all(type(v) is int for v in values)
        if same_type and len(set(values)) == len(values):
            del out["oneOf"]
            out["enum"] = values
    return out


def _formats(node) -> set:
    """Every format name the schema uses."""
    if isinstance(node, list):
        return set().union(*(_formats(x) for x in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["format"]} if isinstance(node.get("format"), str) else set()
    return found.union(*(_formats(v) for v in node.values()))


@dataclass
class Schema:
    raw: dict
    path: str
    pending: object = field(default=None, repr=False, compare=False)  # configs.MetaCheck not settled yet

    def settle(self) -> None:
        """ConfigError if the schema is not a valid JSON Schema (a deferred check, see load_schema)."""
        if self.pending is not None:
            self.pending.settle()
            self.pending = None

    @cached_property
    def validator(self):
        """jsonschema's validator, which explains failures: imported (0.08 s) only when a file needs checking."""
        from jsonschema import Draft202012Validator
        return Draft202012Validator(self.raw, format_checker=Draft202012Validator.FORMAT_CHECKER)

    @cached_property
    def fast(self):
        """A compiled validator for the common case (valid entries); jsonschema explains failures.

        jsonschema-rs checks an entry some fifteen times faster than jsonschema. Its word "valid" is final,
        so it must never accept what jsonschema refuses: every format the schema names is judged by
        jsonschema's own format checker (one that checker does not know passes, as it does there).
        """
        import jsonschema_rs
        from jsonschema import Draft202012Validator
        checker = Draft202012Validator.FORMAT_CHECKER
        fast = for_fast_validation(self.raw)
        formats = {}
        for name in _formats(fast):
            if name.startswith(PATTERN_FORMAT):
                formats[name] = lambda value, search=re.compile(name[len(PATTERN_FORMAT):]).search: search(value) is not None
            else:
                formats[name] = lambda value, name=name: checker.conforms(value, name)
        return jsonschema_rs.Draft202012Validator(fast, validate_formats=True, formats=formats)

    def is_valid(self, data) -> bool:
        """True only if the entry conforms; False may be wrong (jsonschema then decides, see validate_entry)."""
        try:
            return self.fast.is_valid(data)
        except (ValueError, TypeError, OverflowError, RecursionError):  # data JSON cannot hold: jsonschema decides
            return False

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return taxonomy_from_schema(self.raw)

    @cached_property
    def core_fields(self) -> tuple:
        """Top-level fields marked x-core: facts whose provenance the validator asks for."""
        return tuple(k for k, v in self.raw.get("properties", {}).items() if isinstance(v, dict) and v.get("x-core"))

    @cached_property
    def top_level_fields(self) -> tuple:
        return tuple(self.raw.get("properties", {}))

    def fields_for_kind(self, kind) -> list:
        """Kind-specific and bibliographic top-level fields an entry of this kind may have, in schema order."""
        forbidden = set()
        for rule in self.raw.get("allOf", []):
            cond = rule.get("if", {}).get("properties", {}).get("kind", {})
            matches = kind == cond.get("const") or kind in cond.get("enum", [])
            branch = rule.get("then" if matches else "else", {})
            forbidden |= {k for k, v in branch.get("properties", {}).items() if v == {"not": {}}}
        generic = {"id", "name", "title", "kind", "date_note", "notes", "sources", "tags", "starred", "links"}
        return [k for k in self.raw.get("properties", {}) if k not in forbidden and k not in generic]

    def key_order(self) -> list:
        """The order entries are written in: identity and card first, kind fields, then results and sources."""
        head = ["id", "name", "title", "kind", "date", "date_note", "arxiv", "authors", "orgs", "venue", "links",
                "tags", "starred", "notes"]
        tail = ["results", "sources"]
        middle = [k for k in self.raw.get("properties", {}) if k not in head and k not in tail]
        return [k for k in head + middle + tail if k in self.raw.get("properties", {})]

    def field(self, name: str) -> dict:
        return self.raw.get("properties", {}).get(name, {})

    def resolve(self, node: dict) -> dict:
        """Follow a local $ref (one level is all our schemas use)."""
        ref = node.get("$ref", "") if isinstance(node, dict) else ""
        if ref.startswith("#/$defs/"):
            return self.raw["$defs"][ref[len("#/$defs/"):]]
        return node


def load_schema(path: Path, cache_folder=None, defer: bool = False) -> Schema:
    """The entry schema, checked to be JSON and a valid JSON Schema (ConfigError says where it is not);
    with cache_folder, only if this text was not found valid before (see configs.MetaCheck).

    defer: the check against the meta-schema is left to Schema.settle(), which the caller must call
    before it reports anything read with this schema (check() lets a reader run it meanwhile)."""
    from builder.configs import read_schema_file
    meta = read_schema_file(path, cache_folder)
    if not defer:
        meta.settle()
    return Schema(meta.raw, str(path), None if meta.settled else meta)
