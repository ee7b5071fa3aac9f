"""Training from tables: labels, fingerprints, column errors."""

import pytest

from vnflag import VnflagError, parse_labels, train_frame
from vnflag.model.inputs import data_fingerprint


def test_labels_in_every_accepted_spelling():
    assert parse_labels(["1", "0", "true", "False", "yes", "NO", 1, 0, True, "1.0"]).tolist() == [
        1, 0, 1, 0, 1, 0, 1, 0, 1, 1]


def test_bad_labels_name_the_rows():
    with pytest.raises(VnflagError, match=r"row 4 \('maybe'\).*row 6 \(''\)"):
        parse_labels(["1", "0", "maybe", "1", ""], "label")


def test_fingerprint_changes_with_text_or_label():
    base = data_fingerprint(["a", "b"], [1, 0])
    assert base == data_fingerprint(["a", "b"], [1, 0])
    assert base != data_fingerprint(["a", "c"], [1, 0])
    assert base != data_fingerprint(["a", "b"], [0, 0])


def test_missing_column_lists_existing_columns(labelled):
    with pytest.raises(VnflagError, match="'content' not found; columns are: id, text"):
        train_frame(labelled, text_col="content")


def test_one_label_only_is_refused(labelled):
    with pytest.raises(VnflagError, match="both labels"):
        train_frame(labelled.assign(label="0"))


# --------------------------------------------------------------------------- errors: the user's, or a bug
@pytest.mark.parametrize("params, message", [
    ({"threshold": 1.5}, "threshold"),
    ({"time_col": "id", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"min_df": 10**6}, "no n-gram left"),
])
def test_what_fit_refuses_is_a_one_line_user_error(labelled, params, message):
    with pytest.raises(VnflagError, match=message) as error:
        train_frame(labelled, **params)
    assert "\n" not in str(error.value) and isinstance(error.value.__cause__, ValueError)


@pytest.mark.parametrize("bug", [KeyError("classifier_"), TypeError("unsupported operand")])
def test_a_bug_inside_fit_stays_a_bug(labelled, monkeypatch, tmp_path, bug, capsys):
    from vnflag.cli import main
    from vnflag.model.flagger import Flagger

    def broken(self, X, y, **fit_params):
        raise bug

    monkeypatch.setattr(Flagger, "fit", broken)
    with pytest.raises(type(bug)):
        train_frame(labelled)
    source = tmp_path / "posts.csv"
    labelled.to_csv(source, index=False)
    assert main(["train", str(source), "-o", str(tmp_path / "model")]) == 1  # internal error, not exit 2
    assert "internal error" in capsys.readouterr().err


# --------------------------------------------------------------------------- figures measured by the pipeline
def test_training_figures_come_from_the_out_of_fold_predictions(labelled):
    import numpy as np
    from sklearn.metrics import roc_auc_score

    flagger, training = train_frame(labelled, cv=3)
    assert set(training) == {"data", "metrics", "drift"}
    y = parse_labels(labelled["label"].tolist())
    metrics, drift = training["metrics"], training["drift"]
    assert metrics["cv_folds"] == 3
    assert metrics["cv_roc_auc"] == pytest.approx(roc_auc_score(y, flagger.oof_proba_[:, 1]))
    assert metrics["cv_roc_auc"] != pytest.approx(roc_auc_score(y, flagger.predict_proba(labelled)[:, 1]))
    assert drift["flag_rate"] == pytest.approx(np.mean(flagger.oof_proba_[:, 1] >= flagger.threshold_))
    assert drift["flag_rate"] == metrics["cv_flag_rate"]
    assert 0.0 < drift["unseen_token_share"] < 1.0
    assert training["data"]["rows"] == len(labelled) and training["data"]["positive"] == int(y.sum())


def test_train_file_writes_metrics_and_drift_baselines_into_the_manifest(tmp_path):
    from pathlib import Path

    from vnflag import read_manifest, train_file

    data = Path(__file__).resolve().parents[2] / "data" / "posts_labelled.csv"
    manifest = train_file(data, tmp_path / "model", cv=3)
    on_disk = read_manifest(tmp_path / "model")
    assert on_disk["metrics"] == manifest["metrics"] and on_disk["metrics"]["cv_folds"] == 3
    assert on_disk["drift"] == manifest["drift"]
    assert len(on_disk["drift"]["score_shares"]) == len(on_disk["drift"]["score_edges"]) + 1
    assert on_disk["training_data"]["source"] == "posts_labelled.csv"
