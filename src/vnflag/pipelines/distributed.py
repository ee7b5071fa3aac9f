"""Scoring on several machines with Dask: the same rows, order and scores as a local run.

Two entry points, both needing the optional extra ``pip install "vnflag[dask]"`` (dask and
distributed are imported only when they are called):

- :func:`score_dask` scores a dask DataFrame you built yourself (``dask.dataframe.read_parquet``,
  ...) and returns a lazy dask DataFrame with the score columns appended, partition by
  partition, each partition exactly what :func:`~vnflag.scoring.score.score_frame` gives for it.
- :func:`score_file_dask` scores a file, a glob or a directory of files into one output file (or
  a directory of Parquet parts) on a Dask cluster: a scheduler you started (``dask scheduler``)
  or, without one, a local cluster of worker processes for the duration of the call.

How the work is shared. The model is sent to the workers **once**: it is scattered to every
worker (``client.scatter(flagger, broadcast=True)``) and tasks refer to it by its key, so a
task carries only its rows. :func:`score_file_dask` reads the input on the calling machine
with vnflag's own readers (:func:`~vnflag.io.tables.iter_table`: the same strict
parsing, encodings and errors as the local engine, and posts with line breaks are never cut
in two), sends chunks of ``chunksize`` rows to the workers, keeps a bounded number of chunks in
flight and writes the scored chunks in input order as they come back. Reading and writing cost
far less than scoring (segmentation), so one caller keeps many workers busy, and the workers
need no access to the input or output paths.

Drift figures are counts that add up over chunks (:meth:`DriftMonitor.state`), so each task
returns its chunk's counts and the caller sums them: ``<output>.drift.json`` holds exactly the
figures a local run writes.
"""

from __future__ import annotations

import glob
import logging
import os
import sys
import uuid
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..io.files import atomic_directory, check_output_path, json_text, write_text_atomic
from ..io.tables import FORMATS, TableWriter, iter_table, table_format
from ..exceptions import VnflagError
from ..model.drift import DriftMonitor
from ..model.flagger import Flagger
from ..parallel import worker_count
from ..artifacts.registry import resolve_model
from ..scoring.score import scored_rows

__all__ = ["score_dask", "score_file_dask", "DASK_EXTRA_MESSAGE"]

#: The error when dask or distributed is missing.
DASK_EXTRA_MESSAGE = '--engine dask needs the extra: pip install "vnflag[dask]"'
#: Packages that must have the same version on every worker as on the caller (the model is
#: pickled between them, and vnflag refuses models from other scikit-learn/underthesea versions).
SAME_VERSIONS = ("vnflag", "scikit-learn", "underthesea")


def _dask_modules():
    """``(dask, dask.dataframe, distributed)``, or the one-line error naming the extra."""
    try:
        import dask
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise VnflagError(DASK_EXTRA_MESSAGE) from exc
    return dask, dd, distributed


def _score_partition(frame: pd.DataFrame, flagger: Flagger, text_col: str | None, top_k: int) -> pd.DataFrame:
    """One partition scored (runs on a worker; ``flagger`` arrives as the scattered model)."""
    return scored_rows(flagger, frame, text_col, top_k)[0]


def _score_chunk(frame: pd.DataFrame, flagger: Flagger, text_col: str | None, top_k: int,
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One chunk scored, with its drift counts (runs on a worker)."""
    scored, segmented = scored_rows(flagger, frame, text_col, top_k)
    return scored, DriftMonitor(flagger).counted(segmented, scored["score"].to_numpy(dtype=float))


def _meta(flagger: Flagger, empty: pd.DataFrame, text_col: str | None, top_k: int) -> pd.DataFrame:
    """The empty scored frame with the columns and dtypes every scored partition has (also the
    place where a missing column or a clash with a score column is reported, before any work)."""
    meta = scored_rows(flagger, empty.iloc[:0], text_col, top_k)[0]
    meta["reasons"] = meta["reasons"].astype(meta["error"].dtype)  # an empty list makes float64
    return meta


def score_dask(model: Flagger | str | os.PathLike, ddf, text_col: str | None = None, top_k: int = 3,
               *, client=None):
    """Score a dask DataFrame of posts; returns a lazy dask DataFrame with the score columns appended.

    Every partition comes out as :func:`~vnflag.scoring.score.score_frame` scores it: the same
    rows, in the same order, with the same scores. The model (a fitted :class:`Flagger`, a
    model directory or a registry) is scattered once to every worker of ``client`` (default:
    the current ``distributed`` client) and each task refers to it by key; without a
    distributed client it is one node of the task graph, shared by all partitions. Workers score
    with one process each.

    Parameters
    ----------
    model : Flagger, str or path
        The model, or the directory it was saved in.
    ddf : dask.dataframe.DataFrame
        The posts; must have the text column and the model's engagement columns.
    text_col : str, optional
        Column with the post text (default: the model's).
    top_k : int, default 3
        Reasons per post.
    client : distributed.Client, optional
        The cluster to scatter the model to (default: the current client, if any).

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf``'s columns plus ``score, flagged, reasons, model_version, error, truncated``.

    Examples
    --------
    >>> import dask.dataframe as dd                                         # doctest: +SKIP
    >>> from distributed import Client
    >>> client = Client("tcp://scheduler:8786")
    >>> scored = score_dask("out/model", dd.read_parquet("posts/"))
    >>> scored.to_parquet("scored/")
    """
    dask, _, distributed = _dask_modules()
    flagger = resolve_model(model)
    meta = _meta(flagger, ddf._meta, text_col, top_k)
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:  # no distributed client: a local scheduler
            client = None
    if client is not None:
        shared = client.scatter(flagger, broadcast=True, hash=False)
    else:
        shared = dask.delayed(flagger, name=f"vnflag-model-{uuid.uuid4().hex}")
    return ddf.map_partitions(_score_partition, shared, text_col, top_k, meta=meta)


# -- Files ----------------------------------------------------------------------------------------

def _input_files(path: str | os.PathLike) -> list[Path]:
    """The input's table files, in the order they are read: a file, the sorted matches of a glob,
    or the sorted table files of a directory (hidden files left out)."""
    text = str(path)
    if text == "-":
        raise VnflagError("input: --engine dask reads files, not standard input; give a file, a glob or a directory")
    if Path(text).is_dir():
        files = sorted(p for p in Path(text).iterdir()
                       if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FORMATS)
        if not files:
            raise VnflagError(f"{path}: the directory holds no table files ({', '.join(sorted(FORMATS))})")
        return files
    if any(c in text for c in "*?["):
        files = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
        if not files:
            raise VnflagError(f"{path}: no file matches")
        return files
    return [Path(text)]


def _chunks(files: list[Path], chunksize: int, encoding: str) -> Iterator[tuple[Path, pd.DataFrame]]:
    """Every file's chunks in order; every file must have the first file's columns."""
    columns = None
    for file in files:
        for chunk in iter_table(file, chunksize=chunksize, encoding=encoding):
            if columns is None:
                columns = list(chunk.columns)
            elif list(chunk.columns) != columns:
                raise VnflagError(f"{file}: its columns ({', '.join(map(str, chunk.columns))}) differ from those of "
                                  f"{files[0]} ({', '.join(map(str, columns))}); every input file needs the same "
                                  "columns in the same order")
            yield file, chunk


def _is_directory_output(output: str | os.PathLike) -> bool:
    text = str(output)
    return text.endswith(("/", os.sep)) or Path(text).is_dir()


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
def _cluster(distributed, scheduler: str | None, n_workers: int | None) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a local cluster that lives for the block."""
    if scheduler is not None:
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
            yield client
        finally:
            client.close()
        return
    n = worker_count(-1) if n_workers is None else worker_count(n_workers)
    log = logging.getLogger("distributed")
    level = log.level
    log.setLevel(logging.ERROR)  # a cluster living for one command: its start and stop are no news
    try:
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,  # HTTP on a free local port
                                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    finally:
        log.setLevel(level)


def score_file_dask(
    model: Flagger | str | os.PathLike,
    path: str | os.PathLike,
    output: str | os.PathLike,
    *,
    scheduler: str | None = None,
    text_col: str | None = None,
    top_k: int = 3,
    n_workers: int | None = None,
    chunksize: int = 20_000,
    encoding: str = "utf-8",
    client=None,
) -> dict[str, Any]:
    """Score a file, a glob or a directory of files on a Dask cluster; the output appears atomically.

    The output has the same rows, in the same order, with the same scores as
    :func:`~vnflag.scoring.score.score_file` writes for the input (several input files count as
    their concatenation in sorted name order; they must have the same columns).

    Parameters
    ----------
    model : Flagger, str or path
        The model, its directory, or a registry (its promoted version).
    path : str or path
        A table file (CSV, TSV, JSONL, JSON, Parquet, XLSX), a glob (``"posts/*.csv"``) or a
        directory of table files. It is read on this machine.
    output : str or path
        One table file (format by extension; ``-`` for CSV on stdout), or a directory (a path
        ending in ``/``, or an existing empty directory) that receives Parquet parts
        ``part.00000.parquet``, ``part.00001.parquet``, ... in input order.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:8786``). Without it, a local cluster
        of ``n_workers`` processes (default: one per core) is started and closed after.
    text_col : str, optional
        Column with the post text (default: the model's).
    top_k : int, default 3
        Reasons per post.
    n_workers : int, optional
        Worker processes of the local cluster (``-1``: one per core); ignored with ``scheduler``.
    chunksize : int, default 20000
        Rows per task.
    encoding : str, default "utf-8"
        Text encoding of CSV, TSV and JSONL input.
    client : distributed.Client, optional
        Use this client instead of connecting (``scheduler`` must then be ``None``).

    Returns
    -------
    dict
        ``rows, flagged, not_scored, truncated, model_version, drift, warnings``, as
        :func:`~vnflag.scoring.score.score_file`; the drift figures are also written to
        ``<output>.drift.json`` (stderr for ``-``).

    Examples
    --------
    >>> score_file_dask("out/model", "posts.csv", "scored.parquet",            # doctest: +SKIP
    ...                 scheduler="tcp://10.0.0.5:8786")
    {'rows': 1000, 'flagged': 87, 'not_scored': 2, 'truncated': 0, 'model_version': '...', ...}
    """
    _, _, distributed = _dask_modules()
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise VnflagError(f"chunksize must be a whole number of 1 or more, got {chunksize!r}")
    files = _input_files(path)
    as_directory = _is_directory_output(output)
    stdout = str(output) == "-"
    target = Path(str(output).rstrip("/" + os.sep) or str(output)) if as_directory else Path(str(output))
    if as_directory:
        if target.exists() and any(target.iterdir()):
            raise VnflagError(f"{output}: the output directory is not empty; give a new or empty directory")
        check_output_path(target / "part.00000.parquet", inputs=files)
    else:
        table_format(output)  # a clear error for an unknown extension, before any work
        check_output_path(output, inputs=files)
    drift_path = None if stdout else f"{target}.drift.json"
    if drift_path is not None:
        check_output_path(drift_path, inputs=files, what="drift figures")
    flagger = resolve_model(model)
    version = getattr(flagger, "model_version_", "unsaved")
    summary: dict[str, Any] = {"rows": 0, "flagged": 0, "not_scored": 0, "truncated": 0, "model_version": version}
    drift = DriftMonitor(flagger)
    if client is not None:
        if scheduler is not None:
            raise VnflagError("give a scheduler address or a client, not both")
        cluster = _given(client)
    else:
        cluster = _cluster(distributed, scheduler, n_workers)
    with cluster as client:
        if scheduler is not None:
            _check_workers(client)
        with _writer(output, target, as_directory) as write:
            _run(client, flagger, _chunks(files, chunksize, encoding), text_col, top_k, write, summary, drift)
    summary["drift"] = drift.result()
    summary["warnings"] = summary["drift"]["warnings"]
    if drift_path is None:
        print(json_text(summary["drift"]), file=sys.stderr, end="")
    else:
        write_text_atomic(json_text(summary["drift"]), drift_path)
    return summary


@contextmanager
def _given(client) -> Iterator[Any]:
    yield client


def _run(client, flagger: Flagger, chunks, text_col, top_k, write, summary, drift: DriftMonitor) -> None:
    """Score the chunks on the cluster, at most a few per worker thread in flight, and hand the
    scored chunks to ``write`` in input order."""
    shared = client.scatter(flagger, broadcast=True, hash=False)  # once per worker, never per task
    window = max(2, 2 * sum(client.nthreads().values()))
    pending: deque = deque()
    empty = None
    checked: set[Path] = set()

    def collect() -> None:
        nonlocal empty
        scored, state = pending.popleft().result()
        if not len(scored):  # an empty chunk's types are not the data's (an empty list is float64)
            empty = scored if empty is None else empty
            return
        summary["rows"] += len(scored)
        summary["flagged"] += int(scored["flagged"].sum())
        summary["not_scored"] += int((scored["error"] != "").sum())
        summary["truncated"] += int(scored["truncated"].sum())
        drift.add(state)
        write(scored)

    try:
        for file, chunk in chunks:
            if file not in checked:  # a missing column or a clash: one clear error before the work
                _meta(flagger, chunk, text_col, top_k)
                checked.add(file)
            rows = client.scatter(chunk, hash=False)
            pending.append(client.submit(_score_chunk, rows, shared, text_col, top_k, pure=False))
            while len(pending) >= window:
                collect()
        while pending:
            collect()
        if summary["rows"] == 0:
            if empty is None:
                raise VnflagError("input: the table has no rows and no header")
            write(empty)
    finally:
        for future in pending:
            future.cancel()
        pending.clear()
        client.cancel([shared])


@contextmanager
def _writer(output, target: Path, as_directory: bool) -> Iterator[Any]:
    """A function writing scored chunks in order: into one table, or as Parquet parts of a
    directory; either appears atomically when the block ends without an error."""
    if not as_directory:
        writer = TableWriter(output)
        try:
            yield writer.write
            writer.close()
        except BaseException:
            writer.abort()
            raise
        return
    with atomic_directory(target) as staging:
        parts = [0]

        def write(frame: pd.DataFrame) -> None:
            writer = TableWriter(staging / f"part.{parts[0]:05d}.parquet")
            try:
                writer.write(frame)
                writer.close()
            except BaseException:
                writer.abort()
                raise
            parts[0] += 1

        yield write
