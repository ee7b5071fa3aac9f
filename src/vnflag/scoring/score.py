"""Scoring: every input row out, in order, input columns untouched, plus the model's columns.

Added columns: ``score`` (calibrated probability that the post needs verification by a
person), ``flagged`` (score at or above the model's threshold), ``reasons`` (the words that
pushed the score up most, ``; ``-separated), ``model_version``, ``error`` (why a row was not
scored, e.g. an empty text; empty otherwise) and ``truncated`` (the post is longer than the
model's ``max_chars``, 20,000 characters by default, and only its beginning was read).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.registry import resolve_model
from ..exceptions import VnflagError
from ..model.drift import DriftMonitor
from ..model.explanations import check_top_k
from ..model.flagger import Flagger
from ..model.inputs import check_columns
from ..progress import progress_bar, wanted

__all__ = ["score_frame", "scored_rows", "score_columns", "scoring_column", "with_scores", "drift_report",
           "SCORE_COLUMNS"]

SCORE_COLUMNS = ("score", "flagged", "reasons", "model_version", "error", "truncated")
#: Rows scored at a time by :func:`score_frame` when it shows progress.
PROGRESS_CHUNKSIZE = 5_000


def score_frame(
    model: Flagger | str | os.PathLike,
    frame: pd.DataFrame,
    text_col: str | None = None,
    top_k: int = 3,
    progress: bool | None = False,
) -> pd.DataFrame:
    """Score a DataFrame of posts; returns a copy with the score columns appended.

    ``text_col`` defaults to the column the model was trained on. The model's engagement
    columns, if any, must be present. ``progress=True`` shows a progress bar on standard error
    (``None``: only when it is a terminal).

    >>> scored = score_frame("out/model", posts)                   # doctest: +SKIP
    >>> scored.sort_values("score", ascending=False).head()        # doctest: +SKIP
    """
    flagger = resolve_model(model)
    if not wanted(progress) or len(frame) <= PROGRESS_CHUNKSIZE:
        return scored_rows(flagger, frame, text_col, top_k)[0]
    parts = []
    with progress_bar(len(frame), desc="score", enabled=True) as bar:
        for start in range(0, len(frame), PROGRESS_CHUNKSIZE):
            parts.append(scored_rows(flagger, frame.iloc[start:start + PROGRESS_CHUNKSIZE], text_col, top_k)[0])
            bar.update(len(parts[-1]))
    return pd.concat(parts)


def scored_rows(flagger: Flagger, frame: pd.DataFrame, text_col: str | None = None, top_k: int = 3,
                ) -> tuple[pd.DataFrame, list[str]]:
    """The scored frame and the segmented text of each scored row (what the drift check reads).

    >>> scored, segmented = scored_rows(load_model("out/model"), posts)   # doctest: +SKIP
    """
    text_col = scoring_column(flagger, frame, text_col)
    columns, segmented = score_columns(flagger, frame, text_col, top_k)
    return with_scores(frame, columns), segmented


def scoring_column(flagger: Flagger, frame: pd.DataFrame, text_col: str | None) -> str:
    """The text column, after checking that the frame has what the model reads and no column
    that scoring would overwrite."""
    text_col = text_col or flagger.text_col
    check_columns(frame, [text_col, *flagger.input_columns()[1:]])
    clashes = [c for c in SCORE_COLUMNS if c in frame.columns]
    if clashes:
        raise VnflagError(
            f"input already has column(s) {', '.join(clashes)}; rename them before scoring so nothing is overwritten"
        )
    return text_col


def score_columns(flagger: Flagger, frame: pd.DataFrame, text_col: str, top_k: int,
                   ) -> tuple[dict[str, Any], list[str]]:
    """The values of :data:`SCORE_COLUMNS` for each row of ``frame``, and the segmented texts."""
    try:  # the argument the model checks; the rows it reads were checked by scoring_column()
        check_top_k(top_k)
    except ValueError as exc:
        raise VnflagError(str(exc)) from None
    texts = frame[text_col].tolist()
    scorable = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
    scores = np.full(len(frame), np.nan)
    reasons = [""] * len(frame)
    truncated = np.zeros(len(frame), dtype=bool)
    segmented: list[str] = []
    if scorable.any():
        subset = pd.DataFrame({flagger.text_col: [t for t, ok in zip(texts, scorable, strict=True) if ok]})
        for column in flagger.input_columns()[1:]:
            subset[column] = frame[column].to_numpy()[scorable]
        result = flagger.score_posts(subset, top_k=top_k)
        proba, terms, segmented = result.proba, result.reasons, result.segmented
        scores[scorable] = proba[:, 1]
        truncated[scorable] = result.truncated
        for position, words in zip(np.flatnonzero(scorable), terms, strict=True):
            reasons[position] = "; ".join(words)
    columns = {
        "score": np.round(scores, 6),
        "flagged": np.where(scorable, scores >= flagger.threshold_, False),
        "reasons": reasons,
        "model_version": getattr(flagger, "model_version_", "unsaved"),
        "error": np.where(scorable, "", "empty text: not scored"),
        "truncated": truncated,
    }
    return columns, segmented


def with_scores(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    out = frame.copy()
    for name in SCORE_COLUMNS:
        out[name] = columns[name]
    return out


def drift_report(model, frame: pd.DataFrame, text_col: str | None = None) -> dict[str, Any]:
    """Score a batch and compare it with the training data: unseen-token share, score PSI,
    and warnings with numbers when the batch looks unlike what the model was trained on.

    >>> drift_report("out/model", read_table("new_posts.csv"))["warnings"]   # doctest: +SKIP
    []
    """
    flagger = resolve_model(model)
    scored, segmented = scored_rows(flagger, frame, text_col, top_k=0)
    monitor = DriftMonitor(flagger)
    monitor.update(segmented, scored["score"].to_numpy(dtype=float))
    return monitor.result()
