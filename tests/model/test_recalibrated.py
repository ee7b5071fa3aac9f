"""``Flagger.recalibrated``: a new calibration on the model's own margins, the ranking and flagged posts kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag import Flagger


def _labels(margins: np.ndarray, shift: float, seed: int = 0) -> np.ndarray:
    """Labels drawn from a sigmoid of the margins moved by ``shift`` (later posts: another calibration)."""
    rng = np.random.default_rng(seed)
    return (rng.random(len(margins)) < 1 / (1 + np.exp(-(1.5 * margins + shift)))).astype(int)


@pytest.fixture(scope="module")
def fitted(labelled):
    texts, labels = labelled["text"].tolist(), labelled["label"].astype(int).to_numpy()
    return Flagger(cv=3).fit(texts, labels), texts, labels


def test_ranking_and_flags_unchanged_scores_moved(fitted):
    model, texts, _ = fitted
    margins = model.decision_function(texts)
    new = model.recalibrated(texts, _labels(margins, -2.0))
    np.testing.assert_array_equal(new.decision_function(texts), margins)
    assert (new.predict(texts) == model.predict(texts)).all()
    assert not np.allclose(new.predict_proba(texts), model.predict_proba(texts))
    assert model.calibrator_ is not new.calibrator_ and model.threshold_ != new.threshold_  # the original is intact
    assert new.recalibrated_margins(margins, _labels(margins, -2.0), threshold=0.3).threshold_ == 0.3


def test_weights_change_the_fit(fitted):
    model = fitted[0]
    margins = np.random.default_rng(2).normal(0, 1.5, 400)  # margins of posts the model has not seen
    y = _labels(margins, 0.0)
    plain = model.recalibrated_margins(margins, y)
    heavy = model.recalibrated_margins(margins, y, sample_weight=np.where(y == 1, 10.0, 1.0))
    assert heavy.calibrate(margins).mean() > plain.calibrate(margins).mean() + 0.05  # weighted positives count more
    scaled = model.recalibrated_margins(margins, y, sample_weight=np.full(len(y), 7.0))
    np.testing.assert_allclose(scaled.calibrator_.coef_, plain.calibrator_.coef_, rtol=1e-6)  # only relative weights


def test_isotonic_model_is_recalibrated_with_a_sigmoid_on_the_same_cut(labelled):
    texts, labels = labelled["text"].tolist(), labelled["label"].astype(int).to_numpy()
    model = Flagger(cv=3, calibration="isotonic").fit(texts, labels)
    margins = model.decision_function(texts)
    new = model.recalibrated_margins(margins, _labels(margins, -1.0))
    assert new.calibration == "sigmoid" and model.calibration == "isotonic"
    assert (new.predict(texts) == model.predict(texts)).all()


def test_refusals(fitted):
    model, texts, _ = fitted
    margins = model.decision_function(texts)
    with pytest.raises(ValueError, match="both classes"):
        model.recalibrated_margins(margins, np.zeros(len(margins), dtype=int))
    with pytest.raises(ValueError, match="reverse the ranking"):
        model.recalibrated_margins(margins, (margins < np.median(margins)).astype(int))
    with pytest.raises(ValueError, match="sample_weight"):
        model.recalibrated_margins(margins, _labels(margins, 0.0), sample_weight=-np.ones(len(margins)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 100.0), min_size=60, max_size=60), st.floats(-3.0, 3.0))
def test_any_weights_keep_scores_monotone_in_the_margin(fitted, weights, shift):
    model, texts, _ = fitted
    margins = np.linspace(-6, 6, 60)
    y = np.r_[np.zeros(5, dtype=int), _labels(margins[5:-5], shift, seed=1), np.ones(5, dtype=int)]
    try:
        new = model.recalibrated_margins(margins, y, sample_weight=weights)
    except ValueError as exc:  # labels against the margin: refused, never a reversed ranking
        assert "reverse the ranking" in str(exc)
        return
    grid = np.linspace(-20, 20, 401)
    scores = new.calibrate(grid)
    assert np.all(np.diff(scores) >= 0)
    assert ((scores >= new.threshold_) == (model.calibrate(grid) >= model.threshold_)).all()
