"""Which input files changed, as the file system tells it (watchdog: inotify on Linux), for `serve`.

Looking at the stamp of every input costs 0.05 s at 10,000 entries, and a loop that looks every half
second makes an edit wait a quarter of a second on average before anything happens. A notification
names the changed file at once. What a notification cannot name precisely (a folder created, moved
or deleted; notifications lost) asks for a look at everything instead. Reading a file is not a change:
the session's own reads must not wake it again.
"""
from __future__ import annotations

import os
import threading
import time

EVERYTHING = None  # what take() returns when the changes cannot be named file by file
_NOT_CHANGES = {"opened", "closed_no_write"}


class Watcher:
    """Collects changed paths under some folders (recursively) and some single files."""

    def __init__(self, folders, files=()):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._paths: set | None = set()
        self._files = {os.path.abspath(f) for f in files}
        note, single = self._note, self._files

        class Everything(FileSystemEventHandler):
            def on_any_event(self, event):
                note(event)

        class Only(FileSystemEventHandler):  # the folder of a single file: its other files are not inputs
            def on_any_event(self, event):
                if os.fsdecode(event.src_path) in single or os.fsdecode(event.dest_path or "") in single:
                    note(event)

        self._observer = Observer()
        self._observer.daemon = True
        for folder in folders:
            self._observer.schedule(Everything(), os.fspath(folder), recursive=True)
        for parent in sorted({os.path.dirname(f) for f in self._files}):
            self._observer.schedule(Only(), parent, recursive=False)
        self._observer.start()

    def _note(self, event) -> None:
        if event.event_type in _NOT_CHANGES or (event.is_directory and event.event_type == "modified"):
            return  # a read, or a folder whose listing changed: the files concerned have their own events
        paths = [os.fsdecode(event.src_path)] + ([os.fsdecode(event.dest_path)] if event.dest_path else [])
        with self._lock:
            if event.is_directory or getattr(event, "is_synthetic", False):
                self._paths = EVERYTHING  # a whole folder came, went or moved
            elif self._paths is not EVERYTHING:
                self._paths.update(paths)
            self._ready.set()

    def take(self, timeout: float, settle: float = 0.05):
        """Wait up to timeout for a change; then, once changes stop for settle seconds, return the set of
        changed paths, or EVERYTHING. False if nothing changed in time."""
        if not self._ready.wait(timeout):
            return False
        while True:  # an editor's save is several events; a checkout is many
            self._ready.clear()
            time.sleep(settle)
            if not self._ready.is_set():
                break
        with self._lock:
            taken, self._paths = self._paths, set()
        return taken

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)


def start(folders, files=()):
    """A Watcher, or None where the file system cannot tell (no watchdog, no inotify watches left):
    the caller then looks at every stamp as before."""
    try:
        return Watcher(folders, files)
    except (ImportError, OSError):
        return None
