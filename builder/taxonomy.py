"""The taxonomy: dimensions, their values, labels and one-line definitions.

It is read from the entry schema's ``$defs`` marked ``x-taxonomy`` (each a
``oneOf`` of ``const`` values with ``title`` and ``description``), so it is written
once and drives validation, editor hovers, table headers, legends and the site.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Value:
    value: object
    label: str
    definition: str
    short: str = ""   # a compact label for narrow tables (the legend spells it out)


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    definition: str
    values: tuple

    def get(self, value) -> Value | None:
        for v in self.values:
            if v.value == value and type(v.value) is type(value):
                return v
        return None

    def label_of(self, value) -> str:
        found = self.get(value)
        return found.label if found else str(value)

    def allowed(self) -> list:
        return [v.value for v in self.values]


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """Hashed by identity (one per loaded schema), so label lookups can be memoised."""

    dimensions: dict

    def __getitem__(self, name) -> Dimension:
        return self.dimensions[name]

    def __iter__(self):
        return iter(self.dimensions.values())

    def get(self, name):
        return self.dimensions.get(name)


def dimension_from_schema(name: str, node: dict) -> Dimension:
    values = tuple(Value(opt["const"], opt.get("title", str(opt["const"])), opt.get("description", ""),
                         opt.get("x-short", ""))
                   for opt in node["oneOf"])
    return Dimension(name, node.get("title", name), node.get("description", ""), values)


def taxonomy_from_schema(schema: dict) -> Taxonomy:
    dims = {name: dimension_from_schema(name, node)
            for name, node in schema.get("$defs", {}).items()
            if isinstance(node, dict) and node.get("x-taxonomy")}
    return Taxonomy(dims)


def dimension_of_node(node) -> str | None:
    """The taxonomy dimension a schema node stands for, if it is one (or refers to one)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return ref[len("#/$defs/"):]
    return None
