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
    data: dict = field(init=False, repr=False, compare=False)  # loaded.data, read millions of times too

    def __post_init__(self):
        self.data = self.loaded.data
        value = self.loaded.data.get("id")
        self.id = value if isinstance(value, str) else Path(self.file).stem
        kind = self.loaded.data.get("kind", "")
        self.kind = kind if isinstance(kind, str) else ""

    @property
    def path(self) -> str:
        return self.loaded.path

    def get(self, key, default=None):
        return self.data.get(key, default)

    def position(self, json_path) -> tuple[int, int]:
        return self.loaded.positions.value(json_path)

    def key_position(self, json_path) -> tuple[int, int]:
        return self.loaded.positions.key(json_path)


def entry_refs(entry, references) -> tuple:
    """Every (rule index, json path, value) where the entry names another entry, by the survey's reference rules."""
    return tuple((i, where, value) for i, rule in enumerate(references) for where, value in walk(entry.data, rule["path"]))


def _refs(entry, references, memo) -> tuple:
    """entry_refs, kept by a session's memo while the entry is unchanged."""
    return own(memo, "refs", entry, lambda e: entry_refs(e, references))


@dataclass
class Backlink:
    source: str       # id of the entry holding the reference
    field: str        # the reference rule's path, e.g. "parts[].ref"
    label: str        # what the link means, from the rule, e.g. "used by"


def _rules(references) -> list:
    return [(rule["path"], rule.get("backlink", rule["path"])) for rule in references]


def _by_kind(entries) -> dict:
    by_kind: dict = {}
    for e in entries:
        by_kind.setdefault(e.kind, []).append(e)
    return by_kind


@dataclass
class Corpus:
    entries: list
    by_id: dict = field(default_factory=dict)
    backlinks: dict = field(default_factory=dict)
    by_kind: dict = field(default_factory=dict)

    index: dict = field(default_factory=dict)  # id -> position in entries, when every id is unique
    refs: dict = field(default_factory=dict, repr=False, compare=False)  # id -> entry_refs, as the build found them

    def refs_of(self, e, references, memo=None) -> tuple:
        """entry_refs of an entry of this corpus, computed once per build (the cross-checks read them again)."""
        found = self.refs.get(e.id)
        if found is not None and self.by_id.get(e.id) is e:
            return found
        return _refs(e, references, memo)

    @classmethod
    def build(cls, entries, references=(), memo=None, previous=None, changed=None) -> "Corpus":
        """The corpus of these entries. A session passes the previous corpus and the ids whose files
        changed: when the edit kept every id, the previous corpus is patched instead of rebuilt."""
        if previous is not None and changed is not None:
            patched = cls._patched(previous, entries, references, memo, changed)
            if patched is not None:
                return patched
        entries = sorted(entries, key=lambda e: (e.id, e.path))
        by_id = {}
        for e in entries:
            by_id.setdefault(e.id, e)
        backlinks: dict = {}
        seen = set()
        rules = _rules(references)
        refs = {}
        for e in entries:  # one pass; readers sort backlinks as they need
            found = _refs(e, references, memo)
            if by_id[e.id] is e:
                refs[e.id] = found
            for rule_index, _, target in found:
                if isinstance(target, str) and target in by_id and target != e.id:
                    path, label = rules[rule_index]
                    if (target, e.id, label) not in seen:
                        seen.add((target, e.id, label))
                        backlinks.setdefault(target, []).append(Backlink(e.id, path, label))
        index = {e.id: i for i, e in enumerate(entries)} if len(by_id) == len(entries) else {}
        return cls(entries, by_id, backlinks, _by_kind(entries), index, refs)

    @classmethod
    def _patched(cls, previous, entries, references, memo, changed):
        """previous with the changed entries swapped in; None when ids were added, removed or repeated."""
        if not previous.index or len(entries) != len(previous.entries):
            return None
        fresh = {e.id: e for e in entries if e.id in changed}
        if len(fresh) != len(changed) or any(i not in previous.index for i in fresh) \
                or sum(1 for e in entries if e.id in changed) != len(changed):  # a changed id now twice
            return None
        index = previous.index
        ordered = list(previous.entries)
        by_id = dict(previous.by_id)
        for i, e in fresh.items():
            ordered[index[i]] = e
            by_id[i] = e

        def refs(e):
            return _refs(e, references, memo)
        touched = {t for i in fresh for e in (previous.by_id[i], fresh[i]) for _, _, t in refs(e)
                   if isinstance(t, str) and t in by_id}
        backlinks = dict(previous.backlinks)
        rules = _rules(references)
        for t in touched:  # each list rebuilt as the full build orders it: by referring entry, then rule
            sources = {b.source for b in previous.backlinks.get(t, ())} - fresh.keys()
            sources.update(i for i, e in fresh.items() if any(v == t for _, _, v in refs(e)))
            found, seen = [], set()
            for source in sorted(sources, key=index.__getitem__):
                if source == t:
                    continue
                for rule_index, _, target in refs(by_id[source]):
                    path, label = rules[rule_index]
                    if target == t and (source, label) not in seen:
                        seen.add((source, label))
                        found.append(Backlink(source, path, label))
            if found:
                backlinks[t] = found
            else:
                backlinks.pop(t, None)
        return cls(ordered, by_id, backlinks, _by_kind(ordered), index)

    def of_kind(self, kind) -> list:
        return list(self.by_kind.get(kind, []))

    def __getitem__(self, entry_id) -> Entry:
        return self.by_id[entry_id]

    def get(self, entry_id):
        """The entry with this id, or None (also for a list or mapping where an id belongs: entries are untrusted)."""
        return self.by_id.get(entry_id) if isinstance(entry_id, str) else None

    def __len__(self) -> int:
        return len(self.entries)
