"""Evaluation: how good a model is on labelled posts, where it fails, and what its score means.

:func:`evaluate` scores a labelled table with a model and measures it with the metric core of
:mod:`vnflag.model.metrics`, adding reviewer budgets, a confusion matrix and per-slice metrics
(diacritics or not, short/medium/long, teencode, emoji, and any column the user names).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import emoji
import numpy as np
import pandas as pd

from ..artifacts.registry import model_manifest, resolve_model
from ..artifacts.roles import column_roles
from ..display import figure_table, format_value
from ..exceptions import VnflagError
from ..model.inputs import check_columns, data_fingerprint, parse_labels
from ..model.metrics import binary_metrics, budget_table, check_bootstrap
from ..progress import progress_bar, wanted
from ..scoring.score import SCORE_COLUMNS, score_frame
from ..text.normalization import teencode_pattern

__all__ = ["EvaluationResult", "evaluate", "slice_masks", "LENGTH_BOUNDS", "MAX_SLICE_VALUES", "PROGRESS_CHUNKSIZE"]

#: Word-count bounds of the length slices: short < 20 words <= medium < 100 words <= long.
LENGTH_BOUNDS = (20, 100)
#: A user slice column with more distinct values than this keeps the most frequent ones.
MAX_SLICE_VALUES = 20
#: Rows scored at a time when :func:`evaluate` shows progress (each row's score does not depend on its chunk).
PROGRESS_CHUNKSIZE = 2_000


# --------------------------------------------------------------------------- slices
def _has_diacritics(text: str) -> bool:
    return "đ" in text.lower() or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def slice_masks(texts: Sequence[object], frame: pd.DataFrame | None = None,
                slice_cols: Sequence[str] = ()) -> list[tuple[str, str, np.ndarray]]:
    """Boolean masks of the standard slices plus one per value of each user column.

    Standard slices: ``diacritics`` (with/without), ``length`` (short < 20 words, medium,
    long >= 100 words), ``teencode`` (with/without an abbreviation from vnflag's table) and
    ``emoji`` (with/without). Returns ``(slice, value, mask)`` triples; masks may be empty.

    >>> [(s, v) for s, v, m in slice_masks(["ko sao 😂"])][:2]
    [('diacritics', 'with'), ('diacritics', 'without')]
    """
    posts: list[str] = [t if isinstance(t, str) else "" for t in texts]
    diacritics = np.array([_has_diacritics(t) for t in posts], dtype=np.bool_)
    words = np.array([len(t.split()) for t in posts])
    teencode = np.array([bool(teencode_pattern().search(t)) for t in posts], dtype=np.bool_)
    emojis = np.array([emoji.emoji_count(t) > 0 for t in posts], dtype=np.bool_)
    short, long_ = LENGTH_BOUNDS
    masks: list[tuple[str, str, np.ndarray]] = [
        ("diacritics", "with", diacritics), ("diacritics", "without", ~diacritics),
        ("length", f"short (<{short} words)", words < short),
        ("length", f"medium ({short}-{long_ - 1} words)", (words >= short) & (words < long_)),
        ("length", f"long (>={long_} words)", words >= long_),
        ("teencode", "with", teencode), ("teencode", "without", ~teencode),
        ("emoji", "with", emojis), ("emoji", "without", ~emojis),
    ]
    for column in slice_cols:
        if frame is None:
            raise VnflagError(f"slice column {column!r} needs a table")
        check_columns(frame, [column])
        values = frame[column].astype(str).where(frame[column].notna(), "(missing)").to_numpy()
        counts = pd.Series(values).value_counts()
        kept = list(counts.index[:MAX_SLICE_VALUES])
        for value in kept:
            masks.append((column, str(value), values == value))
        if len(counts) > MAX_SLICE_VALUES:
            masks.append((column, "(other values)", ~np.isin(values, kept)))
    return masks


# --------------------------------------------------------------------------- evaluation
@dataclass
class EvaluationResult:
    """What :func:`evaluate` measured: headline metrics, budgets, slices, and the raw scores.

    ``metrics`` is a flat dict (``to_frame()`` gives it as a one-row DataFrame); ``budgets``,
    ``slices`` and ``confusion`` are DataFrames; ``y_true`` and ``scores`` are the evaluated
    rows, kept for figures; ``manifest`` describes the model and ``data`` the evaluation data;
    ``agreement`` is the reviewers' agreement on the labels, when they came from a label store
    (:meth:`~vnflag.review.store.LabelStore.agreement`), else ``None``.
    """

    metrics: dict[str, Any]
    budgets: pd.DataFrame
    slices: pd.DataFrame
    confusion: pd.DataFrame
    y_true: np.ndarray
    scores: np.ndarray
    threshold: float
    manifest: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    agreement: dict[str, Any] | None = None

    def to_frame(self) -> pd.DataFrame:
        """The headline metrics as a one-row DataFrame."""
        return pd.DataFrame([self.metrics])

    def __repr__(self) -> str:
        """One line: the model, the posts and the headline ranking metrics (the arrays are not printed)."""
        m = self.metrics
        return (f"EvaluationResult(model_version={self.manifest.get('model_version', 'unsaved')!r}, "
                f"n={m.get('n')}, positives={m.get('positives')}, roc_auc={format_value(m.get('roc_auc'))}, "
                f"average_precision={format_value(m.get('average_precision'))}, "
                f"threshold={format_value(self.threshold)})")

    def _repr_html_(self) -> str:
        """The headline metrics as a table, for Jupyter (:meth:`to_frame`, upright; every value escaped)."""
        return figure_table(self.to_frame(), name="metric",
                            caption=f"vnflag evaluation of model {self.manifest.get('model_version', 'unsaved')} on "
                                    f"{self.metrics.get('n')} posts from {self.data.get('source', 'a DataFrame')}, "
                                    f"threshold {format_value(self.threshold)}")

    def to_dict(self) -> dict[str, Any]:
        """Everything but the raw scores, as plain Python for JSON."""
        return {
            "metrics": self.metrics, "threshold": self.threshold,
            "budgets": self.budgets.to_dict(orient="records"),
            "slices": self.slices.to_dict(orient="records"),
            "confusion": self.confusion.to_dict(), "data": self.data, "agreement": self.agreement,
            "model_version": self.manifest.get("model_version"),
        }


def evaluate(
    model,
    frame: pd.DataFrame,
    text_col: str | None = None,
    label_col: str | None = None,
    slice_cols: Sequence[str] = (),
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    source: str | None = None,
    agreement: dict[str, Any] | None = None,
    progress: bool | None = False,
) -> EvaluationResult:
    """Score labelled posts with a model and measure it, overall and by slice.

    ``model`` is a fitted :class:`~vnflag.Flagger` or a model directory. Labels are read like
    training labels (0/1, true/false, yes/no, misleading/ok). Posts with empty text are not scored and not
    counted (``data["not_scored"]`` says how many). Evaluate on posts the model was not trained
    on, or the figures are optimistic. ``agreement``: the reviewers' agreement on these labels,
    when they came from a label store (``LabelStore(path).agreement()``), reported beside the figures.

    ``progress=True`` shows two bars on standard error (``None``: only if stderr is a terminal):
    ``score`` counting posts (rate, ETA), then ``measure`` over the metric sets (overall, with
    its bootstrap, then each slice).

    >>> result = evaluate("out/model", read_table("held_out.csv"), slice_cols=["source"])  # doctest: +SKIP
    >>> result.metrics["roc_auc"], result.budgets                                          # doctest: +SKIP
    """
    n_bootstrap = check_bootstrap(n_bootstrap)
    flagger = resolve_model(model)
    roles = column_roles(model if isinstance(model, (str, os.PathLike)) else flagger)
    roles = roles.with_options(text=text_col, label=label_col)  # the model's columns, unless given
    text_col, label_col = roles.text, roles.label
    check_columns(frame, [text_col, label_col, *slice_cols])
    labels = parse_labels(frame[label_col].tolist(), label_col)
    # A table scored before keeps its old score columns out of the way of the new ones.
    inputs = frame.drop(columns=[c for c in SCORE_COLUMNS if c in frame.columns])
    progress = wanted(progress)
    if progress:
        with progress_bar(len(inputs), desc="score", unit="posts", enabled=True) as bar:
            parts = []
            for start in range(0, len(inputs), PROGRESS_CHUNKSIZE):
                parts.append(score_frame(flagger, inputs.iloc[start:start + PROGRESS_CHUNKSIZE], text_col=text_col,
                                         top_k=0))
                bar.update(len(parts[-1]))
        scored = pd.concat(parts) if parts else score_frame(flagger, inputs, text_col=text_col, top_k=0)
    else:
        scored = score_frame(flagger, inputs, text_col=text_col, top_k=0)
    scores = scored["score"].to_numpy(dtype=float)
    kept = ~np.isnan(scores)
    if not kept.any():
        raise VnflagError(f"column {text_col!r}: no row has text to score")
    threshold = float(flagger.threshold_)
    y, s = labels[kept], scores[kept]
    texts = frame[text_col].to_numpy(dtype=object)[kept]
    masks = slice_masks(texts, frame.loc[kept].reset_index(drop=True), slice_cols)
    rows = []
    with progress_bar(1 + len(masks), desc="measure", unit="sets", enabled=wanted(progress)) as bar:
        bar.set_postfix_str(f"overall, {n_bootstrap} bootstrap resamples")
        metrics = binary_metrics(y, s, threshold, n_bootstrap, random_state)
        bar.update(1)
        bar.set_postfix_str("slices")
        for name, value, mask in masks:
            part = binary_metrics(y[mask], s[mask], threshold, n_bootstrap=0)
            rows.append({"slice": name, "value": value, **part})
            bar.update(1)
    slices = pd.DataFrame(rows)
    confusion = pd.DataFrame(
        [[metrics["tn"], metrics["fp"]], [metrics["fn"], metrics["tp"]]],
        index=pd.Index(["label 0 (ordinary)", "label 1 (needs verification)"], name="actual"),
        columns=pd.Index(["not flagged", "flagged"], name="model"),
    )
    fingerprint = data_fingerprint(frame[text_col].tolist(), labels.tolist())
    manifest = model_manifest(model, flagger)
    data = {
        "source": source or "a DataFrame",
        "rows": int(len(frame)),
        "scored": int(kept.sum()),
        "not_scored": int((~kept).sum()),
        "positive": int(y.sum()),
        "fingerprint": fingerprint,
        # Evaluating on the training data itself gives optimistic figures; say so.
        "is_training_data": fingerprint == manifest.get("training_data", {}).get("fingerprint"),
        "text_col": text_col,
        "label_col": label_col,
    }
    return EvaluationResult(metrics=metrics, budgets=budget_table(y, s), slices=slices, confusion=confusion,
                            y_true=y, scores=s, threshold=threshold, manifest=manifest,
                            data=data, agreement=agreement)
