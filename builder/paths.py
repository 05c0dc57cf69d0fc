"""A tiny path language for declarative checks and tables: ``results[].benchmark``.

``a.b`` descends into mappings, ``[]`` visits every item of a list. It yields
(json_path, value) pairs so a check can point at the exact place it looked.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)
def _parse_path(text: str) -> tuple:
    return tuple(tuple(p) if isinstance(p, list) else p for p in _split(text))


def parse_path(text: str) -> list:
    return [list(p) if isinstance(p, tuple) else p for p in _parse_path(text)]


def _split(text: str) -> list:
    parts = []
    for piece in text.split("."):
        while piece.endswith("[]"):
            piece = piece[:-2]
            if piece:
                parts.append(piece)
            piece = ""
            parts.append([])
        if piece:
            parts.append(piece)
    return parts


def walk(data, path) -> list:
    """All (json_path, value) pairs that path reaches in data; missing parts reach nothing."""
    steps = _parse_path(path) if isinstance(path, str) else path
    found = [((), data)]
    for step in steps:
        if step == () or step == []:
            found = [(where + (i,), item) for where, value in found if isinstance(value, list)
                     for i, item in enumerate(value)]
        else:
            found = [(where + (step,), value[step]) for where, value in found if isinstance(value, dict) and step in value]
    return found


def values_at(data, path: str) -> list:
    """The values walk(data, path) reaches, without their places: what most readers want, for less."""
    found = [data]
    for step in _parse_path(path):
        if step == ():
            found = [item for value in found if isinstance(value, list) for item in value]
        else:
            found = [value[step] for value in found if isinstance(value, dict) and step in value]
    return found


def get(data, path, default=None):
    """The single value at a path without lists, or default."""
    hits = walk(data, path)
    return hits[0][1] if hits else default
