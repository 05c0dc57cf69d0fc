"""Turn imported records into entry stubs: plan (pure), then apply (writes, never over an existing file).

Each stub holds what the source gave and a TODO placeholder for every other
required field; what `validate` still wants is computed by validating the stub
itself, so the list is exactly what stands between the stub and a valid entry.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from builder.crosscheck import check_placeholders
from builder.corpus import Entry
from builder.load import LoadError, parse
from builder.output import write_atomic
from builder.template import placeholder, required_for
from builder.validate import validate_entry


@dataclass
class Planned:
    record: object
    path: Path
    text: str
    action: str                 # "write", "unchanged", "clash", "beside", "beside-unchanged"
    wants: list = field(default_factory=list)
    clash_with: str = ""


def stub_data(record, schema) -> dict:
    data = {"id": record.id, **{k: v for k, v in record.fields.items() if k != "notes"}, "kind": record.kind}
    for key in sorted(required_for(schema, record.kind) - set(data) - {"sources"}):
        data[key] = placeholder(schema, schema.field(key))
    if "notes" in record.fields:
        data["notes"] = LiteralScalarString(record.fields["notes"])
    covers = [k for k in ("title", "date", "arxiv", "links") if k in record.fields]
    url = record.fields.get("links", {}).get("paper", "TODO: https://...")
    data["sources"] = [{"id": "arxiv" if "arxiv" in record.fields else "paper", "url": url,
                        "tier": "primary", "locator": "TODO: check the imported title and date against this page",
                        "covers": covers or ["title"]}]
    order = schema.key_order()
    ordered = {k: data[k] for k in sorted(data, key=lambda k: order.index(k) if k in order else len(order))}
    for key in ("date", "arxiv"):
        if isinstance(ordered.get(key), str):
            ordered[key] = DoubleQuotedScalarString(ordered[key])
    return ordered


def render_stub(record, schema, schema_ref: str, tool: str) -> str:
    y = YAML(typ="rt")
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    y.dump(stub_data(record, schema), buf)
    head = [f"# yaml-language-server: $schema={schema_ref}",
            f"# Imported by slm-survey {tool} from {record.origin}. Kind {record.kind}: {record.kind_reason}.",
            "# Replace every TODO (or write {unknown: \"why\"}), then run: slm-survey validate"]
    return "\n".join(head) + "\n" + buf.getvalue()


def wants_of(text: str, schema, path: Path) -> list:
    """Dotted paths of what validate still asks for in this stub."""
    try:
        loaded = parse(text, str(path))
    except LoadError as exc:
        return [exc.problem.message]
    problems = validate_entry(loaded, schema) + check_placeholders(Entry(path, loaded))
    out = []
    for p in problems:
        parts = []
        for part in p.where:
            if isinstance(part, int):
                parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
            else:
                parts.append(str(part))
        name = ".".join(parts) or p.message
        if name not in out:
            out.append(name)
    return out


def existing_entries(folders) -> tuple[dict, dict]:
    """id -> path and arXiv id -> path over every entry file under the folders."""
    by_id, by_arxiv = {}, {}
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for f in sorted(Path(folder).rglob("*.yaml")):
            by_id.setdefault(f.stem, f)
            try:
                data = parse(f.read_text(encoding="utf-8"), str(f)).data
            except (LoadError, OSError, UnicodeDecodeError):
                continue
            if isinstance(data, dict) and isinstance(data.get("arxiv"), str):
                by_arxiv.setdefault(data["arxiv"], f)
    return by_id, by_arxiv


def plan(records, project, schema, out_dir: Path | None, tool: str, beside: bool = False) -> list:
    by_id, by_arxiv = existing_entries([project.entries_dir] + ([out_dir] if out_dir else []))
    planned = []
    taken = set()
    for record in records:
        folder = out_dir or (project.entries_dir / f"{record.kind}s")
        target = folder / f"{record.id}.yaml"
        text = render_stub(record, schema, os.path.relpath(project.schema_path, folder), tool)
        other = by_id.get(record.id) or by_arxiv.get(record.fields.get("arxiv"))
        if record.id in taken:
            other = target
        taken.add(record.id)
        if other is not None and Path(other).resolve() == target.resolve() and target.read_text(encoding="utf-8") == text:
            planned.append(Planned(record, target, text, "unchanged", wants_of(text, schema, target)))
        elif other is not None:
            side = Path(other).with_suffix(".imported.md")
            note = (f"<!-- Notes imported by slm-survey {tool} from {record.origin}; merge them into "
                    f"{Path(other).name} by hand. -->\n\n# {record.fields.get('title', record.id)}\n\n"
                    + record.fields.get("notes", ""))
            action = "clash"
            if beside:
                action = "beside-unchanged" if side.exists() and side.read_text(encoding="utf-8") == note else "beside"
            planned.append(Planned(record, side if beside else target, note if beside else text, action,
                                   clash_with=str(other)))
        else:
            planned.append(Planned(record, target, text, "write", wants_of(text, schema, target)))
    return planned


def apply(planned) -> None:
    for p in planned:
        if p.action == "write":
            p.path.parent.mkdir(parents=True, exist_ok=True)
            with open(p.path, "x", encoding="utf-8") as handle:  # "x": never over an existing file
                handle.write(p.text)
        elif p.action == "beside" and not p.path.exists():
            write_atomic(p.path, p.text.encode("utf-8"))
        elif p.action == "beside":
            # an older side file with other notes: keep it, and write the new one with a number
            n = 2
            while p.path.with_suffix(f".{n}.md").exists():
                n += 1
            write_atomic(p.path.with_suffix(f".{n}.md"), p.text.encode("utf-8"))


def report(planned, skipped, dry_run: bool) -> str:
    lines = []
    verb = "would write" if dry_run else "wrote"
    for p in planned:
        r = p.record
        if p.action == "write":
            lines.append(f"{verb} {p.path} ({r.kind}; {r.kind_reason})")
        elif p.action == "unchanged":
            lines.append(f"unchanged {p.path} (already imported)")
        elif p.action == "clash":
            lines.append(f"clash {r.id}: already {p.clash_with}; not written (use --beside to keep the notes next to it)")
        elif p.action == "beside":
            lines.append(f"clash {r.id}: already {p.clash_with}; notes {'would be ' if dry_run else ''}written beside it: {p.path}")
        else:
            lines.append(f"clash {r.id}: already {p.clash_with}; notes beside it unchanged: {p.path}")
        for item in r.skipped:
            lines.append(f"    skipped {item}")
        if p.wants and p.action in ("write", "unchanged"):
            lines.append("    validate still wants: " + ", ".join(p.wants))
    lines += skipped
    counts = {a: sum(1 for p in planned if p.action == a) for a in ("write", "unchanged", "clash", "beside")}
    summary = (f"{counts['write']} {'to write' if dry_run else 'written'}, {counts['unchanged']} unchanged, "
               f"{counts['clash'] + counts['beside']} clashing, {len(skipped)} section(s) skipped")
    if not counts["write"] and not counts["beside"]:
        summary += "; nothing changed"
    lines.append(summary)
    return "\n".join(lines) + "\n"
