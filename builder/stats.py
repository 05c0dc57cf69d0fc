"""Corpus statistics: counts per taxonomy value and per year, and how complete each field is.

Coverage is what keeps a survey honest: for each field of each kind, how many
entries state it, how many say it is unknown (with a reason), how many leave it
out. Printed as a terminal table and written as a page of the site.
"""
from __future__ import annotations

from dataclasses import dataclass

from builder.memo import own_each
from builder.paths import walk
from builder.render.markdown import md_text
from builder.tables.build import is_unknown


@dataclass(frozen=True)
class Coverage:
    kind: str
    field: str
    label: str
    known: int
    unknown: int
    missing: int

    @property
    def total(self) -> int:
        return self.known + self.unknown + self.missing

    @property
    def percent_known(self) -> float:
        return 100.0 * self.known / self.total if self.total else 0.0


@dataclass(frozen=True)
class Stats:
    total: int
    per_kind: tuple            # (kind label, count)
    per_year: tuple            # (year, count)
    per_value: tuple           # (dimension label, ((value label, count), ...))
    coverage: tuple            # Coverage rows
    results: int
    models_with_results: int


def _known(value) -> str:
    if value is None:
        return "missing"
    if is_unknown(value):
        return "unknown"
    if isinstance(value, (list, dict)) and not value:
        return "missing"
    return "known"


def compute_stats(corpus, schema, dim_paths: dict, keys_of=None, memo=None) -> Stats:
    """keys_of(entry) -> {dimension: {(type, repr) of its values}}, when a caller already has them;
    a session's memo keeps each entry's share of the counts while the entry is unchanged."""
    taxonomy = schema.taxonomy
    kind_dim = taxonomy.get("kind")
    counted = [d for d in taxonomy if dim_paths.get(d.name) and d.name != "kind"]
    fields: dict = {}  # kind -> its fields, asked of the schema once

    def fields_of(kind) -> list:
        if kind not in fields:
            fields[kind] = schema.fields_for_kind(kind)
        return fields[kind]

    def share(e) -> tuple:
        date = e.get("date")
        if keys_of is not None:
            keys = keys_of(e)
        else:
            keys = {d.name: {(type(x).__name__, repr(x)) for p in dim_paths[d.name] for _, x in walk(e.data, p)}
                    for d in counted}
        states = tuple(_known(e.get(f)) for f in fields_of(e.kind)) if kind_dim else ()
        results = [r for r in (e.get("results") or []) if isinstance(r, dict)]
        subjects = tuple(r.get("model") or e.id for r in results if not r.get("system"))
        return (e.kind, date[:4] if isinstance(date, str) else "unknown",
                {d.name: keys[d.name] for d in counted}, states, len(results), subjects)

    if memo is None:  # each entry's share is tallied and dropped: 10,000 entries' taxonomy keys are 40 MB
        return _aggregate(corpus, schema, map(share, corpus.entries), counted, kind_dim, fields_of)
    previous = _previous_shares(memo, corpus)
    shares = own_each(memo, "stats", corpus.entries, share)
    if previous is not None and all(memo.store("stats")[i][1] == old for i, old in previous.items()):
        return memo.store("stats-result")["last"]  # the edit changed nothing these counts read
    result = _aggregate(corpus, schema, shares, counted, kind_dim, fields_of)
    if memo is not None:
        memo.store("stats-result")["last"] = result
    return result


def _previous_shares(memo, corpus):
    """{id: its share at the last build} for each entry the edit changed, when the same ids are still there."""
    if memo is None or memo.changed is None or "last" not in memo.store("stats-result"):
        return None
    store = memo.store("stats")
    if len(corpus) != memo.store("stats-result")["last"].total:
        return None
    if any(i not in store or corpus.get(i) is None for i in memo.changed):
        return None  # an entry added or removed
    return {i: store[i][1] for i in memo.changed}


def _aggregate(corpus, schema, shares, counted, kind_dim, fields_of):
    """The statistics from every entry's share, read in one pass (shares may be an iterator)."""
    kinds: dict = {}
    years: dict = {}
    seen: dict = {d.name: {} for d in counted}  # dimension -> (type, value) -> number of entries holding it
    states_of: dict = {}  # kind -> each entry's field states
    subjects: set = set()
    results = 0
    for kind, year, keys, states, n_results, named in shares:
        kinds[kind] = kinds.get(kind, 0) + 1
        years[year] = years.get(year, 0) + 1
        for name, found in keys.items():
            tally = seen[name]
            for key in found:
                tally[key] = tally.get(key, 0) + 1
        states_of.setdefault(kind, []).append(states)
        subjects.update(named)
        results += n_results
    per_kind = []
    for value in (kind_dim.allowed() if kind_dim else sorted(kinds)):
        if kinds.get(value):
            per_kind.append((kind_dim.label_of(value) if kind_dim else value, kinds[value]))
    per_value = []
    for dim in counted:
        counts = [(v.label, seen[dim.name].get((type(v.value).__name__, repr(v.value)), 0)) for v in dim.values]
        if any(n for _, n in counts):
            per_value.append((dim.label, tuple(counts)))
    coverage = []
    for value in (kind_dim.allowed() if kind_dim else []):
        members = states_of.get(value)
        if not members:
            continue
        for i, field in enumerate(fields_of(value)):
            states = [m[i] for m in members]
            node = schema.field(field)
            coverage.append(Coverage(value, field, node.get("title", field), states.count("known"),
                                     states.count("unknown"), states.count("missing")))
    models = {s for s in subjects if corpus.get(s) is not None and corpus[s].kind == "model"}
    return Stats(len(corpus), tuple(per_kind), tuple(sorted(years.items())), tuple(per_value), tuple(coverage),
                 results, len(models))


def render_text(stats: Stats) -> str:
    from tabulate import tabulate  # imported when a statistics page is made, not at every start
    out = [f"{stats.total} entries; {stats.results} results covering {stats.models_with_results} models\n",
           tabulate(stats.per_kind, headers=["kind", "entries"], tablefmt="simple"), "",
           tabulate(stats.per_year, headers=["year", "entries"], tablefmt="simple"), ""]
    for dim_label, counts in stats.per_value:
        out.append(tabulate([c for c in counts if c[1]], headers=[dim_label, "entries"], tablefmt="simple"))
        out.append("")
    rows = [(c.kind, c.field, c.known, c.unknown, c.missing, f"{c.percent_known:.0f}%") for c in stats.coverage]
    out.append("Coverage (known = stated and sourced; unknown = marked unknown with a reason):")
    out.append(tabulate(rows, headers=["kind", "field", "known", "unknown", "missing", "known %"], tablefmt="simple"))
    return "\n".join(out) + "\n"


def render_markdown(stats: Stats) -> str:
    from tabulate import tabulate

    def table(rows, headers):
        return tabulate([[md_text(c) for c in row] for row in rows], headers=[md_text(h) for h in headers],
                        tablefmt="github", disable_numparse=True)
    out = ["# Statistics\n",
           f"{stats.total} entries; {stats.results} results covering {stats.models_with_results} models.\n",
           "## Entries per kind\n", table(stats.per_kind, ["Kind", "Entries"]), "",
           "## Entries per year\n", table(stats.per_year, ["Year", "Entries"]), "",
           "## Entries per taxonomy value\n"]
    for dim_label, counts in stats.per_value:
        out += [f"### {md_text(dim_label)}\n", table(counts, [dim_label, "Entries"]), ""]
    out += ["## Field coverage\n",
            "*Known*: stated, with a source. *Unknown*: marked unknown with a reason. *Missing*: not given.\n",
            table([(c.kind, c.label, c.known, c.unknown, c.missing, f"{c.percent_known:.0f}%") for c in stats.coverage],
                  ["Kind", "Field", "Known", "Unknown", "Missing", "Known %"]), ""]
    return "\n".join(out)
