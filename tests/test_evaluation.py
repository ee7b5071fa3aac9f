"""Evaluation metrics: checked against scikit-learn and by hand; slices never crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
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

from vnflag import VnflagError, evaluate, read_manifest
from vnflag.evaluation import (
    _average_precision,
    _roc_auc,
    binary_metrics,
    bootstrap_ci,
    budget_table,
    expected_calibration_error,
    slice_masks,
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


def test_slices():
    texts = ["Bộ Y tế khuyến cáo", "ko sao dau 😂", "khong co dau " * 40, None]
    masks = {(name, value): mask.tolist() for name, value, mask in slice_masks(texts)}
    assert masks[("diacritics", "with")] == [True, False, False, False]
    assert masks[("teencode", "with")] == [False, True, False, False]
    assert masks[("emoji", "with")] == [False, True, False, False]
    assert masks[("length", "long (>=100 words)")] == [False, False, True, False]
    frame = pd.DataFrame({"source": ["a", "b", None, "a"]})
    user = [(v, m.tolist()) for n, v, m in slice_masks(texts, frame, ["source"]) if n == "source"]
    assert user == [("a", [True, False, False, True]), ("b", [False, True, False, False]),
                    ("(missing)", [False, False, True, False])]


@pytest.fixture(scope="module")
def short_posts(labelled):
    """Short labelled posts with a user column, a value of which has one class only."""
    frame = labelled[labelled["text"].str.split().str.len() < 60].head(160).reset_index(drop=True)
    frame["platform"] = np.where(np.arange(len(frame)) % 2, "forum", "zalo")
    frame.loc[frame["label"] == "0", "platform"] = frame.loc[frame["label"] == "0", "platform"].where(
        lambda p: p != "forum", "facebook")
    return frame


def test_evaluate_end_to_end(flagger, short_posts):
    result = evaluate(flagger, short_posts, slice_cols=["platform"], n_bootstrap=100)
    m = result.metrics
    labels = short_posts["label"].astype(int).to_numpy()
    scores = flagger.predict_proba(short_posts)[:, 1]
    assert m["n"] == len(short_posts) and m["positives"] == labels.sum()
    assert m["roc_auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-4)
    assert result.to_frame().shape[0] == 1 and set(result.to_dict()) >= {"metrics", "budgets", "slices"}
    assert result.confusion.to_numpy().sum() == len(short_posts)
    slices = result.slices.set_index(["slice", "value"])
    # No post has 100 words: the slice is reported, empty, with no metrics.
    long_row = slices.loc[("length", "long (>=100 words)")]
    assert long_row["n"] == 0 and np.isnan(long_row["roc_auc"])
    # "forum" holds only label-1 posts: counted, but no AUC.
    forum = slices.loc[("platform", "forum")]
    assert forum["n"] > 0 and forum["positives"] == forum["n"] and np.isnan(forum["roc_auc"])
    assert slices.loc[("diacritics", "with"), "n"] + slices.loc[("diacritics", "without"), "n"] == len(short_posts)


def test_evaluate_flags_training_data_and_skips_empty_text(model_dir, labelled):
    result = evaluate(model_dir, labelled, n_bootstrap=0)
    assert result.data["is_training_data"]
    assert result.manifest["model_version"] == read_manifest(model_dir)["model_version"]
    frame = labelled.head(40).copy()
    frame.loc[0, "text"] = "   "
    result = evaluate(model_dir, frame, n_bootstrap=0)
    assert not result.data["is_training_data"]
    assert result.data["not_scored"] == 1 and result.metrics["n"] == 39


def test_evaluate_user_mistakes_name_the_column(flagger, labelled):
    with pytest.raises(VnflagError, match="'nope'"):
        evaluate(flagger, labelled.head(20), slice_cols=["nope"])
    bad = labelled.head(20).copy()
    bad.loc[3, "label"] = "maybe"
    with pytest.raises(VnflagError, match="row 4"):
        evaluate(flagger, bad)
