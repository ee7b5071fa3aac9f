"""Issue 20 item 7: safeguards and readable output. A challenger that failed the gate is promoted
only with --force, told why; models show and labels status print tables (--json exact); no summary
line says nan."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import Registry, VnflagError, score_frame
from vnflag.display import figure_text, text_table

FAILED_GATE = {"promotable": False, "margin": 0.01, "champion": {}, "challenger": {},
               "gate": {"roc_auc": {"champion": 0.8123456, "challenger": 0.7512345, "difference": -0.0611111,
                                    "passes": False},
                        "average_precision": {"champion": 0.7, "challenger": 0.71, "difference": 0.01, "passes": True},
                        "brier": {"champion": 0.1, "challenger": 0.13, "difference": 0.03, "passes": False}}}


@pytest.fixture()
def registry(tmp_path, model_dir, text_model_dir):
    registry = Registry(tmp_path / "registry")
    champion = registry.add(model_dir)
    registry.promote(champion)
    challenger = registry.add(text_model_dir, parent=champion, comparison=FAILED_GATE)
    return registry, champion, challenger


def test_promoting_a_challenger_that_failed_the_gate_needs_force_and_says_why(registry):
    registry, champion, challenger = registry
    status, _, err = run_cli("models", "promote", challenger, "--registry", registry.path)
    assert status == 2 and err.count("\n") == 1, err
    assert "failed the retraining gate" in err and "--force" in err
    assert "roc_auc 0.7512 vs champion 0.8123" in err and "brier" in err and "average_precision" not in err
    assert registry.promoted() == champion  # nothing changed
    with pytest.raises(VnflagError, match="failed the retraining gate"):
        registry.promote(challenger)
    status, _, err = run_cli("models", "promote", challenger, "--registry", registry.path, "--force")
    assert status == 0 and "forced" in err
    assert registry.promoted() == challenger
    assert registry.history()[-1] == {**registry.history()[-1], "action": "promote", "forced": True}
    registry.promote(champion)  # a version never gated (or one that passed) needs no force
    assert "forced" not in registry.history()[-1]


def test_a_challenger_added_by_hand_keeps_its_failed_gate(tmp_path, model_dir, text_model_dir):
    """`vnflag models add out/challenger` reads the retrain's comparison.json: the gate it failed still
    refuses a promotion without --force (it used to slip through when added by hand)."""
    import shutil

    challenger_dir = tmp_path / "challenger"
    shutil.copytree(text_model_dir, challenger_dir)
    (challenger_dir / "comparison.json").write_text(json.dumps(FAILED_GATE), encoding="utf-8")
    registry_path = tmp_path / "models"
    assert run_cli("models", "add", model_dir, "--registry", registry_path)[0] == 0
    champion = Registry(registry_path).list()["version"].iloc[0]
    assert run_cli("models", "promote", champion, "--registry", registry_path)[0] == 0
    assert run_cli("models", "add", challenger_dir, "--registry", registry_path)[0] == 0
    challenger = json.loads((challenger_dir / "manifest.json").read_text(encoding="utf-8"))["model_version"]
    status, _, err = run_cli("models", "promote", challenger, "--registry", registry_path)
    assert status == 2 and "failed the retraining gate" in err and "roc_auc" in err, err
    assert Registry(registry_path).promoted() == champion


@pytest.mark.parametrize("bad", [{"promotable": "no"}, {"gate": {"roc_auc": {"passes": "yes"}}}, {"gate": []}])
def test_a_malformed_comparison_is_refused_by_models_add(tmp_path, text_model_dir, bad):
    import shutil

    challenger_dir = tmp_path / "challenger"
    shutil.copytree(text_model_dir, challenger_dir)
    (challenger_dir / "comparison.json").write_text(json.dumps({**FAILED_GATE, **bad}), encoding="utf-8")
    status, _, err = run_cli("models", "add", challenger_dir, "--registry", tmp_path / "models")
    assert status == 2 and "invalid retraining comparison" in err and err.count("\n") == 1, err
    assert not (tmp_path / "models" / "versions").exists() or not any((tmp_path / "models" / "versions").iterdir())


def test_models_show_prints_a_table_and_json_keeps_exact_values(registry):
    registry, _, challenger = registry
    status, out, _ = run_cli("models", "show", challenger, "--registry", registry.path)
    assert status == 0 and not out.lstrip().startswith("{")
    lines = out.splitlines()
    assert lines[0].split() == ["field", "value"]
    assert any(line.split()[:2] == ["promotable", "(gate)"] and line.split()[-1] == "no" for line in lines)
    assert "gate roc_auc" in out and "challenger 0.751 vs champion 0.812: fails" in out
    threshold = next(line for line in lines if line.startswith("threshold "))
    assert len(threshold.split()[-1]) <= 5  # rounded, not 16 decimals
    shown = json.loads(run_cli("models", "show", challenger, "--registry", registry.path, "--json")[1])
    assert shown["comparison"]["gate"]["roc_auc"]["challenger"] == 0.7512345
    assert shown["manifest"]["threshold"] == registry.show(challenger)["manifest"]["threshold"]


def test_evaluate_summary_says_no_post_flagged_instead_of_nan(tmp_path, flagger, labelled, model_dir):
    """The issue's case: the evaluate summary printed `precision nan` when the model flagged nothing."""
    scores = score_frame(flagger, labelled, top_k=0)["score"]
    quiet = labelled[(scores < flagger.threshold_ / 2).to_numpy()].head(20).copy()
    quiet["label"] = [1, 0] * (len(quiet) // 2)
    path = tmp_path / "quiet.csv"
    quiet.to_csv(path, index=False)
    status, _, err = run_cli("evaluate", path, "--model", model_dir, "--report", tmp_path / "r.html",
                             "--bootstrap", "0")
    assert status == 0, err
    assert "nan" not in err.lower() and "precision n/a (no post flagged)" in err


@settings(max_examples=50, deadline=None)
@given(value=st.one_of(st.none(), st.floats(allow_infinity=False), st.integers(-10**6, 10**6)),
       why=st.sampled_from(["no post flagged", "needs posts of both labels", "–"]))
def test_figure_text_never_says_nan(value, why):
    """Property: a figure in a summary line is its rounded value or the reason it has none, never nan."""
    text = figure_text(value, missing=f"n/a ({why})")
    assert "nan" not in text.lower()
    undefined = value is None or (isinstance(value, float) and math.isnan(value))
    assert (text == f"n/a ({why})") == undefined
    if not undefined:
        assert float(text) == pytest.approx(value, abs=0.0006)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(allow_infinity=False, allow_nan=True),
                                 st.text(max_size=8)), min_size=1, max_size=6))
def test_text_table_shows_every_value_rounded_or_as_a_dash(values):
    """Property: one line per row plus the header; no float longer than three decimals, no nan."""
    frame = pd.DataFrame({"field": [f"f{i}" for i in range(len(values))], "value": values}, dtype=object)
    lines = text_table(frame).splitlines()
    assert len(lines) == len(values) + 1
    for line, value in zip(lines[1:], values, strict=True):
        if isinstance(value, float):
            shown = line.split()[-1]
            assert shown == "–" if math.isnan(value) else len(shown.partition(".")[2]) == 3


# ----------------------------------------------------------------------------- row numbers
def test_an_import_warning_names_the_row_the_spreadsheet_shows(tmp_path):
    """The issue's case: import row numbers were one less than the spreadsheet row."""
    from vnflag import build_queue
    from vnflag.review.formats import export_queue, read_reviews

    scored = pd.DataFrame({"id": ["a", "b", "c"], "text": ["một bài", "bài khác hẳn", "bài thứ ba"],
                           "score": [0.9, 0.8, 0.7]})
    export_queue(build_queue(scored, budget=3), tmp_path / "q.csv")
    rows = read_reviews(tmp_path / "q.csv")
    assert rows["source_row"].tolist() == [2, 3, 4]  # header = row 1
    rows["decision"] = ["ok", "maybe", "misleading"]  # the bad one is on the spreadsheet's row 3
    rows["reviewer"] = "lan"
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(tmp_path / "filled.csv", index=False)
    (tmp_path / "filled.csv.vnflag-queue.json").write_bytes((tmp_path / "q.csv.vnflag-queue.json").read_bytes())
    status, _, err = run_cli("labels", "import", tmp_path / "filled.csv", "--store", tmp_path / "labels.sqlite")
    assert status == 3 and "row 3: unknown decision 'maybe'" in err, err


@settings(max_examples=50, deadline=None)
@given(labels=st.lists(st.sampled_from(["1", "0", "yes", "no", "ok", "misleading"]), min_size=1, max_size=30),
       bad=st.sampled_from(["maybe", "unsure", "2", "tin giả"]), data=st.data())
def test_a_bad_label_is_named_by_its_spreadsheet_row(labels, bad, data):
    """Property: the bad label at data row k (0-based) is named as row k + 2, the header being row 1."""
    from vnflag.model.inputs import parse_labels

    at = data.draw(st.integers(0, len(labels)))
    values = [*labels[:at], bad, *labels[at:]]
    with pytest.raises(VnflagError, match=rf"bad value at row {at + 2} \({bad!r}\)") as info:
        parse_labels(values, "label")
    assert ("'unsure' is not a label" in str(info.value)) == (bad == "unsure")


# ----------------------------------------------------------------------------- vnflag's decisions as labels
@settings(max_examples=50, deadline=None)
@given(words=st.lists(st.tuples(st.sampled_from(["misleading", "ok"]),
                                st.sampled_from(["", " ", "\t"]), st.booleans()), min_size=1, max_size=20))
def test_decision_words_are_labels_in_any_case_and_padding(words):
    """Property: misleading → 1 and ok → 0, whatever the case and surrounding spaces."""
    from vnflag.model.inputs import parse_labels

    values = [f"{pad}{word.upper() if upper else word}{pad}" for word, pad, upper in words]
    assert parse_labels(values).tolist() == [int(word == "misleading") for word, _, _ in words]


def test_train_accepts_a_reviewed_queue_s_decisions_and_refuses_unsure(tmp_path, labelled):
    posts = labelled.head(60).copy()
    decided = posts.assign(label=posts["label"].map({"1": "misleading", "0": "ok"}))
    decided.to_csv(tmp_path / "decided.csv", index=False)
    posts.to_csv(tmp_path / "numbers.csv", index=False)
    from vnflag import train_file

    fingerprint = [train_file(tmp_path / f"{name}.csv", tmp_path / name, cv=2)["training_data"]["fingerprint"]
                   for name in ("decided", "numbers")]
    assert fingerprint[0] == fingerprint[1]  # the same labels
    decided.loc[decided.index[4], "label"] = "unsure"
    decided.to_csv(tmp_path / "unsure.csv", index=False)
    status, _, err = run_cli("train", tmp_path / "unsure.csv", "-o", tmp_path / "u")
    assert status == 2 and "row 6 ('unsure')" in err and "'unsure' is not a label" in err and err.count("\n") == 1
    assert not (tmp_path / "u").exists()
