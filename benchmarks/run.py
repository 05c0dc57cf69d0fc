"""`make bench`: how fast validate and build are at 100, 1,000 and 10,000 entries, as ratios measured in one run.

For each size it generates a synthetic corpus (benchmarks/generate.py) and times,
each as a fresh process, as a person would run them:
  floor      python + libyaml's CSafeLoader loading every file (nothing else)
  cold       validate, and validate + build --no-site, with no cache and no outputs (best of 3,
             each from a clean tree, as the floor is best of 3)
  warm       validate again; build again with nothing changed; build after one entry changed,
             as a new process, in a long-running session (what `serve` keeps between edits), and as
             a new process while `slm-survey daemon` runs (the command goes to the daemon)
  naive      pure-Python safe_load, a fresh jsonschema validator per file, and every table
             rescanning every file (in-process; extrapolated linearly at 10,000)
  memory     peak of the cold build's memory: the proportional set size (PSS) of the build
             process and its workers, summed, sampled every 10 ms (shared pages counted once)
and, at 1,000 entries, `mkdocs build` of the generated site.

usage: python benchmarks/run.py [--sizes 100,1000,10000] [--out build/bench]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

PY = sys.executable
SESSION = (  # a serve-like session: build once, then time rebuilds after one entry changes, told which file
    # changed as serve is told by the file system (builder/watch.py)
    "import os, sys, time\n"
    "from builder.project import load_project\n"
    "from builder.session import Session\n"
    "from builder.site_pages import site_pages\n"
    "target, old = sys.argv[1], open(sys.argv[1], encoding='utf-8').read()\n"
    "s = Session(load_project('.'), site_pages=site_pages)\n"
    "assert s.rebuild().ok\n"
    "times = []\n"
    "for i in range(5):  # as typing does: the name grows by a letter each time\n"
    "    open(target, 'w', encoding='utf-8').write(old.replace('name: Model', 'name: Edited' + 'x' * (i + 1) + ' Model', 1))\n"
    "    start = time.perf_counter()\n"
    "    result = s.rebuild({os.path.realpath(target)})\n"
    "    times.append(time.perf_counter() - start)\n"
    "    assert result.ok and result.report.written\n"
    "open(target, 'w', encoding='utf-8').write(old)\n"
    "print(min(times), sorted(times)[len(times) // 2])\n"
)
FLOOR = (
    "import glob, sys, yaml\n"
    "for f in sorted(glob.glob('entries/**/*.yaml', recursive=True)):\n"
    "    with open(f, 'rb') as h:\n        yaml.load(h.read(), Loader=yaml.CSafeLoader)\n"
)


def timed(cmd, cwd) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done.stderr


def pss_kb(pid: int) -> int:
    """Proportional set size of a process and, recursively, its children (pages shared by n count 1/n each)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except (OSError, StopIteration, ValueError):
        return total
    return total + sum(pss_kb(c) for c in children)


def timed_with_memory(cmd, cwd) -> tuple[float, float]:
    """(seconds, peak MB of the process tree's summed PSS, sampled every 10 ms)."""
    import threading
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], pss_kb(proc.pid))
            time.sleep(0.01)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode(errors='replace')[-2000:]}")
    return elapsed, peak[0] / 1024


def best_of(n, cmd, cwd) -> float:
    return min(timed(cmd, cwd)[0] for _ in range(n))


def best_cold(n, cmd, root) -> float:
    """Best of n runs, each from a clean tree (no cache, no outputs), as the floor is best of n too:
    file-system work varies from run to run on this machine, and the best run is the one least
    disturbed by it."""
    times = []
    for _ in range(n):
        clean(root)
        times.append(timed(cmd, root)[0])
    return min(times)


OUTPUTS = ("build", "docs/survey", "docs/index.md", "site")
_trash: list = []


def clean(root: Path) -> None:
    """Move every output of earlier runs aside (finish() deletes them once all timing is done).

    Not deleted here: creating files on this machine's ext4 right after ten thousand were deleted
    costs up to ten times more (the inode allocator skips inodes freed in the last minutes: a kernel
    profile shows recently_deleted and find_inode_bit), which a build in a fresh clone never meets.
    cold_after_delete measures that case separately.
    """
    aside = root.parent / ".trash" / f"{root.name}-{len(_trash)}"
    aside.mkdir(parents=True)
    _trash.append(aside)
    for sub in OUTPUTS:
        p = root / sub
        if p.exists():
            (aside / sub.replace("/", "-")).parent.mkdir(parents=True, exist_ok=True)
            p.rename(aside / sub.replace("/", "-"))


def delete_outputs(root: Path) -> None:
    for sub in OUTPUTS:
        p = root / sub
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def finish(out: Path) -> None:
    """Delete what clean() moved aside, this run's and any left by an interrupted one."""
    shutil.rmtree(out / ".trash", ignore_errors=True)
    _trash.clear()


def naive(root: Path, sample: int | None = None) -> float:
    """The way we would have done it without care: pure-Python YAML, a validator per file, rescans per table."""
    import jsonschema
    import yaml
    sys.path.insert(0, str(REPO))
    from builder.check import check
    from builder.project import load_project
    from builder.tables.build import build_tables
    files = sorted((root / "entries").rglob("*.yaml"))
    if sample:
        files = files[::max(1, len(files) // sample)][:sample]  # an even sample of every kind of entry
    schema = json.loads((root / "schema" / "entry.schema.json").read_text())
    definitions = yaml.safe_load((root / "schema" / "tables.yaml").read_text())
    start = time.perf_counter()
    for f in files:
        data = yaml.load(f.read_text(), Loader=yaml.SafeLoader)
        list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    for _ in definitions["tables"]:
        for f in files:
            yaml.load(f.read_text(), Loader=yaml.SafeLoader)
    elapsed = time.perf_counter() - start
    project = load_project(root)
    result = check(project)
    t = time.perf_counter()
    build_tables(definitions, result.corpus, result.schema.taxonomy)
    return elapsed + (time.perf_counter() - t)


def measure(n: int, out: Path) -> dict:
    if (out / str(n)).exists():  # a corpus of an earlier bench: moved aside too (see clean)
        clean(out / str(n))
        (out / str(n)).rename(_trash[-1] / "corpus")
    root = generate(n, out / str(n))
    for extra in ("docs", "mkdocs.yml"):
        src = REPO / extra
        if src.is_dir():
            shutil.copytree(src, root / extra, ignore=shutil.ignore_patterns("survey", "index.md", "screenshots"))
        else:
            shutil.copy(src, root / extra)
    r: dict = {"entries": n}
    r["floor"] = best_of(3, [PY, "-c", FLOOR], root)
    r["cold_validate"] = best_cold(3, [PY, "-m", "builder", "validate"], root)
    r["cold_validate_build"] = best_cold(3, [PY, "-m", "builder", "build", "--no-site"], root)
    delete_outputs(root)  # what `rm -rf build docs/survey && slm-survey build` meets (see clean)
    r["cold_after_delete"] = timed([PY, "-m", "builder", "build", "--no-site"], root)[0]
    clean(root)
    _, r["peak_mb"] = timed_with_memory([PY, "-m", "builder", "build", "--no-site"], root)
    r["warm_validate"] = best_of(3, [PY, "-m", "builder", "validate"], root)
    r["unchanged_rebuild"] = best_of(3, [PY, "-m", "builder", "build", "--no-site"], root)
    target = sorted((root / "entries" / "models").glob("*.yaml"))[n // 3 % max(1, len(list((root / "entries" / "models").glob('*.yaml'))))]
    original = target.read_text()
    changes = []
    for i in range(3):
        target.write_text(original.replace("name: Model", f"name: Changed{i} Model", 1))
        changes.append(timed([PY, "-m", "builder", "build", "--no-site"], root)[0])
    target.write_text(original)
    r["one_changed"] = min(changes)
    done = subprocess.run([PY, "-c", SESSION, str(target)], cwd=root, capture_output=True, text=True, check=True)
    r["session_changed"], r["session_changed_median"] = (float(x) for x in done.stdout.split())
    r.update(with_daemon(root, target))
    if n <= 1000:
        r["naive"] = naive(root)
        r["naive_note"] = "measured"
    else:
        r["naive"] = naive(root, sample=1000) * n / 1000
        r["naive_note"] = "extrapolated from 1,000 files"
    if n == 1000:
        subprocess.run([PY, "-m", "builder", "build", "--no-site", "--force"], cwd=root, capture_output=True)
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        start = time.perf_counter()
        subprocess.run([PY, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")], cwd=root,
                       capture_output=True, env=env)
        r["mkdocs_1000"] = time.perf_counter() - start
    return r


def with_daemon(root: Path, target: Path) -> dict:
    """`slm-survey build --no-site` as a new process while a daemon runs: its first (full) build, the first
    edit (which moves the model's rows in every table sorted by name), then five edits as typing makes them,
    each timed from the command's start to its exit; and validate after one more edit."""
    import tempfile
    env = {**os.environ, "XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="bench-daemon-")}
    env.pop("SLM_SURVEY_NO_DAEMON", None)
    build = [PY, "-m", "builder", "build", "--no-site"]

    def run(cmd) -> float:
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"bench: {' '.join(cmd[3:])} failed in the daemon:\n{done.stdout}{done.stderr}")
        return took
    subprocess.run([PY, "-m", "builder", "daemon", "start"], cwd=root, env=env, check=True, capture_output=True)
    original = target.read_text()
    try:
        out = {"daemon_first_build": run(build)}
        target.write_text(original.replace("name: Model", "name: Edited Model", 1))
        out["daemon_first_edit"] = run(build)
        times = []
        for i in range(5):
            target.write_text(original.replace("name: Model", "name: Edited" + "x" * (i + 1) + " Model", 1))
            times.append(run(build))
        out["daemon_changed"], out["daemon_changed_median"] = min(times), sorted(times)[len(times) // 2]
        target.write_text(original.replace("name: Model", "name: Editedy Model", 1))
        out["daemon_validate_changed"] = run([PY, "-m", "builder", "validate"])
        status = subprocess.run([PY, "-m", "builder", "daemon", "status"], cwd=root, env=env, capture_output=True,
                                text=True).stdout
        out["daemon_mb"] = float(status.rsplit(", ", 1)[1].split(" MB")[0]) if " MB" in status else None
    finally:
        target.write_text(original)
        subprocess.run([PY, "-m", "builder", "daemon", "stop"], cwd=root, env=env, capture_output=True)
        shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)
    return out


def report(rows) -> str:
    lines = ["| entries | floor | cold validate | cold validate+build | / floor | naive | / naive | "
             "warm validate | unchanged rebuild | one changed: session | one changed: new process | "
             "one changed: new process, daemon running | peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['entries']:,} | {r['floor']:.2f} s | {r['cold_validate']:.2f} s | "
                     f"{r['cold_validate_build']:.2f} s | {r['cold_validate_build'] / r['floor']:.2f}x | "
                     f"{r['naive']:.1f} s{'*' if r['naive_note'] != 'measured' else ''} | "
                     f"{r['cold_validate_build'] / r['naive']:.3f}x | {r['warm_validate']:.2f} s | "
                     f"{r['unchanged_rebuild']:.2f} s | {r['session_changed']:.2f} s | {r['one_changed']:.2f} s | "
                     f"{r['daemon_changed']:.2f} s (median {r['daemon_changed_median']:.2f} s) | {r['peak_mb']:.0f} |")
    for r in rows:
        if "mkdocs_1000" in r:
            lines.append(f"\n`mkdocs build` of the 1,000-entry site: {r['mkdocs_1000']:.1f} s")
    if any(r["naive_note"] != "measured" for r in rows):
        lines.append("\n\\* naive time extrapolated linearly from 1,000 files (it is linear in the number of files).")
    lines.append("\nCold validate+build right after deleting the previous outputs (`rm -rf`; one run): " + ", ".join(
        f"{r['cold_after_delete']:.2f} s at {r['entries']:,}" for r in rows) + ".")
    lines.append("\nCold times are the best of 3 runs, each from a clean tree (the floor is best of 3 too; earlier "
                 "outputs are moved aside, not deleted, before each run: see cold_after_delete). "
                 "\"one changed: session\" is a rebuild in a long-running process after one entry changed "
                 "(what `slm-survey serve` does; best of 5, the median is in results.json); \"new process\" is "
                 "`slm-survey build --no-site` run again; \"daemon running\" is that command while "
                 "`slm-survey daemon start` runs (best and median of 5 edits after a first one; each from the "
                 "command's start to its exit). Peak MB is the summed PSS of the cold build and its workers.")
    lines.append("\nWith the daemon: " + "; ".join(
        f"{r['entries']:,} entries: first build {r['daemon_first_build']:.2f} s, first edit "
        f"{r['daemon_first_edit']:.2f} s, validate after an edit {r['daemon_validate_changed']:.2f} s"
        + (f", daemon {r['daemon_mb']:.0f} MB" if r.get("daemon_mb") else "") for r in rows) + ".")
    big = rows[-1]
    lines.append(f"\nTargets at {big['entries']:,} entries: cold validate+build {big['cold_validate_build'] / big['floor']:.2f}x "
                 f"the floor (target 1.0x), {big['cold_validate_build'] / big['naive']:.3f}x naive (target 0.15x), "
                 f"unchanged rebuild {big['unchanged_rebuild']:.2f} s (target 0.3 s), one changed entry "
                 f"{big['session_changed']:.2f} s in a session (median {big['session_changed_median']:.2f} s) / "
                 f"{big['one_changed']:.2f} s as a new process / {big['daemon_changed']:.2f} s as a new process "
                 f"while a daemon runs (median {big['daemon_changed_median']:.2f} s) (target 0.5 s), peak {big['peak_mb']:.0f} MB (target 400 MB).")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--out", default=str(REPO / "build" / "bench"))
    args = parser.parse_args()
    # Python keeps the builder's bytecode in __pycache__ after its first run, so a person's commands
    # start from it; an environment that sets PYTHONDONTWRITEBYTECODE (as CI sandboxes do) would
    # otherwise have every timed process compile the builder again (0.05 s each).
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "builder")], check=True)
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        print(f"bench: {n} entries...", file=sys.stderr, flush=True)
        rows.append(measure(n, Path(args.out)))
    finish(Path(args.out))
    print(f"Machine: {machine()}\n")
    print(report(rows))
    (Path(args.out) / "results.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
