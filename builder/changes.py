"""Which files changed below some folders since the last look, as the kernel tells it (inotify), for the build daemon.

A daemon's build must see an edit saved just before the command that asked for it. The kernel queues an
inotify event while the write is made, so reading the queue without waiting sees every change made before
the request: no settle delay (serve's watchdog observer waits for quiet, in a thread) and no stat of ten
thousand files. What the events cannot name file by file (the queue overflowed, a folder came, went or
moved) is answered with EVERYTHING: look at every file, as without inotify (not Linux, no watches left).
"""
from __future__ import annotations

import os

EVERYTHING = None


class Changes:
    """Changed file paths below folders (folder, recursive) since the last take(); watching starts at once."""

    def __init__(self, folders):
        from inotify_simple import INotify, flags  # Linux only: ImportError or OSError elsewhere
        self._flags = flags
        self._mask = (flags.MODIFY | flags.ATTRIB | flags.CLOSE_WRITE | flags.MOVED_FROM | flags.MOVED_TO |
                      flags.CREATE | flags.DELETE | flags.DELETE_SELF | flags.MOVE_SELF)
        self._inotify = INotify(nonblocking=True)
        self._folders = [(os.path.abspath(f), recursive) for f, recursive in folders]
        self._dirs: dict = {}  # watch descriptor -> folder
        self._watch()

    def _watch(self) -> None:
        """Watch every folder as it is now. Until each folder given is watched (one missing, or no watches
        left), take() answers EVERYTHING."""
        self._complete = True
        for folder, recursive in self._folders:
            for found in (folders_below(folder, skip={"__pycache__"}) if recursive else [folder]):
                try:
                    self._dirs[self._inotify.add_watch(found, self._mask)] = found
                except OSError:  # missing, gone meanwhile, or no watches left
                    self._complete = False

    def take(self):
        """The paths of files written, created, deleted, moved or touched since the last take() (or since
        watching began), or EVERYTHING. Never waits."""
        f = self._flags
        lost = False
        paths = set()
        try:
            events = self._inotify.read(timeout=0)
        except OSError:
            events, lost = [], True
        for event in events:
            if event.mask & f.IGNORED:  # the folder watched went: so does its watch
                self._dirs.pop(event.wd, None)
            if event.mask & (f.Q_OVERFLOW | f.IGNORED | f.DELETE_SELF | f.MOVE_SELF | f.ISDIR):
                lost = True  # events were dropped, or a watched folder or one inside it changed
                continue
            folder = self._dirs.get(event.wd)
            if folder is not None and event.name:
                paths.add(os.path.join(folder, event.name))
        if lost or not self._complete:
            self._watch()  # the folders as they are now (adding an existing watch changes nothing)
            return EVERYTHING
        return paths

    def close(self) -> None:
        self._inotify.close()


def folders_below(folder: str, skip=frozenset()) -> list:
    """folder (first, even if missing: it may come) and every folder below it, links not followed, none
    of the names in skip."""
    out = [folder]
    for path, subfolders, _ in os.walk(folder):
        if path != folder:
            out.append(path)
        subfolders[:] = [d for d in subfolders if d not in skip and not os.path.islink(os.path.join(path, d))]
    return out


def folder_times(folders) -> tuple:
    """Each folder's modification time (None if missing): a file added, removed or renamed in it changes it."""
    out = []
    for folder in folders:
        try:
            out.append(os.stat(folder).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


def watch(folders):
    """A Changes, or None where the kernel cannot tell (not Linux, inotify_simple missing, no instances left)."""
    try:
        return Changes(folders)
    except (ImportError, OSError):
        return None
