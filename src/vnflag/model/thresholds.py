"""Choosing a flag threshold on labelled scores: the F1-best cut (the model's default), or the cut
that meets a recall or precision target on validation posts (a review queue's threshold)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exceptions import VnflagError
from .inputs import parse_labels

__all__ = ["choose_threshold"]


def choose_threshold(
    y_true: Sequence[object] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    target_recall: float | None = None,
    target_precision: float | None = None,
) -> float:
    """The score threshold that best serves a goal on labelled posts (labels 0/1, true/false, yes/no).

    With neither target: the cut with the highest F1 (how :class:`~vnflag.Flagger` sets its
    threshold). With ``target_recall``: the highest threshold whose recall reaches it (fewest
    reviews for that recall). With ``target_precision``: the lowest threshold whose precision
    reaches it (most posts found at that precision). Posts without a score are left out.

    >>> choose_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], target_recall=1.0)
    0.35
    >>> choose_threshold([0, 0, 1, 0], [0.1, 0.4, 0.35, 0.8])
    0.35
    """
    from sklearn.metrics import precision_recall_curve

    if target_recall is not None and target_precision is not None:
        raise VnflagError("give at most one of target_recall and target_precision")
    target = target_recall if target_recall is not None else target_precision
    if target is not None and not 0.0 < float(target) <= 1.0:
        raise VnflagError(f"the target must be in (0, 1], got {target!r}")
    y = parse_labels(list(y_true))
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(s)
    y, s = y[keep], s[keep]
    if y.sum() == 0 or y.sum() == len(y):
        raise VnflagError("choosing a threshold needs labelled posts of both kinds")
    precision, recall, thresholds = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]
    if target is None:
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        return float(thresholds[int(np.argmax(f1))])
    if target_recall is not None:
        return float(thresholds[np.flatnonzero(recall >= target_recall)].max())
    ok = np.flatnonzero(precision >= target_precision)
    if not len(ok):
        raise VnflagError(f"no threshold reaches precision {target_precision} on the validation data")
    return float(thresholds[ok].min())
