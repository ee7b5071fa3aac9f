"""Word segmentation: compounds joined, placeholders and emoji kept apart, batching, config-only state."""

import pickle

from sklearn.base import clone

from vnflag.text.segmentation import segment_text, segment_texts
from vnflag.text.segmenter import Segmenter


def test_compounds_joined_with_underscore():
    assert segment_text("Bộ Y tế khuyến cáo người dân") == "Bộ Y_tế khuyến_cáo người_dân"


def test_placeholders_and_emoji_never_glued_to_words():
    words = segment_text("khuyến cáo 😀 xxurl hòa bình xxnum ngày").split(" ")
    assert "😀" in words and "xxurl" in words and "xxnum" in words
    assert not any("xx" in w and w not in {"xxurl", "xxnum"} for w in words)


def test_batch_matches_single_and_keeps_order():
    texts = ["người dân", "", "Bộ Y tế", "người dân"]
    assert Segmenter().transform(texts) == [segment_text(t) for t in texts] == segment_texts(texts)


def test_segmenter_is_configuration_free_and_single_process():
    segmenter = Segmenter()
    assert segmenter.get_params() == {}, "no n_jobs, no min_parallel: estimators never start processes"
    assert len(pickle.dumps(segmenter)) < 500
    assert clone(segmenter).get_params() == {}


def test_tokenize_texts_has_no_process_option():
    import inspect

    from vnflag.text.segmentation import tokenize_texts

    assert list(inspect.signature(tokenize_texts).parameters) == ["texts", "tokenizer"]
    assert tokenize_texts(["người dân", "người dân"]) == ["người_dân", "người_dân"]
