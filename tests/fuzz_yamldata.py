"""`make fuzz`: the compiled YAML reader under AddressSanitizer and UBSan, against the Python reader.

builder/_yamldata.c reads untrusted files, so it is checked for memory errors as well as for
answers: this compiles it with -fsanitize=address,undefined into a temporary folder, runs it
there on texts made by mutating the repository's entries, on random YAML fragments and on deep
nesting, and compares every text it accepts with builder.load.parse (same data, or the file was
one parse() refuses: a mismatch). A sanitizer finding aborts with its report. Not part of
`make test`: it runs for as long as it is told to.

usage: python tests/fuzz_yamldata.py [--seconds 120] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PIECES = ["a: 1\n", "- x\n", "  - y\n", "{", "}", "[", "]", ": ", "&a ", "*a", "!!str ", "!t ", "---\n", "...\n",
          "? ", "\"\\u202e\"", "'", "\"", "|\n  ", ">-\n  ", "#", "\t", "\n", "%YAML 1.1\n", "\ufeff", "\x85",
          "\u2028", "~", "1e5", "007", "\\", "\"\\x07\"", "1234567890123456789"]


def build(folder: Path) -> None:
    """The reader compiled with the sanitizers, as builder/_yamldata*.so in folder (beside a copy of builder)."""
    shutil.copytree(REPO / "builder", folder / "builder", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    out = folder / "builder" / ("_yamldata" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run(["gcc", "-shared", "-fPIC", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g",
                    "-O1", f"-I{sysconfig.get_paths()['include']}", str(REPO / "builder" / "_yamldata.c"),
                    "-lyaml", "-o", str(out)], check=True)


def runtime_libraries() -> str:
    names = ["libasan.so", "libubsan.so"]
    return ":".join(subprocess.run(["gcc", f"-print-file-name={n}"], capture_output=True, text=True,
                                   check=True).stdout.strip() for n in names)


def fuzz(seconds: float, seed: int) -> int:
    from builder import _yamldata
    from builder.load import LoadError, parse
    assert Path(_yamldata.__file__).parent.parent != REPO, "not the sanitized build"
    seeds = [f.read_text(encoding="utf-8") for f in sorted((REPO / "entries").rglob("*.yaml"))]
    rng = random.Random(seed)

    def mutate(text: str) -> str:
        chars = list(text)
        for _ in range(rng.randint(1, 8)):
            op, i = rng.random(), rng.randrange(len(chars) + 1)
            if op < 0.3 and chars:
                del chars[min(i, len(chars) - 1)]
            elif op < 0.6:
                chars.insert(i, rng.choice(PIECES))
            elif op < 0.8 and chars:
                chars[min(i, len(chars) - 1)] = chr(rng.randrange(0, 0x3000))
            else:
                j = rng.randrange(len(chars) + 1)
                chars[i:i] = chars[j:j + rng.randint(1, 40)]
        return "".join(chars)

    deadline, count, mismatches = time.time() + seconds, 0, 0
    while time.time() < deadline:
        pick = rng.random()
        if pick < 0.7:
            text = mutate(rng.choice(seeds))
        elif pick < 0.85:
            text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60)))
        else:
            text = rng.choice(["[", "{", "- ", "a: ", "? "]) * rng.randint(1, 3000)
        got = _yamldata.load(text)
        if got is not _yamldata.UNUSUAL:
            try:
                expected = parse(text, "x.yaml").data
            except LoadError as exc:
                expected = ("refused by parse()", str(exc.problem))
            if expected != got:
                mismatches += 1
                print(f"mismatch: {text[:300]!r}\n  compiled: {got!r}\n  parse(): {expected!r}", flush=True)
        count += 1
    print(f"{count} texts in {seconds:.0f} s, {mismatches} mismatches, no sanitizer report")
    return 1 if mismatches else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the sanitized child's copy of the builder
    args = parser.parse_args()
    if args.inside:
        sys.path.insert(0, args.inside)
        return fuzz(args.seconds, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        build(Path(folder))
        env = {**os.environ, "LD_PRELOAD": runtime_libraries(),
               "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",  # CPython keeps memory to the end by design
               "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1", "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.run([sys.executable, __file__, "--seconds", str(args.seconds), "--seed", str(args.seed),
                               "--inside", folder], env=env, cwd=folder).returncode


if __name__ == "__main__":
    sys.exit(main())
