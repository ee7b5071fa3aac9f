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
