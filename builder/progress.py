"""A one-line progress bar on stderr, shown only on a terminal and only for long runs."""
from __future__ import annotations

import os
import sys


class Progress:
    def __init__(self, label: str, stream=None, minimum: int = 500):
        self.label = label
        self.stream = stream or sys.stderr
        self.minimum = minimum
        self.enabled = self.stream.isatty() and "NO_COLOR" not in os.environ
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.minimum:
            return
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (len(self.label) + 50) + "\r")
            self.stream.flush()
