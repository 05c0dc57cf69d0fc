"""Atomic writes: a replaced file can be let go of later, off the build's critical path."""
from __future__ import annotations

import os
import time

from builder.output import close_later, write_atomic


def test_the_replaced_file_is_handed_over_open_and_the_new_one_is_in_place(tmp_path):
    target = tmp_path / "table.tex"
    target.write_bytes(b"old text")
    replaced: list = []
    assert write_atomic(target, b"new text", force=True, old_files=replaced)
    assert target.read_bytes() == b"new text"
    assert len(replaced) == 1 and os.pread(replaced[0], 100, 0) == b"old text"  # still held, not yet freed
    assert [p.name for p in tmp_path.iterdir()] == ["table.tex"]  # no temp or trash file left beside it
    close_later(replaced)
    for _ in range(100):
        try:
            os.fstat(replaced[0])
        except OSError:
            break
        time.sleep(0.01)
    else:
        raise AssertionError("the descriptor was not closed")


def test_a_new_file_has_nothing_to_hand_over(tmp_path):
    replaced: list = []
    assert write_atomic(tmp_path / "sub" / "new.md", b"x", old_files=replaced)
    assert replaced == []
