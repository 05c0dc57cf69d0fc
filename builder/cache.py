"""A cache of parsed and schema-checked entries, so unchanged files are not read again.

Keyed per file by (size, mtime) with the content hash as a second check, and as
a whole by the schema's and the builder's own source hashes: change either and
everything is re-checked. Stored with marshal (plain data only: loading it
cannot run code) under build/.cache/.
"""
from __future__ import annotations

import hashlib
import marshal
import os
from functools import lru_cache
from pathlib import Path

from builder.problems import Problem

VERSION = 4


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the builder's own source: a new version of the code invalidates every cache.

    The C reader's source counts (it decides what a file's data is), and whether it is built here:
    a cache filled by one reader is not taken on trust by the other.
    """
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for f in sorted([*root.rglob("*.py"), *root.rglob("*.c")]):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    from builder.load import compiled_reader
    h.update(compiled_reader().encode())
    return h.hexdigest()


def stamp(path) -> tuple:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns)


def content_hash(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def problem_to_tuple(p: Problem) -> tuple:
    return (p.path, p.line, p.col, p.message, p.severity, p.hint, tuple(p.where))


def problem_from_tuple(t) -> Problem:
    return Problem(t[0], t[1], t[2], t[3], t[4], t[5], tuple(t[6]))


class EntryCache:
    """file path -> (stamp, content hash, data as marshal bytes or None, schema problems).

    Each entry's data is kept as the bytes the validation worker sent: saving the cache then copies
    bytes instead of walking ten thousand entries again, on the one core a cold build leaves busy.
    """

    def __init__(self, folder: Path, key: str):
        self.file = Path(folder) / "entries.marshal"
        self.key = key
        self.items: dict = {}
        self.dirty = False
        try:
            blob = marshal.loads(self.file.read_bytes())
            if blob.get("version") == VERSION and blob.get("key") == key:
                self.items = blob["items"]
        except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
            self.items = {}

    def get(self, path: str, st: tuple):
        hit = self.items.get(path)
        if hit and tuple(hit[0]) == st:
            return hit
        return None

    def put(self, path: str, st: tuple, digest: str, blob: bytes | None, problems) -> None:
        """blob: marshal.dumps of the entry's data, or None for a file that is not an entry."""
        self.items[path] = (st, digest, blob, [problem_to_tuple(p) for p in problems])
        self.dirty = True

    def prune(self, keep) -> None:
        keep = set(keep)
        for path in list(self.items):
            if path not in keep:
                del self.items[path]
                self.dirty = True

    def save(self):
        """Write the cache on a thread (28 MB at 10,000 entries: the system's time, not Python's) while the
        caller goes on, and return the thread (None: nothing to save), to join() before forking. A cache
        that cannot be written only costs speed next time."""
        if not self.dirty:
            return None
        import threading
        from builder.output import write_atomic
        data = marshal.dumps({"version": VERSION, "key": self.key, "items": self.items})
        self.dirty = False

        def write() -> None:
            try:
                write_atomic(self.file, data)
            except OSError:
                pass  # a read-only checkout still validates, only slower next time
        thread = threading.Thread(target=write, name="entry cache")
        thread.start()
        return thread
