"""`slm-survey serve`: MkDocs' live-reloading server, plus regeneration of the pages when an entry changes.

MkDocs watches docs/ and reloads the browser; this loop watches entries/ and
schema/ (by polling file stamps, no extra dependency) and rebuilds the generated
pages, which MkDocs then picks up. The build is a Session: it keeps the corpus
and every rendered piece in memory, so one edit rewrites only what it touches.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time


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


def regenerate(session, out=sys.stdout) -> bool:
    """One incremental build of the session; problems are printed, the pages stay as they were."""
    from builder.configs import ConfigError
    from builder.reporters import report_text
    start = time.perf_counter()
    try:
        result = session.rebuild()
    except ConfigError as exc:  # a settings file saved half-edited: say where, and wait for the next save
        out.write(f"{exc}\nserve: pages not updated until the settings above are fixed\n")
        out.flush()
        return False
    if not result.ok:
        out.write(report_text(result.check.problems, len(result.check.corpus)))
        out.write("serve: pages not updated until the errors above are fixed\n")
        return False
    out.write(f"serve: {len(result.report.written)} file(s) updated in {time.perf_counter() - start:.2f} s\n")
    out.flush()
    return True


def serve(project, address: str = "127.0.0.1:8000", interval: float = 0.5) -> int:
    from builder.session import Session
    from builder.site_pages import site_pages
    session = Session(project, site_pages=site_pages)
    regenerate(session)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", address, "-f", str(project.root / "mkdocs.yml")],
                              cwd=project.root, env=env)
    seen = stamps(project)
    quiet = 0  # polls since the last change
    try:
        while server.poll() is None:
            time.sleep(interval)
            now = stamps(project)
            if now != seen:
                seen, quiet = now, 0
                regenerate(session)
            else:
                quiet += 1
                if quiet == 4:  # nothing changed for a while: tidy up now rather than during the next edit
                    session.idle()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0
