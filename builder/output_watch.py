"""What happened to a build daemon's output files between its builds, so that its next build still writes
exactly what a fresh build would.

A session writes only outputs whose text changed since it wrote them; it assumes the files still hold what
it wrote. Another process may have changed them meanwhile: a build with --force or --no-daemon, an editor,
`rm`. The kernel names those files (builder/changes.py): each is compared with the disk at the next build,
and a file added to a folder a build owns (which a fresh build would delete) has every output compared.
Events of the daemon's own writes are read right after it wrote, and only those whose file still has the
stamp the write gave it are its own. Without inotify, the stamp of every output is compared instead
(10,000 stats) and the times of their folders tell of files added.
"""
from __future__ import annotations

import os

from builder.changes import EVERYTHING, folder_times, watch


class OutputWatch:
    def __init__(self, managed):
        self.managed = [os.path.abspath(m) for m in managed]  # folders whose every file a build produces
        self.stamps: dict | None = None  # output path -> (size, mtime) as last written; None: not known
        self.suspect: set = set()        # outputs someone else may have changed
        self.strangers = True            # a file no build here wrote may be in a managed folder (or: unknown)
        self.temps = True                # a temp file another build left may be there
        self._watch = None
        self._folders: dict = {}         # without inotify: folder -> mtime
        self._unmanaged: set = set()     # the other folders of outputs being watched
        self._folder_list: list = []     # the folders of the outputs

    def trusted(self) -> bool:
        """As of the last look(): no file appeared in the outputs' folders since the last build here
        (nothing for a fresh build to delete, no temp file to sweep); changed outputs are in self.suspect."""
        return self.stamps is not None and not self.strangers and not self.temps

    def look(self) -> None:
        """Take the news since the last look (once per command: without inotify it stats every output)."""
        if self.stamps is None:
            return
        if self._watch is None:
            self.suspect.update(_changed(self.stamps))
            if _moved(self._folders):
                self.strangers = self.temps = True
            return
        news = self._watch.take()
        if news is EVERYTHING:
            self.strangers = self.temps = True
            return
        for path in news:
            if path in self.stamps:
                self.suspect.add(path)
            elif os.path.basename(path).startswith(".slm-survey"):
                self.temps = True
            elif self._managed(path):
                self.strangers = True

    def _managed(self, path: str) -> bool:
        return any(path.startswith(m + os.sep) for m in self.managed)

    def written(self, stamps: dict) -> None:
        """After a build here: stamps of all its outputs (path -> (size, mtime) as written, or as found)."""
        if self.stamps is None or stamps.keys() != self.stamps.keys():  # the same outputs: the same folders
            self._folder_list = sorted({os.path.dirname(p) for p in stamps})
        folders = self._folder_list
        unwatched = [f for f in folders if not self._managed(f + os.sep)]  # outputs outside the managed folders
        news = EVERYTHING
        if self._watch is not None and not set(unwatched) <= self._unmanaged:
            self.close()  # outputs in a folder not watched yet: watch again, and look at every output once
        elif self._watch is not None:
            news = self._watch.take()
        if self._watch is None:  # watching from now on; what happened before is seen by a look at every output
            self._watch = watch([(m, True) for m in self.managed] + [(f, False) for f in unwatched])
            self._unmanaged = set(unwatched)
        self.stamps, self.suspect, self.strangers, self.temps = stamps, set(), False, False
        if news is EVERYTHING:  # a first build, a folder created: one look at every output, off the critical path
            self.suspect.update(_changed(stamps))
            self._folders = dict(zip(folders, folder_times(folders)))
            return
        for path in news:  # this build's own writes, unless the file changed again since
            if path in stamps:
                if _stamp(path) != stamps[path]:
                    self.suspect.add(path)
            elif self._managed(path) and not os.path.basename(path).startswith(".slm-survey") and os.path.exists(path):
                self.strangers = True

    def forget(self) -> None:
        self.stamps = None
        self.strangers = self.temps = True

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None


def _stamp(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _changed(stamps: dict) -> list:
    """The files whose stamp is no longer the one given (deleted ones too)."""
    out, look = [], os.stat
    for path, (size, mtime) in stamps.items():
        try:
            st = look(path)
        except OSError:
            out.append(path)
            continue
        if st.st_mtime_ns != mtime or st.st_size != size:
            out.append(path)
    return out


def _moved(folders: dict) -> bool:
    """A file was added to, removed from or renamed in one of these folders since (a folder's time changes)."""
    return not folders or folder_times(folders) != tuple(folders.values())
