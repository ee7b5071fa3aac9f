"""Drift figures: PSI and unseen-token share behave, and scoring writes them beside its output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vnflag import drift_report, score_file
from vnflag.model.drift import PSI_WARN, drift_baseline, leave_one_out_unseen_share, psi, score_bins

ENGLISH = [f"The quarterly report number {i} shows revenue growth across every region this year" for i in range(40)]


def test_psi_near_zero_for_same_distribution_and_large_for_shifted():
    rng = np.random.default_rng(0)
    training = rng.beta(2, 8, 5000)
    edges, expected = score_bins(training)
    assert expected.sum() == pytest.approx(1.0) and len(expected) == 10

    def shares(scores):
        return np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(expected)) / len(scores)

    assert psi(expected, shares(rng.beta(2, 8, 5000))) < 0.02
    assert psi(expected, shares(rng.beta(8, 2, 5000))) > 1.0
    assert psi(expected, shares(np.clip(rng.beta(2, 8, 5000) + 0.1, 0, 1))) > PSI_WARN


def test_score_bins_count_ties():
    scores = np.r_[np.zeros(60), np.linspace(0.1, 1, 40)]  # isotonic-like point mass
    edges, shares = score_bins(scores, n_bins=10)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] == pytest.approx(0.6)  # the tie lands in one bin with its true share


def test_leave_one_out_unseen_share_by_hand():
    # "a" is in 3 posts, "b" in 2, "c" in 1; a word is unseen if fewer than min_df *other* posts have it.
    assert leave_one_out_unseen_share(["a b", "a c", "a b"], min_df=1) == pytest.approx(1 / 6)  # c
    assert leave_one_out_unseen_share(["a b", "a c", "a b"], min_df=2) == pytest.approx(3 / 6)  # b, b, c
    # Placeholders, punctuation and emoji are not words: only the two "a" count, both seen.
    assert leave_one_out_unseen_share(["xxurl ! a 😂", "a xxnum"], min_df=1) == 0.0


def test_the_training_baseline_comes_from_the_manifest(model_dir, flagger):
    from vnflag import read_manifest

    manifest = read_manifest(model_dir)
    drift = manifest["drift"]
    assert 0.02 < drift["unseen_token_share"] < 0.5
    assert sum(drift["score_shares"]) == pytest.approx(1.0)
    assert len(drift["score_edges"]) + 1 == len(drift["score_shares"])
    assert drift["flag_rate"] == manifest["metrics"]["cv_flag_rate"]
    assert flagger.drift_baseline_ == drift, "load_model hands the manifest's baseline to the drift check"


def test_drift_baseline_by_hand():
    baseline = drift_baseline(np.linspace(0, 1, 101), 0.5, ["a b", "a c", "a b"], min_df=2)
    edges, shares = score_bins(np.linspace(0, 1, 101))
    assert baseline["score_edges"] == edges.tolist() and baseline["score_shares"] == shares.tolist()
    assert baseline["flag_rate"] == pytest.approx(51 / 101)
    assert baseline["unseen_token_share"] == pytest.approx(3 / 6)


def test_a_model_without_baseline_reports_figures_but_compares_nothing(flagger):
    from copy import copy

    from vnflag.model.drift import DriftMonitor

    unsaved = copy(flagger)
    del unsaved.drift_baseline_
    monitor = DriftMonitor(unsaved)
    monitor.update([" ".join(ENGLISH)] * 300, np.full(300, 0.999))
    result = monitor.result()
    assert result["unseen_token_share"] > 0.8 and result["rows_scored"] == 300
    assert result["psi"] is None and result["training_unseen_token_share"] is None and result["warnings"] == []
    assert "no training figures" in result["note"]


def _with_counts(texts):
    return pd.DataFrame({"text": texts, "num_like": "1", "num_comment": "0", "num_share": "0"})


def test_unseen_share_high_for_english_low_for_training_like(flagger, unlabelled):
    similar = drift_report(flagger, unlabelled)
    assert abs(similar["unseen_token_share"] - similar["training_unseen_token_share"]) < 0.08
    assert not any("never seen" in w for w in similar["warnings"])
    assert similar["rows_scored"] == len(unlabelled) - (unlabelled["text"].str.strip() == "").sum()
    english = drift_report(flagger, _with_counts(ENGLISH))
    assert english["unseen_token_share"] > 0.8
    assert any("never seen in training" in w and f"{english['unseen_token_share']:.0%}" in w
               for w in english["warnings"])


def test_small_batches_report_but_do_not_warn(flagger):
    report = drift_report(flagger, _with_counts(ENGLISH[:5]))
    assert report["unseen_token_share"] > 0.8 and report["warnings"] == []


def test_score_file_writes_drift_beside_output(flagger, unlabelled, tmp_path):
    source = tmp_path / "posts.csv"
    unlabelled.to_csv(source, index=False)
    output = tmp_path / "scored.csv"
    summary = score_file(flagger, source, output, chunksize=100)  # three chunks: figures cover all
    figures = json.loads((tmp_path / "scored.csv.drift.json").read_text(encoding="utf-8"))
    assert figures["rows_scored"] == summary["rows"] - summary["not_scored"]
    assert figures["warnings"] == summary["warnings"]
    assert figures == json.loads(json.dumps(summary["drift"]))
    whole = drift_report(flagger, unlabelled)
    assert figures["psi"] == pytest.approx(whole["psi"], abs=1e-3)
    assert figures["unseen_token_share"] == pytest.approx(whole["unseen_token_share"], abs=1e-3)


def test_score_file_warns_for_shifted_batch(flagger, tmp_path, capsys):
    source = tmp_path / "english.csv"
    _with_counts(ENGLISH).to_csv(source, index=False)
    summary = score_file(flagger, source, tmp_path / "out.jsonl")
    assert summary["warnings"] and any("never seen" in w for w in summary["warnings"])
    assert json.loads((tmp_path / "out.jsonl.drift.json").read_text())["warnings"] == summary["warnings"]
    score_file(flagger, source, "-")
    captured = capsys.readouterr()
    assert json.loads(captured.err)["warnings"] == summary["warnings"]
    assert not list(tmp_path.glob("-*"))


def test_score_shift_warning_needs_enough_posts(flagger):
    from vnflag.model.drift import PSI_MIN_ROWS, DriftMonitor

    def result(n_rows):
        monitor = DriftMonitor(flagger)
        monitor.update(["người_dân khuyến_cáo"] * n_rows, np.full(n_rows, 0.999))  # all at the top
        return monitor.result()

    small, large = result(PSI_MIN_ROWS - 1), result(PSI_MIN_ROWS)
    assert small["psi"] > PSI_WARN and large["psi"] > PSI_WARN
    assert not any("score distribution" in w for w in small["warnings"])
    assert any("score distribution differs" in w and f"PSI {large['psi']:.2f}" in w for w in large["warnings"])
