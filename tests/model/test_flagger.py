"""The Flagger estimator: scikit-learn contract, calibration, threshold, reasons."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV

from vnflag import Flagger, VnflagError

META_COLS = ["num_like", "num_comment", "num_share"]

TINY_POSITIVE = [
    "KHẨN: uống nước chanh nóng diệt virus, chia sẻ ngay",
    "Nghe nói mai cắt điện toàn thành phố, share gấp",
    "Nhận iPhone miễn phí, bấm link xxurl ngay",
    "Lãi 30% mỗi tháng, nạp tiền nhận hoa hồng",
    "Bạn mình làm bệnh viện kể là lá đu đủ chữa ung thư",
    "Chia sẻ ngay kẻo muộn, báo chí không đưa tin",
]
TINY_NEGATIVE = [
    "Theo Bộ Y tế, số ca mắc giảm trong tuần qua",
    "Hôm nay cả nhà đi ăn phở, ngon lắm",
    "Trung tâm khí tượng dự báo mai trời mưa nhẹ",
    "Shop bán áo len giá 200 nghìn, địa chỉ quận 3",
    "Chúc mừng sinh nhật em gái nhé",
    "UBND phường thông báo lịch tiêm số 12/TB",
]


@pytest.fixture(scope="module")
def tiny():
    texts = TINY_POSITIVE + TINY_NEGATIVE
    labels = np.array(["misleading"] * 6 + ["ok"] * 6)
    return texts, labels


def test_get_params_and_clone_round_trip():
    flagger = Flagger(text_col="post", meta_cols=("likes",), C=2.0, threshold=0.3)
    cloned = clone(flagger)
    assert cloned.get_params() == flagger.get_params()
    assert cloned is not flagger and is_classifier(flagger)


def test_fit_returns_self_and_sets_fitted_attributes(tiny):
    texts, labels = tiny
    flagger = Flagger(cv=3, min_df=1)
    assert flagger.fit(texts, labels) is flagger
    for attribute in ("classes_", "threshold_", "oof_proba_", "classifier_", "text_classifier_"):
        assert hasattr(flagger, attribute)
    assert not hasattr(Flagger(), "classes_")


def test_classes_match_predict_proba_columns(tiny):
    texts, labels = tiny
    flagger = Flagger(cv=3, min_df=1).fit(texts, labels)
    assert list(flagger.classes_) == ["misleading", "ok"]
    proba = flagger.predict_proba(texts)
    assert proba.shape == (12, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # column 1 is classes_[1] = "ok": ordinary posts must score higher on it than on average
    assert proba[6:, 1].mean() > proba[:6, 1].mean()
    predicted = flagger.predict(texts)
    assert set(predicted) <= {"misleading", "ok"}
    assert (predicted == labels).mean() >= 0.75


def test_invalid_parameters_rejected_at_fit(tiny):
    texts, labels = tiny
    for bad in (dict(calibration="platt"), dict(cv=1), dict(threshold=1.5), dict(C=0), dict(meta_cols="likes")):
        with pytest.raises((ValueError, TypeError)):
            Flagger(**bad).fit(texts, labels)


def test_needs_two_classes(tiny):
    texts, _ = tiny
    with pytest.raises(ValueError, match="two classes"):
        Flagger().fit(texts, ["ok"] * len(texts))


def test_single_string_is_refused(flagger):
    with pytest.raises(TypeError):
        flagger.predict_proba("một bài viết")


def test_grid_search_works(tiny):
    texts, labels = tiny
    search = GridSearchCV(Flagger(cv=2, min_df=1), {"C": [1.0, 4.0]}, cv=2, scoring="roc_auc")
    search.fit(np.array(texts, dtype=object), labels)
    assert search.best_params_["C"] in (1.0, 4.0)


def test_isotonic_calibration_gives_probabilities(tiny):
    texts, labels = tiny
    proba = Flagger(cv=3, min_df=1, calibration="isotonic").fit(texts, labels).predict_proba(texts)
    assert ((proba >= 0) & (proba <= 1)).all()


def test_bundled_model_separates_classes_out_of_fold(model_dir):
    from vnflag import read_manifest

    manifest = read_manifest(model_dir)
    assert manifest["metrics"]["cv_roc_auc"] > 0.85
    assert 0.0 < manifest["threshold"] < 1.0


def test_fold_spread_is_the_sd_of_per_fold_roc_auc_and_none_with_a_one_class_fold():
    from sklearn.metrics import roc_auc_score

    from vnflag.model.metrics import fold_spread

    y = np.array([0, 1, 0, 1, 0, 1, 0, 0])
    margins = np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.3, 0.4, 0.6])
    expected = np.std([roc_auc_score(y[:4], margins[:4]), roc_auc_score(y[4:], margins[4:])])
    assert fold_spread(y, margins, [0, 0, 0, 0, 1, 1, 1, 1]) == pytest.approx(expected) and expected > 0
    assert fold_spread(y, margins, [0, 1, 0, 1, 0, 1, 1, 1]) is None  # fold 0 holds only label 0


def test_meta_columns_required_in_frame(flagger, unlabelled):
    with pytest.raises(ValueError, match="num_share") as error:
        flagger.predict_proba(unlabelled.drop(columns=["num_share"]))
    assert not isinstance(error.value, VnflagError), "a scikit-learn error; the pipelines make it the user's"


def test_reasons_are_readable_vietnamese(flagger, unlabelled):
    frame = unlabelled[unlabelled.text.str.len() > 40].head(60)
    result = flagger.score_posts(frame[["text", *META_COLS]], top_k=3)
    proba, reasons = result.proba, result.reasons
    high = [r for p, r in zip(proba[:, 1], reasons) if p > 0.8]
    assert high, "some bundled unlabelled posts should score high"
    for terms in high:
        assert 1 <= len(terms) <= 3
        for term in terms:
            assert "_" not in term and term.strip() == term
            assert any(ch.isalpha() for ch in term)


def test_reasons_come_from_the_post(flagger):
    text = "Uống nước lá đu đủ chữa khỏi ung thư, bác sĩ giấu không nói, chia sẻ ngay"
    import pandas as pd

    frame = pd.DataFrame({"text": [text], "num_like": ["10"], "num_comment": ["2"], "num_share": ["40"]})
    (terms,) = flagger.explain(frame)
    lowered = text.lower()
    assert terms and all(t.split(" ")[0] in lowered or t.startswith("[") for t in terms)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=60), min_size=1, max_size=8))
def test_any_strings_get_one_probability_each(text_flagger, texts):
    proba = text_flagger.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    assert np.isfinite(proba).all()


def test_pickle_state_is_compact_and_round_trips(flagger, labelled):
    import pickle

    texts = labelled[["text", *META_COLS]].iloc[:50]
    flagger.score_posts(texts)  # fills the per-process caches of the vectorisers
    state = flagger.__getstate__()
    for name in ("word_vectorizer_", "char_vectorizer_"):
        vectorizer_state = state[name].__getstate__()
        assert "_index" not in vectorizer_state and "_lookup" not in vectorizer_state, "caches are not saved"
        assert isinstance(vectorizer_state["codes_"], np.ndarray)
    restored = pickle.loads(pickle.dumps(flagger))
    for name in ("word_vectorizer_", "char_vectorizer_"):
        assert (getattr(restored, name).get_feature_names_out() == getattr(flagger, name).get_feature_names_out()).all()
    np.testing.assert_array_equal(restored.predict_proba(texts), flagger.predict_proba(texts))
    assert restored.reason_terms_ == flagger.reason_terms_
    packed = state["reason_terms_"]
    assert isinstance(packed, np.ndarray) and packed.dtype == np.uint8, "one byte array for skops, not a node per term"
    assert packed.nbytes < np.asarray(flagger.reason_terms_, dtype=str).nbytes / 4, "far smaller than fixed-width text"


def test_reason_terms_of_any_text_survive_the_round_trip(flagger):
    import copy
    import pickle

    odd = copy.copy(flagger)
    odd.reason_terms_ = ["", "tin giả", "", "lone \udc80 surrogate", "nul\x00", "[đường link]", ""]
    assert pickle.loads(pickle.dumps(odd)).reason_terms_ == odd.reason_terms_
    assert flagger.reason_terms_ is not odd.reason_terms_


def test_second_stage_auto_boosts_only_with_context_columns_and_enough_posts(labelled, monkeypatch, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from vnflag import load_model, save_model
    from vnflag.model import flagger as flagger_module

    frame, y = labelled[["text", *META_COLS]], labelled["label"]
    small = Flagger(meta_cols=META_COLS, cv=3).fit(frame, y)
    assert len(frame) < flagger_module.MIN_BOOSTING_ROWS and isinstance(small.classifier_, LogisticRegression)
    monkeypatch.setattr(flagger_module, "MIN_BOOSTING_ROWS", 100)
    boosted = Flagger(meta_cols=META_COLS, cv=3).fit(frame, y)
    assert isinstance(boosted.classifier_, HistGradientBoostingClassifier)
    assert isinstance(Flagger(cv=3).fit(frame[["text"]], y).classifier_, LogisticRegression), "text only: logistic"
    scores = boosted.predict_proba(frame)[:, 1]
    assert scores.std() > 0.05
    save_model(boosted, tmp_path / "model")  # its tree types are on the allow-list
    np.testing.assert_array_equal(load_model(tmp_path / "model").predict_proba(frame), boosted.predict_proba(frame))
