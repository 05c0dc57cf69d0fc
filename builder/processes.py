"""Child processes that end with their parent (Linux: PR_SET_PDEATHSIG), whatever ends the parent.

A page worker left running by a killed build would go on writing outputs without the build's lock;
serve's MkDocs server would go on holding its port. Elsewhere this does nothing.
"""
from __future__ import annotations


def end_with_parent(signal_number: int):
    """A function for the child to run first (a preexec_fn, a pool initializer) so that it gets
    signal_number when its parent dies; None where the system cannot do that. It is looked up here,
    in the parent: a forked child should not import."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None
    import os
    parent = os.getpid()

    def arm() -> None:
        prctl(1, signal_number, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died between the fork and the line above: no signal will come
            os.kill(os.getpid(), signal_number)
    return arm


def exit_now(code: int) -> None:
    """Flush stdout and stderr, then end the process at once: no freeing of the heap object by object, no
    waiting for threads that are not daemon threads."""
    import os
    import sys
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
