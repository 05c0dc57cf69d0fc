"""Print a Table as a LaTeX fragment: booktabs, tabularx, multirow groups, table* when wide.

The fragment has no preamble and is meant for \\input; FRAGMENT_NEEDS lists what
the including document must load. Every piece of entry text goes through
latex_text.escape; only cite keys (validated slugs) are written raw.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, chain
from operator import is_, itemgetter

from pylatex import NoEscape, Table, Tabular, Tabularx
from pylatex.base_classes import Float

from builder.memo import Reuse, reuse_in_place
from builder.render.latex_text import _escape, escape
from builder.tables.model import ABSENT, UNKNOWN, groups_of

FRAGMENT_NEEDS = (r"\usepackage[T1]{fontenc}", r"\usepackage{textcomp}", r"\usepackage{booktabs}",
                  r"\usepackage{tabularx}", r"\usepackage{multirow}", r"\usepackage{array}", r"\usepackage{pifont}")
MARK_MACROS = (r"\providecommand{\cmark}{\ding{51}}", r"\providecommand{\xmark}{\ding{55}}")


class WideTable(Float):
    """pylatex has no table*; two-column papers need it for wide tables."""

    _latex_name = "table*"


@lru_cache(maxsize=16384)
def cite_key(entry_id: str) -> str:
    """Entry ids are validated slugs ([a-z0-9-]); keep only those characters regardless (remembered: a
    model is cited in every row that names it)."""
    return "".join(ch for ch in entry_id if ch.isalnum() or ch == "-")


def span_tex(span, cite: bool = True) -> str:
    raw = span.short or span.text
    text = _escape(raw, True, False) if type(raw) is str else escape(raw)  # escape() without its extra call
    if span.entry and cite:
        return f"{text} \\cite{{{cite_key(span.entry)}}}"
    return text


def cell_tex(cell) -> str:
    if cell is None:
        return ""
    if cell.status == ABSENT:
        return "--"
    if cell.status == UNKNOWN:
        body = r"\textit{unknown}"
    elif cell.mark == "check":
        body = r"\cmark"
    elif cell.mark == "cross":
        body = r"\xmark"
    else:
        spans = cell.spans
        body = span_tex(spans[0]) if len(spans) == 1 else "".join([span_tex(s) for s in spans])
    if cell.emphasis == "best":
        body = f"\\textbf{{{body}}}"
    elif cell.emphasis == "second":
        body = f"\\underline{{{body}}}"
    if cell.dagger:
        body += r"$^{\dagger}$"
    if cell.footnotes:
        body += r"\textsuperscript{" + ",".join(str(n) for n in cell.footnotes) + "}"
    return body


# \hspace{0pt} lets TeX hyphenate the first word of a ragged cell (it never hyphenates a paragraph's first word).
RAGGED = r">{\raggedright\arraybackslash\hspace{0pt}}"
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9:/._?=+~-]+")


def _spec(col_type: str) -> str:
    return {"X": RAGGED + "X", "l": "l", "c": "c", "r": "r"}.get(col_type, "l")


def text_with_urls(text: str) -> str:
    """Escaped text whose plain http(s) URLs become breakable url commands."""
    out, last = [], 0
    for m in _SAFE_URL.finditer(text):
        url = m.group().rstrip(".,;")
        out.append(escape(text[last:m.start()]))
        out.append("\\url{" + url.replace("%", "\\%") + "}")
        last = m.start() + len(url)
    out.append(escape(text[last:]))
    return "".join(out)


# Page geometry the splitting estimates with (the demo paper: letter, 0.7in margins, two columns).
TEXT_WIDTH_PT = {True: 511.0, False: 245.0}   # wide (table*) and one-column floats
PAGE_LINES = 60.0                              # footnotesize table lines that fit on one page with a caption
CHAR_PT, NOTE_CHAR_PT = 4.6, 3.9               # average character widths at footnotesize and scriptsize


def _text_len(cell) -> int:
    if cell is None:
        return 0
    spans = cell.spans
    length = len(spans[0].text) if len(spans) == 1 else sum([len(s.text) for s in spans])
    return length + 3 * len(cell.footnotes)


class RowText:
    """What the renderer needs of one row, computed once (and, in a session, kept while the row is unchanged)."""

    __slots__ = ("cells", "lengths", "group_length", "footnotes", "height")

    def __init__(self, row, printed: dict | None = None):
        """printed: id(cell) -> (LaTeX, length) of the cells printed so far in this table (cells are shared:
        a column shows the same few values thousands of times, each one Cell)."""
        printed = {} if printed is None else printed
        texts, lengths, seen = [], [], []
        group = row.group
        if group is not None:
            self.group_length = _text_len(group)
            seen.extend(dict.fromkeys(group.footnotes))
        else:
            self.group_length = 0
        for c in row.cells:  # one pass: each cell's LaTeX, its length for the row's height, its footnotes
            hit = printed.get(id(c))
            if hit is None:
                hit = printed[id(c)] = (cell_tex(c), _text_len(c))
            texts.append(hit[0])
            lengths.append(hit[1])
            for n in c.footnotes:
                if n not in seen:
                    seen.append(n)
        self.cells = " & ".join(texts)
        self.lengths = tuple(lengths)
        self.footnotes = tuple(seen)
        self.height = (None, 0.0)  # (the column widths it was estimated for, lines)


def row_texts(table, cache=None) -> dict:
    """id(row) -> RowText for every row of the table; cache keeps them between builds of a session."""
    printed: dict = {}
    return dict(zip(map(id, table.rows), reuse_in_place(cache, table.rows, lambda row: RowText(row, printed))))


def row_lines(table, infos) -> list:
    """Estimated height of each row in lines (infos: the rows' RowTexts, in order): long text in narrow X
    columns wraps."""
    width = TEXT_WIDTH_PT[table.wide]
    grouped = table.group_header is not None and table.wide
    lengths = [t.lengths for t in infos]
    fixed = sum(max(len(c.header), max(map(itemgetter(i), lengths), default=0)) * CHAR_PT + 6
                for i, c in enumerate(table.columns) if c.latex != "X")
    group_w = table.group_width * width if grouped else 0.0
    x_cols = [i for i, c in enumerate(table.columns) if c.latex == "X"]
    x_w = max(40.0, (width - fixed - group_w) / len(x_cols)) if x_cols else 0.0
    widths = (x_w, group_w, grouped)
    out = []
    for r, t in zip(table.rows, infos):
        if t.height[0] == widths:
            out.append(t.height[1])
            continue
        lines = 1.0
        for i in x_cols:
            lines = max(lines, -(-t.lengths[i] * CHAR_PT // x_w))
        if grouped and r.group is not None:
            lines = max(lines, min(3.0, -(-t.group_length * CHAR_PT // max(group_w, 30.0))))
        t.height = (widths, lines)
        out.append(lines)
    return out


def _note_lines(text: str, wide: bool) -> float:
    return _note_lines_of(len(text), wide)


def _note_lines_of(length: int, wide: bool) -> float:
    return 0.8 * (-(-length * NOTE_CHAR_PT // TEXT_WIDTH_PT[wide]) + 1)


def _split(table, texts, cache=None) -> tuple:
    """Rows in parts that each fit a page (notes and legend under the last), and the footnote numbers
    each part shows. The cut points are reused while row heights and footnotes are what they were."""
    rows = table.rows
    infos = [texts[id(r)] for r in rows]
    lines = row_lines(table, infos)
    found = [t.footnotes for t in infos]  # each row's footnote numbers, () for most
    tail = _note_lines(" ".join(table.notes) + " ".join(
        d + " ".join(f"{a} {b} {c}" for a, b, c in items) for d, items in table.legend), table.wide)
    lengths = tuple(map(len, table.footnotes))
    key = (tuple(lines), tuple(found), tail, lengths)  # the cuts read only lengths
    if cache is not None and cache.get("split", (None,))[0] == key:
        bounds, numbers = cache["split"][1]
        return [list(rows[a:b]) for a, b in bounds], numbers
    # Each try below is a few C-level passes (a leaderboard, a footnote per row, may take ten tries).
    # Row heights are whole numbers of lines, so sums of them are exact and prefix differences equal the
    # running sums of a walk row by row.
    ends = list(accumulate(lines, initial=0.0))
    length_of = (0,) + lengths  # footnote number -> its text's length
    budget = PAGE_LINES
    while True:
        bounds, start = [], 0
        while start < len(rows):  # each part: the most rows whose lines fit the budget (at least one)
            end = max(bisect_right(ends, ends[start] + budget, start + 1) - 1, start + 1)
            bounds.append((start, end))
            start = end
        if not bounds:
            bounds.append((0, 0))
        sizes = [ends[b] - ends[a] for a, b in bounds]
        numbers = [set(chain.from_iterable(found[a:b])) for a, b in bounds]  # footnotes each part shows
        # The length of the part's notes joined by spaces, without joining them.
        notes = [_note_lines_of(sum(map(length_of.__getitem__, n)) + max(len(n) - 1, 0), table.wide)
                 for n in numbers]
        sizes[-1] += tail
        if all(s + n <= PAGE_LINES for s, n in zip(sizes, notes)) or budget <= 12:
            numbers = [sorted(n) for n in numbers]
            if cache is not None:
                cache["split"] = (key, (bounds, numbers))
            return [list(rows[a:b]) for a, b in bounds], numbers
        budget -= 4


def tabular_body(table, rows, texts) -> str:
    """What goes inside the tabular for these rows (pylatex joins a container's items with "%\n").

    Wide tables put groups in a first column (multirow); narrow ones as full-width header rows."""
    grouped = table.group_header is not None and table.wide
    banner = table.group_header is not None and not table.wide
    stretch = any(c.latex == "X" for c in table.columns) or grouped
    headers = ([escape(table.group_header)] if grouped else []) + [escape(c.header) for c in table.columns]
    items = [r"\toprule", " & ".join(headers) + r" \\", r"\midrule"]
    groups = groups_of(rows) if table.group_header is not None else [(None, rows)]
    for index, (group_cell, rows) in enumerate(groups):
        if index:
            items.append(r"\midrule")
        if banner:
            spec = f"@{{}}{RAGGED}p{{\\linewidth}}@{{}}" if stretch else "l"
            items.append(f"\\multicolumn{{{len(table.columns)}}}{{{spec}}}"
                         f"{{\\textit{{{cell_tex(group_cell)}}}}} \\\\")
        lines = []
        for i, row in enumerate(rows):
            cells = texts[id(row)].cells
            if grouped:
                label = cell_tex(group_cell) if i == 0 else ""
                if i == 0 and len(rows) > 1:
                    label = f"\\multirow{{{len(rows)}}}{{=}}{{{label}}}"
                cells = label + " & " + cells
            lines.append(cells + r" \\")
        items.append("%\n".join(lines))  # one item per row would give the same bytes
    items.append(r"\bottomrule")
    return "%\n".join(items)


# Stand-ins for what differs between the floats of one table: pylatex builds each table's float once
# with these in place (entry text never holds NUL: the loader refuses it) and every part fills them in.
_CAPTION, _LABEL, _BODY, _NOTES = "\x00caption\x00", "\x00label\x00", "\x00body\x00", "\x00notes\x00"


def float_template(table, with_notes: bool) -> str:
    """The table's float as pylatex writes it, with stand-ins for caption, label, rows and notes."""
    grouped = table.group_header is not None and table.wide
    return _template(table.wide, grouped, table.group_width if grouped else None, tuple(c.latex for c in table.columns),
                     with_notes)


@lru_cache(maxsize=256)
def _template(wide: bool, grouped: bool, group_width, column_types: tuple, with_notes: bool) -> str:
    """float_template for tables of one shape (remembered: the leaderboards, some 500, have two or three)."""
    float_env = WideTable(position="tbp") if wide else Table(position="tbp")
    float_env.append(NoEscape(r"\centering\footnotesize\setlength{\tabcolsep}{3pt}"))
    float_env.append(NoEscape("\n".join(MARK_MACROS)))
    float_env.append(NoEscape(r"\caption{" + _CAPTION + "}"))
    float_env.append(NoEscape(r"\label{tab:" + _LABEL + "}"))
    specs = []
    if grouped:
        specs.append(RAGGED + f"p{{{group_width}\\linewidth}}")
    specs += [_spec(t) for t in column_types]
    stretch = "X" in column_types or grouped
    # tabularx needs an X column to stretch; a table without one keeps its natural width.
    tab = (Tabularx(NoEscape("".join(specs)), width_argument=NoEscape(r"\linewidth")) if stretch
           else Tabular(NoEscape("".join(specs))))
    tab.append(NoEscape(_BODY))
    float_env.append(tab)
    if with_notes:
        float_env.append(NoEscape(_NOTES))
    return float_env.dumps()


def render_notes(table, numbers=None, last: bool = True, printed: Reuse | None = None) -> str:
    """Footnotes (only `numbers` when given), and under the last part the notes and the legend.

    printed keeps each footnote's LaTeX between builds of a session."""
    parts = []
    numbers = list(range(1, len(table.footnotes) + 1)) if numbers is None else numbers
    if numbers:
        parts.append("\\quad ".join(f"\\textsuperscript{{{i}}}{_footnote_tex(table.footnotes[i - 1], printed)}"
                                     for i in numbers))
    if not last:
        return "\\par\\smallskip{\\scriptsize\\raggedright " + " \\par ".join(parts) + "\\par}" if parts else ""
    parts += [escape(n).replace(escape("\u2020"), r"$^{\dagger}$") for n in table.notes]
    for dim_label, items in table.legend:
        parts.append(r"\textit{" + escape(dim_label) + ".} " + " ".join(
            (f"\\textbf{{{escape(short)}}} = " if short and short != label else "") + f"{escape(label)}: {escape(definition)}"
            for label, definition, short in items))
    if not parts:
        return ""
    return "\\par\\smallskip{\\scriptsize\\raggedright " + " \\par ".join(parts) + "\\par}"


def _footnote_tex(text: str, printed: Reuse | None) -> str:
    return text_with_urls(text) if printed is None else printed.get(text, lambda: text_with_urls(text))


def render_latex(table, cache: dict | None = None) -> str:
    """The fragment for one table (in as many floats as it needs to fit the page), ending with a newline.

    cache (a dict this function owns) keeps printed rows and whole floats between builds of a session.
    """
    header = ["% Generated by slm-survey from entries/; do not edit.",
              "% Needs: " + " ".join(FRAGMENT_NEEDS)]
    texts = row_texts(table, cache.setdefault("rows", {}) if cache is not None else None)
    parts, numbers = _split(table, texts, cache)
    done = cache.setdefault("floats", {}) if cache is not None else None
    printed = Reuse(cache.setdefault("footnotes", {}) if cache is not None else None)
    floats, used = [], {}
    templates: dict = {}
    for index, rows in enumerate(parts):
        notes = render_notes(table, numbers[index], index == len(parts) - 1, printed)
        key = (index, len(parts), notes, tuple(map(id, rows)))
        hit = done.get(key) if done is not None else None
        if hit is not None and all(map(is_, hit[0], rows)):
            text = hit[1]
        else:
            text = _float(table, rows, texts, index, len(parts), notes, templates)
        used[key] = (tuple(rows), text)
        floats.append(text)
    if done is not None:
        done.clear()
        done.update(used)
    printed.keep()
    return "\n".join(header) + "\n" + "\n".join(floats) + "\n"


def _float(table, rows, texts, index: int, count: int, notes: str, templates: dict | None = None) -> str:
    """One float (part `index` of `count`) holding some of the table's rows."""
    if index == 0:
        caption = escape(table.title) + ". " + escape(table.caption)
        label = cite_key(table.name)
    else:
        caption = escape(table.title) + f" (continued, part {index + 1} of {count})."
        label = f"{cite_key(table.name)}-{index + 1}"
    templates = {} if templates is None else templates
    template = templates.get(bool(notes))
    if template is None:
        template = templates[bool(notes)] = float_template(table, bool(notes))
    return (template.replace(_CAPTION, caption).replace(_LABEL, label)
            .replace(_NOTES, notes).replace(_BODY, tabular_body(table, rows, texts)))
