"""Scoring layer: score a table of posts (every row out, in order, with the model's columns) and
check a batch for drift. Files, engines and resumption are the pipelines' (:mod:`vnflag.pipelines`)."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "score_frame": ".score",
    "scored_rows": ".score",
    "drift_report": ".score",
    "SCORE_COLUMNS": ".score",
})
