"""Build figure data from the corpus and a declarative figure definition."""
from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from builder.memo import own_each
from builder.tables.build import MISSING, chronological, entry_name, is_unknown, lookup


@dataclass(frozen=True)
class TreeNode:
    label: str
    children: tuple = ()
    entries: tuple = ()      # (entry id, name) at a leaf


@dataclass(frozen=True)
class Timeline:
    periods: tuple            # "2024 Q3", ...
    series: tuple             # (label, counts per period)
    skipped: int              # entries without a known date


def _value_label(dim, value) -> str:
    if value is MISSING or is_unknown(value) or dim.get(value) is None:
        return "Unknown"
    return dim.label_of(value)


def build_tree(defn, corpus, taxonomy, memo=None) -> TreeNode:
    entries = [e for e in corpus.entries if e.kind in defn.get("kinds", [e.kind])]
    levels = defn["levels"]
    dims = [taxonomy[level["dimension"]] for level in levels]

    def facts(e) -> tuple:  # (label at each level, order within a leaf, what the leaf shows)
        return (tuple(_value_label(dim, lookup(e.data, level["field"])) for dim, level in zip(dims, levels)),
                chronological(e), (e.id, entry_name(e)))
    items = own_each(memo, ("tree", defn.get("name")), entries, facts)
    items.sort(key=itemgetter(1))  # one sort; grouping below keeps this order in every leaf

    def grow(items, depth) -> tuple:
        if depth == len(levels):
            return ()
        order = [v.label for v in dims[depth].values] + ["Unknown"]
        groups: dict = {}
        for item in items:
            groups.setdefault(item[0][depth], []).append(item)
        nodes = []
        for label in sorted(groups, key=order.index):
            members = groups[label]
            if depth + 1 == len(levels):
                nodes.append(TreeNode(label, (), tuple(item[2] for item in members)))
            else:
                nodes.append(TreeNode(label, grow(members, depth + 1)))
        return tuple(nodes)
    return TreeNode(defn.get("root", "Survey"), grow(items, 0))


def _quarter(date: str):
    year, month = int(date[:4]), int(date[5:7])
    return year, (month - 1) // 3 + 1


def build_timeline(defn, corpus, taxonomy, memo=None) -> Timeline:
    entries = [e for e in corpus.entries if e.kind in defn.get("kinds", [e.kind])]
    dim = taxonomy[defn["series"]["dimension"]]

    def facts(e) -> tuple:  # (quarter or None, series label)
        date = e.get("date")
        quarter = _quarter(date) if isinstance(date, str) else None
        return quarter, _value_label(dim, lookup(e.data, defn["series"]["field"]))
    dated = [f for f in own_each(memo, ("timeline", defn.get("name")), entries, facts) if f[0] is not None]
    if not dated:
        return Timeline((), (), len(entries))
    quarters = sorted({q for q, _ in dated})
    first, last = quarters[0], quarters[-1]
    periods = []
    y, q = first
    while (y, q) <= last:
        periods.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    index = {p: i for i, p in enumerate(periods)}
    labels = [v.label for v in dim.values] + ["Unknown"]
    counts = {label: [0] * len(periods) for label in labels}
    for quarter, label in dated:
        counts[label][index[quarter]] += 1
    series = tuple((label, tuple(counts[label])) for label in labels if any(counts[label]))
    return Timeline(tuple(f"{y} Q{q}" for y, q in periods), series, len(entries) - len(dated))
