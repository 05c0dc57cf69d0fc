"""The MkDocs server `slm-survey serve` runs: MkDocs' own `serve`, never strict, optionally dirty.

usage: python -m builder.preview_server MKDOCS_YML HOST:PORT [--dirty]

Strict mode is off here whatever mkdocs.yml says: a preview should show a warning (a link typed
half-way) and keep serving. `slm-survey build` and CI stay strict.

With --dirty, MkDocs rebuilds only the pages whose Markdown changed. The session rewrites only the
pages an edit changes, so on a 1,000-entry survey an edit shows 6 s after the save instead of 15-16 s
(benchmarks/preview.py). The price, until the preview restarts: tags on the rebuilt pages are plain
text rather than links, search may still list a heading an edit renamed, and a deleted entry's page
stays. A full rebuild shows the site exactly as `build` makes it.

SIGINT and SIGTERM stop it as Ctrl-C does, so MkDocs deletes its temporary site.
"""
from __future__ import annotations

import logging
import signal
import sys


class _DirtyNotice(logging.Filter):
    """Drops MkDocs' warning about dirty builds, repeated at every rebuild: `serve --dirty` says once what
    they mean here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config_file, address, dirty = args[0], args[1], "--dirty" in args[2:]
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: MkDocs then cleans up after itself
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    handler.addFilter(_DirtyNotice())
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException
    try:
        serve(config_file=config_file, dev_addr=address, build_type="dirty" if dirty else None, strict=False)
    except KeyboardInterrupt:
        return 0
    except MkDocsException as exc:  # a broken mkdocs.yml, a page that fails to build
        log.error(str(exc))
        return 1
    except OSError as exc:  # the address is taken or not ours
        log.error(f"cannot serve on {address}: {exc.strerror or exc}")
        return 1
    return 0


if __name__ == "__main__":
    # Ended without waiting for MkDocs' threads: its server thread is not a daemon thread, and now and then
    # (1 run in 5-8 of tests/test_serve.py's kill test) it was still polling after MkDocs had shut down and
    # deleted its temporary site, and the interpreter's exit waited for it forever, holding the port.
    from builder.processes import exit_now
    exit_now(main())
