"""Atomic writes: a replaced file can be let go of later, off the build's critical path."""
from __future__ import annotations

import os
import time

from builder.output import close_later, write_atomic, write_stamped


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


def test_a_new_file_gets_the_usual_permissions_and_a_rewritten_one_keeps_its_own(tmp_path):
    umask = os.umask(0o022)
    try:
        assert write_atomic(tmp_path / "page.md", b"a")
        assert (tmp_path / "page.md").stat().st_mode & 0o777 == 0o644  # readable by a web server, like any file
        entry = tmp_path / "entry.yaml"
        entry.write_bytes(b"id: x\n")
        entry.chmod(0o640)
        assert write_atomic(entry, b"id: y\n")  # `slm-survey fmt` rewriting a contributor's file
        assert entry.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_unchanged_bytes_are_not_written_again(tmp_path):
    target = tmp_path / "same.md"
    assert write_atomic(target, b"same")
    before = target.stat().st_ino
    assert not write_atomic(target, b"same")
    assert target.stat().st_ino == before
    assert write_atomic(target, b"same", force=True) and target.stat().st_ino != before


def test_a_stale_temp_file_goes_but_one_a_running_process_is_writing_stays(tmp_path):
    """The page worker writes leaderboards beside the tables; the main process's sweep for temp files left by
    killed builds must not take the worker's file from under it (its rename then failed)."""
    import subprocess
    import sys
    from builder.output import remove_stale_temps
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    try:
        live = tmp_path / f".leaderboard-b1.tex.{writer.pid}-7.tmp"
        dead = tmp_path / f".leaderboard-b2.tex.{finished.pid}-8.tmp"
        unnamed = tmp_path / ".old-style.tmp"
        others = [tmp_path / "notes.tmp", tmp_path / ".tmp"]  # not a hidden "<name>.tmp": not ours
        for f in (live, dead, unnamed, *others):
            f.write_text("partial")
        remove_stale_temps([tmp_path / "leaderboard-b3.tex"])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, *(f.name for f in others)])
    finally:
        writer.kill()
        writer.wait()


def test_the_stamp_a_write_returns_is_the_one_the_file_keeps(tmp_path):
    """The manifest records outputs' stamps as they are written instead of stat-ing each again at the end:
    they must be what a later stat finds, for a new, a rewritten and an unchanged file."""
    path = tmp_path / "out.md"

    def on_disk():
        st = os.stat(path)
        return (st.st_size, st.st_mtime_ns)

    assert write_stamped(path, b"first") == (True, on_disk())
    time.sleep(0.01)
    assert write_stamped(path, b"second, longer") == (True, on_disk())
    assert write_stamped(path, b"second, longer") == (False, on_disk())
    assert write_stamped(path, b"") == (True, on_disk()) and on_disk()[0] == 0
