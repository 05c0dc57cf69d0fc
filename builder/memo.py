"""What a long-running session (`serve`) keeps between builds, so one edit redoes only what it touches.

A build without a memo computes everything, as a fresh process does. With one,
per-entry work is reused when it is still right:

- work that reads only the entry itself is reused while the Entry object is the
  same (a session keeps the Entry of every unchanged file);
- work that also shows neighbours (the name of an entry it refers to, the
  entries that refer to it) is redone for every entry in ``affected``: the changed
  entries and their neighbours by reference, both ways, before and after the
  change. The session computes that set from the reference graph.

The engine decides nothing from field names here: neighbours are whatever
survey.yaml declares as references.
"""
from __future__ import annotations


class Memo:
    def __init__(self):
        self.changed: set | None = None    # ids whose file changed since the last build; None: first build
        self.affected: set | None = None   # changed ids and their neighbours
        self.generation = 0                # which build of the session is running
        self._stores: dict = {}

    def store(self, name) -> dict:
        return self._stores.setdefault(name, {})

    def own(self, name, entry, compute):
        """compute(entry), reused while this Entry object is unchanged (it reads only the entry)."""
        return self.own_each(name, (entry,), compute)[0]

    def near(self, name, entry, compute):
        """compute(entry), redone when the entry or one of its neighbours changed (once per build)."""
        return self.near_each(name, (entry,), compute)[0]

    def own_each(self, name, entries, compute) -> list:
        """own() for each entry, in one loop: a session's edit walks every entry through several of
        these, and two calls per entry cost more than the lookup they make."""
        store = self.store(name)
        get = store.get
        out = []
        for e in entries:
            hit = get(e.id)
            if hit is None or hit[0] is not e:
                hit = store[e.id] = (e, compute(e))
            out.append(hit[1])
        return out

    def near_each(self, name, entries, compute) -> list:
        """near() for each entry, in one loop."""
        store = self.store(name)
        get = store.get
        generation, affected = self.generation, self.affected
        out = []
        for e in entries:
            hit = get(e.id)
            if hit is None or hit[0] is not e or (hit[2] != generation and (affected is None or e.id in affected)):
                hit = store[e.id] = (e, compute(e), generation)
            out.append(hit[1])
        return out

    def next_build(self) -> None:
        """Mark the start of a build: work done from here on is current for all of it."""
        self.generation += 1


def own(memo, name, entry, compute):
    """memo.own, or a plain call without a memo."""
    return compute(entry) if memo is None else memo.own(name, entry, compute)


def own_each(memo, name, entries, compute) -> list:
    """[own(memo, name, e, compute) for e in entries], without a call per entry."""
    return [compute(e) for e in entries] if memo is None else memo.own_each(name, entries, compute)


def near_each(memo, name, entries, compute) -> list:
    """[near(memo, name, e, compute) for e in entries], without a call per entry."""
    return [compute(e) for e in entries] if memo is None else memo.near_each(name, entries, compute)


def by_identity(cache, key_obj, compute):
    """A per-object cache (rendered rows): cache maps id(obj) -> (obj, value); holding obj keeps its id unique."""
    if cache is None:
        return compute(key_obj)
    hit = cache.get(id(key_obj))
    if hit is not None and hit[0] is key_obj:
        return hit[1]
    value = compute(key_obj)
    cache[id(key_obj)] = (key_obj, value)
    return value


class Reuse:
    """Values by key from a cache the caller owns, of which only those this build asked for are kept.

    A session's renderers keep pieces (a footnote's text, a figure's leaf) between builds this way: what an
    edit made obsolete is dropped when keep() ends the build. Without a cache every value is computed.
    """

    def __init__(self, cache: dict | None):
        self.cache = cache
        self.used: dict = {}

    def get(self, key, compute):
        if self.cache is None:
            return compute()
        value = self.used.get(key)
        if value is None:
            value = self.cache.get(key)
            if value is None:
                value = compute()
            self.used[key] = value
        return value

    def keep(self) -> None:
        if self.cache is not None:
            self.cache.clear()
            self.cache.update(self.used)


def reuse_in_place(cache: dict | None, objects, compute) -> list:
    """[compute(o) for o in objects], reusing last call's results for objects that are the very same.

    cache (owned by the caller, one per sequence) keeps the previous objects and results. An edit
    changes a few rows of a long table, so a walk comparing identities position by position finds
    them; when rows were added or removed, results are matched by identity instead.
    """
    objects = tuple(objects)
    if cache is None:
        return [compute(o) for o in objects]
    previous = cache.get("last")
    if previous is None:
        values = [compute(o) for o in objects]
    elif len(previous[0]) == len(objects):
        values = list(previous[1])
        for i, (old, new) in enumerate(zip(previous[0], objects)):
            if old is not new:
                values[i] = compute(new)
    else:
        known = {id(o): v for o, v in zip(*previous)}  # the old objects are alive in previous: ids are unique
        values = [known[id(o)] if id(o) in known else compute(o) for o in objects]
    cache["last"] = (objects, values)
    return values
