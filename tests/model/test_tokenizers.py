"""``Flagger(tokenizer=...)``: underthesea word segmentation or plain syllables."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import vnflag.text.segmentation as segmentation
from vnflag import Flagger
from vnflag.artifacts.model_dir import load_model, save_model
from vnflag.cli import main
from vnflag.model.drift import DriftMonitor
from vnflag.text.segmentation import split_syllables, tokenize_texts

POSITIVE = [
    "KHẨN: uống nước chanh nóng diệt virus, chia sẻ ngay",
    "Nghe nói mai cắt điện toàn thành phố, chia sẻ gấp",
    "Nhận iPhone miễn phí, bấm link xxurl ngay",
    "Uống nước chanh nóng mỗi sáng diệt virus corona",
    "Bạn mình làm bệnh viện kể là lá đu đủ chữa ung thư",
    "Chia sẻ ngay kẻo muộn, báo chí không đưa tin",
]
NEGATIVE = [
    "Theo Bộ Y tế, số ca mắc giảm trong tuần qua",
    "Hôm nay cả nhà đi ăn phở, ngon lắm",
    "Trung tâm khí tượng dự báo mai trời mưa nhẹ",
    "Bộ Y tế thông báo lịch tiêm trong tuần qua",
    "Chúc mừng sinh nhật em gái nhé",
    "Trung tâm thông báo mai trời mưa nhẹ",
]
TEXTS = POSITIVE + NEGATIVE
LABELS = np.array([1] * 6 + [0] * 6)


@pytest.fixture
def no_underthesea(monkeypatch):
    """underthesea's segmenter raises, and no earlier segmentation is remembered."""
    def refuse(*args, **kwargs):
        raise AssertionError("underthesea word_tokenize was called")

    segmentation._segment_cached.cache_clear()
    monkeypatch.setattr("underthesea.word_tokenize", refuse)
    yield
    segmentation._segment_cached.cache_clear()


@pytest.fixture(scope="module")
def syllables_model():
    return Flagger(tokenizer="syllables", cv=3, min_df=1).fit(TEXTS, LABELS)


def test_split_syllables_splits_punctuation_and_joins_nothing():
    assert split_syllables("Bộ Y tế khuyến cáo: uống (nóng)!") == "Bộ Y tế khuyến cáo : uống ( nóng )!"
    assert tokenize_texts(["người dân", ""], "syllables") == ["người dân", ""]
    assert tokenize_texts(["người dân"], "underthesea") == ["người_dân"]


@pytest.mark.parametrize("tokenizer", ["underthesea", "syllables"])
def test_both_tokenizers_fit_and_rank_training_posts(tokenizer):
    flagger = Flagger(tokenizer=tokenizer, cv=3, min_df=1).fit(TEXTS, LABELS)
    scores = flagger.predict_proba(TEXTS)[:, 1]
    assert scores[:6].mean() > scores[6:].mean()
    assert set(flagger.predict(TEXTS)) <= {0, 1}


def test_tokenizers_give_different_word_vocabularies(syllables_model):
    segmented = Flagger(tokenizer="underthesea", cv=3, min_df=1).fit(TEXTS, LABELS)
    segmented_terms = set(segmented.word_vectorizer_.get_feature_names_out())
    syllable_terms = set(syllables_model.word_vectorizer_.get_feature_names_out())
    assert "y_tế" in segmented_terms
    assert "y_tế" not in syllable_terms
    assert "y tế" in syllable_terms  # a bigram of syllables


def test_tokenizer_is_a_parameter_kept_by_clone():
    flagger = Flagger(tokenizer="syllables")
    assert flagger.get_params()["tokenizer"] == "syllables"
    assert clone(flagger).tokenizer == "syllables"
    assert Flagger().get_params()["tokenizer"] == "syllables"  # the default chosen on ReINTEL
    with pytest.raises(TypeError):
        Flagger("syllables")  # keyword-only


def test_invalid_tokenizer_is_refused_at_fit_naming_the_parameter():
    flagger = Flagger(tokenizer="spaces", cv=3, min_df=1)  # accepted until fit, like every parameter
    with pytest.raises(ValueError, match="'tokenizer' parameter"):
        flagger.fit(TEXTS, LABELS)


def test_syllables_mode_never_calls_underthesea(no_underthesea):
    flagger = Flagger(tokenizer="syllables", cv=3, min_df=1).fit(TEXTS, LABELS)
    result = flagger.score_posts(TEXTS + ["Bài mới chưa thấy bao giờ"], top_k=2)
    assert result.proba.shape == (13, 2)
    with pytest.raises(AssertionError, match="word_tokenize was called"):  # the patch does bite
        Flagger(tokenizer="underthesea", cv=3, min_df=1).fit(TEXTS, LABELS)


def test_syllables_model_saved_and_loaded_scores_identically(syllables_model, tmp_path, no_underthesea):
    save_model(syllables_model, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.tokenizer == "syllables"
    before, after = syllables_model.score_posts(TEXTS, top_k=3), loaded.score_posts(TEXTS, top_k=3)
    np.testing.assert_array_equal(before.proba, after.proba)
    assert before.reasons == after.reasons and before.segmented == after.segmented


def test_syllables_reasons_are_readable_words_of_the_post(syllables_model):
    reasons = syllables_model.explain(["Uống nước chanh nóng diệt virus, chia sẻ ngay"], top_k=3)[0]
    assert reasons
    for reason in reasons:
        assert "_" not in reason
        assert reason in "uống nước chanh nóng diệt virus chia sẻ ngay"


def test_syllables_drift_counts_syllables_against_the_vocabulary(syllables_model):
    result = syllables_model.score_posts(TEXTS + ["qwerty zxcvb asdfg"], top_k=0)
    assert all("_" not in text for text in result.segmented)
    seen = DriftMonitor(syllables_model)
    seen.update(result.segmented[:-1], result.proba[:-1, 1])
    assert seen.result()["unseen_token_share"] == 0.0  # min_df=1: every training syllable is known
    unseen = DriftMonitor(syllables_model)
    unseen.update(result.segmented[-1:], result.proba[-1:, 1])
    assert unseen.result()["unseen_token_share"] == 1.0


def test_train_command_offers_exactly_the_flagger_tokenizers():
    from vnflag.cli.train import TOKENIZERS as CLI_TOKENIZERS

    assert CLI_TOKENIZERS is segmentation.TOKENIZERS  # one copy, in vnflag.constants


def test_train_command_takes_a_tokenizer(tmp_path, capsys):
    data = tmp_path / "posts.csv"
    pd.DataFrame({"text": TEXTS, "label": LABELS}).to_csv(data, index=False)
    assert main(["train", str(data), "--tokenizer", "syllables", "-o", str(tmp_path / "model")]) == 0
    assert load_model(tmp_path / "model").tokenizer == "syllables"
    capsys.readouterr()
    assert main(["train", str(data), "--tokenizer", "spaces", "-o", str(tmp_path / "other")]) != 0
    assert "--tokenizer: invalid choice: 'spaces'" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
