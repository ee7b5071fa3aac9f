"""Model directories: manifest, safe loading, identical scores after a round trip, refusals."""

import json
import shutil
from copy import deepcopy

import numpy as np
import pytest
import skops.io as sio

from vnflag import VnflagError, load_model, read_manifest, save_model
from vnflag.artifacts.model_dir import TRUSTED_TYPES


def test_manifest_is_complete(model_dir):
    manifest = read_manifest(model_dir)
    for key in ("model_version", "created_at", "versions", "training_data", "threshold", "metrics", "drift",
                "columns"):
        assert key in manifest
    assert manifest["format_version"] == 3
    assert set(manifest["versions"]) >= {"vnflag", "scikit-learn", "underthesea"}
    assert len(manifest["training_data"]["fingerprint"]) == 64
    assert manifest["training_data"]["rows"] == 480
    assert manifest["columns"] == {"text": "text", "label": "label", "meta": ["num_like", "num_comment", "num_share"],
                                   "time": None}
    assert (model_dir / "MODEL_CARD.md").is_file()
    assert model_dir.stat().st_mode & 0o005, "a model directory is readable by colleagues (umask permitting)"


def test_round_trip_gives_identical_scores(model_dir, flagger, unlabelled, tmp_path):
    copy = tmp_path / "again"
    save_model(deepcopy(flagger), copy)
    reloaded = load_model(copy)
    frame = unlabelled[unlabelled.text != ""]
    np.testing.assert_array_equal(flagger.predict_proba(frame), reloaded.predict_proba(frame))
    assert reloaded.explain(frame.head(20)) == flagger.explain(frame.head(20))


def test_model_file_holds_only_trusted_types(model_dir):
    untrusted = set(sio.get_untrusted_types(file=model_dir / "model.skops"))
    assert untrusted <= TRUSTED_TYPES


def test_tampered_model_file_is_refused(model_dir, tmp_path):
    copy = tmp_path / "tampered"
    shutil.copytree(model_dir, copy)
    with open(copy / "model.skops", "r+b") as handle:
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(VnflagError, match="checksum"):
        load_model(copy)


def test_untrusted_type_is_refused_even_with_matching_checksum(model_dir, tmp_path):
    import hashlib
    from fractions import Fraction

    copy = tmp_path / "evil"
    shutil.copytree(model_dir, copy)
    sio.dump(Fraction(1, 3), copy / "model.skops")  # a type outside the allow-list
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["model_sha256"] = hashlib.sha256((copy / "model.skops").read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="refusing to load"):
        load_model(copy)


def test_incompatible_versions_fail_clearly(model_dir, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="scikit-learn 0.24.2"):
        load_model(copy)
    manifest["versions"]["scikit-learn"] = read_manifest(model_dir)["versions"]["scikit-learn"]
    manifest["format_version"] = 99
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="format 99"):
        load_model(copy)


def test_not_a_model_directory(tmp_path):
    with pytest.raises(VnflagError, match="not a vnflag model directory"):
        load_model(tmp_path)


def test_save_refuses_to_clobber(flagger, model_dir):
    with pytest.raises(VnflagError, match="already exists"):
        save_model(flagger, model_dir)


def test_overwrite_replaces_only_a_vnflag_model_directory(flagger, tmp_path, monkeypatch):
    from vnflag import save_model

    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(work)
    with pytest.raises(VnflagError, match="working directory"):
        save_model(flagger, ".", overwrite=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("id\n", encoding="utf-8")
    with pytest.raises(VnflagError, match="not a vnflag model directory"):
        save_model(flagger, other, overwrite=True)
    assert (work / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (other / "data.csv").read_text(encoding="utf-8") == "id\n"
    target = tmp_path / "model"
    first = save_model(flagger, target)
    second = save_model(flagger, target, overwrite=True)
    assert read_manifest(target)["model_version"] == second["model_version"]
    (target / "my_analysis.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(VnflagError, match="did not write"):
        save_model(flagger, target, overwrite=True)
    assert (target / "my_analysis.ipynb").exists() and first["model_version"]
    plain_file = tmp_path / "posts.csv"
    plain_file.write_text("id,text\n", encoding="utf-8")
    with pytest.raises(VnflagError, match="not a directory"):
        save_model(flagger, plain_file, overwrite=True)
    assert plain_file.read_text(encoding="utf-8") == "id,text\n"


@pytest.mark.parametrize("field, value, message", [
    ("model_file", "../model.skops", "model_file"),
    ("model_file", "/etc/passwd", "model_file"),
    ("model_file", 7, "model_file"),
    ("threshold", "high", "threshold"),
    ("columns", ["text"], "columns"),
    ("classes", [0], "classes"),
    ("model_sha256", None, "model_sha256"),
    ("versions", {"scikit-learn": 1.5}, "versions"),
    ("threshold", float("nan"), "NaN is not a number JSON allows"),
    ("threshold", float("inf"), "Infinity is not a number JSON allows"),
    ("format_version", -3, "format_version"),
    ("drift", {"score_edges": [0.5], "score_shares": [-0.1, 1.1]}, "drift.score_shares.0"),
    ("drift", {"score_edges": [0.5], "score_shares": [0.5, 0.5], "flag_rate": 7}, "drift.flag_rate"),
    ("params", json.loads("[" * 100 + "]" * 100), "nested 101 levels deep"),  # issue 18: RecursionError
])
def test_manifest_fields_are_validated_before_use(model_dir, tmp_path, field, value, message):
    import shutil

    from vnflag import load_model

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest[field] = value
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(VnflagError, match=message) as error:
        load_model(copy)
    assert "\n" not in str(error.value) and "manifest.json" in str(error.value)


def test_metrics_and_drift_baselines_live_in_the_manifest_not_the_model_file(model_dir, flagger):
    manifest = read_manifest(model_dir)
    assert manifest["metrics"]["cv_roc_auc"] > 0.85 and manifest["metrics"]["cv_folds"] == 5
    assert set(manifest["drift"]) == {"score_edges", "score_shares", "flag_rate", "unseen_token_share"}
    path = model_dir / "model.skops"
    stored = sio.load(path, trusted=sorted(sio.get_untrusted_types(file=path)))
    saved = set(vars(stored))
    assert not {"drift_baseline_", "oof_proba_", "oof_decision_", "oof_fold_"} & saved
    assert not [name for name in saved if name.startswith("training_")]
    assert flagger.drift_baseline_ == manifest["drift"]  # handed over by load_model


def test_save_without_the_training_pipeline_has_no_figures(flagger, tmp_path):
    manifest = save_model(flagger, tmp_path / "bare")
    assert manifest["metrics"] == {} and manifest["drift"] is None
    assert not hasattr(load_model(tmp_path / "bare"), "drift_baseline_")
    card = (tmp_path / "bare" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "No cross-validated figures" in card and "in 100 flagged posts" not in card
    with pytest.raises(VnflagError, match="unknown part.*'rows'"):
        save_model(flagger, tmp_path / "flat", training={"rows": 480})


def test_a_model_of_an_older_format_is_refused_with_a_request_to_retrain(model_dir, tmp_path):
    copy = tmp_path / "format2"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = 2
    del manifest["drift"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="model format 2 is not supported.*retrain") as error:
        load_model(copy)
    assert "\n" not in str(error.value)


def test_a_drift_baseline_of_the_wrong_shape_is_refused(model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["drift"]["score_shares"] = manifest["drift"]["score_shares"][:-1]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="score_shares"):
        load_model(copy)
    manifest["drift"] = {"score_edges": "high"}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VnflagError, match="drift"):
        load_model(copy)
