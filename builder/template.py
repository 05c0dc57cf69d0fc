"""`slm-survey new`: a commented template entry for a kind, generated from the schema.

Required keys get TODO placeholders (which `validate` refuses until filled in);
optional keys are commented out with their descriptions. Nothing is ever
written over an existing file or id.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml


SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class TemplateError(Exception):
    pass


def placeholder(schema, node, depth=0):
    """A value of the right shape whose leaves say TODO and, for taxonomy fields, list the choices."""
    node = schema.resolve(node) if isinstance(node, dict) else {}
    for branch in node.get("anyOf", []):
        if branch.get("$ref") != "#/$defs/unknown":
            return placeholder(schema, branch, depth)
    if node.get("x-taxonomy"):
        values = [str(o["const"]) for o in node["oneOf"]]
        return f"TODO: one of {', '.join(values)}"
    kind = node.get("type")
    if kind == "object" and depth < 4:
        props = node.get("properties", {})
        keys = node.get("required") or list(props)[:1]
        return {k: placeholder(schema, props.get(k, {}), depth + 1) for k in keys}
    if kind == "array" and depth < 4:
        return [placeholder(schema, node.get("items", {}), depth + 1)]
    if node.get("title") == "Entry id":
        return "TODO: id of an entry"
    return "TODO"


def required_for(schema, kind) -> set:
    req = set(schema.raw.get("required", []))
    for rule in schema.raw.get("allOf", []):
        cond = rule.get("if", {}).get("properties", {}).get("kind", {})
        if kind == cond.get("const") or kind in cond.get("enum", []):
            req |= set(rule.get("then", {}).get("required", []))
    return req


def _dump(key, value) -> list:
    text = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return text.rstrip("\n").split("\n")


def render_template(schema, entry_id: str, kind: str, schema_ref: str) -> str:
    required = required_for(schema, kind)
    lines = [f"# yaml-language-server: $schema={schema_ref}",
             f"# A new {kind} entry. Replace every TODO, delete the commented keys you do not need,",
             "# write {unknown: \"why\"} for a fact no source gives, then run: slm-survey validate",
             f"id: {entry_id}"]
    allowed = set(schema.fields_for_kind(kind)) | {"name", "title", "kind", "date_note", "links", "tags", "starred",
                                                   "notes", "results", "sources"}
    keys = [k for k in schema.key_order() if k in allowed]
    for key in keys:
        node = schema.field(key)
        if not node or key == "id":
            continue
        desc = " ".join(str(node.get("description", "")).split())
        lines.append("")
        lines.append(f"# {node.get('title', key)}" + (f": {desc}" if desc else ""))
        if key == "kind":
            lines.append(f"kind: {kind}")
            continue
        if key == "sources":
            value = [{"id": "paper", "url": "TODO: https://...", "tier": "primary", "locator": "TODO: section or table",
                      "covers": ["title", "authors", "date"]}]
        elif key == "links":
            value = {"paper": "TODO: https://arxiv.org/abs/..."}
        elif key == "date":
            value = "TODO: YYYY-MM"
        else:
            value = placeholder(schema, node)
        dumped = _dump(key, value)
        lines += dumped if key in required or key in ("links", "sources") else ["# " + line for line in dumped]
    return "\n".join(lines) + "\n"


def new_entry(project, schema, entry_id: str, kind: str) -> Path:
    if not SLUG.match(entry_id or ""):
        raise TemplateError(f"{entry_id!r} is not a valid id: use lowercase letters, digits and hyphens, e.g. my-model-2")
    kinds = schema.taxonomy["kind"].allowed()
    if kind not in kinds:
        raise TemplateError(f"{kind!r} is not a kind; choose one of {', '.join(kinds)}")
    existing = [p for p in project.entries_dir.rglob(f"{entry_id}.y*ml")] if project.entries_dir.exists() else []
    if existing:
        raise TemplateError(f"an entry with id {entry_id!r} already exists: {existing[0]}")
    folder = project.entries_dir / f"{kind}s"
    if not folder.is_dir():
        folder = project.entries_dir
    target = folder / f"{entry_id}.yaml"
    ref = os.path.relpath(project.schema_path, folder)
    text = render_template(schema, entry_id, kind, ref)
    folder.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:  # "x": never over an existing file
        handle.write(text)
    return target
