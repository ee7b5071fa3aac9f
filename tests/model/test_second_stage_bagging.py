"""A bagged boosted second stage (``second_stage_bags``): validated at fit, cloneable, saved and loaded
back, deterministic, and honest out-of-fold margins (each fold fits its own models)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier

from vnflag import Flagger, load_model, save_model
from vnflag.model import flagger as flagger_module
from vnflag.model.flagger import BaggedBoosting

META_COLS = ["num_like", "num_comment", "num_share"]


@pytest.fixture
def boosting_on_small_data(monkeypatch):
    """The bundled posts are fewer than MIN_BOOSTING_ROWS: let ``second_stage="auto"`` boost on them."""
    monkeypatch.setattr(flagger_module, "MIN_BOOSTING_ROWS", 100)


@pytest.fixture(scope="module")
def posts(labelled):
    return labelled[["text", *META_COLS]], labelled["label"].to_numpy()


def _bagged(**params) -> Flagger:
    return Flagger(meta_cols=META_COLS, cv=3, second_stage_bags=3, **params)


@pytest.mark.parametrize("bad", [dict(second_stage_bags=0), dict(second_stage_bags=-2), dict(second_stage_bags=1.5),
                                 dict(second_stage_bags=True), dict(second_stage_bagging="pasting"),
                                 dict(second_stage_bagging=None)])
def test_bad_bagging_parameters_raise_value_error_at_fit_not_construction(posts, bad):
    flagger = Flagger(meta_cols=META_COLS, **bad)  # construction, clone and set_params never check
    clone(flagger).set_params(**bad)
    with pytest.raises(ValueError, match=next(iter(bad))):
        flagger.fit(*posts)


def test_bagging_parameters_clone_and_get_params():
    flagger = Flagger(second_stage_bags=7, second_stage_bagging="feature_subsets")
    params = clone(flagger).get_params()
    assert params["second_stage_bags"] == 7 and params["second_stage_bagging"] == "feature_subsets"
    assert Flagger().get_params()["second_stage_bags"] == 1, "one boosted model unless asked"
    assert clone(flagger).set_params(second_stage_bags=2).second_stage_bags == 2


def test_bags_build_the_bagged_stage_and_one_bag_the_single_model(posts, boosting_on_small_data):
    bagged = _bagged().fit(*posts)
    assert isinstance(bagged.classifier_, BaggedBoosting) and len(bagged.classifier_.estimators_) == 3
    single = Flagger(meta_cols=META_COLS, cv=3).fit(*posts)
    assert isinstance(single.classifier_, HistGradientBoostingClassifier)
    seeds = _bagged(second_stage_bagging="feature_subsets").fit(*posts)
    assert [m.max_features for m in seeds.classifier_.estimators_] == [flagger_module.FEATURE_SUBSET_SHARE] * 3
    assert len({m.random_state for m in seeds.classifier_.estimators_}) == 3, "a seed per model"
    text_only = Flagger(cv=3, second_stage_bags=3).fit(posts[0][["text"]], posts[1])
    assert not isinstance(text_only.classifier_, BaggedBoosting), "no context columns: logistic, bags ignored"


def test_bagged_model_saves_and_loads_back_with_the_same_scores(posts, boosting_on_small_data, tmp_path):
    bagged = _bagged().fit(*posts)
    save_model(bagged, tmp_path / "model")  # BaggedBoosting is on the skops allow-list
    reloaded = load_model(tmp_path / "model")
    assert isinstance(reloaded.classifier_, BaggedBoosting)
    np.testing.assert_array_equal(reloaded.predict_proba(posts[0]), bagged.predict_proba(posts[0]))


def test_out_of_fold_margins_come_from_bags_fitted_inside_each_fold(posts, boosting_on_small_data, monkeypatch):
    """Each fold's margins come from models fitted without that fold: the final model (fitted on every
    post) never scores a training post during fit."""
    fits, scored = [], []
    fit, decision_function = BaggedBoosting.fit, BaggedBoosting.decision_function

    def recording_fit(self, X, y):
        fits.append((id(self), len(X)))
        return fit(self, X, y)

    def recording_decision(self, X):
        scored.append((id(self), len(X)))
        return decision_function(self, X)

    monkeypatch.setattr(BaggedBoosting, "fit", recording_fit)
    monkeypatch.setattr(BaggedBoosting, "decision_function", recording_decision)
    bagged = _bagged().fit(*posts)
    n = len(posts[1])
    test_sizes = np.bincount(bagged.oof_fold_)
    assert [size for _, size in fits] == [n - size for size in test_sizes] + [n]
    assert [size for _, size in scored] == list(test_sizes), "each fold scores only its held-out posts"
    final = id(bagged.classifier_)
    assert fits[-1][0] == final and final not in {model for model, _ in scored}
    assert [model for model, _ in scored] == [model for model, _ in fits[:-1]], "each fold model scores its own fold"


def test_bagged_fit_is_deterministic_given_random_state(posts, boosting_on_small_data):
    first = _bagged(random_state=3).fit(*posts)
    again = _bagged(random_state=3).fit(*posts)
    other = _bagged(random_state=4).fit(*posts)
    np.testing.assert_array_equal(first.predict_proba(posts[0]), again.predict_proba(posts[0]))
    np.testing.assert_array_equal(first.oof_decision_, again.oof_decision_)
    assert not np.array_equal(first.classifier_.decision_function(_stacked(first, posts[0])),
                              other.classifier_.decision_function(_stacked(other, posts[0])))


def _stacked(flagger: Flagger, frame) -> np.ndarray:
    ngrams, _, context, _ = flagger._features(*flagger._split_input(frame))
    return np.column_stack([flagger.text_classifier_.decision_function(ngrams), context])


@settings(max_examples=15, deadline=None)
@given(n_models=st.integers(1, 4), bagging=st.sampled_from(flagger_module.BAGGING), seed=st.integers(0, 2**16),
       positives=st.integers(2, 30), negatives=st.integers(2, 60))
def test_bagged_margin_is_the_mean_of_its_models_and_bootstraps_keep_class_counts(
        n_models, bagging, seed, positives, negatives):
    rng = np.random.default_rng(seed)
    y = np.array([1] * positives + [0] * negatives)
    X = rng.normal(size=(len(y), 3)) + y[:, None]
    model = BaggedBoosting(n_models=n_models, bagging=bagging, random_state=seed).fit(X, y)
    assert len(model.estimators_) == n_models
    margins = np.mean([m.decision_function(X) for m in model.estimators_], axis=0)
    np.testing.assert_allclose(model.decision_function(X), margins)
    np.testing.assert_array_equal(model.predict(X), (margins > 0).astype(int))
    for estimator in model.estimators_:  # every model saw both classes: its classes are the data's
        np.testing.assert_array_equal(estimator.classes_, [0, 1])
    np.testing.assert_array_equal(clone(model).fit(X, y).decision_function(X), model.decision_function(X))


def test_a_model_saved_before_the_bagging_parameters_loads_clones_and_scores_alike(flagger, tmp_path):
    """A model directory written by the previous version has no ``second_stage_bags``: it gets the default
    it was fitted with, so ``get_params``, ``clone`` (what a retrain does with the champion) and scoring work."""
    import pickle

    state = flagger.__getstate__()
    for name in ("second_stage_bags", "second_stage_bagging"):
        state.pop(name)
    old = Flagger.__new__(Flagger)
    old.__setstate__(state)
    assert old.get_params()["second_stage_bags"] == 1 and old.get_params()["second_stage_bagging"] == "bootstrap"
    assert clone(old).get_params() == clone(flagger).get_params()
    posts = pd.DataFrame({"text": ["Uống nước chanh diệt virus, chia sẻ ngay!", "Bộ Y tế công bố số ca mắc mới"],
                          **{column: ["3", "12"] for column in flagger.input_columns()[1:]}})
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(old)).predict_proba(posts), flagger.predict_proba(posts))
