"""`slm-survey fmt`: one layout for every entry, comments kept.

Top-level keys follow the schema's order (id, name, title, kind, date, ...);
values that YAML could misread (dates, arXiv ids) are double-quoted. Uses
ruamel.yaml's round trip so comments and the rest of the author's formatting
survive. Only this command (and `new`, `import-*`) ever writes an entry.
"""
from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from builder.output import write_atomic

ALWAYS_QUOTED = ("date", "arxiv")


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096           # never re-wrap long lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def reorder(data: CommentedMap, order) -> CommentedMap:
    """A copy of the mapping with keys in schema order (unknown keys last), comments carried along."""
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(data.keys(), key=lambda k: (rank.get(k, len(rank)), list(data.keys()).index(k)))
    if keys == list(data.keys()):
        return data
    out = CommentedMap()
    for k in keys:
        out[k] = data[k]
    if data.ca.comment:
        out.ca.comment = data.ca.comment
    for k, v in data.ca.items.items():
        out.ca.items[k] = v
    return out


def format_text(text: str, order) -> str:
    y = _yaml()
    data = y.load(text)
    if not isinstance(data, CommentedMap):
        return text
    data = reorder(data, order)
    for key in ALWAYS_QUOTED:
        if isinstance(data.get(key), str):
            data[key] = DoubleQuotedScalarString(str(data[key]))
    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    return out if out.endswith("\n") else out + "\n"


def format_file(path: Path, order, check_only: bool = False) -> bool:
    """True when the file is (or would be) changed."""
    text = path.read_text(encoding="utf-8")
    new = format_text(text, order)
    if new == text:
        return False
    if not check_only:
        write_atomic(path, new.encode("utf-8"))
    return True
