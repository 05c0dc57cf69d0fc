"""Splitting a long LaTeX table into page-sized parts: the fast cut (prefix sums, bisection, set unions) gives
exactly the parts of the plain rule, a walk row by row that starts a new part when the next row would pass the
budget, and lowers the budget by four lines while some part's footnotes do not fit under it."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.render.latex import PAGE_LINES, RowText, _note_lines, _note_lines_of, _split, row_lines
from builder.tables.model import Cell, Column, Row, Span, Table


def _walked(table, texts):
    """The plain rule, as the builder stated it before the fast cut."""
    infos = [texts[id(r)] for r in table.rows]
    lines = row_lines(table, infos)
    noted = [(i, t.footnotes) for i, t in enumerate(infos) if t.footnotes]
    tail = _note_lines(" ".join(table.notes), table.wide)
    lengths = tuple(map(len, table.footnotes))
    budget = PAGE_LINES
    while True:
        bounds, sizes, start, used = [], [], 0, 0.0
        for i, n in enumerate(lines):
            if i > start and used + n > budget:
                bounds.append((start, i))
                sizes.append(used)
                start, used = i, 0.0
            used += n
        bounds.append((start, len(table.rows)))
        sizes.append(used)
        numbers = [set() for _ in bounds]
        part = 0
        for i, found in noted:
            while i >= bounds[part][1]:
                part += 1
            numbers[part].update(found)
        notes = [_note_lines_of(sum(lengths[k - 1] for k in n) + max(len(n) - 1, 0), table.wide) for n in numbers]
        sizes[-1] += tail
        if all(s + n <= PAGE_LINES for s, n in zip(sizes, notes)) or budget <= 12:
            return [list(table.rows[a:b]) for a, b in bounds], [sorted(n) for n in numbers]
        budget -= 4


@st.composite
def tables(draw):
    footnotes = draw(st.lists(st.text(min_size=1, max_size=400), max_size=40))
    count = len(footnotes)
    rows = []
    for _ in range(draw(st.integers(0, 160))):
        text = "x" * draw(st.integers(0, 600))  # long text wraps in the X column: rows of several lines
        notes = tuple(draw(st.lists(st.integers(1, count), max_size=3, unique=True))) if count else ()
        rows.append(Row((Cell((Span(text),), footnotes=notes), Cell((Span("1.0"),)))))
    return Table(name="t", title="T", caption="", wide=draw(st.booleans()),
                 columns=(Column("a", "A", latex="X"), Column("b", "B", latex="r")), rows=tuple(rows),
                 footnotes=tuple(footnotes), notes=tuple(draw(st.lists(st.text(max_size=300), max_size=2))))


@settings(max_examples=300, deadline=None)
@given(tables())
def test_the_fast_cut_is_the_walk_row_by_row(table):
    texts = {id(r): RowText(r) for r in table.rows}
    assert _split(table, texts) == _walked(table, {id(r): RowText(r) for r in table.rows})


def test_a_table_whose_footnotes_overflow_is_cut_smaller_until_they_fit():
    """One footnote per row, long ones: the first budget leaves no room under the parts; lower ones do."""
    rows = tuple(Row((Cell((Span(f"row {i}"),), footnotes=(i + 1,)), Cell((Span("1"),)))) for i in range(120))
    table = Table(name="t", title="T", caption="", columns=(Column("a", "A", latex="X"), Column("b", "B", latex="r")),
                  rows=rows, footnotes=tuple("a long footnote " * 6 for _ in rows))
    texts = {id(r): RowText(r) for r in rows}
    parts, numbers = _split(table, texts)
    assert (parts, numbers) == _walked(table, texts)
    assert len(parts) > 120 / PAGE_LINES + 1  # more parts than the rows alone would need
    assert [n for part in numbers for n in part] == list(range(1, 121))
