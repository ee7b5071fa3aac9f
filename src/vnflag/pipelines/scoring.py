"""Scoring files: one pipeline, two engines; resumable, every output written once and atomically.

:func:`score_file` owns everything but the scoring itself: it reads the input (a file, a glob or a
directory of table files) in chunks, checks the columns once before any work, cuts the chunks into
pieces for an engine (:mod:`vnflag.pipelines.engines`: this machine's processes, or a Dask
cluster) that scores them in order, puts each chunk's rows back together (every input row out,
in order, input columns untouched, plus the model's columns, as
:func:`~vnflag.scoring.score.score_frame` gives them), writes them through a sink
(:mod:`vnflag.pipelines.sinks`) and keeps a checkpoint (:mod:`vnflag.pipelines.checkpoint`) so an
interrupted run can be resumed on either engine. Both engines therefore write the same bytes.
"""

from __future__ import annotations

import glob
import itertools
import os
import sys
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.registry import resolve_model
from ..constants import DEFAULT_ID_COL, DRIFT_SUFFIX
from ..exceptions import VnflagError
from ..io.files import check_output_path, json_text, write_text_atomic
from ..io.frames import bytes_read
from ..io.tables import (
    FORMATS,
    TableLimitError,
    check_table_input,
    iter_table,
    progress_total,
    table_format,
    table_source,
)
from ..model.drift import DriftMonitor
from ..model.flagger import Flagger
from ..progress import progress_bar, wanted
from ..review.ids import RepeatedIds
from ..scoring.score import SCORE_COLUMNS, scored_rows, scoring_column, with_scores
from .checkpoint import ScoreCheckpoint, input_identity
from .engines import DaskEngine, LocalEngine, worker_count
from .sinks import directory_target, is_directory_output, open_sink

__all__ = ["score_file", "ScoreSummary", "input_files", "CHUNKSIZE", "ENGINES"]

#: Rows read, scored and checkpointed at a time, on every engine (memory grows with it).
CHUNKSIZE = 5_000
#: Rows of a chunk scored as one task: small enough to keep every worker busy on one chunk.
PIECE_ROWS = 1_000
#: With ``n_jobs=None`` (or ``-1``), inputs smaller than this are scored in this process alone by the
#: local engine: starting workers (each imports the libraries and receives the model) costs more
#: than they save. About 8,000 posts of ReINTEL length.
PARALLEL_MIN_BYTES = 8 * 2**20
ENGINES = ("local", "dask")


@dataclass(eq=False)
class ScoreSummary(Mapping):
    """What a scoring run did: rows written, flagged, not scored (an empty text), longer than the
    model reads (truncated), ids shared by posts with different texts as written (``repeated_ids``,
    :func:`~vnflag.review.ids.written_fingerprint`; each such post is scored, queued and labelled on its
    own), the model's version, and the batch's drift figures with their warnings.

    Reads like a dict too (``summary["rows"]``), so code written for the dict it replaced keeps working.

    >>> ScoreSummary(rows=2, flagged=1)["flagged"]
    1
    """

    rows: int = 0
    flagged: int = 0
    not_scored: int = 0
    truncated: int = 0
    repeated_ids: int = 0
    model_version: str = "unsaved"
    drift: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of every field."""
        return {name: getattr(self, name) for name in self._names()}

    def _counts(self) -> dict[str, int]:
        return {"rows": self.rows, "flagged": self.flagged, "not_scored": self.not_scored, "truncated": self.truncated}

    def _add(self, scored: pd.DataFrame) -> None:
        self.rows += len(scored)
        self.flagged += int(scored["flagged"].sum())
        self.not_scored += int((scored["error"] != "").sum())
        self.truncated += int(scored["truncated"].sum())


def input_files(source: str | os.PathLike) -> list[str]:
    """The input's table files, in the order they are read: ``-`` (standard input), a file, the
    sorted matches of a glob, or the sorted table files of a directory (hidden files left out).

    >>> input_files("-")
    ['-']
    """
    text = str(source)
    if text == "-":
        return [text]
    path = Path(text)
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir()
                       if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FORMATS)
        if not files:
            raise VnflagError(f"{source}: the directory holds no table files ({', '.join(sorted(FORMATS))})")
        return files
    if not path.exists() and any(c in text for c in "*?["):
        files = sorted(p for p in glob.glob(text) if Path(p).is_file())
        if not files:
            raise VnflagError(f"{source}: no file matches")
        return files
    check_table_input(text)  # a missing or unreadable input answers now, before the model is loaded
    return [text]


def _whole(value: Any, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise VnflagError(f"{name} must be a whole number of {least} or more, got {value!r}")
    return int(value)


def _check_options(engine: str, chunksize: int, top_k: int, n_jobs: int | None, scheduler, client) -> None:
    if engine not in ENGINES:
        raise VnflagError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    _whole(chunksize, "chunksize", 1)
    _whole(top_k, "top_k", 0)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0):
        raise VnflagError(f"n_jobs must be a whole number of processes, or -1 for one per core; got {n_jobs!r}")
    if engine != "dask" and scheduler is not None:
        raise VnflagError("--scheduler works only with --engine dask")
    if engine != "dask" and client is not None:
        raise VnflagError("a Dask client works only with engine='dask'")


def _check_output(output: str | os.PathLike, files: list[str]) -> str | None:
    """Refuse an output that would destroy something, or that vnflag cannot write, before any work;
    returns the path of the drift figures (``None``: standard error)."""
    if str(output) == "-":
        return None
    if is_directory_output(output):
        target = directory_target(output)
        if target.exists() and any(target.iterdir()):
            raise VnflagError(f"{output}: is a directory that is not empty; give a file name, or a new or empty "
                              "directory for Parquet parts")
        check_output_path(target / "part.00000.parquet", inputs=files)
    else:
        table_format(output)  # a clear error for an unknown extension
        check_output_path(output, inputs=files)
        target = Path(output)
    drift_path = f"{target}{DRIFT_SUFFIX}"
    check_output_path(drift_path, inputs=files, what="drift figures", side_file=True)
    return drift_path


def _chunks(files: list[str], chunksize: int, encoding: str, unit: str) -> Iterator[tuple[pd.DataFrame, float]]:
    """Every file's chunks in order, each with how far it moves a progress bar counting ``unit``
    (its rows, or for ``"B"`` the bytes of its file read since the chunk before); every file must
    have the first file's columns."""
    columns = None
    for file in files:
        before = 0
        for chunk in iter_table(file, chunksize=chunksize, encoding=encoding, with_bytes_read=True):
            read = bytes_read(chunk)
            if unit != "B" or read is None:
                advance = len(chunk)
            else:
                advance, before = max(read - before, 0), max(read, before)
            if columns is None:
                columns = list(chunk.columns)
            elif list(chunk.columns) != columns:
                raise VnflagError(f"{file}: its columns ({', '.join(map(str, chunk.columns))}) differ from those of "
                                  f"{files[0]} ({', '.join(map(str, columns))}); every input file needs the same "
                                  "columns in the same order")
            yield chunk, advance


def _local_workers(files: list[str], n_jobs: int | None) -> int:
    """Processes of the local engine: ``n_jobs`` when it is a number of processes; for ``None``, ``-1``
    (all cores) and the like, all of them for inputs of at least :data:`PARALLEL_MIN_BYTES` and one
    (this process) for smaller inputs and standard input."""
    if n_jobs is not None and n_jobs > 0:
        return n_jobs
    workers = worker_count(-1 if n_jobs is None else n_jobs)
    if workers <= 1 or files == ["-"]:
        return 1
    try:
        size = sum(os.path.getsize(table_source(file)) for file in files)
    except OSError:
        return 1
    return workers if size >= PARALLEL_MIN_BYTES else 1


def score_file(
    model: Flagger | str | os.PathLike,
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    engine: str = "local",
    text_col: str | None = None,
    id_col: str = DEFAULT_ID_COL,
    top_k: int = 3,
    chunksize: int = CHUNKSIZE,
    n_jobs: int | None = None,
    encoding: str = "utf-8",
    resume: bool = False,
    progress: bool | None = False,
    scheduler: str | None = None,
    client=None,
) -> ScoreSummary:
    """Score a table file (or several) into another, chunk by chunk; the output appears atomically.

    Parameters
    ----------
    model : Flagger, str or path
        The model, its directory, or a registry (its promoted version).
    source : str or path
        A table file (CSV, TSV, JSONL, JSON, Parquet, XLSX; ``-`` for CSV on standard input), a glob
        (``"posts/*.csv"``) or a directory of table files; several files count as their
        concatenation in sorted name order and must have the same columns.
    output : str or path
        One table file (format by extension; ``-`` for CSV on standard output), or a directory (a
        path ending in ``/``, or an existing empty directory) that receives Parquet parts
        ``part.00000.parquet``, ... one per chunk, in input order.
    engine : {"local", "dask"}
        ``local``: this process and worker processes; ``dask``: a Dask cluster (``scheduler``,
        ``client``, or a local cluster of ``n_jobs`` processes for the call; ``pip install "vnflag[dask]"``).
        Both write the same bytes.
    text_col : str, optional
        Column with the post text (default: the model's).
    id_col : str, default "id"
        Column with post ids: ids that posts with different texts share are counted
        (``repeated_ids``), as real exports repeat ids.
    top_k : int, default 3
        Reasons per post.
    chunksize : int, default 5000
        Rows read, scored and checkpointed at a time.
    n_jobs : int, optional
        Processes. Default (``None``, like ``-1``): all cores (loky's count, which respects container
        quotas) — on the local engine only for inputs of at least :data:`PARALLEL_MIN_BYTES`, as
        starting workers costs more than it saves on smaller ones and standard input.
    encoding : str, default "utf-8"
        Text encoding of CSV, TSV, JSONL and JSON input, e.g. ``"cp1258"``.
    resume : bool, default False
        Continue an interrupted run from its last finished chunk. Every run into a file or a
        directory keeps a checkpoint beside it (``<output>.vnflag-checkpoint/``), so after a crash or
        ``kill -9`` the same call with ``resume=True``, on either engine, writes the same output as an
        uninterrupted run; without it a stale checkpoint is replaced.
    progress : bool or None, default False
        Show rows, rate and (when known from Parquet footers) the time left on standard error;
        ``None``: only when it is a terminal.

    Returns
    -------
    ScoreSummary
        Rows, flagged, not scored, truncated, model version, and the batch's drift figures
        (``drift``) with ``warnings`` when it looks unlike the training data. The drift figures are
        also written beside the output as ``<output>.drift.json`` (to stderr when the output is ``-``).

    Examples
    --------
    >>> score_file("out/model", "posts.parquet", "scored.parquet")   # doctest: +SKIP
    ScoreSummary(rows=1000, flagged=87, not_scored=2, truncated=0, repeated_ids=0, model_version='...', ...)
    """
    _check_options(engine, chunksize, top_k, n_jobs, scheduler, client)
    files = input_files(source)
    drift_path = _check_output(output, files)
    stdin, stdout = files == ["-"], str(output) == "-"
    if resume and (stdin or stdout):
        raise VnflagError("--resume needs an input file and an output file, not standard input or output")
    if not (stdin or stdout):
        ScoreCheckpoint.check(output)  # before the model is loaded or anything is read or written
    flagger = resolve_model(model)
    total, unit = progress_total(files)
    chunks = _chunks(files, chunksize, encoding, unit)
    first = next(chunks)  # iter_table gives at least one chunk, or says why the file is empty
    column = scoring_column(flagger, first[0], text_col)  # the columns, checked once before any work
    needed = list(dict.fromkeys([column, *flagger.input_columns()[1:]]))
    if engine == "dask":
        runner: LocalEngine | DaskEngine = DaskEngine(scheduler=scheduler, client=client,
                                                      n_workers=worker_count(-1 if n_jobs is None else n_jobs))
    else:
        runner = LocalEngine(_local_workers(files, n_jobs))

    version = getattr(flagger, "model_version_", "unsaved")
    summary = ScoreSummary(model_version=version)
    drift = DriftMonitor(flagger)
    if stdout:
        checkpoint = None
    elif stdin:
        checkpoint = ScoreCheckpoint.temporary(output)
    else:
        identity = {"model_version": version, "input": input_identity([table_source(f) for f in files]),
                    "chunksize": chunksize,
                    "options": {"threshold": float(flagger.threshold_), "text_col": text_col, "top_k": top_k,
                                "encoding": encoding}}
        checkpoint = ScoreCheckpoint.start(output, identity, resume)
    done_before = 0 if checkpoint is None else checkpoint.chunks_done
    if checkpoint is not None and done_before:
        totals = checkpoint.state["totals"]
        for name in ("rows", "flagged", "not_scored", "truncated"):
            setattr(summary, name, int(totals["summary"][name]))
        if len(totals["drift"]["counts"]) != len(drift.counts):
            raise VnflagError(f"{checkpoint.directory}: invalid scoring checkpoint: field 'totals.drift.counts' has "
                              f"{len(totals['drift']['counts'])} bins, the model {len(drift.counts)}")
        drift.restore(totals["drift"])

    bar = progress_bar(total, desc="score", unit=unit, enabled=wanted(progress))
    waiting: deque = deque()  # chunks read, in order, with how far each of their pieces moves the bar
    seen = RepeatedIds()  # every chunk's ids, skipped ones too: a resumed run counts the whole batch

    def pieces():
        skipped = number = 0
        for number, (chunk, advance) in enumerate(itertools.chain([first], chunks), start=1):
            seen.add_frame(chunk, id_col, column)
            if number <= done_before:
                bar.update(advance)
                skipped += len(chunk)
                if number == done_before:
                    _check_skipped(checkpoint, number, skipped)
                continue  # scored before the interruption
            starts = range(0, max(len(chunk), 1), PIECE_ROWS)
            waiting.append((chunk, _shares(int(advance), len(chunk), len(starts))))
            rows = chunk[needed]
            for start in starts:
                yield rows.iloc[start:start + PIECE_ROWS], column, top_k
        if number < done_before:
            _check_skipped(checkpoint, number, skipped)

    sink = None
    try:
        with runner:
            sink = open_sink(output, None if checkpoint is None else checkpoint.directory,
                             {} if checkpoint is None else checkpoint.state["sink"])
            finished = done_before
            parts: list = []
            for columns, counts in runner.map(flagger, pieces()):
                parts.append(columns)
                drift.add(counts)
                chunk, steps = waiting[0]
                bar.update(steps[len(parts) - 1])  # each piece scored, not each chunk: the bar moves often
                if len(parts) < len(steps):
                    continue
                waiting.popleft()
                scored = with_scores(chunk, {name: _joined([part[name] for part in parts]) for name in SCORE_COLUMNS})
                parts = []
                summary._add(scored)
                if len(scored):  # an empty chunk's column types are not the data's: written only if all are
                    sink.write(scored)
                finished += 1
                if checkpoint is not None and checkpoint.resumable:
                    sink.sync()
                    checkpoint.save(finished, sink.state(), {"summary": summary._counts(), "drift": drift.state()})
        if not sink.written:
            sink.write(scored_meta(flagger, first[0], text_col, top_k))
        summary.repeated_ids = len(seen.repeated)
        summary.drift = drift.result()
        summary.warnings = summary.drift["warnings"]
        if drift_path is None:
            print(json_text(summary.drift), file=sys.stderr, end="")
        else:
            write_text_atomic(json_text(summary.drift), drift_path)
        sink.close()
    except BaseException as exc:
        if checkpoint is not None:  # a format that cannot hold a row never will: nothing to resume
            checkpoint.finish() if isinstance(exc, TableLimitError) else checkpoint.discard()
        raise
    finally:
        bar.close()
    if checkpoint is not None:
        checkpoint.finish()
    return summary


def _shares(advance: int, rows: int, pieces: int) -> list[int]:
    """How far each of a chunk's ``pieces`` (of :data:`PIECE_ROWS` rows, the last one shorter) moves a
    bar the chunk moves by ``advance``: whole shares by rows that add up to ``advance`` exactly.

    >>> _shares(10, 2500, 3), _shares(2500, 2500, 3), _shares(7, 0, 1)
    ([4, 4, 2], [1000, 1000, 500], [7])
    """
    if rows == 0:
        return [advance]
    ends = [min((number + 1) * PIECE_ROWS, rows) for number in range(pieces)]
    marks = [0] + [advance * end // rows for end in ends]
    return [after - before for before, after in zip(marks, marks[1:], strict=False)]


def _check_skipped(checkpoint: ScoreCheckpoint | None, chunks: int, rows: int) -> None:
    """The chunks a resumed run skips must be the checkpoint's chunks done, holding the rows it
    counted (a checkpoint claiming more or fewer would drop or repeat rows)."""
    if checkpoint is None:
        return
    recorded = int(checkpoint.state["totals"]["summary"]["rows"])
    if chunks != checkpoint.chunks_done or rows != recorded:
        raise VnflagError(f"{checkpoint.directory}: the checkpoint counts {recorded} rows in {checkpoint.chunks_done} "
                          f"chunks done, the input has {rows} rows in {chunks} chunks; "
                          "run without --resume to start again")


def scored_meta(flagger: Flagger, first: pd.DataFrame, text_col: str | None, top_k: int) -> pd.DataFrame:
    """The scored table of no rows, with ``first``'s columns and the score columns' types (what an
    empty input gives, and the meta of a dask DataFrame's scored partitions)."""
    empty = scored_rows(flagger, first.iloc[:0], text_col, top_k)[0]
    empty["reasons"] = empty["reasons"].astype(empty["error"].dtype)  # an empty list makes float64
    return empty


def _joined(parts: list) -> Any:
    """One column from the pieces of a chunk: arrays concatenated, lists joined, a constant kept."""
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    if isinstance(parts[0], list):
        return [value for part in parts for value in part]
    return parts[0]
