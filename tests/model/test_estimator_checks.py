"""scikit-learn's estimator checks on every vnflag estimator.

``CountFeatures`` takes a 2-D table of counts and runs the whole suite of
``parametrize_with_checks``. ``Segmenter`` and ``Flagger`` take texts (``input_tags.string``,
no ``two_d_array``), and scikit-learn's data checks feed random numeric matrices, so its suite
skips them, exactly as it does for its own ``TfidfVectorizer``. For those two estimators this
file runs every scikit-learn check that needs no data, and a text version of each data check
that applies (:data:`TEXT_VERSIONS` says which test stands for which check, and why the rest
cannot apply).
"""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from vnflag import CountFeatures, Flagger, Segmenter
from vnflag.model.flagger import BaggedBoosting

DATA_FREE_CHECKS = (
    checks.check_estimator_cloneable,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
)

#: scikit-learn data check → the text test below that stands for it, or why it cannot apply.
TEXT_VERSIONS = {
    "check_estimators_fit_returns_self": "test_fit_returns_self",
    "check_estimators_unfitted": "test_unfitted_model_raises_not_fitted",
    "check_dont_overwrite_parameters": "test_fit_adds_only_trailing_underscore_attributes",
    "check_estimators_overwrite_params": "test_fit_does_not_change_parameters",
    "check_fit_idempotent": "test_fit_is_idempotent",
    "check_estimators_pickle": "test_pickle_round_trip_predicts_the_same",
    "check_methods_sample_order_invariance": "test_sample_order_invariance",
    "check_methods_subset_invariance": "test_subset_invariance",
    "check_n_features_in_after_fitting": "test_n_features_in",
    "check_classifiers_classes": "test_string_classes_and_probability_columns",
    "check_dict_unchanged": "test_prediction_leaves_the_model_unchanged",
    "check_fit_check_is_fitted": "test_unfitted_model_raises_not_fitted",
    "check_param_validation": "test_invalid_parameters_fail_at_fit_naming_the_parameter",
    "check_estimators_dtypes": "not applicable: the input is text, not a numeric dtype",
    "check_estimators_nan_inf": "not applicable: missing texts are read as empty posts by design",
    "check_estimator_sparse_matrix": "not applicable: the input is text; sparse matrices are made inside",
    "check_fit2d_1feature": "not applicable: one text column is the only shape (2-D (n, 1) is accepted)",
    "check_supervised_y_2d": "test_two_d_labels_are_refused",
}


# --------------------------------------------------------------------------- the full suite
@parametrize_with_checks([CountFeatures(), CountFeatures(n_bins=2)])
def test_count_features_pass_every_scikit_learn_check(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- data-free checks
@pytest.mark.parametrize("estimator", [Segmenter(), Flagger(), BaggedBoosting()],
                         ids=["Segmenter", "Flagger", "BaggedBoosting"])
@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
def test_text_estimators_pass_the_data_free_checks(estimator, check):
    check(type(estimator).__name__, estimator)


def test_text_versions_cover_every_listed_data_check():
    tests = {name for name in globals() if name.startswith("test_")}
    for check, stand_in in TEXT_VERSIONS.items():
        assert hasattr(checks, check), f"scikit-learn has no {check}"
        assert stand_in in tests or stand_in.startswith("not applicable"), (check, stand_in)


# --------------------------------------------------------------------------- text versions
@pytest.fixture(scope="module")
def posts(labelled):
    sample = pd.concat([labelled[labelled["label"] == v].head(45) for v in ("0", "1")], ignore_index=True)
    return sample[["text", "num_like", "num_comment", "num_share"]], np.where(sample["label"] == "1", "fake", "real")


def _small(**params):
    return Flagger(cv=3, meta_cols=("num_like", "num_share"), **params)


@pytest.fixture(scope="module")
def fitted(posts):
    X, y = posts
    return _small().fit(X, y)


def test_fit_returns_self(posts):
    flagger = _small()
    assert flagger.fit(*posts) is flagger
    segmenter = Segmenter()
    assert segmenter.fit(["a"]) is segmenter


def test_unfitted_model_raises_not_fitted(posts):
    for method in ("predict_proba", "predict", "decision_function", "explain", "score_posts"):
        with pytest.raises(NotFittedError):
            getattr(_small(), method)(posts[0])


def test_fit_adds_only_trailing_underscore_attributes(posts):
    flagger = _small()
    before = set(vars(flagger))
    flagger.fit(*posts)
    added = set(vars(flagger)) - before
    assert added and all(name.endswith("_") for name in added), sorted(added)


def test_fit_does_not_change_parameters(posts):
    flagger = _small(class_weight={"fake": 2.0, "real": 1.0})
    before = joblib.hash(flagger.get_params())
    flagger.fit(*posts)
    assert joblib.hash(flagger.get_params()) == before


def test_fit_is_idempotent(posts, fitted):
    again = clone(fitted).fit(*posts).fit(*posts)
    np.testing.assert_allclose(again.predict_proba(posts[0]), fitted.predict_proba(posts[0]))
    assert again.threshold_ == fitted.threshold_


def test_pickle_round_trip_predicts_the_same(posts, fitted):
    copy = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(copy.predict_proba(posts[0]), fitted.predict_proba(posts[0]))
    assert copy.explain(posts[0].head(5)) == fitted.explain(posts[0].head(5))


def test_sample_order_invariance(posts, fitted):
    X = posts[0]
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(fitted.predict_proba(X.iloc[order]), fitted.predict_proba(X)[order])
    segmenter = Segmenter()
    texts = X["text"].tolist()
    assert segmenter.transform([texts[i] for i in order]) == [segmenter.transform(texts)[i] for i in order]


def test_subset_invariance(posts, fitted):
    X = posts[0]
    whole = fitted.score_posts(X)
    parts = [fitted.score_posts(X.iloc[i:i + 7]) for i in range(0, len(X), 7)]
    np.testing.assert_allclose(np.vstack([p.proba for p in parts]), whole.proba)
    assert [r for p in parts for r in p.reasons] == whole.reasons


def test_n_features_in(fitted):
    assert fitted.n_features_in_ == 3  # the text column and two count columns


def test_string_classes_and_probability_columns(posts, fitted):
    assert fitted.classes_.tolist() == ["fake", "real"]
    proba = fitted.predict_proba(posts[0])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = fitted.predict(posts[0])
    assert set(predicted) <= {"fake", "real"}
    # predict says classes_[1] exactly where the second column reaches the threshold.
    assert ((predicted == "real") == (proba[:, 1] >= fitted.threshold_)).all()


def test_prediction_leaves_the_model_unchanged(posts, fitted):
    before = joblib.hash(vars(fitted))
    fitted.predict_proba(posts[0])
    fitted.explain(posts[0])
    fitted.tokenize(posts[0])
    assert joblib.hash(vars(fitted)) == before


def test_fit_does_not_change_its_input(posts):
    X, y = posts
    X_before, y_before = X.copy(), y.copy()
    _small().fit(X, y)
    pd.testing.assert_frame_equal(X, X_before)
    assert (y == y_before).all()


def test_class_weight_dict_uses_the_users_labels(posts):
    X, y = posts
    heavy = _small(class_weight={"fake": 5.0, "real": 1.0}).fit(X, y)
    light = _small(class_weight={"fake": 1.0, "real": 5.0}).fit(X, y)
    # More weight on "fake" pushes the probability of "real" (classes_[1]) down.
    assert heavy.predict_proba(X)[:, 1].mean() < light.predict_proba(X)[:, 1].mean()
    with pytest.raises(ValueError, match="class_weight"):
        _small(class_weight={"fake": 2.0}).fit(X, y)


def test_two_d_labels_are_refused(posts):
    X, y = posts
    with pytest.raises(ValueError, match="1-D"):
        _small().fit(X, y.reshape(-1, 1))


@pytest.mark.parametrize("name, value", [
    ("C", 0), ("C", "big"), ("cv", 1), ("min_df", 0), ("calibration", "platt"), ("threshold", 1.5),
    ("threshold", "best"), ("meta_cols", "num_like"), ("meta_cols", [1]),
    ("word_ngram_range", (2, 1)), ("char_ngram_range", (0, 3)), ("max_char_features", 0),
    ("class_weight", "even"), ("text_col", 3), ("random_state", "seed"), ("second_stage", "forest"),
    ("time_col", 3), ("time_features", ("minute",)), ("second_stage_bags", 0), ("second_stage_bags", 2.5),
    ("second_stage_bags", "10"), ("second_stage_bagging", "pasting"),
])
def test_invalid_parameters_fail_at_fit_naming_the_parameter(posts, name, value):
    flagger = Flagger(**{name: value})  # never at construction: clone and set_params must work
    with pytest.raises((ValueError, TypeError), match=name):
        flagger.fit(*posts)


def test_estimators_have_no_process_parameters():
    """Estimators never start processes: parallelism is the scoring pipeline's."""
    for estimator in (Flagger(), Segmenter()):
        assert not {"n_jobs", "min_parallel"} & set(estimator.get_params())
    assert not hasattr(Flagger, "with_jobs")


def test_parameters_are_keyword_only():
    for estimator in (Flagger, Segmenter, CountFeatures):
        with pytest.raises(TypeError):
            estimator("positional")


# --------------------------------------------------------------------------- errors, as scikit-learn raises them
def _not_vnflag(error) -> bool:
    from vnflag import VnflagError

    return not isinstance(error.value, VnflagError)


@pytest.mark.parametrize("call", [
    lambda f, X: f.score_posts(X, top_k=-1),
    lambda f, X: f.explain(X, top_k=1.5),
    lambda f, X: f.predict_proba(X.drop(columns=["num_share"])),
    lambda f, X: f.score_posts(X[["text"]]),
    lambda f, X: f.decision_function(X.rename(columns={"text": "body"})),
], ids=["top_k negative", "top_k float", "count column missing", "count column missing too", "text column missing"])
def test_bad_input_to_a_fitted_model_is_a_plain_value_error(posts, fitted, call):
    with pytest.raises(ValueError) as error:
        call(fitted, posts[0])
    assert _not_vnflag(error), "the pipelines decide what is a user's mistake, not the estimator"


@pytest.mark.parametrize("call, kind", [
    (lambda X, y: Flagger(cv=3, meta_cols=("num_like",)).fit(X["text"].tolist(), y), TypeError),
    (lambda X, y: Flagger(cv=3).fit("one post", y[:1]), TypeError),
    (lambda X, y: Flagger(cv=3).fit(X["text"], y[:5]), ValueError),
    (lambda X, y: Flagger(cv=3).fit(X["text"], np.full(len(y), "fake")), ValueError),
    (lambda X, y: Flagger(cv=3, meta_cols=("likes",)).fit(X, y), ValueError),
    (lambda X, y: Flagger(cv=3, time_col="num_like", timezone="Mars/Olympus").fit(X, y), ValueError),
], ids=["context columns need a DataFrame", "single string", "y length", "one class", "column missing",
        "bad time zone"])
def test_bad_training_input_is_a_plain_value_or_type_error(posts, call, kind):
    with pytest.raises(kind) as error:
        call(*posts)
    assert _not_vnflag(error)


def test_fit_exposes_its_out_of_fold_predictions_and_does_not_save_them(posts, fitted):
    X, y = posts
    n = len(y)
    assert fitted.oof_proba_.shape == (n, 2) and fitted.oof_decision_.shape == (n,)
    np.testing.assert_allclose(fitted.oof_proba_.sum(axis=1), 1.0)
    assert sorted(set(fitted.oof_fold_.tolist())) == [0, 1, 2]
    # out-of-fold: not the in-sample scores of the final model
    assert not np.allclose(fitted.oof_proba_, fitted.predict_proba(X))
    # higher margin, higher calibrated score (sigmoid calibration is increasing)
    order = np.argsort(fitted.oof_decision_)
    assert (np.diff(fitted.oof_proba_[order, 1]) >= 0).all()
    restored = pickle.loads(pickle.dumps(fitted))
    assert not [name for name in vars(restored) if name.startswith("oof_")]
    assert hasattr(fitted, "oof_proba_"), "the fitted model itself keeps them"
    for name in ("training_metrics_", "training_score_edges_", "training_score_shares_", "training_unseen_share_"):
        assert not hasattr(fitted, name), f"{name}: measured by the training pipeline, not by fit"
