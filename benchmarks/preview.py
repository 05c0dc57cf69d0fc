"""How long the site preview (`slm-survey serve`) takes to show an edit: from saving an entry to the
served HTML page holding the change, as an author sees it in the browser.

It generates a synthetic corpus (benchmarks/generate.py), starts `slm-survey serve`, waits for the
site, then renames one model a few times (as when typing, a few seconds apart) and polls the
served page of that model every 0.1 s until the new name is there. Most of this time is MkDocs
turning the rewritten pages into HTML (the builder's part is the "session" figure of `make bench`).

With --dirty, serve runs MkDocs in its dirty mode (only the pages an edit changed are rebuilt).

usage: python benchmarks/preview.py [--size 1000] [--edits 3] [--dirty] [--out build/bench]
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def wait_for(url: str, text: str, limit: float) -> float | None:
    """Seconds until the page at url holds text, or None after limit seconds."""
    start = time.perf_counter()
    while text not in fetch(url):
        if time.perf_counter() - start > limit:
            return None
        time.sleep(0.1)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--dirty", action="store_true", help="serve --dirty")
    ap.add_argument("--out", default=str(HERE.parent / "build" / "bench"))
    args = ap.parse_args()
    root = Path(args.out) / str(args.size)
    if not (root / "entries").is_dir():
        generate(args.size, root)
    models = sorted((root / "entries" / "models").glob("*.yaml"))
    model = models[len(models) // 3]
    original = re.sub(r"^name: Edited\w* ", "name: ", model.read_text(encoding="utf-8"), flags=re.M)
    name = re.search(r"^name: (.+)$", original, re.M).group(1)
    port = free_port()
    url = f"http://127.0.0.1:{port}/survey/entries/{model.stem}/"
    (root / "build").mkdir(exist_ok=True)
    log = open(root / "build" / "preview-serve.log", "w")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "builder", "serve", "-a", f"127.0.0.1:{port}",
                             *(["--dirty"] if args.dirty else [])], cwd=root,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    times = []
    try:
        first = wait_for(url, name, 1800)
        if first is None:
            print("preview: the site never came up; see build/preview-serve.log")
            return 1
        print(f"{args.size} entries: first page served {time.perf_counter() - start:.1f} s after `serve` started")
        for i in range(args.edits):
            time.sleep(3)
            new = f"Edited{'x' * (i + 1)} {name}"
            model.write_text(original.replace(f"name: {name}", f"name: {new}", 1), encoding="utf-8")
            took = wait_for(url, new, 600)
            if took is None:
                print(f"edit {i + 1}: not shown after 600 s")
                return 1
            times.append(took)
            print(f"edit {i + 1}: shown {took:.2f} s after the save")
    finally:
        model.write_text(original, encoding="utf-8")
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    print(f"{'serve --dirty' if args.dirty else 'serve'}, from save to page: best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
