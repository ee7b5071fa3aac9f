"""``recalibrate``: the calibration refitted on the reviewed random share of recent queues, behind a gate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import META_COLS, run_cli
from vnflag import LabelStore, Registry, VnflagError, build_queue, export_queue, load_model, read_reviews, recalibrate
from vnflag.pipelines import recalibration
from vnflag.scoring.score import score_frame


@pytest.fixture(scope="module")
def scored(flagger, labelled) -> pd.DataFrame:
    return score_frame(flagger, labelled, top_k=0)


def _store(directory, scored, labelled, *, flip_top=False, unsure_random=0, meta_cols=tuple(META_COLS),
           budget=120) -> tuple:
    """A queue of the bundled posts (half of it a random share) reviewed with their true labels, imported
    into ``directory/labels.sqlite``; ``flip_top`` reverses the decisions of the top part, ``unsure_random``
    marks that many random items unsure. Returns the store path and the queue."""
    directory.mkdir(parents=True, exist_ok=True)
    queue = build_queue(scored, budget=budget, explore=0.5, random_share=1.0, meta_cols=list(meta_cols))
    export_queue(queue, directory / "q.csv")
    rows = read_reviews(directory / "q.csv")
    truth = dict(zip(labelled["id"], labelled["label"], strict=True))
    decisions = ["misleading" if truth[i] == "1" else "ok" for i in rows["id"]]
    if flip_top:
        decisions = [("ok" if d == "misleading" else "misleading") if why == "top" else d
                     for d, why in zip(decisions, rows["why"], strict=True)]
    random_rows = [n for n, why in enumerate(rows["why"]) if why == "random"]
    for n in random_rows[:unsure_random]:
        decisions[n] = "unsure"
    rows["decision"], rows["reviewer"] = decisions, "lan"
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(directory / "q.csv", index=False)
    LabelStore(directory / "labels.sqlite").import_reviews(directory / "q.csv")
    return directory / "labels.sqlite", queue


def test_recalibrated_model_ranks_and_flags_as_the_champion(tmp_path, model_dir, scored, labelled, flagger):
    store, queue = _store(tmp_path, scored, labelled)
    result = recalibrate(model_dir, store, tmp_path / "recal")
    new = load_model(tmp_path / "recal")
    posts = labelled[flagger.input_columns()]
    np.testing.assert_allclose(new.decision_function(posts), flagger.decision_function(posts))
    assert (new.predict(posts) == flagger.predict(posts)).all()
    assert new.threshold_ != flagger.threshold_  # the cut moved with the scores, the posts did not
    rec = json.loads((tmp_path / "recal" / "manifest.json").read_text(encoding="utf-8"))["training_data"][
        "recalibration"]
    randoms = int((queue["why"] == "random").sum())
    assert rec["labels"] == result["heldout"]["labels"] == randoms
    assert rec["queues"] == [{"queue_id": queue["queue_id"].iloc[0], "registered_at": rec["queues"][0]["registered_at"],
                              "labels": randoms}]
    assert "Recalibrated" in (tmp_path / "recal" / "MODEL_CARD.md").read_text(encoding="utf-8")
    comparison = json.loads((tmp_path / "recal" / "comparison.json").read_text(encoding="utf-8"))
    assert set(comparison["gate"]) == {"ece", "brier", "roc_auc", "average_precision"}
    assert comparison["gate"]["roc_auc"]["passes"] and comparison["gate"]["roc_auc"]["difference"] == 0


def test_the_fit_uses_the_inclusion_weights(tmp_path, model_dir, scored, labelled, flagger):
    store, _ = _store(tmp_path, scored, labelled)
    frame, info = recalibration.recalibration_labels(store, flagger, pd.Timestamp("2000-01-01", tz="UTC"))
    assert info["labels"] >= 30 and (frame["weight"] > 1).all()  # N/n > 1: each label stands for many posts
    recalibrate(model_dir, store, tmp_path / "recal")
    saved = load_model(tmp_path / "recal").calibrator_
    margins = flagger.decision_function(frame[flagger.input_columns()])
    y = flagger.classes_[frame["label"].to_numpy()]
    weighted = flagger.recalibrated_margins(margins, y, frame["weight"].to_numpy()).calibrator_
    np.testing.assert_allclose(saved.coef_, weighted.coef_)
    tilted = frame["weight"].to_numpy() * np.where(frame["label"] == 1, 5.0, 1.0)
    assert not np.allclose(flagger.recalibrated_margins(margins, y, tilted).calibrator_.coef_, saved.coef_)


def test_only_the_random_share_moves_the_calibration(tmp_path, model_dir, scored, labelled):
    plain, _ = _store(tmp_path / "plain", scored, labelled)
    flipped, _ = _store(tmp_path / "flipped", scored, labelled, flip_top=True)
    a = recalibrate(model_dir, plain, tmp_path / "a")
    b = recalibrate(model_dir, flipped, tmp_path / "b")
    assert a["recalibration"]["labels"] == b["recalibration"]["labels"]
    np.testing.assert_array_equal(load_model(tmp_path / "a").calibrator_.coef_,
                                  load_model(tmp_path / "b").calibrator_.coef_)


def test_unsure_random_items_are_left_out(tmp_path, model_dir, scored, labelled, flagger):
    store, queue = _store(tmp_path, scored, labelled, unsure_random=4)
    frame, info = recalibration.recalibration_labels(store, flagger, pd.Timestamp("2000-01-01", tz="UTC"))
    assert info["labels"] == int((queue["why"] == "random").sum()) - 4


def test_unresolved_conflicts_are_left_out(tmp_path, model_dir, scored, labelled, flagger):
    store, queue = _store(tmp_path, scored, labelled)
    rows = pd.read_csv(tmp_path / "q.csv", dtype=str, keep_default_na=False)
    disputed = rows.index[rows["why"] == "random"][:3]
    rows.loc[disputed, "decision"] = ["ok" if d == "misleading" else "misleading"
                                      for d in rows.loc[disputed, "decision"]]
    rows["reviewer"] = "minh"
    rows.to_csv(tmp_path / "second.csv", index=False)
    LabelStore(store).import_reviews(tmp_path / "second.csv", queue=tmp_path / "q.csv.vnflag-queue.json")
    frame, info = recalibration.recalibration_labels(store, flagger, pd.Timestamp("2000-01-01", tz="UTC"))
    assert info["labels"] == int((queue["why"] == "random").sum()) - 3
    assert not set(rows.loc[disputed, "item_id"]) & set(frame["item_id"])


def test_too_few_labels_refused_with_nothing_written(tmp_path, model_dir, scored, labelled):
    store, _ = _store(tmp_path, scored, labelled, budget=40)  # 20 random items
    with pytest.raises(VnflagError, match=r"20 reviewed random-share labels .* at least 30"):
        recalibrate(model_dir, store, tmp_path / "recal", registry=tmp_path / "reg")
    with pytest.raises(VnflagError, match="0 reviewed random-share labels"):
        recalibrate(model_dir, store, tmp_path / "recal", since="2999-01-01")
    assert not (tmp_path / "recal").exists() and not (tmp_path / "reg").exists()
    with pytest.raises(VnflagError, match="not a date"):
        recalibrate(model_dir, store, tmp_path / "recal", since="last tuesday")


def test_missing_context_columns_named_and_supplied_from_the_scored_posts(tmp_path, model_dir, scored, labelled):
    store, _ = _store(tmp_path, scored, labelled, meta_cols=())
    with pytest.raises(VnflagError, match=r"did not keep num_like \(\d+ of \d+\).*--posts"):
        recalibrate(model_dir, store, tmp_path / "recal")
    assert not (tmp_path / "recal").exists()
    result = recalibrate(model_dir, store, tmp_path / "recal", posts=labelled)
    kept, _ = _store(tmp_path / "kept", scored, labelled)
    assert result["gate"]["ece"] == recalibrate(model_dir, kept, tmp_path / "recal2")["gate"]["ece"]


def test_failed_gate_is_added_but_promotion_refused(tmp_path, model_dir, scored, labelled, monkeypatch):
    store, _ = _store(tmp_path, scored, labelled)
    monkeypatch.setattr(recalibration, "_cross_fitted", lambda champion, margins, frame, seed: (
        np.full(len(frame), 0.99), 5))  # a calibration that got worse
    result = recalibrate(model_dir, store, tmp_path / "recal", registry=tmp_path / "reg")
    assert not result["promotable"] and not result["gate"]["ece"]["passes"]
    registry = Registry(tmp_path / "reg")
    assert len(registry.list()) == 2
    with pytest.raises(VnflagError, match="ece"):
        registry.promote(result["challenger"]["version"])
    assert registry.promoted() != result["challenger"]["version"]


def test_cli_recalibrates_into_a_registry(tmp_path, model_dir, scored, labelled):
    store, _ = _store(tmp_path, scored, labelled)
    status, out, err = run_cli("recalibrate", "--model", str(model_dir), "--labels", str(store), "-o",
                               str(tmp_path / "recal"), "--registry", str(tmp_path / "reg"), "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["kind"] == "recalibration" and "added to" in err and "ECE" in err
    assert "vnflag: warning: only 60 random-share labels" in err  # fewer than advised: said, not refused
    status, _, err = run_cli("models", "promote", result["challenger"]["version"], "--registry", str(tmp_path / "reg"))
    assert status == (0 if result["promotable"] else 2), err
    status, _, err = run_cli("recalibrate", "--model", str(model_dir), "--labels", str(store), "-o",
                             str(tmp_path / "recal"))
    assert status == 2 and err.count("\n") == 1 and "vnflag: error:" in err  # an existing output, one line
    status, _, err = run_cli("recalibrate", "--model", str(model_dir), "--labels", str(store), "-o",
                             str(tmp_path / "recal"), "--overwrite", "--since", "2999-01-01")
    assert status == 2 and "0 reviewed random-share labels" in err


def test_posts_supply_context_by_id_and_by_text_where_an_id_repeats():
    from vnflag.review.ids import text_fingerprint

    table = pd.DataFrame({"id": ["a", "a", "b"], "text": ["bài một", "bài hai", "bài ba"], "likes": ["1", "2", "3"]})
    rows = pd.DataFrame({"id": ["a", "b", "a"], "fingerprint": [text_fingerprint("bài hai"), "x",
                                                                text_fingerprint("bài một")]})
    assert recalibration._posts_context(table, rows, ["likes"], "text", "utf-8")["likes"].tolist() == ["2", "3", "1"]
    missing = pd.DataFrame({"id": ["a"], "fingerprint": [text_fingerprint("bài bốn")]})
    with pytest.raises(VnflagError, match="no row with id 'a' and this post's text"):
        recalibration._posts_context(table, missing, ["likes"], "text", "utf-8")
    with pytest.raises(VnflagError, match="no row with id 'c'"):
        recalibration._posts_context(table, pd.DataFrame({"id": ["c"], "fingerprint": ["x"]}), ["likes"], "text",
                                     "utf-8")


def test_a_new_threshold_drops_the_parents_threshold_figures(tmp_path, model_dir, scored, labelled):
    store, _ = _store(tmp_path, scored, labelled)
    recalibrate(model_dir, store, tmp_path / "same")
    recalibrate(model_dir, store, tmp_path / "new", threshold=0.3)
    same, new = (json.loads((tmp_path / d / "manifest.json").read_text(encoding="utf-8")) for d in ("same", "new"))
    assert new["threshold"] == 0.3 and load_model(tmp_path / "new").threshold_ == 0.3
    assert "cv_recall_at_threshold" in same["metrics"] and "cv_recall_at_threshold" not in new["metrics"]
    assert "cv_ece" not in same["metrics"] and same["metrics"]["cv_roc_auc"] > 0.9
    assert same["drift"]["flag_rate"] is not None and new["drift"]["flag_rate"] is None
    with pytest.raises(VnflagError, match="threshold must be in"):
        recalibrate(model_dir, store, tmp_path / "bad", threshold=1.5)
