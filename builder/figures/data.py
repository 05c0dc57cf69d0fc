"""Build figure data from the corpus and a declarative figure definition."""
from __future__ import annotations

from dataclasses import dataclass

from builder.tables.build import MISSING, entry_name, is_unknown, lookup


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


def build_tree(defn, corpus, taxonomy) -> TreeNode:
    entries = [e for e in corpus.entries if e.kind in defn.get("kinds", [e.kind])]
    levels = defn["levels"]

    def grow(items, depth) -> tuple:
        if depth == len(levels):
            return ()
        level = levels[depth]
        dim = taxonomy[level["dimension"]]
        order = [v.label for v in dim.values] + ["Unknown"]
        groups: dict = {}
        for e in items:
            groups.setdefault(_value_label(dim, lookup(e.data, level["field"])), []).append(e)
        nodes = []
        for label in sorted(groups, key=order.index):
            members = sorted(groups[label], key=lambda e: (str(e.get("date")), entry_name(e).lower()))
            if depth + 1 == len(levels):
                nodes.append(TreeNode(label, (), tuple((e.id, entry_name(e)) for e in members)))
            else:
                nodes.append(TreeNode(label, grow(members, depth + 1)))
        return tuple(nodes)
    return TreeNode(defn.get("root", "Survey"), grow(entries, 0))


def _quarter(date: str):
    year, month = int(date[:4]), int(date[5:7])
    return year, (month - 1) // 3 + 1


def build_timeline(defn, corpus, taxonomy) -> Timeline:
    entries = [e for e in corpus.entries if e.kind in defn.get("kinds", [e.kind])]
    dim = taxonomy[defn["series"]["dimension"]]
    dated = [e for e in entries if isinstance(e.get("date"), str)]
    if not dated:
        return Timeline((), (), len(entries))
    quarters = sorted({_quarter(e.get("date")) for e in dated})
    first, last = quarters[0], quarters[-1]
    periods = []
    y, q = first
    while (y, q) <= last:
        periods.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    labels = [v.label for v in dim.values] + ["Unknown"]
    counts = {label: [0] * len(periods) for label in labels}
    for e in dated:
        label = _value_label(dim, lookup(e.data, defn["series"]["field"]))
        counts[label][periods.index(_quarter(e.get("date")))] += 1
    series = tuple((label, tuple(counts[label])) for label in labels if any(counts[label]))
    return Timeline(tuple(f"{y} Q{q}" for y, q in periods), series, len(entries) - len(dated))
