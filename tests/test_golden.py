"""Rendered tables match the reviewed golden files (run `make golden` to update them, then read the diff)."""
from __future__ import annotations

import pytest

from golden_outputs import GOLDEN, render_goldens

RENDERED = render_goldens()


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_matches_golden(name):
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert RENDERED[name] == expected, f"{name} differs from tests/golden/{name}; run `make golden` and review the diff"
