"""Horvitz–Thompson estimates: exact on a census, right by hand, and 95 % intervals that cover."""

from __future__ import annotations

import numpy as np
import pytest

from vnflag.review.estimation import ht_estimates


def _batch(rng: np.random.Generator, n_groups: int = 2000, n_top: int = 100, n_random: int = 300):
    """A batch with known truth: groups of 1–3 posts, misleading more often at high scores; the
    queue is the top ``n_top`` by score plus a simple random sample of the rest."""
    size = rng.integers(1, 4, n_groups)
    score = rng.random(n_groups)
    y = (rng.random(n_groups) < 0.02 + 0.5 * score ** 6).astype(float)
    flagged = score > 0.8
    order = np.argsort(-score)
    top, rest = order[:n_top], order[n_top:]
    sample = rng.choice(rest, n_random, replace=False)
    chosen = np.concatenate([top, sample])
    pi = np.concatenate([np.ones(n_top), np.full(n_random, n_random / len(rest))])
    truth = {"prevalence": (size * y).sum() / size.sum(),
             "precision_flagged": (size * y * flagged).sum() / (size * flagged).sum(),
             "recall_top": (size[top] * y[top]).sum() / (size * y).sum()}
    return chosen, pi, y, size, flagged, np.array(["top"] * n_top + ["random"] * n_random), truth, size.sum()


def test_by_hand_and_census_is_exact():
    r = ht_estimates([1, 0, 1, 0], [2, 1, 1, 1], [1, 1, 0.5, 0.5], ["top", "top", "random", "random"],
                     [True, True, False, False], [True, False, True, False], n_posts=8)
    assert r["prevalence"]["estimate"] == pytest.approx((2 + 2) / 8)          # 2 + 1/0.5
    assert r["precision_flagged"]["estimate"] == pytest.approx((2 + 2) / (2 + 2))
    assert r["recall_top"]["estimate"] == pytest.approx(2 / 4)
    census = ht_estimates([1, 0, 1], [1, 2, 1], [1, 1, 1], ["top"] * 3, [True] * 3, [True] * 3, n_posts=4)
    assert census["prevalence"]["low"] == census["prevalence"]["high"] == pytest.approx(0.5)


def test_missing_labels_stand_for_their_stratum_and_unknowns_are_reported():
    # the random stratum: 4 items, 2 labelled (1 and 0): each labelled one counts for two
    r = ht_estimates([1, 1, 0, np.nan, np.nan], [1] * 5, [1, 0.1, 0.1, 0.1, 0.1], ["top"] + ["random"] * 4,
                     [True] + [False] * 4, [True] * 5, n_posts=41)
    assert r["prevalence"]["estimate"] == pytest.approx((1 + 10 * 2) / 41)
    assert r["prevalence"]["n"] == 3
    none = ht_estimates([1, np.nan], [1, 1], [1, 0.1], ["top", "random"], [True, False], [True, None], n_posts=11)
    assert none["prevalence"]["estimate"] is None and "random" in none["prevalence"]["note"]
    unknown = ht_estimates([1, 0], [1, 1], [1, 0.1], ["top", "random"], [True, False], [True, None], n_posts=11)
    assert unknown["prevalence"]["estimate"] is not None and unknown["precision_flagged"]["estimate"] is None


def test_intervals_cover_the_truth_in_simulated_batches():
    rng = np.random.default_rng(7)
    runs, covered, errors = 200, {k: 0 for k in ("prevalence", "precision_flagged", "recall_top")}, []
    for run in range(runs):
        chosen, pi, y, size, flagged, strata, truth, n_posts = _batch(rng)
        r = ht_estimates(y[chosen], size[chosen], pi, strata, strata == "top", flagged[chosen], n_posts,
                         n_bootstrap=400, random_state=run)
        errors.append(r["prevalence"]["estimate"] - truth["prevalence"])
        for name in covered:
            covered[name] += r[name]["low"] <= truth[name] <= r[name]["high"]
    shares = {k: v / runs for k, v in covered.items()}
    print("coverage", shares)
    assert all(0.90 <= s <= 0.99 for s in shares.values()), shares
    assert abs(np.mean(errors)) < 0.004  # unbiased: the mean error is near 0


def test_probabilities_outside_the_floor_and_unknown_group_sizes_give_a_note_not_a_figure():
    for pi, size in ((1e-300, 1), (np.inf, 1), (np.nan, 1), (0.5, np.nan)):
        r = ht_estimates([1, 0], [1, size], [1, pi], ["top", "random"], [True, False], [True, False], n_posts=10)
        assert r["prevalence"]["estimate"] is None and r["prevalence"]["note"].startswith("stratum random"), (pi, size)
