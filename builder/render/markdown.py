"""Print a Table as Markdown for the site (a pipe table), links relative to the page.

Rows are not padded to a common width (as tabulate would pad them): so each
line depends on its own row alone, and a session reuses the lines of rows that
did not change instead of re-printing thousands of them for one edit.

Entry text is untrusted: it is HTML-escaped and Markdown-escaped here, so no
tag, attribute or link can come from it; only links this module builds (to
entry and taxonomy pages) are markup.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Callable

from builder.memo import Reuse, reuse_in_place
from builder.tables.model import ABSENT, UNKNOWN

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|-])")  # what Python-Markdown can backslash-escape; <>& are HTML-escaped


# Every character str.isspace() (and so re's \s) calls whitespace, but the space itself.
OTHER_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# Anything the two steps below would change, but two spaces in a row: whitespace other than a space, or a
# special character. One set of characters, which re searches for some five times faster than alternatives.
_MD_CHANGES = re.compile("[" + re.escape(OTHER_WHITESPACE) + r"&<>\\`*_{}\[\]()#+!|-]")


@lru_cache(maxsize=4096)
def _md_text(text: str) -> str:
    if _MD_CHANGES.search(text) is None and "  " not in text:
        return text  # most names and values: nothing to escape
    text = re.sub(r"\s+", " ", text)
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def md_text(text) -> str:
    """Plain text safe inside Markdown (and a pipe-table cell): no markup survives."""
    return _md_text(str(text))


def html_text(text) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


@dataclass(frozen=True)
class Links:
    """Where a page links to; paths are relative to the page being written."""

    entry: Callable[[str], str]
    value: Callable[[str, object], str] | None = None


def span_md(span, links: Links) -> str:
    raw = span.text
    text = _md_text(raw) if type(raw) is str else md_text(raw)
    if span.entry:
        return f"[{text}]({links.entry(span.entry)})"
    if span.dimension and links.value:
        return f"[{text}]({links.value(span.dimension, span.value)})"
    return text


def cell_md(cell, links: Links, anchor: str) -> str:
    if cell is None:
        return ""
    if cell.status == ABSENT:
        return "\u2014"
    if cell.status == UNKNOWN:
        body = "*unknown*"
    elif cell.mark == "check":
        body = '<span class="slm-check" title="yes">\u2713</span>'
    elif cell.mark == "cross":
        body = '<span class="slm-cross" title="no">\u2717</span>'
    else:
        spans = cell.spans
        body = span_md(spans[0], links) if len(spans) == 1 else "".join([span_md(s, links) for s in spans])
    if cell.emphasis == "best":
        body = f"**{body}**"
    elif cell.emphasis == "second":
        body = f"<u>{body}</u>"
    if cell.dagger:
        body += '<sup title="re-reported">\u2020</sup>'
    for n in cell.footnotes:
        body += f'<sup><a href="#{anchor}-fn-{n}">{n}</a></sup>'
    return body


def pipe_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(table, links: Links, heading_level: int = 0, cache: dict | None = None) -> str:
    """The table with its caption, footnotes and legend, as a Markdown block.

    cache (a dict this function owns) keeps printed rows between builds of a session.
    """
    anchor = table.name
    grouped = table.group_header is not None
    headers = ([md_text(table.group_header)] if grouped else []) + [md_text(c.header) for c in table.columns]

    printed: dict = {}  # id(cell) -> its Markdown: a column's cells (and a group's) are shared by its rows

    def cell(c) -> str:
        text = printed.get(id(c))
        if text is None:
            text = printed[id(c)] = cell_md(c, links, anchor)
        return text

    def line(row) -> str:
        cells = [cell(c) for c in row.cells]
        if grouped:
            cells.insert(0, cell(row.group))
        return pipe_row(cells)

    lines = [pipe_row(headers), "|" + "---|" * len(headers)] + reuse_in_place(cache, table.rows, line)
    out = []
    if heading_level:
        out.append("#" * heading_level + " " + md_text(table.title) + "\n")
    if table.caption:
        out.append(md_text(table.caption) + "\n")
    out.append("\n".join(lines) + "\n")
    if table.footnotes:
        printed = Reuse(cache.setdefault("footnotes", {}) if cache is not None else None)
        items = "".join(f'<li id="{anchor}-fn-{i}">{printed.get(t, lambda: html_text(t))}</li>'
                        for i, t in enumerate(table.footnotes, 1))
        printed.keep()
        out.append(f'<ol class="slm-footnotes">{items}</ol>\n')
    for note in table.notes:
        out.append(f'<p class="slm-note">{html_text(note)}</p>\n')
    for dim_label, items in table.legend:
        body = "".join(f"<dt>{html_text(label)}</dt><dd>{html_text(definition)}</dd>" for label, definition, _ in items)
        out.append(f'<details class="slm-legend"><summary>Legend: {html_text(dim_label)}</summary><dl>{body}</dl></details>\n')
    return "\n".join(out)
