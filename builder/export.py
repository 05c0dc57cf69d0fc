"""`slm-survey export`: the corpus for other tools (pandas, DuckDB, datasette, reference managers).

Column names and their order come from the schema, so they are stable: nested
mappings flatten to dotted names (`a.b`), lists of plain values join
with "; ", an `{unknown: why}` becomes "unknown: why". Lists of records
(results, stages, sources) go to their own tables in SQLite and stay nested in
JSON.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from builder.bibtex import bib_entry
from builder.tables.build import is_unknown

RECORD_LISTS = ("results", "training_stages", "sources", "tasks", "metrics")


def _flat_columns(schema, node, prefix, depth, out) -> None:
    node = schema.resolve(node)
    branch = next((b for b in node.get("anyOf", []) if b.get("$ref") != "#/$defs/unknown"), None)
    if branch is not None:
        return _flat_columns(schema, branch, prefix, depth, out)
    props = node.get("properties")
    if props and depth < 2 and node.get("type") == "object":
        for key, sub in props.items():
            _flat_columns(schema, sub, f"{prefix}.{key}", depth + 1, out)
    else:
        out.append(prefix)


def columns(schema) -> list:
    """Every flat column, in schema order; record lists excluded."""
    out: list = []
    for key in schema.key_order():
        if key in RECORD_LISTS:
            continue
        _flat_columns(schema, schema.field(key), key, 0, out)
    return out


def _cell(value):
    if value is None:
        return None
    if is_unknown(value):
        return "unknown: " + value["unknown"]
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, dict):
                parts.append(v.get("ref") or v.get("name") or json.dumps(v, sort_keys=True, ensure_ascii=False))
            else:
                parts.append(str(v))
        return "; ".join(parts)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def flatten(entry_data: dict, cols: list) -> dict:
    row = {}
    for col in cols:
        node = entry_data
        for part in col.split("."):
            if is_unknown(node):
                break
            node = node.get(part) if isinstance(node, dict) else None
        row[col] = _cell(node)
    return row


def rows(corpus, schema) -> tuple[list, list]:
    cols = columns(schema)
    return cols, [flatten(e.data, cols) for e in sorted(corpus.entries, key=lambda e: e.id)]


def to_csv(corpus, schema) -> str:
    cols, data = rows(corpus, schema)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def _ordered(data: dict, order: list) -> dict:
    return {k: data[k] for k in sorted(data, key=lambda k: order.index(k) if k in order else len(order))}


def to_json(corpus, schema) -> str:
    order = schema.key_order()
    return json.dumps([_ordered(e.data, order) for e in sorted(corpus.entries, key=lambda e: e.id)],
                      ensure_ascii=False, indent=2) + "\n"


def to_jsonl(corpus, schema) -> str:
    order = schema.key_order()
    return "".join(json.dumps(_ordered(e.data, order), ensure_ascii=False) + "\n"
                   for e in sorted(corpus.entries, key=lambda e: e.id))


def to_bibtex(corpus, schema) -> str:
    return "".join(bib_entry(e, portable=False) + "\n" for e in sorted(corpus.entries, key=lambda e: e.id))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def to_sqlite(corpus, schema, path: Path) -> None:
    """One table per entry kind (its non-empty columns), plus results, training_stages and sources."""
    from builder.tables.leaderboard import collect_results
    cols, data = rows(corpus, schema)
    kinds = sorted({r["kind"] for r in data})
    tmp = Path(str(path) + ".tmp")
    if tmp.exists():
        tmp.unlink()
    db = sqlite3.connect(tmp)
    try:
        for kind in kinds:
            members = [r for r in data if r["kind"] == kind]
            used = [c for c in cols if any(r.get(c) is not None for r in members)]
            db.execute(f"CREATE TABLE {_quote(kind)} ({', '.join(_quote(c) + (' TEXT PRIMARY KEY' if c == 'id' else '') for c in used)})")
            db.executemany(f"INSERT INTO {_quote(kind)} VALUES ({', '.join('?' for _ in used)})",
                           [[r.get(c) for c in used] for r in members])
        db.execute("CREATE TABLE results (entry_id TEXT, benchmark TEXT, model TEXT, system TEXT, task TEXT, "
                   "metric TEXT, value REAL, direction TEXT, origin TEXT, source_url TEXT, locator TEXT)")
        db.executemany("INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       [(r.reporter, r.benchmark, r.subject, r.system, r.task, r.metric, r.value, r.direction,
                         r.origin, r.source_url, r.locator) for r in collect_results(corpus)])
        db.execute("CREATE TABLE training_stages (entry_id TEXT, position INTEGER, name TEXT, type TEXT, "
                   "purpose TEXT, data TEXT, trained TEXT, frozen TEXT, lora TEXT)")
        db.execute("CREATE TABLE sources (entry_id TEXT, id TEXT, url TEXT, tier TEXT, locator TEXT, covers TEXT)")
        for e in sorted(corpus.entries, key=lambda e: e.id):
            stages = e.get("training_stages")
            for i, s in enumerate(stages if isinstance(stages, list) else [], 1):
                db.execute("INSERT INTO training_stages VALUES (?,?,?,?,?,?,?,?,?)",
                           (e.id, i, s.get("name"), _cell(s.get("type")), s.get("purpose"), s.get("data"),
                            _cell(s.get("trained")), _cell(s.get("frozen")), _cell(s.get("lora"))))
            for s in e.get("sources") or []:
                db.execute("INSERT INTO sources VALUES (?,?,?,?,?,?)",
                           (e.id, s.get("id"), s.get("url"), s.get("tier"), s.get("locator"), _cell(s.get("covers"))))
        db.commit()
    finally:
        db.close()
    tmp.replace(path)


FORMATS = {"csv": to_csv, "json": to_json, "jsonl": to_jsonl, "bibtex": to_bibtex}


def export(corpus, schema, fmt: str, out: Path) -> None:
    from builder.output import write_atomic
    if fmt == "sqlite":
        to_sqlite(corpus, schema, out)
    else:
        write_atomic(out, FORMATS[fmt](corpus, schema).encode("utf-8"))
