"""``evaluate_file`` called from Python as a notebook would: the report and summary files, the
measurement returned, reviewer agreement from a label store, mistakes as one-line errors before
any file is written, and the same figures as ``vnflag evaluate``."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import DATA, read_bundled

from vnflag import LabelStore, VnflagError, build_queue, evaluate, evaluate_file

LABELLED = DATA / "posts_labelled.csv"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> LabelStore:
    """A label store where two reviewers decided the same 10 items and disagree on two of them."""
    posts = read_bundled("posts_unlabelled.csv").head(40)
    scored = posts.assign(score=[i / 40 for i in range(40)], model_version="m1")
    queue = build_queue(scored, budget=10)
    store = LabelStore(tmp_path_factory.mktemp("store") / "labels.sqlite")
    for reviewer, decisions in (("anh", ["misleading"] * 5 + ["ok"] * 5),
                                ("binh", ["misleading"] * 4 + ["ok"] * 5 + ["misleading"])):
        reviews = queue.assign(decision=decisions, reviewer=reviewer)
        assert not store.import_reviews(reviews, queue=queue).bad_rows
    return store


def test_evaluate_file_writes_the_report_and_returns_the_measurement(text_model_dir, tmp_path):
    run = evaluate_file(text_model_dir, LABELLED, tmp_path / "out" / "eval.html", slice_cols=["num_share"],
                        n_bootstrap=30)
    assert run.report == tmp_path / "out" / "eval.html" and run.markdown == tmp_path / "out" / "eval.md"
    page, summary = run.report.read_text(encoding="utf-8"), run.markdown.read_text(encoding="utf-8")
    assert page.count("<figure><svg ") == 5 and "<td>num_share</td>" in page
    auc = run.result.metrics["roc_auc"]
    assert f"| ROC-AUC (95 % CI) | {auc:.3f}" in summary
    assert run.result.data["source"] == "posts_labelled.csv" and run.result.data["is_training_data"]
    assert run.result.agreement is None and "Reviewer agreement" not in summary
    # The same measurement as the library's evaluate on the same rows.
    direct = evaluate(text_model_dir, read_bundled("posts_labelled.csv"), n_bootstrap=30)
    assert direct.metrics["roc_auc"] == auc and direct.threshold == run.result.threshold


def test_a_store_adds_reviewer_agreement_to_the_result_and_the_report(text_model_dir, store, tmp_path):
    run = evaluate_file(text_model_dir, LABELLED, tmp_path / "eval.html", markdown=tmp_path / "summary.md",
                        n_bootstrap=0, store=store.path)
    assert run.markdown == tmp_path / "summary.md" and not (tmp_path / "eval.md").exists()
    assert run.result.agreement == store.agreement()
    assert run.result.agreement["items"] == 10 and run.result.agreement["percent"]["percent"] == pytest.approx(80.0)
    assert "agreement" not in run.result.data and run.result.to_dict()["agreement"] == store.agreement()
    for text in (run.markdown.read_text(encoding="utf-8"), run.report.read_text(encoding="utf-8")):
        assert re.search(r"Reviewer agreement over 10 items decided by two or more reviewers: 80\.0% agree", text)
    # A LabelStore object works as its path does.
    again = evaluate_file(text_model_dir, LABELLED, tmp_path / "again.html", n_bootstrap=0, store=store)
    assert again.result.agreement == run.result.agreement


def test_a_dataframe_is_evaluated_like_its_file(text_model_dir, tmp_path):
    frame = read_bundled("posts_labelled.csv")
    run = evaluate_file(text_model_dir, frame, tmp_path / "eval.html", n_bootstrap=0)
    assert run.result.data["source"] == "a DataFrame" and run.result.data["rows"] == len(frame)
    from_file = evaluate_file(text_model_dir, LABELLED, tmp_path / "file.html", n_bootstrap=0)
    pd.testing.assert_frame_equal(run.result.to_frame(), from_file.result.to_frame())


@pytest.mark.parametrize(("options", "words"), [
    ({"n_bootstrap": -1}, "n_bootstrap"),
    ({"n_bootstrap": 100_000_000}, "from 0 to 100,000"),  # issue 18: "out of memory; ... --chunksize"
    ({"n_bootstrap": 2.5}, "whole number"),
    ({"store": "MISSING"}, "no such label store"),
    ({"slice_cols": ["source"]}, "'source'"),
    ({"label_col": "num_share"}, "'num_share'"),
])
def test_mistakes_are_vnflag_errors_and_write_nothing(text_model_dir, tmp_path, options, words):
    options = {k: (tmp_path / "missing.sqlite" if v == "MISSING" else v) for k, v in options.items()}
    with pytest.raises(VnflagError, match=words):
        evaluate_file(text_model_dir, LABELLED, tmp_path / "eval.html", **options)
    assert not list(tmp_path.iterdir())  # no report, no summary, no store file created


def test_an_output_that_is_the_input_is_refused_before_any_work(text_model_dir, tmp_path):
    data = tmp_path / "held_out.csv"
    read_bundled("posts_labelled.csv").to_csv(data, index=False)
    before = data.read_bytes()
    with pytest.raises(VnflagError, match="also an input"):
        evaluate_file(text_model_dir, data, tmp_path / "eval.html", markdown=data)
    assert data.read_bytes() == before and not (tmp_path / "eval.html").exists()


def test_the_command_prints_what_the_workflow_measured(text_model_dir, tmp_path, capsys):
    from vnflag.cli import main

    run = evaluate_file(text_model_dir, LABELLED, tmp_path / "lib.html", n_bootstrap=40)
    status = main(["evaluate", str(LABELLED), "--model", str(text_model_dir), "--report", str(tmp_path / "cli.html"),
                   "--bootstrap", "40", "-q"])
    err = capsys.readouterr().err
    assert status == 0, err
    m = run.result.metrics
    assert f"ROC-AUC {m['roc_auc']:.3f} [{m['roc_auc_low']:.3f}, {m['roc_auc_high']:.3f}]" in err
    assert f"wrote {tmp_path / 'cli.html'} and {tmp_path / 'cli.md'}" in err
    assert (tmp_path / "cli.md").read_text(encoding="utf-8") == run.markdown.read_text(encoding="utf-8")
    assert main(["evaluate", str(LABELLED), "--model", str(text_model_dir), "--report", str(tmp_path / "x.html"),
                 "--bootstrap", "-1"]) == 2
    assert "--bootstrap" in capsys.readouterr().err


def test_frames_are_not_changed(text_model_dir, tmp_path):
    frame = read_bundled("posts_labelled.csv")
    copy = frame.copy()
    evaluate_file(text_model_dir, frame, tmp_path / "eval.html", n_bootstrap=0)
    pd.testing.assert_frame_equal(frame, copy)
