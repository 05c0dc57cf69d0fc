"""The memo helpers a session relies on: reuse only what is provably the same object."""
from __future__ import annotations

from types import SimpleNamespace

from builder.memo import Memo, own_each, reuse_in_place


def test_reuse_in_place_recomputes_only_objects_that_changed():
    rows = [SimpleNamespace(n=i) for i in range(5)]
    calls = []

    def render(row):
        calls.append(row.n)
        return f"row {row.n}"
    cache: dict = {}
    assert reuse_in_place(cache, rows, render) == [f"row {i}" for i in range(5)]
    rows[2] = SimpleNamespace(n=20)
    calls.clear()
    assert reuse_in_place(cache, rows, render)[2] == "row 20" and calls == [20]
    # Rows added and removed: matched by identity, the new one alone is rendered.
    rows = [rows[4], SimpleNamespace(n=7), rows[0]]
    calls.clear()
    assert reuse_in_place(cache, rows, render) == ["row 4", "row 7", "row 0"] and calls == [7]


def test_without_a_cache_everything_is_computed():
    assert reuse_in_place(None, [1, 2], lambda x: x * 10) == [10, 20]


def test_memo_reuses_own_work_for_the_same_entry_object_only():
    memo = Memo()
    entry = SimpleNamespace(id="a")
    seen = []
    assert memo.own("x", entry, lambda e: seen.append(e) or 1) == 1
    assert memo.own("x", entry, lambda e: seen.append(e) or 2) == 1
    assert memo.own("x", SimpleNamespace(id="a"), lambda e: 3) == 3  # a new object for the same id: redone
    assert len(seen) == 1


def test_own_each_shares_own_s_store_and_computes_only_what_it_lacks():
    memo = Memo()
    a, b = SimpleNamespace(id="a"), SimpleNamespace(id="b")
    assert memo.own("x", a, lambda e: "A1") == "A1"
    computed = []
    assert memo.own_each("x", [a, b], lambda e: computed.append(e.id) or e.id.upper() + "2") == ["A1", "B2"]
    assert computed == ["b"]
    assert own_each(None, "x", [a, b], lambda e: e.id) == ["a", "b"]  # without a memo: plain calls


def test_memo_redoes_neighbour_work_for_affected_entries_once_per_build():
    memo = Memo()
    a, b = SimpleNamespace(id="a"), SimpleNamespace(id="b")
    memo.next_build()
    assert memo.near("x", a, lambda e: 1) == 1
    assert memo.near("x", a, lambda e: 2) == 1  # the same build: still current
    memo.next_build()
    assert memo.near("x", a, lambda e: 3) == 3  # a new build before anything is known to be unaffected
    memo.next_build()
    memo.changed, memo.affected = {"b"}, {"b"}
    assert memo.near("x", a, lambda e: 4) == 3  # unaffected: reused
    assert memo.near("x", b, lambda e: 5) == 5  # affected: redone...
    assert memo.near("x", b, lambda e: 6) == 5  # ...once in this build
    memo.next_build()
    assert memo.near("x", b, lambda e: 7) == 7  # and again in the next, while it stays affected


def test_reuse_keeps_only_what_the_last_build_asked_for():
    from builder.memo import Reuse
    cache: dict = {}
    calls = []

    def text(key):
        return lambda: calls.append(key) or f"<{key}>"
    first = Reuse(cache)
    assert [first.get(k, text(k)) for k in "abc"] == ["<a>", "<b>", "<c>"]
    assert first.get("a", text("a")) == "<a>" and calls == ["a", "b", "c"]  # asked twice, made once
    first.keep()
    second = Reuse(cache)
    assert second.get("b", text("b")) == "<b>" and second.get("d", text("d")) == "<d>"
    second.keep()
    assert calls == ["a", "b", "c", "d"] and sorted(cache) == ["b", "d"]  # a and c were not shown again
    calls.clear()
    assert Reuse(None).get("b", text("b")) == "<b>" and calls == ["b"]  # no cache: always made
