"""Metric core (labels and scores, no model): checked against scikit-learn and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from vnflag.model.metrics import (
    _average_precision,
    _roc_auc,
    binary_metrics,
    bootstrap_ci,
    budget_table,
    expected_calibration_error,
    headline_metrics,
)


@pytest.fixture(scope="module")
def known():
    """Scores with ties (rounded), positives scoring higher on average."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 400)
    scores = np.clip(np.round(0.35 + 0.3 * y + rng.normal(0, 0.2, 400), 2), 0, 1)
    return y, scores


def test_metrics_match_scikit_learn(known):
    y, s = known
    m = binary_metrics(y, s, threshold=0.5, n_bootstrap=0)
    flagged = (s >= 0.5).astype(int)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert m["average_precision"] == pytest.approx(average_precision_score(y, s))
    assert m["brier"] == pytest.approx(brier_score_loss(y, s))
    assert m["precision"] == pytest.approx(precision_score(y, flagged))
    assert m["recall"] == pytest.approx(recall_score(y, flagged))
    assert m["f1"] == pytest.approx(f1_score(y, flagged))
    assert [m["tn"], m["fp"], m["fn"], m["tp"]] == confusion_matrix(y, flagged).ravel().tolist()
    assert 0.6 < m["roc_auc"] < 1.0  # the data is informative but not separable


@pytest.mark.parametrize("seed", range(5))
def test_bootstrap_fast_metrics_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    y = np.r_[0, 1, rng.integers(0, 2, n)]
    s = np.round(rng.random(n + 2), 1)  # many ties
    assert _roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert _average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_bootstrap_interval_contains_point_estimate(known):
    y, s = known
    m = binary_metrics(y, s, threshold=0.5, n_bootstrap=300)
    for name in ("roc_auc", "average_precision"):
        low, high = m[f"{name}_low"], m[f"{name}_high"]
        assert low < m[name] < high
        assert high - low < 0.2
    # Same seed, same interval; and no resamples means no interval.
    assert bootstrap_ci(roc_auc_score, y, s, 100, random_state=3) == bootstrap_ci(roc_auc_score, y, s, 100, random_state=3)
    assert np.isnan(bootstrap_ci(roc_auc_score, y, s, 0)[0])


def test_budget_precision_and_recall_by_hand():
    y = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    table = budget_table(y, s, budgets=[1, 2, 5, 50], shares=[0.3]).set_index("budget")
    assert table.loc["top 1", ["caught", "precision", "recall"]].tolist() == [1, 1.0, pytest.approx(1 / 3)]
    assert table.loc["top 2", "precision"] == 0.5
    assert table.loc["top 5", ["precision", "recall"]].tolist() == [0.6, 1.0]
    # A budget larger than the data reads everything; a share rounds up.
    assert table.loc["top 50", ["reviewed", "precision"]].tolist() == [10, 0.3]
    assert table.loc["top 30%", ["reviewed", "caught"]].tolist() == [3, 2]


def test_budget_uses_order_of_score_not_input():
    shuffled = budget_table([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], budgets=[2], shares=[])
    assert shuffled.loc[0, "precision"] == 1.0


def test_ece_zero_when_perfectly_calibrated_and_gap_otherwise():
    # In the 0.2-0.3 bin one post in four is positive; in the 0.7-0.8 bin three in four.
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    s = [0.25] * 4 + [0.75] * 4
    assert expected_calibration_error(y, s) == pytest.approx(0.0)
    assert expected_calibration_error([1, 0, 1, 0], [0.9] * 4) == pytest.approx(0.4)
    assert expected_calibration_error([1, 1, 0, 0], [1.0, 1.0, 0.0, 0.0]) == pytest.approx(0.0)


def test_one_class_and_empty_inputs_give_nan_not_errors():
    one = binary_metrics([0, 0, 0], [0.1, 0.6, 0.2], threshold=0.5, n_bootstrap=10)
    assert np.isnan(one["roc_auc"]) and np.isnan(one["roc_auc_low"])
    assert one["fp"] == 1 and one["flag_rate"] == pytest.approx(1 / 3)
    empty = binary_metrics([], [], threshold=0.5)
    assert empty["n"] == 0 and np.isnan(empty["roc_auc"]) and np.isnan(empty["ece"])


def test_headline_metrics_are_binary_metrics_with_one_rule_when_nothing_is_flagged():
    y, s = np.array([0, 1, 0, 1]), np.array([0.2, 0.9, 0.4, 0.6])
    full = binary_metrics(y, s, 0.5, n_bootstrap=0)
    headline = headline_metrics(y, s, 0.5)
    assert headline["precision_at_threshold"] == full["precision"] == 1.0
    assert headline["recall_at_threshold"] == full["recall"] == 1.0
    # Nothing flagged: precision is undefined (nan) in both, never a silent 0.
    assert np.isnan(headline_metrics(y, s, 0.99)["precision_at_threshold"])
    assert np.isnan(binary_metrics(y, s, 0.99, n_bootstrap=0)["precision"])
    assert headline_metrics(y, s, 0.99)["recall_at_threshold"] == 0.0
