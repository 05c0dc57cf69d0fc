"""One leaderboard per benchmark, from every entry's `results`.

Numbers are compared only within one (task, metric); the direction comes from
the result or from the benchmark's declared metric. Best is bold, second is
underlined, a dagger marks a re-reported number, and each number's source is a
footnote.
"""
from __future__ import annotations

from dataclasses import dataclass

from builder.memo import near_each
from builder.tables.build import Footnotes, entry_cell, entry_name, fmt_number
from builder.tables.model import Cell, Column, Row, Span, Table


@dataclass(frozen=True)
class Result:
    benchmark: str
    task: str
    metric: str
    value: float
    direction: str
    subject: str | None        # entry id of the model, or None for a named system
    system: str | None
    origin: str
    reporter: str              # entry id that reports the number
    source_url: str
    locator: str


def entry_results(entry, corpus) -> list:
    """The results one entry reports (it reads the benchmarks they name: directions of their metrics)."""
    out = []
    sources = {s.get("id"): s for s in entry.get("sources", []) or [] if isinstance(s, dict)}
    for r in entry.get("results", []) or []:
        bench = corpus.get(r.get("benchmark"))
        if bench is None:
            continue
        direction = r.get("direction")
        if direction is None:
            for m in bench.get("metrics", []) or []:
                if m.get("name") == r.get("metric"):
                    direction = m.get("direction")
        subject = r.get("model") or (None if r.get("system") else entry.id)
        src = sources.get(r.get("source"), {})
        out.append(Result(bench.id, r.get("task", ""), r["metric"], r["value"], direction or "higher",
                          subject, r.get("system"), r.get("origin", "own"), entry.id,
                          src.get("url", ""), r.get("locator") or src.get("locator", "")))
    return out


def collect_results(corpus, memo=None) -> list:
    """Every result of the corpus, in entry order (a session computes the list once per build)."""
    if memo is not None:
        last = memo.store("all-results").get("last")
        if last is not None and last[0] == memo.generation and last[1] is corpus:
            return last[2]
    out = []
    for found in near_each(memo, "results", corpus.entries, lambda e: entry_results(e, corpus)):
        out += found
    if memo is not None:
        memo.store("all-results")["last"] = (memo.generation, corpus, out)
    return out


def rank_marks(values, direction) -> dict:
    """Value -> 'best' / 'second' by distinct values in the metric's direction."""
    distinct = sorted(set(values), reverse=(direction == "higher"))
    marks = {}
    if len(values) >= 2 and distinct:
        marks[distinct[0]] = "best"
        if len(distinct) >= 2:
            marks[distinct[1]] = "second"
    return marks


def build_leaderboard(bench, results, corpus, caption_template: str, entry_cells: dict | None = None) -> Table:
    """entry_cells: id -> the Cell naming that entry, shared by the leaderboards of one build (a model shows
    in many; renderers print a shared cell once)."""
    notes = Footnotes()
    entry_cells = {} if entry_cells is None else entry_cells
    sections: dict = {}
    for r in results:
        sections.setdefault((r.task, r.metric), []).append(r)
    task_order = [t.get("name") for t in bench.get("tasks", []) or []]
    ordered = sorted(sections, key=lambda k: (task_order.index(k[0]) if k[0] in task_order else len(task_order), k))
    rows = []
    for gi, key in enumerate(ordered):
        items = sections[key]
        direction = items[0].direction
        items.sort(key=lambda r: (-r.value if direction == "higher" else r.value, r.subject or r.system or ""))
        marks = rank_marks([r.value for r in items], direction)
        arrow = "higher is better" if direction == "higher" else "lower is better"
        group = Cell((Span(f"{key[0] or 'all'} / {key[1]} ({arrow})"),))
        for r in items:
            reporter = corpus.get(r.reporter)
            where = ", ".join(x for x in (r.source_url, r.locator) if x)
            if r.origin == "re-reported":
                note = f"Re-reported in {entry_name(reporter)} ({where})."
            else:
                note = f"Reported in {entry_name(reporter)} ({where})."
            n = notes.add(note)
            if r.subject and corpus.get(r.subject):
                who = entry_cells.get(r.subject)
                if who is None:
                    who = entry_cells[r.subject] = entry_cell(corpus[r.subject])
            else:
                who = Cell((Span(r.system or r.subject or "?"),), sort=(r.system or "").lower())
            value = Cell((Span(fmt_number(r.value)),), emphasis=marks.get(r.value),
                         dagger=r.origin == "re-reported", footnotes=(n,), sort=r.value)
            rows.append(Row((who, value), group, gi))
    caption = " ".join(caption_template.replace("{title}", entry_name(bench)).split())
    notes_lines = ("\u2020 re-reported from another paper",) if any(r.origin == "re-reported" for r in results) else ()
    return Table(name=f"leaderboard-{bench.id}", title=f"Leaderboard: {entry_name(bench)}", caption=caption,
                 columns=(Column("model", "Model", latex="X"), Column("value", "Value", latex="r")),
                 rows=tuple(rows), group_header="Task / metric", footnotes=tuple(notes.texts),
                 legend=(), wide=False, notes=notes_lines)


def iter_leaderboards(definitions: dict, corpus, memo=None, results=None):
    """One table per benchmark with results, each built when asked for (a build holds one at a time);
    a session rebuilds only those whose results or names changed. results: collect_results(corpus, memo),
    when the caller has it already."""
    by_benchmark: dict = {}
    for r in collect_results(corpus, memo) if results is None else results:
        by_benchmark.setdefault(r.benchmark, []).append(r)
    template = (definitions.get("leaderboards") or {}).get("caption", "Results on {title}.")
    store = memo.store("leaderboard") if memo is not None else None
    changed = memo.changed if memo is not None else None
    entry_cells: dict = {}
    for bench in corpus.of_kind("benchmark"):
        mine = by_benchmark.get(bench.id, [])
        if not mine:
            continue
        hit = store.get(bench.id) if store is not None else None
        if hit is not None and changed is not None and hit[0] is bench and hit[1] == mine \
                and hit[3].isdisjoint(changed):
            yield hit[2]
            continue
        table = build_leaderboard(bench, list(mine), corpus, template, entry_cells)
        if store is not None:  # with the entries it names: an edit to any of them rebuilds it
            store[bench.id] = (bench, mine, table, frozenset([r.reporter for r in mine] + [r.subject for r in mine]))
        yield table
