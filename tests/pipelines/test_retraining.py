"""Retraining pieces that need no training: data assembly, the held-out split, the gate, errors.
(The end-to-end retrain, which trains one challenger, is in test_review_cli.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vnflag import LabelStore, VnflagError, build_queue, retrain
from vnflag.review.ids import text_fingerprint
from vnflag.pipelines.retraining import _heldout_mask, compare_models, training_set


class _Stub:
    """Enough of a fitted Flagger for compare_models: fixed scores per text."""

    text_col, meta_cols, threshold_ = "text", (), 0.5

    def __init__(self, scores: dict[str, float], version: str):
        self.scores, self.model_version_ = scores, version

    def input_columns(self):
        return [self.text_col]

    def predict_proba(self, frame):
        p = np.array([self.scores[t] for t in frame["text"]])
        return np.column_stack([1 - p, p])


def _reviewed(n: int, groups: int | None = None) -> pd.DataFrame:
    groups = groups or n
    return pd.DataFrame({"id": [f"r{i}" for i in range(n)], "text": [f"bài số {i} khác hẳn" for i in range(n)],
                         "label": [i % 2 for i in range(n)], "fingerprint": [f"f{i}" for i in range(n)],
                         "item_id": [f"g{i % groups}" for i in range(n)]})


def test_training_set_adds_reviews_and_replaces_judged_originals():
    base = pd.DataFrame({"text": ["Uống chanh diệt virus!!!", "Trời mưa"], "label": ["0", "1"], "likes": ["3", "4"]})
    reviewed = pd.DataFrame({"id": ["a", "b"], "text": ["Uống chanh diệt virus!", "Bài mới"], "label": [1, 0],
                             "fingerprint": [text_fingerprint("Uống chanh diệt virus!"), text_fingerprint("Bài mới")]})
    frame, replaced = training_set(base, reviewed, "text", "label", ["likes"])
    assert replaced == 1  # the reviewer's decision replaces the original label of the same text
    assert frame.to_dict("list") == {"text": ["Trời mưa", "Uống chanh diệt virus!", "Bài mới"],
                                     "likes": ["4", "", ""], "label": [1, 1, 0]}


def test_gate_passes_equal_and_fails_worse_challenger():
    heldout = pd.DataFrame({"text": list("abcdefgh"), "label": [1, 1, 1, 1, 0, 0, 0, 0]})
    good = {t: s for t, s in zip("abcdefgh", [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])}
    worse = {t: s for t, s in zip("abcdefgh", [0.9, 0.8, 0.3, 0.6, 0.7, 0.3, 0.2, 0.1])}
    same = compare_models(_Stub(good, "v1"), _Stub(good, "v2"), heldout)
    assert same["promotable"] and same["gate"]["roc_auc"]["difference"] == 0
    assert same["champion"]["version"] == "v1" and same["challenger"]["version"] == "v2"
    result = compare_models(_Stub(good, "v1"), _Stub(worse, "v2"), heldout, margin=0.01)
    assert not result["promotable"]
    assert result["gate"]["roc_auc"]["champion"] == 1.0 and not result["gate"]["roc_auc"]["passes"]
    assert compare_models(_Stub(good, "v1"), _Stub(worse, "v2"), heldout, margin=0.5)["promotable"]
    better = compare_models(_Stub(worse, "v1"), _Stub(good, "v2"), heldout)
    assert better["promotable"] and better["gate"]["brier"]["difference"] < 0


def test_heldout_keeps_groups_together_and_skips_posts_the_champion_saw():
    reviewed = _reviewed(40, groups=10)
    seen = {"f0", "f1"}
    mask = _heldout_mask(reviewed, 0.25, 0, seen)
    assert 0 < mask.sum() < 40
    for _, group in reviewed.assign(held=mask).groupby("item_id"):
        held = group.loc[~group["fingerprint"].isin(seen), "held"]
        assert held.all() or not held.any()  # copies of one post never straddle the split
    assert not mask[:2].any()
    assert set(reviewed.loc[mask, "label"]) == {0, 1}
    with pytest.raises(VnflagError, match="at least 4 reviewed posts of each decision"):
        _heldout_mask(_reviewed(6), 0.25, 0, set())


def test_retrain_refuses_without_labels_or_data(tmp_path, text_model_dir):
    empty = LabelStore(tmp_path / "empty.sqlite")
    with pytest.raises(VnflagError, match="no reviewed labels"):
        retrain(text_model_dir, empty, output=tmp_path / "c")
    with pytest.raises(VnflagError, match="no such label store"):
        retrain(text_model_dir, tmp_path / "missing.sqlite", output=tmp_path / "c")
    scored = pd.DataFrame({"id": ["x1", "x2"], "text": ["một bài mới", "bài khác hẳn"], "score": [0.9, 0.1]})
    queue = build_queue(scored, budget=2).assign(decision=["misleading", "ok"], reviewer="lan")
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(queue, queue=queue)
    with pytest.raises(VnflagError, match="--data"):
        retrain(text_model_dir, store, output=tmp_path / "c")  # the manifest names only a file name
    assert not (tmp_path / "c").exists()


def test_retrain_into_a_registry_refuses_a_champion_it_could_not_add_before_training(tmp_path, text_model_dir):
    """Issue 18: only a model's own files go into a registry; a champion holding a label store is
    refused before anything is trained or written, not after."""
    import shutil

    champion = tmp_path / "champion"
    shutil.copytree(text_model_dir, champion)
    (champion / "labels.sqlite").write_bytes(b"texts and notes")
    scored = pd.DataFrame({"id": ["x1", "x2"], "text": ["một bài mới", "bài khác hẳn"], "score": [0.9, 0.1]})
    queue = build_queue(scored, budget=2).assign(decision=["misleading", "ok"], reviewer="lan")
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(queue, queue=queue)
    with pytest.raises(VnflagError, match="labels.sqlite"):
        retrain(champion, store, output=tmp_path / "c", registry=tmp_path / "registry")
    assert not (tmp_path / "c").exists() and not (tmp_path / "registry").exists()
