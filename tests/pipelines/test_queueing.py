"""``queue_file`` called from Python as a notebook would: files, record, threshold choice, store
registration, reviewers' files, mistakes as one-line errors, and the same files as ``vnflag queue``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import read_bundled

from vnflag import LabelStore, VnflagError, choose_threshold, queue_file, read_reviews, score_frame
from vnflag.cli import main


@pytest.fixture(scope="module")
def scored_csv(tmp_path_factory, text_flagger) -> Path:
    """The bundled unlabelled posts scored by the session's text model, as ``vnflag score`` would write them."""
    path = tmp_path_factory.mktemp("scored") / "scored.csv"
    score_frame(text_flagger, read_bundled("posts_unlabelled.csv")).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def validation_csv(tmp_path_factory, text_flagger) -> Path:
    """Scored, labelled posts to choose a threshold on."""
    path = tmp_path_factory.mktemp("validation") / "validation.csv"
    score_frame(text_flagger, read_bundled("posts_labelled.csv")).to_csv(path, index=False)
    return path


def test_queue_file_writes_the_queue_its_record_and_registers_it(scored_csv, tmp_path):
    output, store = tmp_path / "review" / "today.csv", tmp_path / "labels.sqlite"
    run = queue_file(scored_csv, output, budget=12, explore=0.25, store=store, seed=3)
    assert run.policy == "top" and run.threshold is None
    assert run.outputs == (output,) and run.record == tmp_path / "review" / "today.csv.vnflag-queue.json"
    written = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert len(written) == run.items == 12 and written["item_id"].tolist() == run.queue["item_id"].tolist()
    assert run.posts == int(run.queue["group_size"].sum()) >= run.items
    assert sum(run.why.values()) == run.items and run.why["uncertain"] + run.why["random"] == 3
    record = json.loads(run.record.read_text(encoding="utf-8"))
    assert record["queue_id"] == run.registered == run.queue["queue_id"].iloc[0]
    assert len(record["items"]) == 12 and record["budget"] == 12 and record["explore"] == 0.25
    assert LabelStore(store).status()["queues"] == 1
    # Reviews given as a table, with no record beside them, find the queue through the registration
    # alone, and a post that was never queued is refused.
    reviews = read_reviews(output).drop(columns=["source_row", "reviewed_at"])
    reviews["decision"], reviews["reviewer"] = "ok", "lan"
    reviews.loc[0, "id"] = "never-queued"
    report = LabelStore(store).import_reviews(reviews)
    assert [number for number, _ in report.bad_rows] == [1] and report.reviewed == 11


def test_a_dataframe_queues_like_its_file(scored_csv, tmp_path):
    from_file = queue_file(scored_csv, tmp_path / "a.jsonl", budget=8)
    from_frame = queue_file(pd.read_csv(scored_csv, dtype=str, keep_default_na=False), tmp_path / "b.jsonl", budget=8)
    assert from_frame.queue["item_id"].tolist() == from_file.queue["item_id"].tolist()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert from_file.registered is None


def test_threshold_chosen_on_validation_for_a_target_recall(scored_csv, validation_csv, tmp_path):
    run = queue_file(scored_csv, tmp_path / "q.csv", budget=500, validation=validation_csv, target_recall=0.9)
    labelled = pd.read_csv(validation_csv, dtype=str, keep_default_na=False)
    expected = choose_threshold(labelled["label"].tolist(), labelled["score"].astype(float).tolist(), target_recall=0.9)
    assert run.policy == "threshold" and run.threshold == expected
    assert len(run.queue) > 0 and (run.queue["score"].astype(float) >= expected).all()
    scores = pd.read_csv(scored_csv)["score"]
    assert run.posts == int((scores >= expected).sum())  # every post at or above it, none below


def test_a_threshold_alone_means_policy_threshold(scored_csv, tmp_path):
    run = queue_file(scored_csv, tmp_path / "q.csv", threshold=0.6)
    assert run.policy == "threshold" and run.threshold == 0.6
    assert (run.queue["score"].astype(float) >= 0.6).all()
    assert queue_file(scored_csv, tmp_path / "m.csv", policy="model", threshold=0.6).policy == "model"


def test_reviewers_get_files_of_their_own_and_one_record(scored_csv, tmp_path):
    output = tmp_path / "today.xlsx"
    run = queue_file(scored_csv, output, budget=10, reviewers=["anh", "binh"], overlap=0.2, seed=1)
    assert run.outputs == (tmp_path / "today.anh.xlsx", tmp_path / "today.binh.xlsx")
    assert all(path.is_file() for path in run.outputs) and not output.exists()
    record = json.loads(run.record.read_text(encoding="utf-8"))
    assert record["reviewers"] == ["anh", "binh"] and record["overlap"] == 0.2
    shown = sum(len(read_reviews(path)) for path in run.outputs)
    assert shown == 10 + 2  # 20 % of the items go to both reviewers


@pytest.mark.parametrize(("options", "words"), [
    ({"target_recall": 0.9}, "need validation"),
    ({"validation": "VALIDATION"}, "exactly one of target_recall"),
    ({"validation": "VALIDATION", "target_recall": 0.9, "target_precision": 0.5}, "exactly one of target_recall"),
    ({"reviewers": ["anh"], "overlap": 0.3}, "overlap"),
    ({"fmt": "docx"}, "docx"),
])
def test_mistakes_are_vnflag_errors_and_write_nothing(scored_csv, validation_csv, tmp_path, options, words):
    options = {k: (validation_csv if v == "VALIDATION" else v) for k, v in options.items()}
    with pytest.raises(VnflagError, match=words):
        queue_file(scored_csv, tmp_path / "q.csv", store=tmp_path / "labels.sqlite", **options)
    assert not list(tmp_path.iterdir())


def test_an_output_that_is_an_input_is_refused_before_any_work(scored_csv, validation_csv, tmp_path):
    before = scored_csv.read_bytes()
    with pytest.raises(VnflagError, match="also an input"):
        queue_file(scored_csv, scored_csv)
    with pytest.raises(VnflagError, match="also an input"):
        queue_file(scored_csv, validation_csv, validation=validation_csv, target_recall=0.9)
    assert scored_csv.read_bytes() == before


def test_the_command_writes_what_the_workflow_writes(scored_csv, tmp_path, capsys):
    run = queue_file(scored_csv, tmp_path / "lib" / "q.csv", budget=15, explore=0.2, seed=5, redact=True,
                     keep_cols=["num_like"])
    status = main(["queue", str(scored_csv), "-o", str(tmp_path / "cli" / "q.csv"), "--budget", "15",
                   "--explore", "0.2", "--seed", "5", "--redact", "--keep-cols", "num_like", "-q"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert (tmp_path / "cli" / "q.csv").read_bytes() == (tmp_path / "lib" / "q.csv").read_bytes()
    assert f"queued {run.items} items ({run.posts} posts) with policy top" in err
