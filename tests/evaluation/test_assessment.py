"""Evaluation of a model on labelled posts: end to end, slices, user mistakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    roc_auc_score,
)

from vnflag import VnflagError, evaluate, read_manifest
from vnflag.evaluation.assessment import slice_masks


def test_slices():
    texts = ["Bộ Y tế khuyến cáo", "ko sao dau 😂", "khong co dau " * 40, None]
    masks = {(name, value): mask.tolist() for name, value, mask in slice_masks(texts)}
    assert masks[("diacritics", "with")] == [True, False, False, False]
    assert masks[("teencode", "with")] == [False, True, False, False]
    assert masks[("emoji", "with")] == [False, True, False, False]
    assert masks[("length", "long (>=100 words)")] == [False, False, True, False]
    frame = pd.DataFrame({"source": ["a", "b", None, "a"]})
    user = [(v, m.tolist()) for n, v, m in slice_masks(texts, frame, ["source"]) if n == "source"]
    assert user == [("a", [True, False, False, True]), ("b", [False, True, False, False]),
                    ("(missing)", [False, False, True, False])]


@pytest.fixture(scope="module")
def short_posts(labelled):
    """Short labelled posts with a user column, a value of which has one class only."""
    frame = labelled[labelled["text"].str.split().str.len() < 60].head(160).reset_index(drop=True)
    frame["platform"] = np.where(np.arange(len(frame)) % 2, "forum", "zalo")
    frame.loc[frame["label"] == "0", "platform"] = frame.loc[frame["label"] == "0", "platform"].where(
        lambda p: p != "forum", "facebook")
    return frame


def test_evaluate_end_to_end(flagger, short_posts):
    result = evaluate(flagger, short_posts, slice_cols=["platform"], n_bootstrap=100)
    m = result.metrics
    labels = short_posts["label"].astype(int).to_numpy()
    scores = flagger.predict_proba(short_posts)[:, 1]
    assert m["n"] == len(short_posts) and m["positives"] == labels.sum()
    assert m["roc_auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-4)
    assert result.to_frame().shape[0] == 1 and set(result.to_dict()) >= {"metrics", "budgets", "slices"}
    assert result.confusion.to_numpy().sum() == len(short_posts)
    slices = result.slices.set_index(["slice", "value"])
    # No post has 100 words: the slice is reported, empty, with no metrics.
    long_row = slices.loc[("length", "long (>=100 words)")]
    assert long_row["n"] == 0 and np.isnan(long_row["roc_auc"])
    # "forum" holds only label-1 posts: counted, but no AUC.
    forum = slices.loc[("platform", "forum")]
    assert forum["n"] > 0 and forum["positives"] == forum["n"] and np.isnan(forum["roc_auc"])
    assert slices.loc[("diacritics", "with"), "n"] + slices.loc[("diacritics", "without"), "n"] == len(short_posts)


def test_evaluate_flags_training_data_and_skips_empty_text(model_dir, labelled):
    result = evaluate(model_dir, labelled, n_bootstrap=0)
    assert result.data["is_training_data"]
    assert result.manifest["model_version"] == read_manifest(model_dir)["model_version"]
    frame = labelled.head(40).copy()
    frame.loc[0, "text"] = "   "
    result = evaluate(model_dir, frame, n_bootstrap=0)
    assert not result.data["is_training_data"]
    assert result.data["not_scored"] == 1 and result.metrics["n"] == 39


def test_evaluate_user_mistakes_name_the_column(flagger, labelled):
    with pytest.raises(VnflagError, match="'nope'"):
        evaluate(flagger, labelled.head(20), slice_cols=["nope"])
    bad = labelled.head(20).copy()
    bad.loc[3, "label"] = "maybe"
    with pytest.raises(VnflagError, match="row 5"):
        evaluate(flagger, bad)
