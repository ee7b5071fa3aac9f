"""Engines of :func:`~vnflag.pipelines.scoring.score_file`: the one module where vnflag starts processes.

An engine does one thing: it scores pieces of a table (``(frame, text_col, top_k)``) with a
model and yields, **in the order of the pieces**, each piece's score columns and drift counts
(:func:`score_piece`). Reading, checks, totals, drift figures, output and resumption are the
pipeline's, so they are the same on every engine.

- :class:`LocalEngine`: this process and worker processes on this machine. Workers are spawned
  (not forked), ask the kernel to kill them when their parent dies (Linux
  ``PR_SET_PDEATHSIG``, so ``kill -9`` of vnflag leaves no worker behind), receive the model once
  (through the pool's initializer), and the pool is kept for the next call with the same model.
  The number of cores is loky's (through :func:`joblib.cpu_count`), which respects container CPU
  quotas and affinity, unlike :func:`os.cpu_count`. BLAS and OpenMP thread pools (the boosted
  stage's, NumPy's) follow the number of processes (:func:`threads_per_process`, set with
  threadpoolctl in every worker and in this process while the engine runs), so processes × threads
  stays within the cores instead of each process starting one thread per core.
- :class:`DaskEngine`: a Dask cluster (a scheduler you started, or a local cluster for the
  duration of the call). The model is scattered to every worker once; at most a few pieces per
  worker thread are in flight, so memory stays bounded whatever the input's length.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import pandas as pd

from ..exceptions import VnflagError
from ..model.drift import DriftMonitor
from ..model.flagger import Flagger
from ..scoring.score import score_columns

__all__ = ["LocalEngine", "DaskEngine", "score_piece", "cpu_count", "worker_count", "threads_per_process",
           "limit_threads", "shutdown_workers",
           "dask_modules", "DASK_EXTRA_MESSAGE"]

#: A piece of work: rows of a chunk, the text column, reasons per post.
Piece = tuple[pd.DataFrame, str, int]
#: What scoring a piece gives: the score columns (:data:`~vnflag.scoring.score.SCORE_COLUMNS`) and drift counts.
Scored = tuple[dict[str, Any], dict[str, Any]]

#: The error when dask or distributed is missing.
DASK_EXTRA_MESSAGE = '--engine dask needs the extra: pip install "vnflag[dask]"'
#: Packages that must have the same version on every Dask worker as on the caller (the model is
#: pickled between them, and vnflag refuses models from other scikit-learn/underthesea versions).
SAME_VERSIONS = ("vnflag", "scikit-learn", "underthesea")
#: Pieces in flight per worker (or worker thread): enough to keep each busy, few enough to bound memory.
AHEAD = 2


def score_piece(flagger: Flagger, monitor: DriftMonitor, piece: Piece) -> Scored:
    """Score one piece: its score columns and its drift counts (``monitor`` is left as it is)."""
    frame, text_col, top_k = piece
    columns, segmented = score_columns(flagger, frame, text_col, top_k)
    return columns, monitor.counted(segmented, columns["score"])


def cpu_count() -> int:
    """Cores this process may use: loky's count, which respects CPU quotas (cgroups) and affinity.

    >>> cpu_count() >= 1
    True
    """
    import joblib

    return max(1, int(joblib.cpu_count()))


def worker_count(n_jobs: int) -> int:
    """Processes ``n_jobs`` asks for: ``-1`` is one per core, ``-2`` all but one, and so on.

    >>> worker_count(3)
    3
    """
    return max(1, n_jobs if n_jobs > 0 else cpu_count() + 1 + n_jobs)


def threads_per_process(processes: int) -> int:
    """BLAS/OpenMP threads each of ``processes`` processes may use: processes × threads ≤ cores.

    >>> threads_per_process(cpu_count()), threads_per_process(1) == cpu_count()
    (1, True)
    """
    return max(1, cpu_count() // max(1, processes))


def limit_threads(threads: int) -> Any:
    """Limit the BLAS and OpenMP pools of the libraries loaded in this process to ``threads`` until
    the returned limiter's ``restore_original_limits()`` (or the end of a ``with`` block on it)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


# -- Local: this process and worker processes ------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_pool: ProcessPoolExecutor | None = None
_pool_key: tuple | None = None
_pool_model: Callable[[], Any] | None = None  # a weak reference to the model an unsaved model's pool has
_worker_model: tuple[Flagger, DriftMonitor] | None = None


def _start_worker(model: bytes, threads: int) -> None:
    """Worker initializer: die with the parent, then take the model (pickled by this same program)
    and a drift counter, once per worker, and limit its BLAS/OpenMP threads to ``threads`` (after
    the model's libraries are loaded: threadpoolctl limits the pools it finds). Sent as bytes, the
    worker reads it at once; sent as an object, unpickling it would import the libraries while
    reading, and keep the parent waiting on the pipe for every worker."""
    global _worker_model
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the pool still works, without the guarantee
            pass
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
    flagger = pickle.loads(model)
    _worker_model = (flagger, DriftMonitor(flagger))
    limit_threads(threads)


def _score_in_worker(piece: Piece) -> Scored:
    assert _worker_model is not None, "the worker's initializer has not run"
    flagger, monitor = _worker_model
    return score_piece(flagger, monitor, piece)


def _model_key(flagger: Flagger) -> tuple:
    """What identifies a model for reusing a pool: a saved model's version (unique, and its file's
    checksum is checked on load) with its threshold; an unsaved model is itself (see :func:`_pool_for`)."""
    version = getattr(flagger, "model_version_", None)
    return ("saved", version, float(flagger.threshold_)) if version else ("unsaved", id(flagger))


def _pool_for(n_workers: int, flagger: Flagger) -> ProcessPoolExecutor:
    """The worker pool for ``flagger``: the one kept from an earlier call with the same model and
    number of workers, or a new one (the old one stopped first)."""
    global _pool, _pool_key, _pool_model
    threads = threads_per_process(n_workers + 1)  # the workers and this process
    key = (n_workers, threads, _model_key(flagger))
    same_object = key[2][0] == "saved" or (_pool_model is not None and _pool_model() is flagger)
    if _pool is not None and _pool_key == key and same_object:
        return _pool
    shutdown_workers()
    # Spawned, not forked from a server: a worker's parent is this process, so its death signal
    # fires when this process dies (a fork server would outlive it and keep its workers).
    _pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_start_worker,
                                initargs=(pickle.dumps(flagger, protocol=pickle.HIGHEST_PROTOCOL),
                                          threads))
    _pool_key = key
    try:
        _pool_model = weakref.ref(flagger)
    except TypeError:  # not weakly referable: never reused for an unsaved model
        _pool_model = None
    return _pool


def shutdown_workers() -> None:
    """Stop the worker processes (at exit, or before a pool for another model starts)."""
    global _pool, _pool_key, _pool_model
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_key, _pool_model = None, None, None


atexit.register(shutdown_workers)


class LocalEngine:
    """Score pieces in this process and ``n_workers - 1`` worker processes.

    With several, this process is one of them: it scores every ``n_workers``-th piece itself
    while the workers go on with theirs, so ``n_workers`` cores are busy.

    >>> with LocalEngine(1) as engine:                                   # doctest: +SKIP
    ...     columns, counts = next(engine.map(flagger, [(frame, "text", 3)]))
    """

    name = "local"

    def __init__(self, n_workers: int = 1):
        self.n_workers = max(1, int(n_workers))
        self._limits: Any = None

    def __enter__(self) -> LocalEngine:
        """Limit this process's BLAS/OpenMP threads to its share of the cores while the engine runs."""
        self._limits = limit_threads(threads_per_process(self.n_workers))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        limits, self._limits = self._limits, None
        if limits is not None:
            limits.restore_original_limits()
        return None  # the pool is kept for the next call with the same model

    def map(self, flagger: Flagger, pieces: Iterable[Piece]) -> Iterator[Scored]:
        """Each piece's score columns and drift counts, in order, lazily (at most :data:`AHEAD`
        pieces per process in flight, so a long input is read while earlier pieces are scored)."""
        monitor = DriftMonitor(flagger)
        if self.n_workers <= 1:
            for piece in pieces:
                yield score_piece(flagger, monitor, piece)
            return
        workers = self.n_workers - 1
        pool = _pool_for(workers, flagger)
        pending: deque = deque()  # futures of the workers' pieces, and (piece,) for this process's own
        try:
            for number, piece in enumerate(pieces):
                pending.append((piece,) if number % self.n_workers == workers else pool.submit(_score_in_worker, piece))
                if len(pending) >= AHEAD * self.n_workers:
                    yield self._result(flagger, monitor, pending.popleft())
            while pending:
                yield self._result(flagger, monitor, pending.popleft())
        except BrokenProcessPool:
            shutdown_workers()
            raise
        finally:
            for entry in pending:  # stopped early (an error, a closed generator): drop the rest
                if not isinstance(entry, tuple):
                    entry.cancel()

    @staticmethod
    def _result(flagger: Flagger, monitor: DriftMonitor, entry) -> Scored:
        return score_piece(flagger, monitor, entry[0]) if isinstance(entry, tuple) else entry.result()


# -- Dask: a cluster ---------------------------------------------------------------------------------

def dask_modules():
    """``(dask, dask.dataframe, distributed)``, or the one-line error naming the extra."""
    try:
        import dask
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise VnflagError(DASK_EXTRA_MESSAGE) from exc
    return dask, dd, distributed


def _score_on_dask_worker(frame: pd.DataFrame, flagger: Flagger, text_col: str, top_k: int) -> Scored:
    """One piece scored on a Dask worker (``flagger`` arrives as the scattered model)."""
    return score_piece(flagger, DriftMonitor(flagger), (frame, text_col, top_k))


def _check_workers(client) -> None:
    """Every worker must have vnflag and the same versions of the packages a model depends on."""
    packages = SAME_VERSIONS

    def probe():  # nested, so it is sent by value: it runs even where vnflag is not installed
        from importlib import metadata

        found = {}
        for name in packages:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = None
        return found

    here = probe()
    for worker, theirs in sorted(client.run(probe).items()):
        for name in SAME_VERSIONS:
            if theirs.get(name) != here[name]:
                has = "is not installed" if theirs.get(name) is None else f"has {theirs[name]}"
                raise VnflagError(f"--scheduler: worker {worker} {has} {name}; every worker needs {name} "
                                  f"{here[name]}, as on this machine (pip install \"vnflag[dask]\" with the same "
                                  "versions)")


@contextmanager
def _connected(distributed, scheduler: str) -> Iterator[Any]:
    try:
        client = distributed.Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise VnflagError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler there ({exc}); "
                          "start one with `dask scheduler` and give its tcp://HOST:PORT") from exc
    try:
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError as exc:
            raise VnflagError(f"--scheduler {scheduler}: no worker has connected within 60 s; start workers "
                              f"with `dask worker {scheduler}`") from exc
        _check_workers(client)
        yield client
    finally:
        client.close()


@contextmanager
def _local_cluster(distributed, n_workers: int) -> Iterator[Any]:
    log = logging.getLogger("distributed")
    level = log.level
    log.setLevel(logging.ERROR)  # a cluster living for one command: its start and stop are no news
    try:
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    finally:
        log.setLevel(level)


class DaskEngine:
    """Score pieces on a Dask cluster: ``client``'s, the scheduler at ``scheduler`` (its workers must
    have the same vnflag, scikit-learn and underthesea), or a local cluster of ``n_workers``
    processes started on entering and closed on leaving.

    >>> with DaskEngine(scheduler="tcp://10.0.0.5:8786") as engine:      # doctest: +SKIP
    ...     results = list(engine.map(flagger, pieces))
    """

    name = "dask"

    def __init__(self, *, scheduler: str | None = None, client=None, n_workers: int = 1):
        if scheduler is not None and client is not None:
            raise VnflagError("give a scheduler address or a client, not both")
        _, _, self._distributed = dask_modules()
        self.scheduler, self.client, self.n_workers = scheduler, client, n_workers
        self._session: Any = None

    def __enter__(self) -> DaskEngine:
        if self.client is None:
            if self.scheduler is not None:
                self._session = _connected(self._distributed, self.scheduler)
            else:
                self._session = _local_cluster(self._distributed, self.n_workers)
            self.client = self._session.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._session is not None:
            session, self._session, self.client = self._session, None, None
            session.__exit__(*exc_info)

    def map(self, flagger: Flagger, pieces: Iterable[Piece]) -> Iterator[Scored]:
        """Each piece's score columns and drift counts, in order; the model goes to each worker once
        and at most :data:`AHEAD` pieces per worker thread are in flight."""
        client = self.client
        shared = client.scatter(flagger, broadcast=True, hash=False)  # once per worker, never per task
        window = max(2, AHEAD * sum(client.nthreads().values()))
        pending: deque = deque()
        try:
            for frame, text_col, top_k in pieces:
                rows = client.scatter(frame, hash=False)
                pending.append(client.submit(_score_on_dask_worker, rows, shared, text_col, top_k, pure=False))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            pending.clear()
            client.cancel([shared])
