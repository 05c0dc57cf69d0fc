"""Write outputs atomically and only when their bytes change; remove stale generated files.

A build killed at any moment leaves every output either old or new, never
half-written: each file is written to a temporary file in the same folder and
renamed over the old one. A lock keeps two builds from interleaving.
(Files are not fsynced one by one: that protects against power loss, not a
killed process, and costs seconds on a large survey.)
"""
from __future__ import annotations

import fcntl
import itertools
import os
import re
import stat
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WriteReport:
    written: list = field(default_factory=list)
    paths: list = field(default_factory=list)  # every output of the build, written or not
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    stamps: dict = field(default_factory=dict)  # path -> (size, mtime in ns) as written, when the writer kept them


def write_atomic(path: Path, data: bytes, force: bool = False, old_files: list | None = None) -> bool:
    """Replace path with data unless it already holds exactly that (or force); True when written."""
    return write_stamped(path, data, force, old_files)[0]


def write_stamped(path: Path, data: bytes, force: bool = False, old_files: list | None = None) -> tuple:
    """write_atomic, returning (written, (size, mtime in ns) of the file now at path): a build records its
    outputs' stamps without a stat of each afterwards (ten thousand path lookups at the end of a build).

    A rewritten file keeps its permissions; a new one gets the usual ones (0o666 less the umask), as
    any editor would give it. old_files, when given, receives an open descriptor of the file replaced:
    the system frees a large file's pages when its last reference goes, and the caller can close
    these off its critical path. (Plain os calls: a site writes ten thousand files, and a buffered
    file object costs three more system calls each.)
    """
    try:
        before = os.stat(path)
    except OSError:
        before = None
    if before is not None and not force and before.st_size == len(data) and Path(path).read_bytes() == data:
        return False, (before.st_size, before.st_mtime_ns)
    fd, tmp = _create_temp(os.fspath(path))
    try:
        try:
            if before is not None:
                os.fchmod(fd, stat.S_IMODE(before.st_mode))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            after = os.fstat(fd)  # the last write set its time; neither closing nor renaming changes it
        finally:
            os.close(fd)
        # The rename is atomic: a killed build leaves the old file or the new one, never a part.
        # (No fsync per file: that guards against power loss, not against a killed process, at a high cost.)
        if old_files is not None and before is not None:
            try:
                old_files.append(os.open(path, os.O_RDONLY))
            except OSError:
                pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True, (after.st_size, after.st_mtime_ns)


_temps = itertools.count()


def _create_temp(path: str) -> tuple[int, str]:
    """A new file ".<name>.<pid>-<n>.tmp" beside path (made with its folder if need be), opened for writing."""
    folder, name = os.path.split(path)
    while True:
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_temps)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), tmp
        except FileExistsError:  # left by a killed build that had the same process id
            pass
        except FileNotFoundError:  # the folder is new: make it, then try again
            os.makedirs(folder or ".", exist_ok=True)


def close_later(descriptors: list) -> None:
    """Close descriptors on a thread (closing the last reference to a replaced file frees its pages)."""
    if descriptors:
        threading.Thread(target=lambda: [os.close(fd) for fd in descriptors], daemon=True).start()


@contextmanager
def build_lock(folder: Path):
    """One build at a time per project (blocks until the other finishes)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".slm-survey.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_temps(paths) -> None:
    """Temp files left by a build that was killed mid-write (".<name>.<pid>-<n>.tmp" beside a target).

    A temp file whose process is still running is another process of this build writing there (the
    page worker writes leaderboards beside the tables): it stays. Deleting it made that write fail.
    """
    remove_stale_temps_in({Path(p).parent for p in paths})


def remove_stale_temps_in(folders) -> None:
    """remove_stale_temps for every temp file in these folders (a plain listing: an up-to-date build
    lists the 10,000 entry pages' folder too, where a glob matched a pattern against each name)."""
    for folder in sorted({os.fspath(f) for f in folders}):
        try:
            with os.scandir(folder) as listing:
                stale = [item.path for item in listing if _is_temp(item.name) and not _writer_alive(item.name)]
        except OSError:  # no such folder (yet)
            continue
        for tmp in stale:
            try:
                os.unlink(tmp)
            except OSError:
                pass


_TEMP_NAME = re.compile(r"\..+\.(\d+)-\d+\.tmp")


def _is_temp(name: str) -> bool:
    """What the glob ".*.tmp" matches: hidden, and ending in .tmp after something."""
    return name.startswith(".") and name.endswith(".tmp") and len(name) >= 5


def _writer_alive(name: str) -> bool:
    """Whether the process that named this temp file (its pid is in the name) still runs."""
    found = _TEMP_NAME.fullmatch(name)
    if found is None:
        return False
    pid = int(found.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, and is someone else's
        return True
    return True


class TempSweeper:
    """Deletes the temp files a killed build left in a folder before this process first writes there in
    this build (each writing process keeps its own: a forked worker gets a copy)."""

    def __init__(self):
        self.swept: set = set()

    def before_write(self, path) -> None:
        folder = os.path.dirname(os.fspath(path))
        if folder not in self.swept:
            self.swept.add(folder)
            remove_stale_temps_in([folder])


class StreamWriter:
    """Writes outputs as a build produces them (so it never holds them all), keeping the report."""

    def __init__(self, managed, force: bool = False):
        self.report, self.force = WriteReport(), force
        # Only a folder that existed before the build can hold files it did not write (a first build's are new).
        self.managed = [folder for folder in managed if os.path.isdir(folder)]
        self.paths: list = []
        self.sweeper = TempSweeper()

    def __call__(self, path, text) -> None:
        self.sweeper.before_write(path)
        data = text.encode("utf-8") if isinstance(text, str) else text
        written, self.report.stamps[path] = write_stamped(path, data, self.force)
        (self.report.written if written else self.report.unchanged).append(path)
        self.paths.append(path)

    def finish(self, written_elsewhere=()) -> WriteReport:
        """Record outputs written by workers ((path, state, stamp)), then delete files in the managed folders
        no output claims."""
        stamps = self.report.stamps
        for path, state, stamp in written_elsewhere:
            (self.report.written if state == "written" else self.report.unchanged).append(path)
            self.paths.append(path)
            stamps[path] = stamp
        self.report.removed += remove_unclaimed(self.managed, self.paths)
        self.report.paths = sorted(self.paths, key=os.fspath)  # by text: 10,000 Path comparisons cost 0.03 s
        return self.report


def remove_unclaimed(managed, keep_paths) -> list:
    found: list = []
    for folder in managed:
        _files_under(os.path.abspath(folder), found)
    if not found:  # a first build's folders are new: nothing there to compare with its 10,000 outputs
        return []
    keep = {os.path.abspath(p) for p in keep_paths}
    removed = []
    for old in sorted(Path(f) for f in found if f not in keep and not os.path.basename(f).startswith(".slm-survey")):
        old.unlink()
        removed.append(old)
    return removed


def _files_under(folder: str, out: list) -> None:
    """Files below folder, recursively, without following links to folders (scandir: no stat per file)."""
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                if item.is_dir(follow_symlinks=False):
                    _files_under(item.path, out)
                elif item.is_file():
                    out.append(item.path)
    except (FileNotFoundError, NotADirectoryError):
        pass


def write_tree(files: dict, managed: list, force: bool = False) -> WriteReport:
    """Write every file; then delete files under the managed folders that this build did not produce."""
    report = WriteReport()
    remove_stale_temps(files)
    for path in sorted(files):
        data = files[path]
        if isinstance(data, str):
            data = data.encode("utf-8")
        written, report.stamps[path] = write_stamped(path, data, force)
        (report.written if written else report.unchanged).append(path)
    report.removed += remove_unclaimed(managed, files)
    return report
