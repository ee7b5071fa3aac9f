"""Model layer: features, the :class:`Flagger` estimator, explanations, metrics, thresholds and
drift statistics. Imports only the text layer below it."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "CountFeatures": ".features",
    "parse_count": ".features",
    "parse_counts": ".features",
    "style_features": ".features",
    "Flagger": ".flagger",
    "PostScores": ".flagger",
    "check_columns": ".inputs",
    "parse_labels": ".inputs",
    "data_fingerprint": ".inputs",
    "binary_metrics": ".metrics",
    "headline_metrics": ".metrics",
    "cross_validation_metrics": ".metrics",
    "bootstrap_ci": ".metrics",
    "budget_table": ".metrics",
    "expected_calibration_error": ".metrics",
    "reliability_table": ".metrics",
    "choose_threshold": ".thresholds",
    "DriftMonitor": ".drift",
    "psi": ".drift",
    "score_bins": ".drift",
    "drift_baseline": ".drift",
})
