"""Print a Table as a LaTeX fragment: booktabs, tabularx, multirow groups, table* when wide.

The fragment has no preamble and is meant for \\input; FRAGMENT_NEEDS lists what
the including document must load. Every piece of entry text goes through
latex_text.escape; only cite keys (validated slugs) are written raw.
"""
from __future__ import annotations

import re

from pylatex import NoEscape, Table, Tabular, Tabularx
from pylatex.base_classes import Float

from builder.render.latex_text import escape
from builder.tables.model import ABSENT, UNKNOWN

FRAGMENT_NEEDS = (r"\usepackage[T1]{fontenc}", r"\usepackage{textcomp}", r"\usepackage{booktabs}",
                  r"\usepackage{tabularx}", r"\usepackage{multirow}", r"\usepackage{array}", r"\usepackage{pifont}")
MARK_MACROS = (r"\providecommand{\cmark}{\ding{51}}", r"\providecommand{\xmark}{\ding{55}}")


class WideTable(Float):
    """pylatex has no table*; two-column papers need it for wide tables."""

    _latex_name = "table*"


def cite_key(entry_id: str) -> str:
    # Entry ids are validated slugs ([a-z0-9-]); keep only those characters regardless.
    return "".join(ch for ch in entry_id if ch.isalnum() or ch == "-")


def span_tex(span, cite: bool = True) -> str:
    text = escape(span.short or span.text)
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
        body = "".join(span_tex(s) for s in cell.spans)
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


def render_tabular(table):
    """Wide tables put groups in a first column (multirow); narrow ones as full-width header rows."""
    grouped = table.group_header is not None and table.wide
    banner = table.group_header is not None and not table.wide
    specs = []
    if grouped:
        specs.append(RAGGED + f"p{{{table.group_width}\\linewidth}}")
    specs += [_spec(c.latex) for c in table.columns]
    stretch = any(c.latex == "X" for c in table.columns) or grouped
    # tabularx needs an X column to stretch; a table without one keeps its natural width.
    tab = (Tabularx(NoEscape("".join(specs)), width_argument=NoEscape(r"\linewidth")) if stretch
           else Tabular(NoEscape("".join(specs))))
    tab.append(NoEscape(r"\toprule"))
    headers = ([escape(table.group_header)] if grouped else []) + [escape(c.header) for c in table.columns]
    tab.append(NoEscape(" & ".join(headers) + r" \\"))
    tab.append(NoEscape(r"\midrule"))
    groups = table.groups() if table.group_header is not None else [(None, list(table.rows))]
    for index, (group_cell, rows) in enumerate(groups):
        if index:
            tab.append(NoEscape(r"\midrule"))
        if banner:
            spec = f"@{{}}{RAGGED}p{{\\linewidth}}@{{}}" if stretch else "l"
            tab.append(NoEscape(f"\\multicolumn{{{len(table.columns)}}}{{{spec}}}"
                                f"{{\\textit{{{cell_tex(group_cell)}}}}} \\\\"))
        for i, row in enumerate(rows):
            cells = [cell_tex(c) for c in row.cells]
            if grouped:
                label = cell_tex(group_cell) if i == 0 else ""
                if i == 0 and len(rows) > 1:
                    label = f"\\multirow{{{len(rows)}}}{{=}}{{{label}}}"
                cells.insert(0, label)
            tab.append(NoEscape(" & ".join(cells) + r" \\"))
    tab.append(NoEscape(r"\bottomrule"))
    return tab


def render_notes(table) -> str:
    parts = []
    if table.footnotes:
        parts.append("\\quad ".join(f"\\textsuperscript{{{i}}}{text_with_urls(t)}" for i, t in enumerate(table.footnotes, 1)))
    parts += [escape(n).replace(escape("\u2020"), r"$^{\dagger}$") for n in table.notes]
    for dim_label, items in table.legend:
        parts.append(r"\textit{" + escape(dim_label) + ".} " + " ".join(
            (f"\\textbf{{{escape(short)}}} = " if short and short != label else "") + f"{escape(label)}: {escape(definition)}"
            for label, definition, short in items))
    if not parts:
        return ""
    return "\\par\\smallskip{\\scriptsize\\raggedright " + " \\par ".join(parts) + "\\par}"


def render_latex(table) -> str:
    """The fragment for one table, ending with a newline."""
    float_env = WideTable(position="tbp") if table.wide else Table(position="tbp")
    float_env.append(NoEscape(r"\centering\footnotesize\setlength{\tabcolsep}{3pt}"))
    float_env.append(NoEscape("\n".join(MARK_MACROS)))
    float_env.append(NoEscape(r"\caption{" + escape(table.title) + ". " + escape(table.caption) + "}"))
    float_env.append(NoEscape(r"\label{tab:" + cite_key(table.name) + "}"))
    float_env.append(render_tabular(table))
    notes = render_notes(table)
    if notes:
        float_env.append(NoEscape(notes))
    header = ["% Generated by slm-survey from entries/; do not edit.",
              "% Needs: " + " ".join(FRAGMENT_NEEDS)]
    return "\n".join(header) + "\n" + float_env.dumps() + "\n"
