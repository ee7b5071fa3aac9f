"""Reviewer agreement: kappa equals scikit-learn's on the overlap, alpha matches Krippendorff's
published examples, percent agreement by hand."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from vnflag.review.agreement import (
    agreement_summary,
    cohen_kappa,
    krippendorff_alpha,
    pairwise_kappa,
    percent_agreement,
    reliability_matrix,
)

N = None


def _matrix(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    return frame.astype(object).where(frame.notna(), None)


def test_alpha_matches_krippendorffs_published_examples():
    # Krippendorff (2011) "Computing Krippendorff's alpha-reliability": binary, two observers: 0.095
    binary = _matrix(a=[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], b=[1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    assert krippendorff_alpha(binary)["alpha"] == pytest.approx(0.095, abs=5e-4)
    # nominal, four observers, missing data: 0.743; 11 pairable units, 40 pairable values
    four = _matrix(A=[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N], B=[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
                   C=[N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N], D=[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N])
    assert krippendorff_alpha(four) == {"alpha": pytest.approx(0.743, abs=5e-4), "n": 11, "values": 40}


def test_kappa_equals_scikit_learn_on_the_overlapping_items():
    m = _matrix(lan=["ok", "misleading", "ok", "ok", "misleading", N, "ok"],
                minh=["ok", "misleading", "misleading", "ok", "ok", "ok", N],
                tu=[N, "misleading", "ok", N, "misleading", "ok", "ok"])
    result = pairwise_kappa(m)
    by_pair = {tuple(p["raters"]): p for p in result["pairs"]}
    for a, b in [("lan", "minh"), ("lan", "tu"), ("minh", "tu")]:
        both = m[[a, b]].dropna()
        assert by_pair[(a, b)]["n"] == len(both)
        assert by_pair[(a, b)]["kappa"] == pytest.approx(cohen_kappa_score(both[a], both[b]))
    assert result["mean"] == pytest.approx(sum(p["kappa"] for p in result["pairs"]) / 3)


def test_percent_agreement_by_hand_and_undefined_figures():
    m = _matrix(lan=["ok", "ok", "misleading", "ok"], minh=["ok", "misleading", "misleading", N],
                tu=["ok", "ok", N, N])
    # unit 4 has one decision: left out; units 1 and 3 agree, unit 2 does not
    assert percent_agreement(m) == {"percent": pytest.approx(200 / 3), "n": 3}
    same = _matrix(lan=["ok", "ok"], minh=["ok", "ok"])
    assert krippendorff_alpha(same)["alpha"] is None and pairwise_kappa(same)["mean"] is None
    assert agreement_summary(pd.DataFrame())["items"] == 0


def test_reliability_matrix_keeps_each_raters_last_value():
    m = reliability_matrix(["u1", "u1", "u1", "u2"], ["lan", "minh", "lan", "lan"], ["ok", "ok", "misleading", "ok"])
    assert m.loc["u1", "lan"] == "misleading" and m.loc["u2", "minh"] is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["misleading", "ok", "unsure", "x"]),
                          st.sampled_from(["misleading", "ok", "unsure"])), min_size=1, max_size=40))
def test_cohen_kappa_is_scikit_learns_without_importing_it(pairs):
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(cohen_kappa_score(first, second))
    mine = cohen_kappa(first, second)
    if math.isnan(expected):
        assert mine is None
    else:
        assert mine == pytest.approx(expected, abs=1e-12)


def test_cohen_kappa_undefined_and_mismatched_inputs():
    assert cohen_kappa(["ok", "ok"], ["ok", "ok"]) is None  # one decision throughout: chance agreement is perfect
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["ok", "misleading"], ["misleading", "ok"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="2 against 1"):
        cohen_kappa(["ok", "ok"], ["ok"])
