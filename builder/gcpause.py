"""Pause Python's cyclic garbage collector while a build runs.

A build allocates millions of small objects and frees them by reference
counting; the cyclic collector would meanwhile walk the whole corpus again and
again looking for cycles that are not there (about a fifth of a 10,000-entry
build). It is switched back on afterwards.
"""
from __future__ import annotations

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
