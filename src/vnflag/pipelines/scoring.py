"""Scoring files: chunk by chunk, in this process and worker processes, resumable, written atomically.

The rows are scored by :mod:`vnflag.scoring.score` (every input row out, in order, input columns
untouched, plus the model's columns); this module reads the input in chunks, shares the pieces
among processes, keeps a checkpoint for ``--resume`` and writes the output and its drift figures.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections import deque
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.registry import resolve_model
from ..exceptions import VnflagError
from ..io.files import check_output_path, json_text, write_text_atomic
from ..io.tables import TableWriter, iter_table, known_rows, table_source
from ..model.drift import DriftMonitor
from ..model.flagger import Flagger
from ..parallel import parallel_imap, worker_count
from ..progress import progress_bar, wanted
from ..scoring.score import SCORE_COLUMNS, score_columns, scoring_column, with_scores
from .checkpoint import ScoreCheckpoint

__all__ = ["score_file"]


#: Rows of a chunk scored as one task: small enough to keep every worker busy on one chunk.
PIECE_ROWS = 1_000
#: Inputs smaller than this are scored in this process: starting workers (each imports the
#: libraries and receives the model) costs more than they save. About 8,000 posts of ReINTEL length.
PARALLEL_MIN_BYTES = 8 * 2**20

_worker_model: tuple = ()


def _install_model(model: bytes) -> None:
    """Worker initializer: the model (pickled by this same program) and a drift counter, once per
    worker. Sent as bytes, the worker reads it at once; sent as an object, unpickling it would
    import the libraries while reading, and keep the parent waiting on the pipe for every worker."""
    global _worker_model
    flagger = pickle.loads(model)
    _worker_model = (flagger, DriftMonitor(flagger))


def _score_piece(flagger: Flagger, monitor: DriftMonitor, piece: tuple[pd.DataFrame, str, int]):
    frame, text_col, top_k = piece
    columns, segmented = score_columns(flagger, frame, text_col, top_k)
    return columns, monitor.counted(segmented, columns["score"])


def _score_piece_in_worker(piece: tuple[pd.DataFrame, str, int]):
    return _score_piece(*_worker_model, piece)


def _scoring_workers(path: str | os.PathLike, n_jobs: int) -> int:
    """Worker processes for scoring ``path``: ``n_jobs`` when it is a number of processes; for
    ``-1`` (all cores) and the like, all of them for inputs of at least
    :data:`PARALLEL_MIN_BYTES` and one (this process) for smaller inputs and standard input."""
    if n_jobs > 0:
        return n_jobs
    workers = worker_count(n_jobs)
    if workers <= 1 or str(path) == "-":
        return 1
    try:
        size = os.path.getsize(table_source(path))
    except OSError:
        return 1
    return workers if size >= PARALLEL_MIN_BYTES else 1


def score_file(
    model: Flagger | str | os.PathLike,
    path: str | os.PathLike,
    output: str | os.PathLike,
    text_col: str | None = None,
    top_k: int = 3,
    chunksize: int = 5_000,
    n_jobs: int | None = None,
    encoding: str = "utf-8",
    resume: bool = False,
    progress: bool | None = False,
) -> dict[str, Any]:
    """Score a file into another, chunk by chunk; the output appears atomically when complete.

    Finished chunks are kept in a checkpoint beside the output (:mod:`vnflag.pipelines.checkpoint`),
    so after a crash or ``kill -9`` the same call with ``resume=True`` continues from the last
    finished chunk and writes the same output as an uninterrupted run; without ``resume`` a
    stale checkpoint is replaced. The checkpoint is removed when the output is complete.

    ``encoding`` is the input's text encoding (CSV, TSV, JSONL, JSON), e.g. ``"cp1258"``.

    Returns a summary: rows, flagged, not scored, model version, and the batch's drift figures
    (``drift``) with ``warnings`` when it looks unlike the training data. The drift figures are
    written beside the output as ``<output>.drift.json`` (to stderr when the output is ``-``).

    ``n_jobs`` is the number of processes (default ``None``: one). With several, chunks are
    cut into pieces of :data:`PIECE_ROWS` rows scored by this process and ``n_jobs - 1`` worker
    processes that each receive the model once. ``-1`` means all cores for inputs of at least :data:`PARALLEL_MIN_BYTES` and this
    process alone for smaller ones and for standard input, where starting workers costs more than
    it saves; a positive number is used as given. ``progress=True`` shows rows, rate and (when the number of rows is known
    from a Parquet footer) the time left on standard error; ``None``: only when it is a terminal.

    >>> score_file("out/model", "posts.parquet", "scored.parquet")   # doctest: +SKIP
    {'rows': 1000, 'flagged': 87, 'not_scored': 2, 'model_version': '...', 'drift': {...}, 'warnings': []}
    """
    check_output_path(output, inputs=[path])
    resumable = str(output) != "-" and str(path) != "-"
    if resume and not resumable:
        raise VnflagError("--resume needs an input file and an output file, not standard input or output")
    if str(output) != "-":
        check_output_path(f"{output}.drift.json", inputs=[path], what="drift figures")
    flagger = resolve_model(model)
    workers = _scoring_workers(path, 1 if n_jobs is None else n_jobs)
    drift = DriftMonitor(flagger)
    version = getattr(flagger, "model_version_", "unsaved")
    summary = {"rows": 0, "flagged": 0, "not_scored": 0, "truncated": 0, "model_version": version}
    checkpoint = None
    if resumable:
        identity = ScoreCheckpoint.identity_of(version, path, chunksize, threshold=float(flagger.threshold_),
                                               text_col=text_col, top_k=top_k, encoding=encoding)
        checkpoint = ScoreCheckpoint.start(output, identity, resume)
        if checkpoint.totals:
            summary.update(checkpoint.totals["summary"])
            drift.restore(checkpoint.totals["drift"])
    writer = None
    bar = progress_bar(known_rows(path), desc="score", enabled=wanted(progress))
    waiting: deque = deque()  # chunks read, in order, with the number of pieces each was cut into
    chunks = 0

    def pieces():
        nonlocal chunks
        for chunk in iter_table(path, chunksize=chunksize, encoding=encoding):
            chunks += 1
            if checkpoint is not None and chunks <= checkpoint.chunks_done:
                bar.update(len(chunk))
                continue  # scored before the interruption
            column = scoring_column(flagger, chunk, text_col)
            needed = chunk[list(dict.fromkeys([column, *flagger.input_columns()[1:]]))]
            starts = range(0, max(len(chunk), 1), PIECE_ROWS)
            waiting.append((chunk, len(starts)))
            for start in starts:
                yield needed.iloc[start:start + PIECE_ROWS], column, top_k

    monitor = drift  # counted() leaves it as it is: one vocabulary for local pieces and the totals
    if workers > 1:  # this process is one of them: it scores every workers-th piece itself
        results = parallel_imap(_score_piece_in_worker, pieces(), workers - 1, initializer=_install_model,
                                initargs=(pickle.dumps(flagger, protocol=pickle.HIGHEST_PROTOCOL),),
                                key=("score", flagger), local=lambda piece: _score_piece(flagger, monitor, piece))
    else:
        results = (_score_piece(flagger, monitor, piece) for piece in pieces())
    try:
        done: list = []
        for columns, counts in results:
            done.append(columns)
            drift.add(counts)
            chunk, n_pieces = waiting[0]
            if len(done) < n_pieces:
                continue
            waiting.popleft()
            scored = with_scores(chunk, {name: _joined([part[name] for part in done]) for name in SCORE_COLUMNS})
            done = []
            summary["rows"] += len(scored)
            summary["flagged"] += int(scored["flagged"].sum())
            summary["not_scored"] += int((scored["error"] != "").sum())
            summary["truncated"] += int(scored["truncated"].sum())
            if checkpoint is not None:
                checkpoint.add(scored, {"summary": summary, "drift": drift.state()})
            else:
                writer = writer or TableWriter(output)
                writer.write(scored)
            bar.update(len(scored))
        if not chunks:
            raise VnflagError(f"{path}: the table has no rows and no header")
        if checkpoint is not None:  # the output, whole and in order, from the finished parts
            writer = TableWriter(output)
            for part in checkpoint.parts(arrow=writer.format == "parquet"):
                writer.write(part)
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        bar.close()
    if checkpoint is not None:
        checkpoint.finish()
    summary["drift"] = drift.result()
    summary["warnings"] = summary["drift"]["warnings"]
    if str(output) == "-":
        print(json_text(summary["drift"]), file=sys.stderr, end="")
    else:
        write_text_atomic(json_text(summary["drift"]), f"{output}.drift.json")
    return summary


def _joined(parts: list) -> Any:
    """One column from the pieces of a chunk: arrays concatenated, lists joined, a constant kept."""
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    if isinstance(parts[0], list):
        return [value for part in parts for value in part]
    return parts[0]
