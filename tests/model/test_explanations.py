"""Reasons are whole Vietnamese words of their post, never a lone syllable of a compound (issue 20, item 4)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from vnflag import Flagger
from vnflag.model.explanations import top_terms, whole_words
from vnflag.text.normalization import normalize_texts
from vnflag.text.segmentation import dictionary_words, split_syllables, word_spans

pytestmark = pytest.mark.skipif(not dictionary_words(), reason="underthesea's word list is not installed")


@pytest.mark.parametrize(("term", "post", "expected"), [
    ("chia", "Mọi người chia sẻ gấp nhé", "chia sẻ"),
    ("sẻ", "Mọi người chia sẻ gấp nhé", "chia sẻ"),
    ("chanh", "Uống nước chanh nóng diệt virus", "nước chanh"),
    ("nước", "Uống nước chanh nóng diệt virus", "nước chanh"),
    ("diệt", "Uống nước chanh nóng diệt virus", "diệt"),
    ("thống", "Tổng thống Donald Trump tuyên bố", "tổng thống"),
    ("thống donald", "Tổng thống Donald Trump tuyên bố", "tổng thống donald"),
    ("thống trump", "Tổng thống Trump tuyên bố", "tổng thống trump"),
    ("đạo huyện", "Lãnh đạo huyện đã xác nhận", "lãnh đạo huyện"),
    ("huyện", "Lãnh đạo huyện đã xác nhận", "huyện"),
    ("sĩ", "Bác sĩ khuyên uống nước ấm", "bác sĩ"),
    ("ta", "Chúng ta phải cẩn thận", "chúng ta"),
    ("ý", "Mọi người chú ý nhé", "chú ý"),
])
def test_the_issues_syllables_become_whole_words(term, post, expected):
    tokenized = split_syllables(normalize_texts([post])[0])
    assert whole_words(term, tokenized) == expected


def test_an_occurrence_that_is_already_a_word_is_preferred():
    # "ta" is a word on its own at the end; in "chúng ta" it is half of one
    assert whole_words("ta", "chúng ta nghe ông ta nói") == "ta"


def test_underthesea_compounds_and_placeholders():
    assert whole_words("y", "bộ y_tế khuyến_cáo") == "y tế"
    assert whole_words("khuyến cáo", "bộ y_tế khuyến_cáo") == "khuyến cáo"
    assert whole_words("[đường link]", "bấm xxurl ngay") == "[đường link]"
    assert whole_words("không có", "chia sẻ ngay") == "không có", "a term not in the post is shown as it is"


def test_reasons_widened_to_the_same_words_are_shown_once_and_others_are_kept():
    rows = sparse.csr_matrix([[3.0, 2.0, 1.0]])
    assert top_terms(rows, np.ones(3), ["chia", "sẻ", "ngay"], 3, ["chia sẻ ngay"]) == [["chia sẻ", "ngay"]]
    # "ta" is not part of "tai nạn": whole syllables are compared, not characters
    assert top_terms(sparse.csr_matrix([[2.0, 1.0]]), np.ones(2), ["tai nạn", "ta"], 2,
                     ["tai nạn ông ta"]) == [["tai nạn", "ta"]]


def test_a_syllables_model_gives_whole_words_for_the_issues_posts():
    posts = ["Chia sẻ gấp: uống nước chanh nóng diệt virus",
             "Tổng thống Donald Trump nói virus tự hết, chia sẻ ngay",
             "Lãnh đạo huyện giấu dịch, mọi người chia sẻ",
             "Nước chanh chữa ung thư, bác sĩ không nói"]
    calm = ["Hôm nay trời mưa nhẹ", "Cả nhà đi ăn phở", "Trung tâm thông báo lịch học",
            "Chúc mừng sinh nhật em", "Trường tổ chức họp phụ huynh", "Tuần sau công ty nghỉ lễ"]
    model = Flagger(tokenizer="syllables", cv=3, min_df=1).fit(posts + calm, [1] * 4 + [0] * 6)
    reasons = model.explain(posts, top_k=3)
    dictionary = dictionary_words()
    for post, post_reasons in zip(posts, reasons, strict=True):
        assert post_reasons
        text = f" {split_syllables(normalize_texts([post])[0]).lower()} "
        for reason in post_reasons:
            assert f" {reason} " in text
            assert reason in dictionary or " " not in reason or all(
                e - s == 1 or " ".join(reason.split()[s:e]) in dictionary for s, e in word_spans(reason.split()))
        for half in ("chia", "sẻ", "chanh", "thống", "sĩ"):
            assert half not in post_reasons, (half, post_reasons)


# Syllables of common compounds and words of their own, so that generated posts have compounds to cut.
SYLLABLES = ["chia", "sẻ", "nước", "chanh", "tổng", "thống", "trump", "lãnh", "đạo", "huyện", "bác", "sĩ",
             "chúng", "ta", "chú", "ý", "mọi", "người", "diệt", "virus", "ngay", "học", "sinh", "y", "tế", "xxurl"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=30), st.data())
def test_every_widened_reason_is_whole_syllables_of_its_post_and_dictionary_words(syllables, data):
    post = " ".join(syllables)
    start = data.draw(st.integers(0, len(syllables) - 1))
    size = data.draw(st.integers(1, min(3, len(syllables) - start)))
    term = " ".join(syllables[start:start + size]).replace("xxurl", "[đường link]")
    reason = whole_words(term, post)
    readable_post = post.replace("xxurl", "[đường link]")
    assert f" {reason} " in f" {readable_post} ", "a run of whole syllables of the post"
    assert f" {term} " in f" {reason} ", "the weighted term is inside its reason"
    dictionary = dictionary_words()
    parts = reason.replace("[đường link]", "xxurl").split()
    for s, e in word_spans(parts):  # each word of the reason: a dictionary word, or one syllable
        assert e - s == 1 or " ".join(parts[s:e]) in dictionary
    # never half a compound: widening the reason again changes nothing
    assert whole_words(reason, post) == reason
