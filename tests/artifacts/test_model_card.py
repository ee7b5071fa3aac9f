"""The model card is written at training time and says what the model is for and what it learned from."""

from __future__ import annotations

from vnflag import read_manifest
from vnflag.artifacts.model_card import model_card


def test_card_exists_and_names_the_training_data(model_dir):
    card = (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    manifest = read_manifest(model_dir)
    assert manifest["model_version"] in card
    assert "posts_labelled.csv" in card
    assert manifest["training_data"]["fingerprint"] in card
    assert f"{manifest['training_data']['rows']} rows" in card
    assert "num_like, num_comment, num_share" in card


def test_card_says_triage_not_verdict(model_dir):
    card = (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "never a verdict" in card and "Triage" in card
    for section in ("## Intended use", "## Out-of-scope uses", "## Training data", "## Metrics",
                    "## The threshold", "## Known limitations"):
        assert section in card
    assert "Automatic removal" in card and "political opinion" in card and "Label noise" in card


def test_card_reports_metrics_and_threshold_of_the_manifest(model_dir):
    manifest = read_manifest(model_dir)
    card = model_card(manifest)
    assert f"**{manifest['threshold']:.3f}**" in card
    assert f"| ROC-AUC | {manifest['metrics']['cv_roc_auc']:.3f} |" in card
    assert f"{manifest['metrics']['cv_folds']}-fold cross-validation" in card
    assert "vnflag evaluate" in card  # points to measuring on unseen posts


def test_card_shows_the_fold_spread_of_its_own_model(model_dir):
    manifest = read_manifest(model_dir)
    sd = manifest["metrics"]["cv_roc_auc_fold_sd"]
    assert isinstance(sd, float) and 0 <= sd < 0.5
    assert f"| ROC-AUC, standard deviation over the folds | {sd:.3f} |" in model_card(manifest)


def test_card_labels_reference_figures_and_published_anchors_as_another_test_set(model_dir):
    from vnflag.artifacts.model_card import PUBLISHED_ANCHORS, REFERENCE_FIGURES

    card = model_card(read_manifest(model_dir))
    section = card.split("## Reference figures", 1)[1].split("\n## ", 1)[0]
    assert "a different test set" in section and "not comparable" in section
    assert f"| vnflag default | {REFERENCE_FIGURES['cv']} | 5-fold cross-validation" in section
    assert f"| vnflag default | {REFERENCE_FIGURES['time_ordered']} | trained on the older 70 %" in section
    for name, auc in PUBLISHED_ANCHORS:
        assert f"| {name} | {auc} | VLSP 2020 private test (a different test set) |" in section
    assert "0.9575" in section  # the best published result stays in view


def test_card_states_the_drift_baseline_of_the_manifest(model_dir):
    manifest = read_manifest(model_dir)
    card = model_card(manifest)
    assert f"{manifest['drift']['unseen_token_share']:.0%} of training words unseen" in card
    assert f"{manifest['drift']['flag_rate']:.0%} of posts flagged on the training folds" in card
