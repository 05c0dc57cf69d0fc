"""`slm-survey daemon`: a build server that keeps a survey's build in memory between commands.

A new `slm-survey build` process reads every entry and renders every table again: seconds at 10,000
entries, whatever changed. `serve` avoids that for an author previewing while typing; the daemon does the
same for the command line (a contributor's build or validate after each edit, an editor's save hook, a
pre-commit hook), as dmypy does for mypy. Started once, it holds a Session (builder/session.py); while it
runs, `build` and `validate` of that survey send their command line here and print what it printed. The
outputs are byte-identical to a build in a new process (the session's tests compare them).

It takes one command at a time, runs it in the client's working folder (paths in messages are relative to
it) and answers with the printed text and the exit code. The kernel tells it which entry files changed
(builder/changes.py) and which outputs something else changed (builder/output_watch.py: a build with
--force or --no-daemon, an editor, `rm`), which the next build compares with the disk; a manifest it did
not write has every output compared. It stops when asked, after --idle-minutes without a command, or at
its first command after the builder's code or the installed packages changed (the client then works itself).
"""
from __future__ import annotations

import io
import os
import signal
import socket
import sys
import time
from contextlib import redirect_stderr, redirect_stdout

from builder import changes, daemon_link, manifest

IDLE_MINUTES = 60
FLUSH = 0.3  # seconds without a command after which the manifest of the last build is written
QUIET = 20.0  # seconds without a command after which the session tidies up (collect_idle: about 1 s at 10,000 entries)


class _Terminal(io.StringIO):
    """Printed text for the client, which knows whether its own stdout is a terminal."""

    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _code_stamps() -> dict:
    """The builder's files, and the folders packages are installed in (an install or upgrade changes what
    is listed there): code the daemon has loaded and a new process would load differently."""
    import site
    found: dict = {}
    manifest._walk(str(manifest.CODE), found, str(manifest.CODE))
    for folder in site.getsitepackages():
        try:
            found[folder] = os.stat(folder).st_mtime_ns
        except OSError:
            pass
    return found


class Daemon:
    """The state between commands: one Session for one survey, and what the last build here recorded."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.session = None
        self.code = _code_stamps()
        self.started = time.time()
        self.commands = 0
        self.cwd = None
        self.after: list = []  # work done once the client has its answer (recording the manifest)
        self.entry_watch = self.outputs = None
        self.unwritten = False
        self._forget()

    def _forget(self) -> None:
        if self.unwritten:
            self.flush()
        if self.entry_watch is not None:
            self.entry_watch.close()
        if self.outputs is not None:
            self.outputs.close()
        self.entry_watch = None  # builder.changes.Changes of the entries folder
        self.entries = None      # manifest.entry_stamps as of the session's last look
        self.unseen = None       # entry files changed since the session's last look (None: look at all)
        self.manifest = None     # the manifest as this daemon last made it (or read it)
        self.unwritten = False   # whether that manifest is not in its file yet (flush)
        self.disk = None         # the stamp of the manifest's file as this daemon last saw or wrote it
        self.project = None      # whose manifest that is
        self.outputs = None      # builder.output_watch.OutputWatch
        self._rels = {}          # output path -> the manifest's name for it

    def _session_for(self, project):
        if self.session is None or self.session.project.root != project.root:
            from builder.build import managed_folders
            from builder.output_watch import OutputWatch
            from builder.session import Session
            from builder.site_pages import site_pages
            self._forget()
            self.session = Session(project, site_pages=site_pages)
            self.entry_watch = changes.watch([(project.entries_dir, True)])
            self.outputs = OutputWatch(managed_folders(project, True))
        return self.session

    def _look(self, project) -> None:
        """The news of the entry files (self.entries, self.unseen) and of the outputs."""
        news = self.entry_watch.take() if self.entry_watch is not None else changes.EVERYTHING
        if news is changes.EVERYTHING or self.entries is None:
            self.entries, self.unseen = manifest.entry_stamps(project), None
        else:
            root = os.path.abspath(project.root)
            for path in news:
                rel = manifest._rel(path, root)
                try:
                    st = os.stat(path, follow_symlinks=False)
                except OSError:
                    self.entries.pop(rel, None)
                    continue
                self.entries[rel] = [st.st_size, st.st_mtime_ns]
            if self.unseen is not None:
                self.unseen |= news
        self.outputs.look()

    # -- what cli.cmd_build and cli.cmd_validate call in place of manifest.inputs and .load, build(), check()

    def inputs(self, project, options: dict) -> dict:
        """manifest.inputs, from the entry files' stamps kept up to date by the kernel's news."""
        self._session_for(project)
        self._look(project)
        return manifest.inputs(project, options, self.entries)

    def saved(self, project) -> dict:
        """The manifest: the one this daemon last made while the file on disk is still the one it knew (its
        own, written or not yet), else the file's."""
        now = manifest.stamp_of(project)
        if self.manifest is not None and now == self.disk:
            return self.manifest
        if self.manifest is not None or self.outputs.stamps is not None:
            self.outputs.forget()  # another build recorded one since: compare every output with the disk
        self.manifest, self.unwritten, self.disk = None, False, now
        return manifest.load(project)

    def trusts_outputs(self) -> bool:
        """No other build left temp files (or anything else) in the outputs' folders since the last one here."""
        return self.manifest is not None and self.outputs.trusted()

    def build(self, project, read: dict):
        """The session's rebuild (read: inputs(), taken by the caller), told which entry files changed and
        which outputs someone else may have changed (compared with the disk, rewritten if they differ)."""
        session = self._session_for(project)
        if not self.outputs.trusted():
            session.forget_outputs()
        else:
            session.recheck(self.outputs.suspect)
        hint, self.unseen = self.unseen, None  # None until the session has looked: a rebuild may raise
        result = session.rebuild(hint)
        self.unseen = set()
        return result

    def record(self, project, options: dict, paths, read: dict, report) -> None:
        """The build's manifest (what cli.cmd_build records with manifest.record) and the outputs' stamps.

        Taken once the client has its answer; the manifest's file (1.3 MB of JSON at 10,000 entries) is
        written when no command has come for a moment (flush), so that a command right after this one does
        not wait for it. Until then this daemon answers from the manifest in memory; a build without the
        daemon meanwhile finds the file older than the outputs and builds in full, as it should."""
        self.manifest = None  # until taken, below (before the next command: it runs before the next accept)

        def take() -> None:
            stamps = self._stamps_after(report)
            self.outputs.written(stamps)
            known = manifest.stamps_of(map(os.fspath, paths), stamps)  # and the site's index, the PDF
            rels, root = self._rels, os.path.abspath(project.root)
            outputs = {}
            for path, stamp in known.items():
                rel = rels.get(path)
                if rel is None:
                    rel = rels[path] = manifest._rel(os.path.abspath(path), root)
                outputs[rel] = list(stamp)
            self.manifest, self.unwritten, self.project = {"inputs": read, "outputs": outputs}, True, project
        self.after.append(take)

    def _stamps_after(self, report) -> dict:
        """path (str) -> stamp of every output of the build just done: the stamps known before, updated with
        those of the files written (and compared) now, less the files removed."""
        old = self.outputs.stamps
        now = {os.fspath(p): tuple(st) for p, st in report.stamps.items()}
        if old is not None:
            stamps = dict(old)
            stamps.update(now)
            for path in report.removed:
                stamps.pop(os.fspath(path), None)
            if len(stamps) == len(report.paths):
                return stamps
        # a first build, or the files on disk compared in full: every output is in report.stamps
        found = manifest.stamps_of(map(os.fspath, report.paths), {**(old or {}), **now})
        return {path: tuple(stamp) for path, stamp in found.items()}

    def flush(self) -> None:
        """Write the manifest this daemon made, unless another build wrote one since (it is newer)."""
        if not self.unwritten:
            return
        self.unwritten = False
        if manifest.stamp_of(self.project) != self.disk:
            self.manifest = None
            self.outputs.forget()
            return
        self.disk = manifest.save(self.project, self.manifest)

    def check(self, project, paths=None):
        """What check(project, paths) reports: with paths, only the problems in those files (and with the
        paths themselves); the corpus is still whole."""
        session = self._session_for(project)
        self._look(project)
        hint, self.unseen = self.unseen, None
        result = session.check(hint)
        self.unseen = set()
        if paths:
            from builder.check import CheckResult, discover, only_in
            from builder.problems import sort_problems
            selected, path_problems = discover(project, paths)
            result = CheckResult(result.corpus, sort_problems(only_in(result.problems + path_problems, selected,
                                                                      path_problems)), result.schema)
        return result

    # -- requests

    def answer(self, request: dict) -> dict:
        if request.get("ping"):
            return {"pid": os.getpid()}
        if request.get("status"):
            return self.status()
        if request.get("stop"):
            return {"stopping": True}
        argv, cwd = request.get("argv"), request.get("cwd")
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(cwd, str)):
            return {"error": "a request needs argv (a list of strings) and cwd"}
        if request.get("python") != sys.executable:
            return {"local": "another Python"}
        if _code_stamps() != self.code:
            return {"stopped": "the builder's code or installed packages changed since it started"}
        return self.run(argv, cwd, bool(request.get("tty")), bool(request.get("no_color")))

    def run(self, argv: list, cwd: str, tty: bool, no_color: bool) -> dict:
        from builder import cli
        try:
            args = cli.make_parser().parse_args(argv)
        except SystemExit:
            return {"local": "not a command line this daemon takes"}
        if not daemon_link.forwardable(args) or os.path.realpath(os.path.join(cwd, args.root)) != self.root:
            return {"local": "not a command this daemon takes"}
        if cwd != self.cwd:
            try:
                os.chdir(cwd)  # problems name files relative to it, and the session keeps them: start afresh
            except OSError:
                return {"local": "no such working folder here"}
            self.cwd, self.session = cwd, None
        out, err = _Terminal(tty), _Terminal(False)
        self.commands += 1
        had = os.environ.pop("NO_COLOR", None)
        if no_color:  # the client's: whether problems are shown with frames
            os.environ["NO_COLOR"] = "1"
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = cli.main(argv, daemon=self)
        except BaseException as exc:  # noqa: BLE001 - the client must hear something; the session may be broken
            self.session = None
            self.after.clear()
            self._forget()
            import traceback
            traceback.print_exc()  # into the daemon's log
            return {"stopped" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "error":
                    f"{type(exc).__name__}: {exc}"}
        finally:
            os.environ.pop("NO_COLOR", None)
            if had is not None:
                os.environ["NO_COLOR"] = had
        return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}

    def status(self) -> dict:
        corpus = self.session.corpus if self.session is not None else None
        rss = None
        try:
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
        return {"pid": os.getpid(), "root": self.root, "since": self.started, "commands": self.commands,
                "entries": len(corpus) if corpus is not None else None, "rss": rss}


def serve_forever(root: str, idle_minutes: float = IDLE_MINUTES) -> int:
    """Listen on the survey's socket until stopped; 1 if it cannot listen (another daemon already does)."""
    import gc
    import fcntl
    path = daemon_link.socket_path(root, create=True)
    if path is None:
        print(f"daemon: {daemon_link.runtime_folder()} is not this user's alone; not started", file=sys.stderr)
        return 1
    lock = os.open(path[:-len(".sock")] + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:  # held until this process ends: two starts at once leave one daemon
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("daemon: one is already running for this survey", file=sys.stderr)
        return 1
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(path)  # left by a daemon that was killed: the lock says none is running
    except FileNotFoundError:
        pass
    old_mask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old_mask)
    listener.listen(8)
    mine = os.stat(path).st_ino
    daemon = Daemon(root)
    signals: list = []

    def stop_soon(number, frame):  # a command stopped here would answer 130 and the loop go on: remember it
        signals.append(number)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop_soon)
    signal.signal(signal.SIGHUP, stop_soon)
    gc.enable()  # a long-running process: its builds pause the collector (Session.rebuild)
    print(f"daemon: pid {os.getpid()} serving builds of {daemon.root} on {path}", flush=True)
    last, tidy = time.monotonic(), False
    try:
        while True:
            left = idle_minutes * 60 - (time.monotonic() - last)
            if left <= 0:
                print(f"daemon: stopping after {idle_minutes:g} idle minutes", flush=True)
                return 0
            listener.settimeout(min(FLUSH if daemon.unwritten else QUIET, left) if tidy else left)
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                if daemon.unwritten:
                    daemon.flush()
                elif tidy:
                    if daemon.session is not None:
                        began = time.perf_counter()
                        daemon.session.idle()
                        print(f"daemon: tidied up in {time.perf_counter() - began:.2f} s", flush=True)
                    tidy = False
                continue
            with conn:
                served = daemon.commands
                stop = _handle(daemon, conn)
            if daemon.commands != served:  # a status or a ping is no activity: it does not keep the daemon up
                last, tidy = time.monotonic(), True
            if signals:
                stop = "signal"
            if stop:
                print(f"daemon: stopping ({stop})", flush=True)
                return 0
    except KeyboardInterrupt:
        print("daemon: stopping (signal)", flush=True)
        return 0
    finally:
        daemon.flush()
        listener.close()
        try:
            if os.stat(path).st_ino == mine:  # not a newer daemon's socket
                os.unlink(path)
        except OSError:
            pass


def _handle(daemon: Daemon, conn: socket.socket) -> str | None:
    """Answer one request; what stops the daemon, if it should stop."""
    conn.settimeout(30)  # a client that connects and says nothing does not hold the daemon up
    try:
        request = daemon_link.receive(conn, limit=daemon_link.MAX_REQUEST)
    except (daemon_link.LinkError, OSError, ValueError) as exc:
        print(f"daemon: a request was not read: {exc}", flush=True)
        return None
    conn.settimeout(None)
    began = time.perf_counter()
    answer = daemon.answer(request)
    if "argv" in request:
        print(f"daemon: {' '.join(map(str, request['argv']))}: exit {answer.get('code', '-')} in "
              f"{time.perf_counter() - began:.2f} s", flush=True)
    try:
        daemon_link.send(conn, answer)
    except OSError:
        pass  # the client went away (Ctrl-C): the build it asked for is done all the same
    conn.close()
    while daemon.after:
        work = daemon.after.pop(0)
        try:
            work()
        except Exception:  # noqa: BLE001 - say so in the log; the next build compares with the disk
            import traceback
            traceback.print_exc()
            daemon.manifest = daemon.outputs = None
    if "stopping" in answer:
        return "asked to"
    return answer.get("stopped")


# -- the `slm-survey daemon` command


def start(root, idle_minutes: float = IDLE_MINUTES, wait: float = 20.0) -> tuple:
    """Start a daemon for the survey at root in the background: (message, exit code)."""
    import subprocess
    running = daemon_link.ask(root, {"ping": True}, timeout=5)
    if running is not None:
        return f"daemon: already running (pid {running['pid']})", 0
    if daemon_link.socket_path(root, create=True) is None:
        return f"daemon: {daemon_link.runtime_folder()} is not this user's alone; not started", 1
    log_dir = os.path.join(root, "build", ".cache")
    os.makedirs(log_dir, exist_ok=True)
    log_path = os.path.join(log_dir, "daemon.log")
    with open(log_path, "ab") as log, open(os.devnull, "rb") as nothing:
        child = subprocess.Popen([sys.executable, "-m", "builder.daemon", root, str(idle_minutes)],
                                 stdin=nothing, stdout=log, stderr=subprocess.STDOUT, cwd=root,
                                 start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return f"daemon: did not start; see {log_path}", 1
        try:
            answer = daemon_link.ask(root, {"ping": True}, timeout=5)
        except daemon_link.LinkError:
            answer = None
        if answer is not None:
            return (f"daemon: started (pid {answer['pid']}); build and validate of this survey now run in it. "
                    f"It stops after {idle_minutes:g} idle minutes, or with `slm-survey daemon stop`; "
                    f"its log: {log_path}"), 0
        time.sleep(0.05)
    return f"daemon: no answer after {wait:g} s; see {log_path}", 1


def _ask(root, message: dict):
    """The daemon's answer, None if none runs, or the text saying why it did not answer."""
    try:
        return daemon_link.ask(root, message, timeout=60)
    except daemon_link.LinkError as exc:
        return f"daemon: no answer ({exc})"


def stop(root) -> tuple:
    answer = _ask(root, {"stop": True})
    if isinstance(answer, str):
        return answer, 1
    return ("daemon: not running" if answer is None else "daemon: stopped"), 0


def status(root) -> tuple:
    answer = _ask(root, {"status": True})
    if isinstance(answer, str):
        return answer, 1
    if answer is None:
        return "daemon: not running", 3
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(answer["since"]))
    held = f"{answer['entries']} entries held" if answer.get("entries") is not None else "nothing built yet"
    rss = f", {answer['rss'] / 1e6:.0f} MB" if answer.get("rss") else ""
    return (f"daemon: running (pid {answer['pid']}) for {answer['root']} since {since}; "
            f"{answer['commands']} command(s), {held}{rss}"), 0


if __name__ == "__main__":
    sys.exit(serve_forever(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else IDLE_MINUTES))
