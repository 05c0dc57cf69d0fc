"""Builds that are killed, or run twice at once, never leave a half-written output."""
from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import repo_corpus_root

pytestmark = pytest.mark.timeout(600)


def outputs(root) -> dict:
    """Every generated file (hidden temp files excluded) -> sha256."""
    files = [p for d in ("build/latex/tables", "build/latex/figures", "docs/survey") for p in (root / d).rglob("*")]
    files += [root / "build/latex/references.bib", root / "build/latex/survey.tex", root / "docs/index.md"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files if p.is_file() and not p.name.startswith(".")}


def build_cmd(*extra):
    return [sys.executable, "-m", "builder", "build", "--no-site", *extra]


def temps(root) -> list:
    return [p for p in root.rglob(".*.tmp")]


def timed_build(root) -> float:
    start = time.perf_counter()
    assert subprocess.run(build_cmd("--force"), cwd=root, capture_output=True).returncode == 0
    return time.perf_counter() - start


def test_twenty_killed_builds_leave_the_last_good_build_intact(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0
    good = outputs(root)
    duration = timed_build(root)
    rng = random.Random(20261125)
    for _ in range(20):
        proc = subprocess.Popen(build_cmd("--force"), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert outputs(root) == good
    assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0
    assert temps(root) == [] and outputs(root) == good


def test_a_killed_build_of_changed_entries_leaves_each_file_old_or_new(tmp_path):
    old_root = repo_corpus_root(tmp_path / "old")
    new_root = repo_corpus_root(tmp_path / "new")
    for root in (old_root, new_root):
        ichigo = root / "entries" / "models" / "ichigo.yaml"
        if root is new_root:
            ichigo.write_text(ichigo.read_text().replace("Realtime Voice Assistant", "Realtime Voice Assistant (v2)"))
        assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0
    old, new = outputs(old_root), outputs(new_root)
    assert old != new
    root = old_root
    (root / "entries" / "models" / "ichigo.yaml").write_bytes((new_root / "entries" / "models" / "ichigo.yaml").read_bytes())
    rng = random.Random(7)
    duration = timed_build(new_root)
    for _ in range(10):
        proc = subprocess.Popen(build_cmd("--force"), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name, digest in outputs(root).items():
            assert digest in (old.get(name), new.get(name)), name
    assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0
    assert outputs(root) == new and temps(root) == []


def test_two_builds_at_once_do_not_corrupt_each_other(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0
    good = outputs(root)
    procs = [subprocess.Popen(build_cmd("--force"), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    assert [p.wait() for p in procs] == [0, 0, 0]
    assert outputs(root) == good and temps(root) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child learns of its parent's death through prctl")
def test_a_killed_build_takes_its_page_worker_with_it(tmp_path):
    """Past 200 entries the pages are written by a forked worker too. Were it to outlive a killed build, it
    would go on writing outputs without the build's lock, and its temp files would look in use."""
    import os
    from conftest import generated_survey
    root = generated_survey(tmp_path / "survey", 600)
    assert subprocess.run(build_cmd(), cwd=root, capture_output=True).returncode == 0

    def builders() -> set:  # the build and any worker it forked: processes running its command in this survey
        found, command = set(), "\0".join(build_cmd("--force")) + "\0"
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:  # (not a helper it runs, such as the ldconfig that ctypes' find_library starts)
                if os.readlink(f"/proc/{pid}/cwd") == str(root) and \
                        open(f"/proc/{pid}/cmdline", encoding="utf-8", errors="replace").read() == command:
                    found.add(int(pid))
            except OSError:
                pass
        return found

    def cpu_ticks(pid: int) -> int:
        fields = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    busy = False
    for _ in range(5):  # kill it while its worker renders pages (a worker still waiting for its task ends anyway)
        proc = subprocess.Popen(build_cmd("--force"), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        worker: set = set()
        while not busy and proc.poll() is None:
            time.sleep(0.005)
            worker = builders() - {proc.pid}  # the cache answers the reading: the one forked process is the page worker
            try:
                busy = bool(worker) and cpu_ticks(min(worker)) >= 5
            except OSError:
                busy = False
        if busy:
            break
        proc.wait()  # it ended first: again
    assert busy, "no build had a busy worker to take with it"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.25)  # the worker had half the pages left: it would still be writing them
    assert builders() == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child learns of its parent's death through prctl")
def test_a_child_whose_parent_died_before_it_asked_to_end_with_it_ends_at_once():
    """The request only covers a parent that dies after it: a child forked just before its build was killed
    would otherwise live on."""
    import os
    from builder.processes import end_with_parent
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # the parent to be: it forks the child, then dies before the child asks
        try:
            arm, parent = end_with_parent(signal.SIGTERM), os.getpid()
            if os.fork() == 0:
                while os.getppid() == parent:
                    time.sleep(0.001)
                arm()
                os.write(write_end, b"outlived its parent")
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(middle, 0)
    with os.fdopen(read_end, "rb") as said:  # end of file once the child is gone, whichever way it went
        assert said.read() == b""
