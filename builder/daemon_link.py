"""How a new `slm-survey` process reaches a running build daemon (builder/daemon.py): the socket and the messages.

Imported by every command before anything heavy, so it costs little: with no daemon running, looking for
one is a failed connect() (well under a millisecond). The socket lives in a folder only its user may enter
($XDG_RUNTIME_DIR/slm-survey, else the temp folder's slm-survey-UID), named after the survey's resolved
root: one daemon per survey. A folder someone else owns, or that others may enter, is never used.
"""
from __future__ import annotations

import hashlib
import os
import socket
import struct
import sys

MAX_REQUEST = 1 << 20  # a request is a command line; a larger one is not from our client
_HEADER = struct.Struct(">I")


class LinkError(Exception):
    """The daemon could not be reached or answered nonsense: the command runs in this process instead."""


def runtime_folder() -> str:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        return os.path.join(base, "slm-survey")
    import tempfile
    return os.path.join(tempfile.gettempdir(), f"slm-survey-{os.getuid()}")


def private_folder(create: bool = False) -> str | None:
    """The socket folder, if it is this user's alone (made so when create); None otherwise."""
    folder = runtime_folder()
    if create:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            return None
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    import stat
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return folder


def socket_path(root, create: bool = False) -> str | None:
    folder = private_folder(create)
    if folder is None:
        return None
    key = hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:24]
    return os.path.join(folder, f"{key}.sock")


def send(sock: socket.socket, message: dict) -> None:
    import json
    data = json.dumps(message).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket, limit: int | None = None) -> dict:
    """One message; LinkError if the peer hung up, sent more than limit bytes or no JSON object."""
    import json
    size = _HEADER.unpack(_read(sock, _HEADER.size))[0]
    if limit is not None and size > limit:
        raise LinkError(f"message of {size} bytes refused")
    try:
        message = json.loads(_read(sock, size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LinkError("unreadable message") from exc
    if not isinstance(message, dict):
        raise LinkError("unreadable message")
    return message


def _read(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise LinkError("the daemon hung up")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def ask(root, message: dict, timeout: float | None = None) -> dict | None:
    """Send one message to the daemon of the survey at root and return its answer; None if none is running."""
    path = socket_path(root)
    if path is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        except OSError as exc:  # a path too long, a folder gone: there is no daemon to use
            raise LinkError(str(exc)) from exc
        try:
            send(sock, message)
            return receive(sock)
        except (OSError, struct.error) as exc:
            raise LinkError(str(exc)) from exc
    finally:
        sock.close()


def forwardable(args) -> bool:
    """Commands a daemon runs as this process would: build (not --force, which rewrites every file here)
    and validate; not with --no-daemon."""
    if getattr(args, "no_daemon", False):
        return False
    if args.command == "build":
        return not args.force
    return args.command == "validate"


def forward(args, argv: list) -> int | None:
    """Run the command in the survey's daemon and print what it printed: its exit code, or None when no
    daemon is running (or it cannot take this command) and this process must do the work.
    SLM_SURVEY_NO_DAEMON in the environment does as --no-daemon."""
    if os.environ.get("SLM_SURVEY_NO_DAEMON") or not forwardable(args):
        return None
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was deleted: this process says what that means
        return None
    request = {"argv": argv, "cwd": cwd, "python": sys.executable,
               "tty": sys.stdout.isatty(), "no_color": "NO_COLOR" in os.environ}
    try:
        answer = ask(args.root, request)
    except LinkError as exc:
        print(f"slm-survey: the build daemon did not answer ({exc}); working here instead", file=sys.stderr)
        return None
    if answer is None:
        return None
    if answer.get("stopped"):
        print(f"slm-survey: the build daemon stopped: {answer['stopped']}; working here instead "
              "(`slm-survey daemon start` starts a new one)", file=sys.stderr)
        return None
    if answer.get("error"):
        print(f"slm-survey: the build daemon failed ({answer['error']}; its log says more); working here instead",
              file=sys.stderr)
        return None
    if "code" not in answer:
        return None  # a command it leaves to this process
    sys.stdout.write(answer.get("stdout", ""))
    sys.stderr.write(answer.get("stderr", ""))
    return int(answer["code"])
