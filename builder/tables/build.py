"""Turn a declarative table definition and the corpus into a Table.

Column types (see schema/tables.yaml for the survey's own definitions):
entry, text, value, list, bool, template, join, refs, backlinks, expand.
A value written as ``{unknown: why}`` becomes an "unknown" cell whose reason is
a footnote; a missing value becomes an empty (absent) cell.
"""
from __future__ import annotations

import string
from bisect import bisect_left, insort
from collections import Counter
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from builder.paths import get
from builder.tables.model import ABSENT, UNKNOWN, Cell, Column, Row, Span, Table

MISSING = object()
# Cells and spans are immutable, so the common ones are shared: a large table holds hundreds of thousands.
_ABSENT = Cell((), status=ABSENT)
_ABSENT_ZERO = Cell((), status=ABSENT, sort=0)
_COMMA = Span(", ")
_COMMA_SHORT = Span(", ", short=",")


@lru_cache(maxsize=64)
def _separator(text: str) -> Span:
    return Span(text)


def entry_name(entry) -> str:
    """The short display name: `name`, else the title up to its first colon, else the title."""
    name = entry.get("name")
    if isinstance(name, str) and name:
        return name
    title = str(entry.get("title", entry.id))
    head = title.split(":", 1)[0].strip()
    return head if ":" in title and 0 < len(head) <= 40 else title


def chronological(entry) -> tuple:
    """Order of lists of papers: by date (unknown dates first), then by name."""
    return (str(entry.get("date")), entry_name(entry).lower())


class _Texts:
    """Footnotes of one entry's rows, kept as texts until the whole table is numbered."""

    @staticmethod
    def add(text: str) -> str:
        return text


class Footnotes:
    """Footnote texts numbered in order of first use; the same text keeps its number."""

    def __init__(self):
        self.texts: list[str] = []
        self._numbers: dict = {}  # text -> number: a leaderboard has a footnote per row

    def add(self, text: str) -> int:
        number = self._numbers.get(text)
        if number is None:
            self.texts.append(text)
            number = self._numbers[text] = len(self.texts)
        return number


def is_unknown(value) -> bool:
    return type(value) is dict and len(value) == 1 and "unknown" in value


def fmt_number(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)  # as written in the entry: 63.0 stays 63.0
    return str(value)


@lru_cache(maxsize=1024)
def _parts(path: str) -> tuple:
    return tuple(path.split("."))


def lookup(data, path):
    """Value at a dotted path; an {unknown} anywhere on the way is returned as is.

    (is_unknown inline, and one probe per step: a 10,000-entry build looks up a third of a million cells.)"""
    node = data
    for part in _parts(path):
        if not isinstance(node, dict):
            return MISSING
        if type(node) is dict and len(node) == 1 and "unknown" in node:
            return node
        node = node.get(part, MISSING)
        if node is MISSING:
            return MISSING
    return node


def _label_span(value, dimension, taxonomy) -> Span:
    """A label span for a (taxonomy) value; spans are immutable, so equal inputs share one."""
    try:
        return _label_span_cached(value, type(value), dimension, taxonomy)
    except TypeError:  # an unhashable value (a list or mapping where a scalar belongs)
        return _label_span_uncached(value, dimension, taxonomy)


@lru_cache(maxsize=4096)
def _label_span_cached(value, _type, dimension, taxonomy) -> Span:
    return _label_span_uncached(value, dimension, taxonomy)


def _label_span_uncached(value, dimension, taxonomy) -> Span:
    dim = taxonomy.get(dimension) if dimension else None
    found = dim.get(value) if dim is not None else None
    if found is not None:
        return Span(found.label, dimension=dimension, value=value, short=found.short or None)
    return Span(fmt_number(value))


@lru_cache(maxsize=256)
def _template_parts(template: str) -> tuple:
    """(literal span or None, slot name or None, whether the slot is optional) for each piece of a template."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        optional = name is not None and name.endswith("?")
        parts.append((Span(literal) if literal else None, name.rstrip("?") if name is not None else None, optional))
    return tuple(parts)


def template_slots(template: str) -> list:
    """The field names a template's slots read (ValueError for a template that does not parse)."""
    return [name for _, name, _ in _template_parts(template) if name]


def entry_cell(entry, sort=None, footnotes=()) -> Cell:
    return Cell((Span(entry_name(entry), entry=entry.id),), sort=sort or entry_name(entry).lower(), footnotes=footnotes)


# Column kinds whose cell follows from the value alone (and, for refs, from names fixed for the build): one
# Cell per value, shared by every row showing it, so renderers print it once (a column shows the same few
# values thousands of times).
_SHAREABLE = frozenset(("text", "value", "list", "bool", "template", "join", "refs"))


def value_key(value, max_text: int | None = None):
    """A key equal only for values that print alike (True is not 1, -0.0 is not 0.0); None if there is none,
    or if a string in it is longer than max_text (prose seldom repeats: not worth remembering)."""
    kind = type(value)
    if kind is str:
        return None if max_text is not None and len(value) > max_text else (kind, value)
    if kind is int or kind is bool or value is None:
        return kind, value
    if kind is float:
        return kind, repr(value)
    if kind is list:
        keys = []
        for v in value:  # scalar items inline: most lists and mappings here hold only those
            t = type(v)
            if t is int or t is bool or (t is str and (max_text is None or len(v) <= max_text)):
                keys.append((t, v))
            else:
                sub = value_key(v, max_text)
                if sub is None:
                    return None
                keys.append(sub)
        return kind, tuple(keys)
    if kind is dict:
        keys = []
        for k, v in value.items():
            t = type(v)
            if t is int or t is bool or (t is str and (max_text is None or len(v) <= max_text)):
                keys.append((k, t, v))
            else:
                sub = value_key(v, max_text)
                if sub is None:
                    return None
                keys.append((k, sub))
        return kind, tuple(keys)
    return None


class TableBuilder:
    def __init__(self, corpus, taxonomy):
        self.corpus = corpus
        self.taxonomy = taxonomy
        self._makers: dict = {}  # id(column definition) -> (definition, its cell maker)
        self._group_cells: dict = {}  # (group field, dimension, value key) -> the group's Cell

    # -- cells -------------------------------------------------------------
    def special(self, value, notes: Footnotes):
        """Cells for unknown and absent values, or None for a real value."""
        if value is MISSING or value is None:
            return _ABSENT
        if is_unknown(value):
            return Cell((Span("unknown"),), status=UNKNOWN, footnotes=(notes.add("Unknown: " + value["unknown"]),))
        return None

    def cell_maker(self, col: dict):
        """f(entry, data, notes) -> the column's Cell, with the column's settings read once (a 10,000-entry
        build makes a quarter of a million cells). Kept per column definition while the builder lives."""
        hit = self._makers.get(id(col))
        if hit is None:
            hit = self._makers[id(col)] = (col, self._make_cell_maker(col))
        return hit[1]

    def _make_cell_maker(self, col: dict):
        kind = col["type"]
        if kind == "entry":
            return lambda entry, data, notes: entry_cell(entry)
        if kind == "backlinks":
            return lambda entry, data, notes: self.backlinks_cell(col, entry)
        taxonomy, dimension, dimensions = self.taxonomy, col.get("dimension"), col.get("dimensions", {})
        if kind == "text":
            def show(value, footnotes):
                span = _label_span(value, dimension, taxonomy) if dimension else Span(fmt_number(value))
                return Cell((span,), sort=value if isinstance(value, (int, float, str)) else None, footnotes=footnotes)
        elif kind == "value":
            def show(value, footnotes):
                return Cell((_label_span(value, dimension, taxonomy),), sort=str(value), footnotes=footnotes)
        elif kind == "list":
            def show(value, footnotes):
                spans = []
                for i, item in enumerate(value if isinstance(value, list) else [value]):
                    if i:
                        spans.append(_COMMA)
                    spans.append(_label_span(item, dimension, taxonomy))
                return Cell(tuple(spans), footnotes=footnotes)
        elif kind == "bool":
            def show(value, footnotes):
                if not isinstance(value, bool):
                    return Cell((Span(fmt_number(value)),))
                return Cell((Span("yes" if value else "no"),), mark="check" if value else "cross", sort=int(value))
        elif kind == "template":
            template = col["template"]

            def show(value, footnotes):
                return Cell(tuple(self.fill(template, value, dimensions)), footnotes=footnotes)
        elif kind == "join":
            template, separator = col["template"], _separator(col.get("separator", "; "))

            def show(value, footnotes):
                spans = []
                for i, item in enumerate(value if isinstance(value, list) else [value]):
                    if i:
                        spans.append(separator)
                    spans.extend(self.fill(template, item, dimensions))
                return Cell(tuple(spans), footnotes=footnotes)
        elif kind == "refs":
            def show(value, footnotes):
                return self.refs_cell(value)
        else:
            raise ValueError(f"unknown column type {kind!r}")
        path, footnote = col["field"], col.get("footnote")
        special = self.special
        shared: dict = {} if kind in _SHAREABLE else None  # value -> its Cell (without footnotes), made once

        def make(entry, data, notes) -> Cell:
            value = lookup(data, path)
            if value is MISSING or value is None or (type(value) is dict and len(value) == 1 and "unknown" in value):
                return special(value, notes)  # absent or unknown (the test is special's, inline: most cells are neither)
            footnotes = ()
            if footnote:
                text = lookup(entry.data, footnote)
                if isinstance(text, str):
                    footnotes = (notes.add(text),)
            if footnotes or shared is None:
                return show(value, footnotes)
            key = value_key(value)
            if key is None:
                return show(value, footnotes)
            hit = shared.get(key)
            if hit is None:
                hit = shared[key] = show(value, footnotes)
            return hit
        return make

    def fill(self, template: str, value, dimensions: dict) -> list:
        """Spans for a template: {field} slots filled from a mapping ({} takes a scalar).

        A slot named in `dimensions` shows taxonomy labels (lists joined by commas);
        a missing field shows as '?', a missing optional one ({field?}) as nothing.
        """
        out = []
        for literal, name, optional in _template_parts(template):
            if literal:
                out.append(literal)
            if name is None:
                continue
            slot = value if name == "" else (value.get(name) if isinstance(value, dict) else None)
            if slot is None:
                if not optional:
                    out.append(Span("?"))
                continue
            items = slot if isinstance(slot, list) else [slot]
            for i, item in enumerate(items):
                if i:
                    out.append(_COMMA_SHORT)
                out.append(_label_span(item, dimensions.get(name), self.taxonomy))
        return out

    def refs_cell(self, value) -> Cell:
        items = value if isinstance(value, list) else [value]
        spans = []
        for item in items:
            if spans:
                spans.append(_COMMA)
            ref = item.get("ref") if isinstance(item, dict) else item
            target = self.corpus.get(ref) if isinstance(ref, str) else None
            if target is not None:
                spans.append(Span(entry_name(target), entry=target.id))
            elif isinstance(item, dict) and item.get("name"):
                spans.append(Span(str(item["name"])))
            else:
                spans.append(Span(str(ref)))
        return Cell(tuple(spans))

    def backlinks_cell(self, col: dict, entry) -> Cell:
        via = col["via"] if isinstance(col["via"], list) else [col["via"]]
        sources = sorted({b.source for b in self.corpus.backlinks.get(entry.id, []) if b.field in via},
                         key=lambda i: entry_name(self.corpus[i]).lower())
        if not sources:
            return _ABSENT
        spans = []
        for source in sources:
            if spans:
                spans.append(_COMMA)
            spans.append(Span(entry_name(self.corpus[source]), entry=source))
        return Cell(tuple(spans))

    # -- columns -----------------------------------------------------------
    def columns(self, defn) -> list:
        cols = []
        for col in defn["columns"]:
            if col["type"] == "expand":
                dim = self.taxonomy[col["dimension"]]
                for v in dim.values:
                    short = col.get("short", "L{value}").format(value=v.value)
                    cols.append((Column(f"{col['field']}={v.value}", short, v.label, "c"), col, v.value))
                continue
            header = col.get("header")
            if header is None and col.get("dimension"):
                header = self.taxonomy[col["dimension"]].label
            description = self.taxonomy[col["dimension"]].definition if col.get("dimension") in self.taxonomy.dimensions else ""
            cols.append((Column(col.get("field", col["type"]), header or col.get("field", ""), description,
                                col.get("latex", "l")), col, None))
        return cols

    # -- rows --------------------------------------------------------------
    def sort_key(self, defn, entry):
        key = []
        for path in defn.get("sort", ["date", "name"]):
            value = entry_name(entry).lower() if path == "name" else get(entry.data, path)
            missing = value is None or is_unknown(value)
            key.append((missing, "" if missing else (value if isinstance(value, (int, float)) else str(value))))
        key.append((False, entry.id))
        return tuple(key)

    def group_of(self, defn, entry, notes):
        group = defn.get("group_by")
        if not group:
            return None, None
        if group.get("type") == "entry":
            return entry_cell(entry), (0, self.sort_key(defn, entry))
        value = lookup(entry.data, group["field"])
        dim = self.taxonomy[group["dimension"]]
        if value is MISSING or is_unknown(value) or dim.get(value) is None:
            return Cell((Span("unknown"),), status=UNKNOWN), (len(dim.values), "")
        order = dim.allowed().index(value)
        key = (group["field"], group["dimension"], value_key(value))
        cell = self._group_cells.get(key)  # one per value, shared by the group's rows (printed once)
        if cell is None:
            cell = Cell((_label_span(value, group["dimension"], self.taxonomy),))
            if key[2] is not None:  # (a value with no key is never stored, so never found)
                self._group_cells[key] = cell
        return cell, (order, "")

    def legend(self, defn, table_rows_values) -> tuple:
        """Definitions of the taxonomy values this table shows (pairs of dimension and repr of value)."""
        used: dict = {}
        for dimension, shown in table_rows_values:
            used.setdefault(dimension, set()).add(shown)
        out = []
        for dim in self.taxonomy:
            if dim.name not in used:
                continue
            items = tuple((v.label, v.definition, v.short) for v in dim.values if repr(v.value) in used[dim.name])
            out.append((dim.label, items))
        return tuple(out)

    def entry_rows(self, defn, cols, entry) -> tuple:
        """(rows, taxonomy values shown) for one entry; footnotes still hold their texts, numbered later."""
        notes = _Texts()
        group_cell, group_key = self.group_of(defn, entry, notes)
        rows = []
        if defn.get("rows"):
            items = entry.data.get(defn["rows"])
            if is_unknown(items) or not isinstance(items, list):
                reason = items["unknown"] if is_unknown(items) else "not given"
                first = Cell((Span("unknown"),), status=UNKNOWN, footnotes=(notes.add("Unknown: " + reason),))
                cells = (first,) + tuple(_ABSENT for _ in cols[1:])
                rows.append(Row(cells, group_cell, group_key))
            else:
                makers = [self.cell_maker(col) for _, col, _ in cols]
                for item in items:
                    rows.append(Row(tuple([make(entry, item, notes) for make in makers]), group_cell, group_key))
        else:
            cells = []
            for column, col, expand_value in cols:
                if col["type"] == "expand":
                    cells.append(self.expand_cell(col, entry, expand_value, notes))
                else:
                    cells.append(self.cell_maker(col)(entry, entry.data, notes))
            if any(col["type"] == "expand" for _, col, _ in cols):
                value = lookup(entry.data, next(col for _, col, _ in cols if col["type"] == "expand")["field"])
                if is_unknown(value):
                    cells[0] = entry_cell(entry, footnotes=(notes.add(f"{entry_name(entry)}: level unknown: {value['unknown']}"),))
            rows.append(Row(tuple(cells), group_cell, group_key))
        used = set()
        for row in rows:
            for cell in (row.group,) + row.cells if row.group else row.cells:
                for s in cell.spans:
                    if s.dimension:
                        used.add((s.dimension, repr(s.value)))
        return tuple(rows), used

    def build(self, defn, memo=None) -> Table:
        """The table; with a memo (a session), rows of entries untouched by the last change are reused."""
        cols = self.columns(defn)
        name = defn["name"]
        kinds = defn.get("kinds")
        grouped = bool(defn.get("group_by"))

        def item_of(e) -> tuple:
            """(place in the table, rows, taxonomy values shown, which rows carry footnotes). Rows are ordered
            by group, then by the table's sort: each entry's rows share a group, so sorting entries by
            (group, sort key) is the stable sort of rows by group after the sort of entries."""
            rows, used = self.entry_rows(defn, cols, e)
            noted = tuple(any(c.footnotes for c in ((r.group,) + r.cells if r.group else r.cells)) for r in rows)
            key = self.sort_key(defn, e)
            if grouped:
                key = (rows[0].group_key if rows else self.group_of(defn, e, None)[1], key)
            return key, rows, used, noted

        def wanted(e) -> bool:
            return kinds is None or e.kind in kinds
        state = memo.store(("table-order", name)) if memo is not None else {}
        if state and memo.affected is not None:  # a session: the entries the edit touched leave and come back
            items, places = state["items"], state["places"]
            counts = state.get("used")
            if counts is None:  # how many entries show each taxonomy value: counted once, then kept up to date
                counts = state["used"] = Counter(chain.from_iterable(map(itemgetter(2), items)))
            for i in memo.affected:
                place = places.pop(i, None)
                if place is not None:
                    at = bisect_left(items, place, key=itemgetter(0))
                    counts.subtract(items[at][2])
                    del items[at]
                e = self.corpus.get(i)
                if e is not None and wanted(e):
                    item = item_of(e)
                    places[i] = item[0]
                    counts.update(item[2])
                    insort(items, item, key=itemgetter(0))
            used = {shown for shown, n in counts.items() if n > 0}
        else:
            entries = [e for e in self.corpus.entries if wanted(e)]
            items = [item_of(e) for e in entries]
            order = sorted(range(len(items)), key=lambda k: items[k][0])
            items = [items[k] for k in order]
            state.pop("used", None)
            state.update(items=items, places={entries[k].id: items[pos][0] for pos, k in enumerate(order)})
            used = set().union(*map(itemgetter(2), items))
        raw = list(chain.from_iterable(map(itemgetter(1), items)))
        noted = list(chain.from_iterable(map(itemgetter(3), items)))
        rows, texts = number_footnotes(raw, noted, memo.store(("numbered", name)) if memo is not None else None)
        for _, col, value in cols:
            if col["type"] == "expand":
                used.add((col["dimension"], repr(value)))
        group = defn.get("group_by") or {}
        return Table(
            name=name, title=defn["title"], caption=" ".join(defn.get("caption", "").split()),
            columns=tuple(c for c, _, _ in cols), rows=tuple(rows),
            group_header=group.get("header"), footnotes=tuple(texts),
            legend=self.legend(defn, used), wide=bool(defn.get("wide")),
            group_width=float(group.get("latex_width", 0.1)))

    def expand_cell(self, col, entry, value, notes) -> Cell:
        actual = lookup(entry.data, col["field"])
        if actual == value and not isinstance(actual, bool):
            footnotes = ()
            text = lookup(entry.data, col["footnote"]) if col.get("footnote") else None
            if isinstance(text, str):
                footnotes = (notes.add(f"{entry_name(entry)}: {text}"),)
            return Cell((Span("yes"),), mark="check", footnotes=footnotes, sort=1)
        return _ABSENT_ZERO


def number_footnotes(rows, noted, cache=None) -> tuple:
    """Rows whose footnote texts become numbers in reading order, and the texts in that order.

    noted[i] says whether rows[i] has footnotes at all. A row keeps its identity when its numbers
    did not change since the last build (cache: id(raw row) -> (raw row, numbers, numbered row)),
    so renderers can reuse its text.
    """
    numbers: dict = {}
    out = []
    new_cache = {} if cache is not None else None

    def number(cell):
        if cell is None or not cell.footnotes:
            return cell
        return Cell(cell.spans, cell.status, cell.mark, cell.emphasis, cell.dagger,
                    tuple(numbers.setdefault(t, len(numbers) + 1) for t in cell.footnotes), cell.sort)

    for row, has_notes in zip(rows, noted):
        if not has_notes:
            out.append(row)
            continue
        cells = (row.group,) + row.cells if row.group is not None else row.cells
        mine = tuple(numbers.setdefault(t, len(numbers) + 1) for c in cells if c is not None for t in c.footnotes)
        hit = cache.get(id(row)) if cache is not None else None
        if hit is not None and hit[0] is row and hit[1] == mine:
            numbered = hit[2]
        else:
            numbered = Row(tuple(number(c) for c in row.cells), number(row.group), row.group_key)
        if new_cache is not None:
            new_cache[id(row)] = (row, mine, numbered)
        out.append(numbered)
    if cache is not None:
        cache.clear()
        cache.update(new_cache)
    return out, list(numbers)


def iter_tables(definitions: dict, corpus, taxonomy, memo=None):
    """Each declared table in turn, built only when asked for (a build keeps one at a time)."""
    builder = TableBuilder(corpus, taxonomy)
    for defn in definitions.get("tables", []):
        yield builder.build(defn, memo)


def build_tables(definitions: dict, corpus, taxonomy, memo=None) -> list:
    return list(iter_tables(definitions, corpus, taxonomy, memo))
