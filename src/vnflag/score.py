"""Scoring: every input row out, in order, input columns untouched, plus the model's columns.

Added columns: ``score`` (calibrated probability that the post needs verification by a
person), ``flagged`` (score at or above the model's threshold), ``reasons`` (the words that
pushed the score up most, ``; ``-separated), ``model_version`` and ``error`` (why a row was not
scored, e.g. an empty text; empty otherwise).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
import pandas as pd

from .drift import DriftMonitor
from .io import TableWriter, VnflagError, atomic_path, iter_table
from .model import Flagger
from .persist import load_model
from .train import check_columns

__all__ = ["score_frame", "score_file", "SCORE_COLUMNS", "resolve_model"]

SCORE_COLUMNS = ("score", "flagged", "reasons", "model_version", "error")


def resolve_model(model: Flagger | str | os.PathLike) -> Flagger:
    """A fitted :class:`Flagger`, or one loaded from a model directory or a registry (its promoted version)."""
    from .registry import resolve_model_dir

    return model if isinstance(model, Flagger) else load_model(resolve_model_dir(model))


def score_frame(
    model: Flagger | str | os.PathLike,
    frame: pd.DataFrame,
    text_col: str | None = None,
    top_k: int = 3,
) -> pd.DataFrame:
    """Score a DataFrame of posts; returns a copy with the score columns appended.

    ``text_col`` defaults to the column the model was trained on. The model's engagement
    columns, if any, must be present.

    >>> scored = score_frame("out/model", posts)                   # doctest: +SKIP
    >>> scored.sort_values("score", ascending=False).head()        # doctest: +SKIP
    """
    return _score_frame(resolve_model(model), frame, text_col, top_k)[0]


def _score_frame(flagger: Flagger, frame: pd.DataFrame, text_col: str | None, top_k: int,
                 ) -> tuple[pd.DataFrame, list[str]]:
    """The scored frame and the segmented text of each scored row (for the drift check)."""
    text_col = text_col or flagger.text_col
    meta_cols = list(flagger.meta_cols or ())
    check_columns(frame, [text_col, *meta_cols])
    clashes = [c for c in SCORE_COLUMNS if c in frame.columns]
    if clashes:
        raise VnflagError(
            f"input already has column(s) {', '.join(clashes)}; rename them before scoring so nothing is overwritten"
        )
    texts = frame[text_col].tolist()
    scorable = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
    scores = np.full(len(frame), np.nan)
    reasons = [""] * len(frame)
    segmented: list[str] = []
    if scorable.any():
        subset = pd.DataFrame({flagger.text_col: [t for t, ok in zip(texts, scorable) if ok]})
        for column in meta_cols:
            subset[column] = frame[column].to_numpy()[scorable]
        proba, terms, segmented = flagger._score(subset, top_k=top_k)
        scores[scorable] = proba[:, 1]
        for position, words in zip(np.flatnonzero(scorable), terms):
            reasons[position] = "; ".join(words)
    out = frame.copy()
    out["score"] = np.round(scores, 6)
    out["flagged"] = np.where(scorable, scores >= flagger.threshold_, False)
    out["reasons"] = reasons
    out["model_version"] = getattr(flagger, "model_version_", "unsaved")
    out["error"] = np.where(scorable, "", "empty text: not scored")
    return out, segmented


def score_file(
    model: Flagger | str | os.PathLike,
    path: str | os.PathLike,
    output: str | os.PathLike,
    text_col: str | None = None,
    top_k: int = 3,
    chunksize: int = 20_000,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """Score a file into another, chunk by chunk; the output appears atomically when complete.

    Returns a summary: rows, flagged, not scored, model version, and the batch's drift figures
    (``drift``) with ``warnings`` when it looks unlike the training data. The drift figures are
    written beside the output as ``<output>.drift.json`` (to stderr when the output is ``-``).

    ``n_jobs`` overrides the model's number of segmentation processes for this call
    (``-1``: all cores).

    >>> score_file("out/model", "posts.parquet", "scored.parquet")   # doctest: +SKIP
    {'rows': 1000, 'flagged': 87, 'not_scored': 2, 'model_version': '...', 'drift': {...}, 'warnings': []}
    """
    flagger = resolve_model(model)
    model_jobs = flagger.n_jobs
    if n_jobs is not None:
        flagger.n_jobs = n_jobs
    writer = TableWriter(output)
    drift = DriftMonitor(flagger)
    summary = {"rows": 0, "flagged": 0, "not_scored": 0, "model_version": getattr(flagger, "model_version_", "unsaved")}
    try:
        wrote = False
        for chunk in iter_table(path, chunksize=chunksize):
            scored, segmented = _score_frame(flagger, chunk, text_col, top_k)
            writer.write(scored)
            drift.update(segmented, scored["score"].to_numpy(dtype=float))
            wrote = True
            summary["rows"] += len(scored)
            summary["flagged"] += int(scored["flagged"].sum())
            summary["not_scored"] += int((scored["error"] != "").sum())
        if not wrote:
            raise VnflagError(f"{path}: the table has no rows and no header")
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        flagger.n_jobs = model_jobs
    summary["drift"] = drift.result()
    summary["warnings"] = summary["drift"]["warnings"]
    figures = json.dumps(summary["drift"], ensure_ascii=False, indent=2)
    if str(output) == "-":
        print(figures, file=sys.stderr)
    else:
        with atomic_path(f"{output}.drift.json", suffix=".json") as tmp:
            tmp.write_text(figures + "\n", encoding="utf-8")
    return summary
