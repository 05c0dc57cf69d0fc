"""`slm-survey serve`: MkDocs' live-reloading server, plus regeneration of the pages when an entry changes.

MkDocs watches docs/ and reloads the browser; this loop watches entries/ and
schema/ and rebuilds the generated pages, which MkDocs then picks up. The file
system names the changed files (builder/watch.py), so an edit starts a rebuild
at once and the session looks only at those files; every ten quiet seconds, and
wherever notifications are not available, the stamps of all inputs are compared
instead. The build is a Session: it keeps the corpus
and every rendered piece in memory, so one edit rewrites only what it touches;
with --dirty, MkDocs (builder/preview_server.py) then rebuilds only those pages.

MkDocs runs in its own process group and is stopped with one SIGINT, as Ctrl-C
would: it then deletes its temporary copy of the site. SIGTERM and SIGHUP stop
serve the same way as Ctrl-C; on Linux, MkDocs is also told to stop if serve
dies without a word (SIGKILL).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from builder.processes import end_with_parent

SWEEP = 20  # quiet waits between two looks at every input's stamp, in case a notification was lost
LARGE = 500  # entries from which serve suggests --dirty: a full MkDocs rebuild then takes several seconds (16 s at 1,000)


def stamps(project) -> dict:
    found = {}
    for folder in (project.entries_dir, project.schema_path.parent, project.tables_path.parent):
        for dirpath, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found[path] = (st.st_mtime_ns, st.st_size)
    found[str(project.root / "survey.yaml")] = os.stat(project.root / "survey.yaml").st_mtime_ns \
        if (project.root / "survey.yaml").exists() else 0
    return found


def regenerate(session, out=sys.stdout, hint=None, quiet: bool = False) -> bool:
    """One incremental build of the session; problems are printed, the pages stay as they were.

    hint: the paths that may have changed (Session.rebuild). quiet (a look at every stamp, which also sees
    edits the file system reported and this session rebuilt already): say something only if files were
    written, or if the rebuild found a change the file system did not report and that change broke an entry."""
    from builder.configs import ConfigError
    from builder.reporters import report_text
    start = time.perf_counter()
    try:
        result = session.rebuild(hint)
    except ConfigError as exc:  # a settings file saved half-edited: say where, and wait for the next save
        out.write(f"{exc}\nserve: pages not updated until the settings above are fixed\n")
        out.flush()
        return False
    if quiet and not (result.report.written if result.ok else session.found_changes):
        return result.ok
    if not result.ok:
        out.write(report_text(result.check.problems, len(result.check.corpus)))
        out.write("serve: pages not updated until the errors above are fixed\n")
        return False
    out.write(f"serve: {len(result.report.written)} file(s) updated in {time.perf_counter() - start:.2f} s\n")
    out.flush()
    return True


def serve(project, address: str = "127.0.0.1:8000", interval: float = 0.5, dirty: bool = False) -> int:
    from builder.session import Session
    from builder.site_pages import site_pages
    session = Session(project, site_pages=site_pages)
    previous = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    server, code, watcher = None, 0, _notifications(project)  # before the first build: edits during it count
    try:
        regenerate(session)
        if dirty:
            print("serve: MkDocs rebuilds only the pages an edit changed; until serve restarts, tags on those pages "
                  "are not links, search may list a renamed heading, and a deleted entry's page stays", flush=True)
        elif len(session.corpus or ()) >= LARGE:
            print(f"serve: MkDocs rebuilds the whole site ({len(session.corpus)} entries) after each edit; "
                  "`slm-survey serve --dirty` rebuilds only those the edit changed", flush=True)
        server = subprocess.Popen([sys.executable, "-m", "builder.preview_server", str(project.root / "mkdocs.yml"), address,
                                   *(["--dirty"] if dirty else [])],
                                  cwd=project.root, start_new_session=True, preexec_fn=end_with_parent(signal.SIGINT))
        watch(project, session, server, interval, watcher)
        if server.returncode:  # MkDocs gave up by itself (a broken mkdocs.yml, an address in use): it said why
            print("serve: the MkDocs server stopped; see its message above", file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.stop()
        if server is not None:
            _stop(server)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _notifications(project):
    """A builder.watch.Watcher on the survey's inputs, or None where the file system cannot tell."""
    from builder import watch as notifications
    folders = sorted({str(p.resolve()) for p in (project.entries_dir, project.schema_path.parent,
                                                 project.tables_path.parent) if p.is_dir()})
    return notifications.start(folders, [str((project.root / "survey.yaml").resolve())])


def watch(project, session, server, interval: float, watcher=None) -> None:
    """Regenerate the pages whenever an input changes, until the MkDocs server ends."""
    seen = stamps(project)
    quiet = 0  # waits since the last change
    while server.poll() is None:
        changed = watcher.take(interval) if watcher is not None else False
        if changed is not False:
            quiet = 0
            regenerate(session, hint=changed)
            continue
        if watcher is None:
            time.sleep(interval)
        quiet += 1
        if quiet == 4:  # nothing changed for a while: tidy up now rather than during the next edit
            session.idle()
        if watcher is None or quiet % SWEEP == 0:  # without notifications, or in case one was lost
            now = stamps(project)
            if now != seen:
                seen, quiet = now, 0
                regenerate(session, quiet=watcher is not None)


def _stop(server, timeout: float = 10) -> None:
    """Stop MkDocs as Ctrl-C would (it deletes its temporary site), or kill it if it does not stop."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
