"""Evaluation: how good a model is on labelled posts, where it fails, and what its score means.

The metric core, :func:`binary_metrics`, takes labels and scores (no model), so it can be
checked against scikit-learn and reused by benchmarks. :func:`evaluate` scores a labelled
table with a model and adds reviewer budgets, a confusion matrix and per-slice metrics
(diacritics or not, short/medium/long, teencode, emoji, and any column the user names).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

import emoji
import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from .io import VnflagError
from .normalize import _teencode_pattern
from .train import check_columns, data_fingerprint, parse_labels

__all__ = [
    "EvaluationResult",
    "evaluate",
    "binary_metrics",
    "bootstrap_ci",
    "budget_table",
    "expected_calibration_error",
    "reliability_table",
    "slice_masks",
    "DEFAULT_BUDGETS",
    "DEFAULT_BUDGET_SHARES",
]

#: Reviewer budgets as a number of posts (the top N by score) and as a share of all posts.
DEFAULT_BUDGETS = (50, 100, 200, 500)
DEFAULT_BUDGET_SHARES = (0.01, 0.05, 0.10, 0.20)
#: Word-count bounds of the length slices: short < 20 words <= medium < 100 words <= long.
LENGTH_BOUNDS = (20, 100)
#: A user slice column with more distinct values than this keeps the most frequent ones.
MAX_SLICE_VALUES = 20


# --------------------------------------------------------------------------- metric core
def expected_calibration_error(y_true, scores, n_bins: int = 10) -> float:
    """Expected calibration error: the post-weighted mean gap between score and observed rate
    over ``n_bins`` equal-width score bins. 0 is perfectly calibrated.

    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    0.0
    """
    table = reliability_table(y_true, scores, n_bins)
    if table["n"].sum() == 0:
        return float("nan")
    gap = (table["mean_score"] - table["observed_rate"]).abs().fillna(0.0)
    return float((gap * table["n"]).sum() / table["n"].sum())


def reliability_table(y_true, scores, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-width score bin: posts, mean score and observed share of positives.

    >>> reliability_table([0, 1], [0.1, 0.9], n_bins=2)["n"].tolist()
    [1, 1]
    """
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        inside = index == b
        n = int(inside.sum())
        rows.append({
            "bin_low": edges[b], "bin_high": edges[b + 1], "n": n,
            "mean_score": float(scores[inside].mean()) if n else np.nan,
            "observed_rate": float(y_true[inside].mean()) if n else np.nan,
        })
    return pd.DataFrame(rows)


def _roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count half): equal to scikit-learn's, and
    fast enough to call a thousand times in a bootstrap."""
    from scipy.stats import rankdata  # imported here: scipy.stats costs ~1 s at start-up

    ranks = rankdata(scores)
    positives = int(y_true.sum())
    negatives = len(y_true) - positives
    return float((ranks[y_true == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Average precision as scikit-learn defines it (sum over distinct score thresholds of the
    recall step times the precision there), without its per-call validation cost."""
    order = np.argsort(-scores, kind="mergesort")
    y_sorted, s_sorted = y_true[order], scores[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]
    hits = np.cumsum(y_sorted)[last_of_tie]
    precision = hits / (last_of_tie + 1)
    recall_step = np.diff(np.r_[0, hits]) / hits[-1]
    return float(np.sum(recall_step * precision))


_FAST = {roc_auc_score: _roc_auc, average_precision_score: _average_precision}


def bootstrap_ci(metric, y_true, scores, n_bootstrap: int = 1000, level: float = 0.95,
                 random_state: int | None = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``metric(y_true, scores)`` over posts.

    Resamples that contain one class only are skipped; ``(nan, nan)`` when none is usable.

    >>> bootstrap_ci(roc_auc_score, [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_bootstrap=200)  # doctest: +SKIP
    (0.5, 1.0)
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    metric = _FAST.get(metric, metric)
    rng = np.random.default_rng(random_state)
    values = []
    if len(np.unique(y_true)) == 2 and n_bootstrap > 0:
        for _ in range(n_bootstrap):
            sample = rng.integers(0, len(y_true), len(y_true))
            if y_true[sample].min() == y_true[sample].max():
                continue
            values.append(metric(y_true[sample], scores[sample]))
    if not values:
        return (float("nan"), float("nan"))
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def budget_table(y_true, scores, budgets: Sequence[int] = DEFAULT_BUDGETS,
                 shares: Sequence[float] = DEFAULT_BUDGET_SHARES) -> pd.DataFrame:
    """Precision and recall when reviewers read only the top-N posts by score.

    One row per budget, given as a number of posts and as a share of all posts; a budget larger
    than the data is cut to the data (``reviewed`` says how many were actually read).

    >>> budget_table([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], budgets=[2], shares=[])[["precision", "recall"]].values.tolist()
    [[0.5, 0.5]]
    """
    y_true = np.asarray(y_true, dtype=int)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    caught = np.concatenate([[0], np.cumsum(y_true[order])])
    n, positives = len(y_true), int(y_true.sum())
    requested = [(f"top {b}", int(b)) for b in budgets]
    requested += [(f"top {s:.0%}", int(np.ceil(s * n))) for s in shares]
    rows = []
    for name, size in requested:
        reviewed = min(size, n)
        hits = int(caught[reviewed])
        rows.append({
            "budget": name, "reviewed": reviewed, "caught": hits,
            "precision": hits / reviewed if reviewed else np.nan,
            "recall": hits / positives if positives else np.nan,
        })
    return pd.DataFrame(rows, columns=["budget", "reviewed", "caught", "precision", "recall"])


def binary_metrics(y_true, scores, threshold: float, n_bootstrap: int = 1000,
                   random_state: int | None = 0) -> dict[str, Any]:
    """Ranking, threshold and calibration metrics of scores against 0/1 labels.

    ROC-AUC and average precision come with percentile-bootstrap 95 % intervals; precision,
    recall and F1 are at ``threshold`` (score >= threshold is flagged). Metrics that need both
    classes are ``nan`` when there is only one, and all are ``nan`` with no rows.

    >>> binary_metrics([0, 1, 0, 1], [0.2, 0.9, 0.4, 0.6], threshold=0.5, n_bootstrap=0)["roc_auc"]
    1.0
    """
    y_true = np.asarray(y_true, dtype=int)
    scores = np.asarray(scores, dtype=float)
    n, positives = len(y_true), int(y_true.sum())
    both = 0 < positives < n
    nan = float("nan")
    flagged = (scores >= threshold).astype(int)
    out: dict[str, Any] = {"n": n, "positives": positives, "positive_rate": positives / n if n else nan}
    if both:
        out["roc_auc"] = float(roc_auc_score(y_true, scores))
        out["roc_auc_low"], out["roc_auc_high"] = bootstrap_ci(roc_auc_score, y_true, scores, n_bootstrap,
                                                               random_state=random_state)
        out["average_precision"] = float(average_precision_score(y_true, scores))
        out["average_precision_low"], out["average_precision_high"] = bootstrap_ci(
            average_precision_score, y_true, scores, n_bootstrap, random_state=random_state)
    else:
        for key in ("roc_auc", "roc_auc_low", "roc_auc_high", "average_precision",
                    "average_precision_low", "average_precision_high"):
            out[key] = nan
    if n:
        out["precision"] = float(precision_score(y_true, flagged, zero_division=np.nan))
        out["recall"] = float(recall_score(y_true, flagged, zero_division=np.nan))
        out["f1"] = float(f1_score(y_true, flagged, zero_division=np.nan))
        out["flag_rate"] = float(flagged.mean())
        out["brier"] = float(brier_score_loss(y_true, scores, pos_label=1))
        out["ece"] = expected_calibration_error(y_true, scores)
        tn, fp, fn, tp = confusion_matrix(y_true, flagged, labels=[0, 1]).ravel()
    else:
        out.update(precision=nan, recall=nan, f1=nan, flag_rate=nan, brier=nan, ece=nan)
        tn = fp = fn = tp = 0
    out.update(tn=int(tn), fp=int(fp), fn=int(fn), tp=int(tp))
    return out


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
    texts = [t if isinstance(t, str) else "" for t in texts]
    diacritics = np.array([_has_diacritics(t) for t in texts], dtype=bool)
    words = np.array([len(t.split()) for t in texts])
    teencode = np.array([bool(_teencode_pattern().search(t)) for t in texts], dtype=bool)
    emojis = np.array([emoji.emoji_count(t) > 0 for t in texts], dtype=bool)
    short, long_ = LENGTH_BOUNDS
    masks = [
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
    rows, kept for figures; ``manifest`` describes the model and ``data`` the evaluation data.
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

    def to_frame(self) -> pd.DataFrame:
        """The headline metrics as a one-row DataFrame."""
        return pd.DataFrame([self.metrics])

    def to_dict(self) -> dict[str, Any]:
        """Everything but the raw scores, as plain Python for JSON."""
        return {
            "metrics": self.metrics, "threshold": self.threshold,
            "budgets": self.budgets.to_dict(orient="records"),
            "slices": self.slices.to_dict(orient="records"),
            "confusion": self.confusion.to_dict(), "data": self.data,
            "model_version": self.manifest.get("model_version"),
        }


def _manifest_of(model, flagger) -> dict[str, Any]:
    if isinstance(model, (str, os.PathLike)):
        from .persist import read_manifest
        from .registry import resolve_model_dir

        return read_manifest(resolve_model_dir(model))
    return {
        "model_version": getattr(flagger, "model_version_", "unsaved"),
        "threshold": flagger.threshold_,
        "metrics": getattr(flagger, "training_metrics_", {}),
        "columns": {"text": flagger.text_col, "meta": list(flagger.meta_cols or ())},
    }


def evaluate(
    model,
    frame: pd.DataFrame,
    text_col: str | None = None,
    label_col: str = "label",
    slice_cols: Sequence[str] = (),
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    source: str | None = None,
) -> EvaluationResult:
    """Score labelled posts with a model and measure it, overall and by slice.

    ``model`` is a fitted :class:`~vnflag.Flagger` or a model directory. Labels are read like
    training labels (0/1, true/false, yes/no). Posts with empty text are not scored and not
    counted (``data["not_scored"]`` says how many). Evaluate on posts the model was not trained
    on, or the figures are optimistic.

    >>> result = evaluate("out/model", read_table("held_out.csv"), slice_cols=["source"])  # doctest: +SKIP
    >>> result.metrics["roc_auc"], result.budgets                                          # doctest: +SKIP
    """
    from .score import SCORE_COLUMNS, resolve_model, score_frame

    flagger = resolve_model(model)
    text_col = text_col or flagger.text_col
    check_columns(frame, [text_col, label_col, *slice_cols])
    labels = parse_labels(frame[label_col].tolist(), label_col)
    # A table scored before keeps its old score columns out of the way of the new ones.
    inputs = frame.drop(columns=[c for c in SCORE_COLUMNS if c in frame.columns])
    scored = score_frame(flagger, inputs, text_col=text_col, top_k=0)
    scores = scored["score"].to_numpy(dtype=float)
    kept = ~np.isnan(scores)
    if not kept.any():
        raise VnflagError(f"column {text_col!r}: no row has text to score")
    threshold = float(flagger.threshold_)
    y, s = labels[kept], scores[kept]
    metrics = binary_metrics(y, s, threshold, n_bootstrap, random_state)
    texts = frame[text_col].to_numpy(dtype=object)[kept]
    rows = []
    for name, value, mask in slice_masks(texts, frame.loc[kept].reset_index(drop=True), slice_cols):
        part = binary_metrics(y[mask], s[mask], threshold, n_bootstrap=0)
        rows.append({"slice": name, "value": value, **part})
    slices = pd.DataFrame(rows)
    confusion = pd.DataFrame(
        [[metrics["tn"], metrics["fp"]], [metrics["fn"], metrics["tp"]]],
        index=pd.Index(["label 0 (ordinary)", "label 1 (needs verification)"], name="actual"),
        columns=pd.Index(["not flagged", "flagged"], name="model"),
    )
    fingerprint = data_fingerprint(frame[text_col].tolist(), labels.tolist())
    manifest = _manifest_of(model, flagger)
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
                            data=data)
