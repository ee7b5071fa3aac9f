"""Pre-annotations that mean what the model means: the choice the model makes at its own
threshold, with the confidence of that choice. One place for every tool (Label Studio, Argilla).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import VnflagError

__all__ = ["DEFAULT_SUGGESTION_THRESHOLD", "model_threshold", "queue_model_threshold", "suggested_decision"]

#: The threshold used when a queue does not say the model's (scores from elsewhere, old records).
DEFAULT_SUGGESTION_THRESHOLD = 0.5


def suggested_decision(score: float, threshold: float) -> tuple[str, float]:
    """The model's choice for a post of ``score`` = P(misleading): ``misleading`` at and above
    ``threshold``, else ``ok``; with the confidence of that choice (P(misleading), or 1 - P).

    >>> suggested_decision(0.42, 0.4)
    ('misleading', 0.42)
    >>> suggested_decision(0.3, 0.4)
    ('ok', 0.7)
    """
    score, threshold = float(score), float(threshold)
    if not (math.isfinite(score) and 0.0 <= score <= 1.0):
        raise VnflagError(f"a suggestion needs a score in [0, 1], got {score!r}")
    if math.isnan(threshold):
        raise VnflagError("a suggestion needs a threshold, got NaN")
    if score >= threshold:
        return "misleading", score
    return "ok", round(1.0 - score, 12)


def model_threshold(scores: Sequence[float], flagged: Sequence[Any] | None) -> float | None:
    """The model's threshold as a scored table shows it: the lowest score of a flagged post (the
    scorer flags at and above the model's stored threshold), or just above the highest score when
    none is flagged; ``None`` without a ``flagged`` column or without any score.

    >>> model_threshold([0.2, 0.65, 0.9], [False, True, True])
    0.65
    """
    if flagged is None:
        return None
    pairs = [(float(s), bool(f)) for s, f in zip(scores, flagged, strict=True) if not math.isnan(float(s))]
    if not pairs:
        return None
    marked = [s for s, f in pairs if f]
    if marked:
        return min(marked)
    return math.nextafter(max(s for s, _ in pairs), math.inf)


def queue_model_threshold(record: Mapping[str, Any]) -> float:
    """The threshold a queue's suggestions use: the record's ``model_threshold`` (the model's own),
    else the queue's ``threshold``, else :data:`DEFAULT_SUGGESTION_THRESHOLD`."""
    for key in ("model_threshold", "threshold"):
        value = record.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return DEFAULT_SUGGESTION_THRESHOLD
