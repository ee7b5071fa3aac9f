"""Worker processes that never outlive vnflag, even after ``kill -9``, and get their data once.

Each worker asks the kernel (Linux ``PR_SET_PDEATHSIG``) to be killed when its parent dies, so
an interrupted run leaves no process holding hundreds of megabytes behind. Workers start once
per run and are reused between chunks; what every task needs (a model's vectorisers) is sent
once per worker, through the initializer, not with every task.
"""

from __future__ import annotations

import atexit
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections import deque
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence

__all__ = ["parallel_map", "parallel_imap", "shutdown_workers", "worker_count"]

_PR_SET_PDEATHSIG = 1
_pool: ProcessPoolExecutor | None = None
_pool_key: Hashable = None


def _die_with_parent(initializer: Callable | None, initargs: Sequence[Any]) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the pool still works, without the guarantee
            pass
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def worker_count(n_jobs: int) -> int:
    """Processes ``n_jobs`` asks for: ``-1`` is one per core, ``-2`` all but one, and so on.

    >>> worker_count(1)
    1
    """
    cores = os.cpu_count() or 1
    return max(1, n_jobs if n_jobs > 0 else cores + 1 + n_jobs)


def _executor(n_workers: int, initializer: Callable | None, initargs: Sequence[Any], key: Hashable):
    global _pool, _pool_key
    wanted = (n_workers, key)
    if _pool is not None and _pool_key == wanted:
        return _pool
    shutdown_workers()
    # Spawned, not forked from a server: a worker's parent is this process, so its death signal
    # fires when this process dies (a fork server would outlive it and keep its workers).
    context = multiprocessing.get_context("spawn")
    _pool = ProcessPoolExecutor(n_workers, mp_context=context, initializer=_die_with_parent,
                                initargs=(initializer, tuple(initargs)))
    _pool_key = wanted
    return _pool


def parallel_map(function: Callable, items: Iterable[Any], n_workers: int, *, initializer: Callable | None = None,
                 initargs: Sequence[Any] = (), key: Hashable = None) -> list:
    """``[function(item) for item in items]`` in ``n_workers`` processes, results in order.

    The pool is kept for the next call with the same ``n_workers`` and ``key`` (say, the same
    model), whose ``initializer(*initargs)`` ran once in each worker.

    >>> parallel_map(abs, [-1, -2], n_workers=2)   # doctest: +SKIP
    [1, 2]
    """
    pool = _executor(n_workers, initializer, initargs, key)
    try:
        return list(pool.map(function, items))
    except BrokenProcessPool:
        shutdown_workers()
        raise


def parallel_imap(function: Callable, items: Iterable[Any], n_workers: int, *, initializer: Callable | None = None,
                  initargs: Sequence[Any] = (), key: Hashable = None, ahead: int = 2,
                  local: Callable | None = None) -> Iterator[Any]:
    """``function(item)`` for each item, in order, lazily: at most ``ahead`` tasks per worker are
    in flight, so a long input is read while earlier items are being worked on, and memory stays
    bounded whatever its length. The pool is kept as by :func:`parallel_map`.

    With ``local``, this process works too: one item in ``n_workers + 1`` is ``local(item)``,
    run here when its turn comes while the workers go on with theirs (so ``n_workers`` workers
    and this process keep ``n_workers + 1`` cores busy).

    >>> list(parallel_imap(abs, iter([-1, -2]), n_workers=2))   # doctest: +SKIP
    [1, 2]
    """
    pool = _executor(n_workers, initializer, initargs, key)
    pending: deque = deque()  # futures of the workers' items, and (item,) for this process's own
    items = iter(items)

    def result(entry):
        return local(entry[0]) if isinstance(entry, tuple) else entry.result()

    try:
        for number, item in enumerate(items):
            if local is not None and number % (n_workers + 1) == n_workers:
                pending.append((item,))
            else:
                pending.append(pool.submit(function, item))
            if len(pending) >= ahead * (n_workers + (local is not None)):
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    except BrokenProcessPool:
        shutdown_workers()
        raise
    finally:
        for entry in pending:  # stopped early (an error, a closed generator): drop the rest
            if not isinstance(entry, tuple):
                entry.cancel()


def shutdown_workers() -> None:
    """Stop the worker processes (at exit, or before a pool for another model starts)."""
    global _pool, _pool_key
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_key = None, None


atexit.register(shutdown_workers)
