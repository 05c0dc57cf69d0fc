"""Work shared by the caller and a forked worker: every outcome is taken once, in the caller, whatever happens."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from builder.check import load_entries
from builder.schema import load_schema
from builder.shared_work import share_work
from conftest import FIXTURES, REPO


def _squares(chunk):
    time.sleep(0.001)  # long enough that the worker, once forked, finds chunks left to claim
    return [(x, x * x, os.getpid()) for x in chunk]


def test_every_outcome_is_taken_once_in_the_caller_and_both_processes_work():
    chunks = [list(range(i, i + 5)) for i in range(0, 1000, 5)]
    taken, takers = [], set()

    def take(outcome):
        taken.append(outcome)
        takers.add(os.getpid())
    share_work(chunks, _squares, take)
    assert sorted(x for x, _, _ in taken) == list(range(1000))
    assert all(square == x * x for x, square, _ in taken)
    assert takers == {os.getpid()}  # take runs in the caller only
    assert len({pid for _, _, pid in taken}) == 2  # the worker did some of the chunks, the caller others


def test_outcomes_are_packed_for_the_trip_back_only_when_the_worker_made_them():
    taken = []
    def do(chunk):
        time.sleep(0.001)
        return [{"n": chunk[0], "pid": os.getpid()}]
    share_work([[i] for i in range(400)], do, taken.append, pack=lambda o: ("packed", o["n"]))
    packed = [o for o in taken if isinstance(o, tuple)]
    own = [o for o in taken if isinstance(o, dict)]
    assert packed and own
    assert sorted([n for _, n in packed] + [o["n"] for o in own]) == list(range(400))
    assert all(o["pid"] == os.getpid() for o in own)


def test_chunks_of_a_worker_that_dies_are_done_by_the_caller():
    caller = os.getpid()

    def do(chunk):
        if os.getpid() != caller:
            os._exit(3)  # the worker dies on its first chunk, before sending anything
        return [x + 1 for x in chunk]
    taken = []
    share_work([[i, i + 1000] for i in range(300)], do, taken.append)
    assert sorted(taken) == sorted([i + 1 for i in range(300)] + [i + 1001 for i in range(300)])


def test_after_runs_in_the_worker_once_its_chunks_are_done_and_its_value_is_waited_for_later():
    """A build hands the worker its spare work (the schema's own check) and takes the answer when it needs it."""
    caller = os.getpid()

    def do(chunk):
        if os.getpid() == caller:
            time.sleep(0.02)  # the caller is slow: the worker runs out of chunks first, and says so mid-loop
        return [(x, os.getpid()) for x in chunk]
    taken = []
    answer = share_work([[i] for i in range(200)], do, taken.append, after=lambda: ("done by", os.getpid()))
    assert sorted(x for x, _ in taken) == list(range(200))
    workers = {pid for _, pid in taken} - {caller}
    assert len(workers) == 1
    assert answer() == ("done by", workers.pop())


def test_a_worker_whose_after_fails_or_that_dies_gives_no_answer_and_its_chunks_are_still_done():
    def fails():
        raise RuntimeError("spare work that breaks")
    taken = []
    answer = share_work([[i] for i in range(300)], _squares, taken.append, after=fails)
    assert sorted(x for x, _, _ in taken) == list(range(300)) and answer() is None
    caller = os.getpid()

    def dies(chunk):
        if os.getpid() != caller:
            os._exit(3)  # on its first chunk, before it could give an answer
        time.sleep(0.001)  # the caller is slow enough that the worker, once forked, finds a chunk to claim
        return [x for x in chunk]
    taken = []
    answer = share_work([[i] for i in range(300)], dies, taken.append, after=lambda: True)
    assert sorted(taken) == list(range(300)) and answer() is None


def test_a_worker_that_fails_on_a_chunk_stops_quietly_and_the_caller_meets_the_error(capfd):
    """No traceback from the worker: the caller does the chunk again and raises where it can say what failed."""
    caller = os.getpid()

    def do(chunk):
        time.sleep(0.3 if chunk[0] == 0 and os.getpid() == caller else 0.001)  # the worker reaches 150 first
        if chunk[0] == 150:
            raise ValueError("chunk 150")
        return chunk
    with pytest.raises(ValueError, match="chunk 150"):
        share_work([[i] for i in range(300)], do, lambda x: None)
    assert "Traceback" not in capfd.readouterr().err  # what the worker's failure printed before it stopped quietly


def test_entries_read_on_two_cores_are_the_entries_read_on_one(tmp_path):
    """load_entries shares the files above 200 between the caller and a worker; the result is the same."""
    schema = load_schema(REPO / "schema" / "entry.schema.json")
    good = (FIXTURES / "minimal" / "entries").glob("*.yaml")
    files = []
    for n, src in enumerate(sorted(good) * 40):
        target = tmp_path / f"{n:04d}-{src.name}"
        target.write_bytes(src.read_bytes())
        files.append(target)
    for name, text in (("9998-todo.yaml", "id: x\nname: TODO\n"), ("9999-bad.yaml", "id: [unclosed\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    assert len(files) > 200

    def answer(workers):
        entries, problems = load_entries(files, schema, workers=workers)
        return ([(str(e.file), e.data, e.loaded.digest, e.loaded.no_todo) for e in entries],
                sorted(str(p) for p in problems))
    one, two = answer(1), answer(2)
    assert one == two
    assert len(one[0]) == len(files) - 1 and any("9999-bad" in p for p in one[1])
    assert [no_todo for f, _, _, no_todo in one[0] if "todo" in f] == [False]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child learns of its parent's death through prctl")
def test_a_killed_caller_takes_its_worker_with_it():
    """A killed build leaves no reader behind: nobody wants what it reads."""
    script = (
        "import os, time\n"
        "from builder.shared_work import share_work\n"
        "def do(chunk):\n"
        "    time.sleep(0.02)\n"
        "    return [os.getpid()]\n"
        "def take(pid):\n"
        "    if pid != os.getpid():\n"
        "        print(pid, flush=True)  # the worker's, once it has sent a chunk\n"
        "share_work([[i] for i in range(5000)], do, take)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    worker = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.01)
    assert not _running(worker)


def _running(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended: it only waits to be reaped
