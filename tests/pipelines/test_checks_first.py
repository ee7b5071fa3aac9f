"""Issue 20 item 2: every check before any work. A user's mistake (a missing or unknown input, an
output vnflag cannot write, a directory that is not a registry, a store it cannot use, a missing
model) answers with exit 2 before the expensive step (training, scoring, queueing) is ever called,
and nothing is written."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import LabelStore, VnflagError, build_queue
from vnflag.io.tables import FORMATS, check_table_input


def _never(name: str):
    def called(*args, **kwargs):
        raise AssertionError(f"{name} was called before the user's mistake was reported")
    return called


@pytest.fixture
def no_fit(monkeypatch):
    """Training must never start."""
    from vnflag.model.flagger import Flagger

    monkeypatch.setattr(Flagger, "fit", _never("Flagger.fit"))
    monkeypatch.setattr("vnflag.pipelines.retraining.train_frame", _never("train_frame"))


@pytest.fixture
def store_with_reviews(tmp_path) -> LabelStore:
    scored = pd.DataFrame({"id": ["x1", "x2"], "text": ["một bài mới", "bài khác hẳn"], "score": [0.9, 0.1]})
    queue = build_queue(scored, budget=2).assign(decision=["misleading", "ok"], reviewer="lan")
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(queue, queue=queue)
    return store


def _refused(argv, match: str) -> str:
    status, _, err = run_cli(*argv)
    assert status == 2, err
    assert match in err and err.count("\n") == 1, err
    return err


def test_train_refuses_a_missing_input_and_an_existing_output_before_fitting(tmp_path, no_fit, text_model_dir):
    _refused(["train", tmp_path / "missing.csv", "-o", tmp_path / "m"], "missing.csv: no such file")
    _refused(["train", tmp_path / "posts.docx", "-o", tmp_path / "m"], "unknown file type '.docx'")
    assert not (tmp_path / "m").exists()
    data = tmp_path / "posts.csv"
    data.write_text("text,label\nmột,1\nhai,0\n", encoding="utf-8")
    # the Quick start after `make demo`: the message says how to replace the model
    err = _refused(["train", data, "-o", text_model_dir], "already exists and is not empty")
    assert "--overwrite" in err and "overwrite=True" in err


def test_score_refuses_an_unknown_output_or_missing_input_before_loading_the_model(tmp_path, monkeypatch,
                                                                                  text_model_dir):
    monkeypatch.setattr("vnflag.pipelines.scoring.resolve_model", _never("resolve_model"))
    posts = tmp_path / "posts.csv"
    posts.write_text("id,text\n1,một bài\n", encoding="utf-8")
    _refused(["score", posts, "--model", text_model_dir, "-o", tmp_path / "x.docx"], "unknown file type '.docx'")
    _refused(["score", tmp_path / "missing.csv", "--model", text_model_dir, "-o", tmp_path / "x.csv"],
             "missing.csv: no such file")
    _refused(["score", posts, "--model", text_model_dir, "-o", posts], "also an input")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.csv"]


def test_queue_refuses_a_store_it_cannot_use_before_building_the_queue(tmp_path, monkeypatch):
    monkeypatch.setattr("vnflag.pipelines.queueing.build_queue", _never("build_queue"))
    scored = tmp_path / "scored.csv"
    scored.write_text("id,text,score\n1,một bài,0.9\n", encoding="utf-8")
    foreign = tmp_path / "labels.sqlite"
    foreign.write_bytes(b"not a database at all, but some user's file" * 10)
    status, _, err = run_cli("queue", scored, "-o", tmp_path / "q.csv", "--store", foreign)
    assert status == 2 and "labels.sqlite" in err, err
    _refused(["queue", tmp_path / "missing.csv", "-o", tmp_path / "q.csv"], "missing.csv: no such file")
    _refused(["queue", scored, "-o", tmp_path / "q.csv", "--validation", tmp_path / "v.csv", "--target-recall",
              "0.5"], "v.csv: no such file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.sqlite", "scored.csv"]
    assert foreign.read_bytes().startswith(b"not a database")


def test_evaluate_checks_model_and_input_before_reading_or_scoring(tmp_path, monkeypatch, text_model_dir):
    monkeypatch.setattr("vnflag.pipelines.evaluation.read_table", _never("read_table"))
    monkeypatch.setattr("vnflag.pipelines.evaluation.evaluate", _never("evaluate"))
    posts = tmp_path / "posts.csv"
    posts.write_text("text,label\nmột,1\n", encoding="utf-8")
    status, _, err = run_cli("evaluate", posts, "--model", tmp_path / "no-model", "--report", tmp_path / "r.html")
    assert status == 2 and "no-model" in err, err
    _refused(["evaluate", tmp_path / "missing.csv", "--model", text_model_dir, "--report", tmp_path / "r.html"],
             "missing.csv: no such file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.csv"]


def test_retrain_refuses_a_directory_that_is_not_a_registry_before_training(tmp_path, no_fit, text_model_dir,
                                                                             store_with_reviews):
    """The issue's case: `retrain … --registry models/` trained for minutes, then failed."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "notes.txt").write_text("mine", encoding="utf-8")
    base = ["retrain", "--model", text_model_dir, "--labels", store_with_reviews.path]
    _refused([*base, "-o", tmp_path / "c", "--registry", models], "exists and is not a model registry")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x", encoding="utf-8")
    _refused([*base, "-o", taken], "already exists and is not empty")
    _refused([*base, "-o", tmp_path / "c", "--data", tmp_path / "missing.csv"], "missing.csv: no such file")
    _refused([*base, "-o", tmp_path / "c", "--data", tmp_path / "train.docx"], "unknown file type")
    assert not (tmp_path / "c").exists()
    assert sorted(p.name for p in models.iterdir()) == ["notes.txt"]


def test_second_look_refuses_missing_data_before_cross_validating(tmp_path, monkeypatch, store_with_reviews):
    import sklearn.model_selection

    monkeypatch.setattr(sklearn.model_selection, "cross_val_predict", _never("cross_val_predict"))
    _refused(["labels", "second-look", "--store", store_with_reviews.path, "--data", tmp_path / "missing.csv"],
             "missing.csv: no such file")


@settings(max_examples=50, deadline=None)
@given(stem=st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12),
       suffix=st.sampled_from([*sorted(FORMATS), ".docx", ".pdf", ""]))
def test_check_table_input_refuses_every_missing_or_unknown_input(tmp_path_factory, stem, suffix):
    """Property: a path that names no readable table of a known type is refused, naming it; an
    existing table of a known type passes."""
    folder = tmp_path_factory.mktemp("inputs")
    path = folder / f"{stem}{suffix}"
    with pytest.raises(VnflagError, match="unknown file type|no such file") as info:
        check_table_input(path)
    assert str(path) in str(info.value)
    if suffix in FORMATS:
        path.write_text("text\nmột\n", encoding="utf-8")
        check_table_input(path)
