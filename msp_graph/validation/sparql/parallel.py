"""The compiled checks on two cores: a forked child takes checks from the same queue as this process.

pyoxigraph holds the GIL while it evaluates a query, so threads do not help; a forked child does. It
shares the in-memory store's pages with this process (copy-on-write: nothing is copied or loaded again),
takes check numbers from a pipe that both processes read four bytes at a time (a pipe read of at most
``PIPE_BUF`` bytes is atomic, so each number goes to one process), and sends its results back pickled:
terms and rows only, the parent puts them back on its own ``Check`` objects. Nothing else crosses.

Used only where it is safe and pays: an in-memory store (a store on disk has RocksDB's threads), a
process with a single thread (forking a threaded process can deadlock the child), ``os.fork`` available,
two CPUs or more for this process, and at least ``SPLIT_FROM`` quads. ``MSP_GRAPH_PROCESSES=1`` (the limit
``processes``) turns it off. When the child fails in any way (killed, out of memory, an exception), the
parent runs the checks it had taken itself: the results are the same either way, only slower.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
from collections.abc import Callable, Sequence

from ...limits import limit
from .compile import Check
from .report_graph import RawResult

__all__ = ["SPLIT_FROM", "results_of", "worth_splitting"]

#: Quads from which the checks are shared with a forked child (below, forking costs more than it saves).
SPLIT_FROM = 200_000
_NUMBER = struct.Struct("<I")
# Check numbers written to the queue before anyone reads it: they must fit in a pipe's buffer (64 KiB on
# Linux, 4 KiB at least by POSIX), or the write would wait forever. More checks: one process.
_MOST_QUEUED = 1024


def worth_splitting(quads: int) -> bool:
    """Whether ``results_of`` should share the checks of a store of ``quads`` quads with a child."""
    if quads < SPLIT_FROM or not hasattr(os, "fork") or limit("processes") < 2:
        return False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cpus >= 2 and _threads() == 1


def _threads() -> int:
    """This process's threads (0 when the system does not tell)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def results_of(
    run: Callable[[Check], list[RawResult]], checks: Sequence[Check], *, split: bool
) -> list[list[RawResult]]:
    """Each check's results, in the order of ``checks``; with ``split``, shared with a forked child."""
    if not split or not 2 <= len(checks) <= _MOST_QUEUED:
        return [run(check) for check in checks]
    queue_in, queue_out = os.pipe()
    back_in, back_out = os.pipe()
    os.write(queue_out, b"".join(_NUMBER.pack(i) for i in range(len(checks))))
    os.close(queue_out)  # all numbers written: an empty read means the queue is done
    try:
        child = os.fork()
    except OSError:  # no process to be had (memory, a process limit): this one runs them all
        for fd in (queue_in, back_in, back_out):
            os.close(fd)
        return [run(check) for check in checks]
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        _child(run, checks, queue_in, back_out)
    os.close(back_out)
    found = _take(run, checks, queue_in)
    os.close(queue_in)
    theirs = _receive(back_in, child)
    for i, check in enumerate(checks):
        if i not in found:
            found[i] = _results(check, theirs[i]) if i in theirs else run(check)
    return [found[i] for i in range(len(checks))]


def _take(run: Callable[[Check], list[RawResult]], checks: Sequence[Check], queue: int) -> dict[int, list]:
    """Run checks taken from the queue until it is empty: their results by number."""
    done: dict[int, list] = {}
    while len(data := os.read(queue, _NUMBER.size)) == _NUMBER.size:
        (i,) = _NUMBER.unpack(data)
        done[i] = run(checks[i])
    return done


def _child(run, checks: Sequence[Check], queue: int, back: int) -> None:
    """The child's whole life: its checks, their results down the pipe, then an exit that runs no handler
    of the parent's (no atexit, no buffers flushed twice)."""
    status = 1
    try:
        done = _take(run, checks, queue)
        rows = {i: [(r.focus, r.value, r.path, r.bound) for r in results] for i, results in done.items()}
        with open(back, "wb", closefd=True) as out:
            pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


def _receive(back: int, child: int) -> dict[int, list]:
    """The child's rows by check number; nothing when it did not end well (the parent runs them)."""
    with open(back, "rb", closefd=True) as handle:
        data = handle.read()
    _, status = os.waitpid(child, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {}
    with contextlib.suppress(Exception):  # a truncated or unreadable answer: the parent runs them instead
        return pickle.loads(data)
    return {}


def _results(check: Check, rows: list) -> list[RawResult]:
    return [RawResult(check, focus, value, path=path, bound=bound) for focus, value, path, bound in rows]
