"""Word segmentation: compounds joined, placeholders and emoji kept apart, batching, config-only state."""

import pickle

from sklearn.base import clone

from vnflag.text.segmentation import Segmenter, segment_text


def test_compounds_joined_with_underscore():
    assert segment_text("Bộ Y tế khuyến cáo người dân") == "Bộ Y_tế khuyến_cáo người_dân"


def test_placeholders_and_emoji_never_glued_to_words():
    words = segment_text("khuyến cáo 😀 xxurl hòa bình xxnum ngày").split(" ")
    assert "😀" in words and "xxurl" in words and "xxnum" in words
    assert not any("xx" in w and w not in {"xxurl", "xxnum"} for w in words)


def test_batch_matches_single_and_keeps_order():
    texts = ["người dân", "", "Bộ Y tế", "người dân"]
    assert Segmenter().transform(texts) == [segment_text(t) for t in texts]


def test_parallel_batch_matches_serial():
    texts = [f"người dân số {i} khuyến cáo" for i in range(30)]
    serial = Segmenter(n_jobs=1).transform(texts)
    parallel = Segmenter(n_jobs=2, min_parallel=1).transform(texts)
    assert parallel == serial


def test_segmenter_is_configuration_only():
    segmenter = Segmenter(n_jobs=2)
    restored = pickle.loads(pickle.dumps(segmenter))
    assert restored.get_params() == {"n_jobs": 2, "min_parallel": 400}
    assert len(pickle.dumps(segmenter)) < 500
    assert clone(segmenter).get_params() == segmenter.get_params()
