"""Memory housekeeping for large builds: the cyclic collector kept out of the way, freed memory given back.

A build allocates millions of small objects and frees them by reference
counting; the cyclic collector would meanwhile walk the whole corpus again and
again looking for cycles that are not there (about a fifth of a 10,000-entry
build). A build pauses it (paused_gc); a serve session also freezes what it
keeps (collected_when_idle). Freed memory the C allocator still holds is handed
back before page workers fork (release_free_memory).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def collected_when_idle():
    """For a process that keeps a large state between builds (a serve session).

    The collector is paused during the build, as above, and afterwards everything alive is frozen:
    re-enabled, the collector would otherwise walk the whole session state again within the next
    edit's build (a tenth of its time on average, and now and then a full pass over millions of
    objects). Frozen objects are still freed by reference counting; only cycles among them wait
    for collect_idle(), which a server calls while nothing changes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def collect_idle() -> None:
    """Collect cycles left by earlier builds (a full pass: call it between edits, not during one)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Hand memory the C allocator holds but no object uses back to the system.

    Validation receives every parsed entry from the workers as bytes and unpacks
    it: about 30 MB per 10,000 entries stays with glibc afterwards, and forked
    page workers would inherit it.
    """
    if _TRIM is not None:
        _TRIM(0)
