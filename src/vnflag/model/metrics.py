"""Metrics of scores against 0/1 labels, in one place for every layer above: the manifest's
cross-validated figures, the retraining gate, ``vnflag evaluate`` and the benchmarks.

The rule when a figure is undefined, everywhere: precision is ``nan`` when nothing is flagged,
recall when there are no positives, ROC-AUC and average precision when only one class is present
(``null`` in vnflag's JSON files). The core takes labels and scores, no model, so it is checked
against scikit-learn directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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

from ..constants import MAX_BOOTSTRAP
from ..exceptions import VnflagError

__all__ = [
    "binary_metrics",
    "headline_metrics",
    "HEADLINE_METRICS",
    "cross_validation_metrics",
    "fold_spread",
    "bootstrap_ci",
    "check_bootstrap",
    "budget_table",
    "expected_calibration_error",
    "reliability_table",
    "DEFAULT_BUDGETS",
    "DEFAULT_BUDGET_SHARES",
]

#: Reviewer budgets as a number of posts (the top N by score) and as a share of all posts.
DEFAULT_BUDGETS = (50, 100, 200, 500)
DEFAULT_BUDGET_SHARES = (0.01, 0.05, 0.10, 0.20)

def expected_calibration_error(y_true, scores, n_bins: int = 10, sample_weight=None) -> float:
    """Expected calibration error: the post-weighted mean gap between score and observed rate
    over ``n_bins`` equal-width score bins (posts weighted by ``sample_weight`` if given, e.g. the
    inverse inclusion probabilities of a sample). 0 is perfectly calibrated.

    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    0.0
    >>> round(expected_calibration_error([0, 1], [0.2, 0.2], n_bins=1, sample_weight=[3, 1]), 6)
    0.05
    """
    table = reliability_table(y_true, scores, n_bins, sample_weight)
    mass = table["n"] if sample_weight is None else table["weight"]
    if mass.sum() == 0:
        return float("nan")
    gap = (table["mean_score"] - table["observed_rate"]).abs().fillna(0.0)
    return float((gap * mass).sum() / mass.sum())


def reliability_table(y_true, scores, n_bins: int = 10, sample_weight=None) -> pd.DataFrame:
    """Per equal-width score bin: posts, mean score and observed share of positives; with
    ``sample_weight``, the means are weighted and a ``weight`` column holds each bin's total weight.

    >>> reliability_table([0, 1], [0.1, 0.9], n_bins=2)["n"].tolist()
    [1, 1]
    """
    y_true = np.asarray(y_true, dtype=float)
    scores = np.asarray(scores, dtype=float)
    weight = np.ones_like(scores) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        inside = index == b
        n, mass = int(inside.sum()), float(weight[inside].sum())
        rows.append({
            "bin_low": edges[b], "bin_high": edges[b + 1], "n": n,
            "mean_score": float(np.average(scores[inside], weights=weight[inside])) if mass > 0 else np.nan,
            "observed_rate": float(np.average(y_true[inside], weights=weight[inside])) if mass > 0 else np.nan,
            **({} if sample_weight is None else {"weight": mass}),
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


def check_bootstrap(n_bootstrap: object, minimum: int = 0) -> int:
    """``n_bootstrap`` if it is a whole number from ``minimum`` to :data:`~vnflag.constants.MAX_BOOTSTRAP`, else a
    one-line :class:`~vnflag.exceptions.VnflagError`: called before any work, not after the data is read and scored.

    >>> check_bootstrap(1000)
    1000
    """
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) \
            or not minimum <= n_bootstrap <= MAX_BOOTSTRAP:
        raise VnflagError(f"n_bootstrap (--bootstrap) must be a whole number from {minimum} to {MAX_BOOTSTRAP:,} "
                          f"(the intervals stop changing long before), got {n_bootstrap!r}")
    return int(n_bootstrap)


def bootstrap_ci(metric, y_true, scores, n_bootstrap: int = 1000, level: float = 0.95,
                 random_state: int | None = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``metric(y_true, scores)`` over posts.

    Resamples that contain one class only are skipped; ``(nan, nan)`` when none is usable.

    >>> bootstrap_ci(roc_auc_score, [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_bootstrap=200)  # doctest: +SKIP
    (0.5, 1.0)
    """
    n_bootstrap = check_bootstrap(n_bootstrap)
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

    >>> table = budget_table([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], budgets=[2], shares=[])
    >>> table[["precision", "recall"]].values.tolist()
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


#: The figures of a manifest and a retraining comparison: name there → name in :func:`binary_metrics`.
HEADLINE_METRICS = {
    "roc_auc": "roc_auc",
    "average_precision": "average_precision",
    "brier": "brier",
    "ece": "ece",
    "precision_at_threshold": "precision",
    "recall_at_threshold": "recall",
    "flag_rate": "flag_rate",
}


def headline_metrics(y_true, scores, threshold: float) -> dict[str, float]:
    """The seven figures of :data:`HEADLINE_METRICS` from :func:`binary_metrics` (no bootstrap).

    >>> headline_metrics([0, 1], [0.2, 0.9], 0.5)["recall_at_threshold"]
    1.0
    """
    metrics = binary_metrics(y_true, scores, threshold, n_bootstrap=0)
    return {name: float(metrics[key]) for name, key in HEADLINE_METRICS.items()}


def fold_spread(y_true, scores, folds) -> float | None:
    """Standard deviation over the folds of the per-fold ROC-AUC; ``None`` when a fold has one
    class only. ``folds`` gives the fold of each post.

    >>> fold_spread([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.7], [0, 0, 1, 1])
    0.5
    """
    y_true, scores, folds = np.asarray(y_true), np.asarray(scores, dtype=float), np.asarray(folds)
    aucs = []
    for fold in np.unique(folds):
        inside = folds == fold
        if not 0 < y_true[inside].sum() < inside.sum():
            return None
        aucs.append(roc_auc_score(y_true[inside], scores[inside]))
    return float(np.std(aucs))


def cross_validation_metrics(y_true, scores, threshold: float, margins, folds) -> dict[str, Any]:
    """A model's figures on its own training posts from out-of-fold predictions (a manifest's
    ``metrics``): ``cv_folds``, the :data:`HEADLINE_METRICS` of the calibrated ``scores`` as
    ``cv_<name>``, and ``cv_roc_auc_fold_sd``, the spread over the folds of the ROC-AUC of the
    uncalibrated ``margins``. Labels are 0/1; ``folds`` gives the fold of each post.

    >>> figures = cross_validation_metrics([0, 1, 0, 1], [0.2, 0.9, 0.4, 0.6], 0.5, [-1, 2, 0, 1], [0, 0, 1, 1])
    >>> figures["cv_roc_auc"], figures["cv_folds"]
    (1.0, 2)
    """
    return {
        "cv_folds": int(len(np.unique(folds))),
        **{f"cv_{name}": value for name, value in headline_metrics(y_true, scores, threshold).items()},
        "cv_roc_auc_fold_sd": fold_spread(y_true, margins, folds),
    }
