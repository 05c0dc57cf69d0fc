"""The format-neutral table model (after HELM's Cell/HeaderCell/Table): plain data, never changed once made.

Renderers are dumb printers of these objects; all escaping happens there.
Span, Cell and Row are not declared frozen, only treated so (spans and cells
are shared between rows and builds): a 10,000-entry build makes about a
million of them, and a frozen dataclass's checked assignments cost 0.45 s of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

VALUE, UNKNOWN, ABSENT = "value", "unknown", "absent"


@dataclass(slots=True)
class Span:
    """A run of text in a cell, optionally linking to an entry (and citing it) or to a taxonomy value."""

    text: str
    entry: str | None = None        # entry id: a link on the site, a \cite in LaTeX
    dimension: str | None = None    # taxonomy dimension of a value label: links to its definition
    value: object = None
    short: str | None = None        # compact form for narrow outputs (LaTeX), explained by the legend


@dataclass(slots=True)
class Cell:
    spans: tuple = ()
    status: str = VALUE
    mark: str | None = None         # "check" | "cross"
    emphasis: str | None = None     # "best" | "second"
    dagger: bool = False            # re-reported number
    footnotes: tuple = ()           # 1-based footnote numbers
    sort: object = None             # a sortable value (numbers, dates)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    description: str = ""
    latex: str = "l"                # column type in LaTeX: l, c, r or X


@dataclass(slots=True)
class Row:
    cells: tuple
    group: Cell | None = None
    group_key: object = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    caption: str
    columns: tuple
    rows: tuple
    group_header: str | None = None
    footnotes: tuple = ()
    legend: tuple = ()              # (dimension label, ((value label, definition, short), ...))
    wide: bool = False
    group_width: float = 0.1        # share of the line the group column takes in wide LaTeX tables
    notes: tuple = field(default=())  # extra lines under the table (e.g. the dagger's meaning)


def groups_of(rows) -> list:
    """Consecutive runs of these rows sharing a group: [(group cell, [rows])] (a part of a split table too)."""
    runs = []
    for row in rows:
        if runs and runs[-1][0] == row.group_key:
            runs[-1][2].append(row)
        else:
            runs.append((row.group_key, row.group, [row]))
    return [(cell, rows) for _, cell, rows in runs]
