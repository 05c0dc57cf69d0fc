"""Work split between the caller and one forked worker: both claim chunks from a shared counter.

Used to read and check entry files on both cores. The caller works too instead of waiting: with a
pool of a worker per core, the caller's own share (collecting every outcome, unpickling it, feeding
the pool) made three processes fight for two cores, and every entry was parsed in one process and
made again from marshal bytes in another (40 us, half of what parsing costs with the compiled
reader). The worker sends each chunk's outcomes as soon as they are done; the caller takes them
between its own chunks, so both end together.
"""
from __future__ import annotations

import marshal
import signal

from builder.processes import end_with_parent

PIPE_BYTES = 1 << 20  # room for a few chunks: the worker rarely waits for the caller to read
_END, _AFTER = -1, -2  # the worker's last messages: no more chunks; what after() returned


def claim_next(counter) -> int:
    """The next unclaimed index of a shared counter (multiprocessing.Value)."""
    with counter.get_lock():
        index = counter.value
        counter.value = index + 1
    return index


def share_work(chunks: list, do, take, pack=None, after=None):
    """Call take(outcome) in the caller for every outcome of do(chunk) (a list), over every chunk.

    do runs in a worker forked now and in the caller. The worker's outcomes travel as marshal, so
    pack(outcome), applied there first, turns each into plain data. Chunks are taken in no set order.
    If the worker dies, the caller does the chunks it did not send.

    after, when given, runs in the worker once no chunk is left, while the caller goes on with its own
    work; share_work then returns a function that waits for after()'s value (plain data; None if the
    worker died or after raised). The caller must call it: the worker is joined there.
    """
    import multiprocessing
    context = multiprocessing.get_context("fork")
    counter = context.Value("i", 0)
    receive, send = context.Pipe(duplex=False)
    _widen(send)
    worker = context.Process(target=_work, args=(chunks, counter, send, do, pack, end_with_parent(signal.SIGKILL), after),
                             daemon=True)
    worker.start()
    send.close()  # the worker holds the only writing end now: its exit is the end of the stream
    done = set()
    finished = ended = False
    try:
        while (index := claim_next(counter)) < len(chunks):
            for outcome in do(chunks[index]):
                take(outcome)
            done.add(index)
            ended = ended or _take_sent(receive, take, done, wait=False)
        if not ended:
            _take_sent(receive, take, done, wait=True)
        for index in range(len(chunks)):
            if index not in done:  # claimed by a worker that died before sending it
                for outcome in do(chunks[index]):
                    take(outcome)
        finished = True
    finally:
        if not finished and worker.is_alive():  # an interrupt or an error here: the worker's work is not wanted
            worker.terminate()
        if not finished or after is None:
            worker.join()
            receive.close()
    if after is not None:
        return lambda: _after_value(worker, receive)
    return None


def _after_value(worker, receive):
    try:
        while True:  # only the after() message is left on the pipe
            index, value = marshal.loads(receive.recv_bytes())
            if index == _AFTER:
                return value
    except (EOFError, OSError):  # the worker is gone without an answer
        return None
    finally:
        worker.join()
        receive.close()


def _take_sent(receive, take, done: set, wait: bool) -> bool:
    """Take every chunk the worker has sent; with wait, until it has sent its last. True once it has."""
    try:
        while wait or receive.poll():
            index, outcomes = marshal.loads(receive.recv_bytes())
            if index == _END:
                return True
            for outcome in outcomes:
                take(outcome)
            done.add(index)
    except EOFError:  # the worker is gone: nothing more will come
        return True
    return False


def _work(chunks, counter, send, do, pack, arm=None, after=None) -> None:
    if arm is not None:  # a killed caller takes the worker with it: its reading is wanted by nobody
        arm()
    try:
        while (index := claim_next(counter)) < len(chunks):
            outcomes = do(chunks[index])
            send.send_bytes(marshal.dumps((index, [pack(o) for o in outcomes] if pack else outcomes)))
        send.send_bytes(marshal.dumps((_END, None)))
        if after is not None:
            send.send_bytes(marshal.dumps((_AFTER, after())))
    except KeyboardInterrupt:  # the caller got it too and says so; the worker leaves quietly
        pass
    except Exception:  # noqa: BLE001 - the caller does the chunk this failed on, and says what went wrong there
        pass
    finally:
        send.close()


def _widen(connection) -> None:
    """A larger pipe buffer where the system allows it (Linux), so a sent chunk seldom waits."""
    try:
        import fcntl
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass
