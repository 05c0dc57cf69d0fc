"""The validated corpus: entries by id and kind, and the links between them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builder.load import Loaded
from builder.memo import own
from builder.paths import walk


@dataclass
class Entry:
    """One loaded entry file: its data, where it came from, and where each value sits."""

    file: Path
    loaded: Loaded
    id: str = field(init=False)     # computed once: it is read millions of times on a large survey
    kind: str = field(init=False)

    def __post_init__(self):
        value = self.loaded.data.get("id")
        self.id = value if isinstance(value, str) else Path(self.file).stem
        kind = self.loaded.data.get("kind", "")
        self.kind = kind if isinstance(kind, str) else ""

    @property
    def path(self) -> str:
        return self.loaded.path

    @property
    def data(self) -> dict:
        return self.loaded.data

    def get(self, key, default=None):
        return self.data.get(key, default)

    def position(self, json_path) -> tuple[int, int]:
        return self.loaded.positions.value(json_path)

    def key_position(self, json_path) -> tuple[int, int]:
        return self.loaded.positions.key(json_path)


def entry_refs(entry, references) -> tuple:
    """Every (rule index, json path, value) where the entry names another entry, by the survey's reference rules."""
    return tuple((i, where, value) for i, rule in enumerate(references) for where, value in walk(entry.data, rule["path"]))


@dataclass
class Backlink:
    source: str       # id of the entry holding the reference
    field: str        # the reference rule's path, e.g. "parts[].ref"
    label: str        # what the link means, from the rule, e.g. "used by"


@dataclass
class Corpus:
    entries: list
    by_id: dict = field(default_factory=dict)
    backlinks: dict = field(default_factory=dict)
    by_kind: dict = field(default_factory=dict)

    @classmethod
    def build(cls, entries, references=(), memo=None) -> "Corpus":
        entries = sorted(entries, key=lambda e: (e.id, e.path))
        by_id = {}
        for e in entries:
            by_id.setdefault(e.id, e)
        backlinks: dict = {}
        seen = set()
        rules = [(rule["path"], rule.get("backlink", rule["path"])) for rule in references]
        for e in entries:  # one pass; readers sort backlinks as they need
            for rule_index, _, target in own(memo, "refs", e, lambda e: entry_refs(e, references)):
                if isinstance(target, str) and target in by_id and target != e.id:
                    path, label = rules[rule_index]
                    if (target, e.id, label) not in seen:
                        seen.add((target, e.id, label))
                        backlinks.setdefault(target, []).append(Backlink(e.id, path, label))
        by_kind: dict = {}
        for e in entries:
            by_kind.setdefault(e.kind, []).append(e)
        return cls(entries, by_id, backlinks, by_kind)

    def of_kind(self, kind) -> list:
        return list(self.by_kind.get(kind, []))

    def __getitem__(self, entry_id) -> Entry:
        return self.by_id[entry_id]

    def get(self, entry_id):
        return self.by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)
