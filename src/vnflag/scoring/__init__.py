"""Scoring layer: train a model from a table, score tables and files (chunked, atomic) and check a
batch for drift. Imports the artifacts, model and text layers."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "train_frame": ".training",
    "train_file": ".training",
    "data_fingerprint": ".training",
    "score_frame": ".score",
    "score_file": ".score",
    "scored_rows": ".score",
    "drift_report": ".score",
    "resolve_model": ".score",
    "model_manifest": ".score",
    "SCORE_COLUMNS": ".score",
    "score_dask": ".distributed",
    "score_file_dask": ".distributed",
})
