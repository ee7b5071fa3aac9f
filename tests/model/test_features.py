"""Engagement counts parsed defensively; count and style features."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag.model.features import _COUNT, CountFeatures, parse_count, style_features

# The count pattern before issue 18 (quadratic on a run of spaces between two numbers): the meaning the
# linear one must keep, checked on short cells where its cost does not matter.
_QUADRATIC_COUNT = re.compile(
    r"^\s*(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)\s*([kKmM]|nghìn|ngàn|tr|triệu)?\b\s*[^\d]*$")
_COUNT_PARTS = ["0", "1", "12", "1234", ",", ".", " ", "  ", "\t", "\n", "k", "K", "m", "M", "g", "x", "à", "-",
                "nghìn", "ngàn", "tr", "triệu", "like", "1,234", "1.5", "!", "_"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("54", 54.0), ("54 like", 54.0), ("1 comment", 1.0), ("1.2k", 1200.0), ("2,5k", 2500.0),
        ("1,234", 1234.0), ("12.000", 12000.0), ("3 bình luận", 3.0), (7, 7.0), (7.0, 7.0),
        ("1tr", 1e6),
    ],
)
def test_parse_count_reads_counts(value, expected):
    assert parse_count(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["", "unknown", "2020-03-04 10:00:00", None, "abc", -3, float("nan"), True])
def test_parse_count_unreadable_is_nan(value):
    assert math.isnan(parse_count(value))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_COUNT_PARTS), max_size=8).map("".join))
def test_count_pattern_reads_what_the_quadratic_one_read(cell):
    old, new = _QUADRATIC_COUNT.match(cell), _COUNT.match(cell)
    assert (old and old.groups()) == (new and new.groups())


@pytest.mark.parametrize("value, expected", [("54  like", 54.0), ("5 kg", 5.0), ("5 k", 5000.0), ("3 ", 3.0),
                                             ("2 triệu", 2e6), ("1,2345", 1.2345)])
def test_parse_count_units_and_spaces(value, expected):
    assert parse_count(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["1" + " " * 5_000 + "1", "54like", "1,000x", "5 k2", "9" * 400, "9" * 310 + "k"])
def test_parse_count_two_numbers_or_glued_letters_are_nan(value):
    assert math.isnan(parse_count(value))


def test_count_features_missing_indicator_and_bins():
    frame = pd.DataFrame({"likes": ["1", "10", "100", "unknown", "1k"], "shares": ["0", "2", "", "5", "50"]})
    transformer = CountFeatures(n_bins=2).fit(frame)
    matrix = transformer.transform(frame)
    names = list(transformer.get_feature_names_out())
    assert matrix.shape == (5, len(names))
    assert matrix[3, names.index("likes=missing")] == 1.0
    assert matrix[0, names.index("likes=missing")] == 0.0
    # exactly one bin is set for a present value, none for a missing one
    like_bins = [i for i, n in enumerate(names) if n.startswith("likes:bin")]
    assert matrix[0, like_bins].sum() == 1.0 and matrix[3, like_bins].sum() == 0.0
    assert "likes/shares" in names


def test_count_features_rejects_other_column_count():
    transformer = CountFeatures().fit(pd.DataFrame({"a": ["1", "2"]}))
    with pytest.raises(ValueError):
        transformer.transform(pd.DataFrame({"a": ["1"], "b": ["2"]}))


def test_style_features_see_shouting_and_links():
    calm, loud = style_features(["Theo Bộ Y tế, số ca giảm.", "KHẨN!!! CHIA SẺ NGAY https://x.vn"])
    assert loud[1] > calm[1]  # uppercase share
    assert loud[2] > calm[2]  # exclamations
    assert loud[5] > calm[5] == 0  # links
    assert np.isfinite(style_features([None, ""])).all()
