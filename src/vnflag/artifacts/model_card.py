"""The model card: ``MODEL_CARD.md`` in every model directory, written from the manifest.

It says in plain words what the model is for (triage for human review), what it must not be
used for, what it was trained on, how well it did on held-out folds, and what its threshold means.
Every figure comes from the manifest, where the training pipeline put it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..io.files import write_text_atomic

__all__ = ["model_card", "write_model_card"]


#: vnflag's default on ReINTEL ``train.csv`` (3,600 posts, engagement counts and post time), as
#: ``python benchmarks/quality.py`` printed it for this version: the same figures as the quality table of
#: docs/benchmarks.md. They describe the method, not the model a card is written for.
REFERENCE_FIGURES = {
    "cv": "0.9361 ± 0.0100",
    "time_ordered": "0.8968",
}

#: Published VLSP 2020 ReINTEL results on the official private test set, a different test set.
PUBLISHED_ANCHORS = (
    ("vELECTRA + metadata (GPU)", "0.9575"),
    ("PhoBERT + TF-IDF + CNN", "0.9538"),
    ("first place: TF-IDF + metadata, SVM/LightGBM (CPU)", "0.9523"),
)


def _reference_section() -> str:
    anchors = "\n".join(f"| {name} | {auc} | VLSP 2020 private test (a different test set) |"
                         for name, auc in PUBLISHED_ANCHORS)
    return f"""## Reference figures (the method, not this model)
vnflag's default (syllable tokens, engagement counts and post hour, boosted second stage) on
ReINTEL `train.csv`, measured with `python benchmarks/quality.py`; the published results are on
**a different test set** and are not comparable one-to-one with either split.

| system | ROC-AUC | evaluation |
|---|---|---|
| vnflag default | {REFERENCE_FIGURES['cv']} | 5-fold cross-validation, mean ± sd over folds |
| vnflag default | {REFERENCE_FIGURES['time_ordered']} | trained on the older 70 % by post time, \
tested on the newest 30 % |
{anchors}
"""


def _metric_rows(metrics: dict[str, Any]) -> str:
    names = {
        "cv_roc_auc": "ROC-AUC",
        "cv_average_precision": "Average precision",
        "cv_brier": "Brier score (lower is better)",
        "cv_ece": "Expected calibration error, 10 bins (lower is better)",
        "cv_precision_at_threshold": "Precision at the threshold",
        "cv_recall_at_threshold": "Recall at the threshold",
        "cv_flag_rate": "Share of posts flagged",
    }
    rows = [f"| {label} | {metrics[key]:.3f} |" for key, label in names.items() if isinstance(metrics.get(key), float)]
    if isinstance(metrics.get("cv_roc_auc_fold_sd"), float):
        rows.insert(1, f"| ROC-AUC, standard deviation over the folds | {metrics['cv_roc_auc_fold_sd']:.3f} |")
    return "\n".join(rows)


def _metrics_section(metrics: dict[str, Any], training: dict[str, Any]) -> str:
    if not isinstance(metrics.get("cv_roc_auc"), float):
        return ("No cross-validated figures: the model was saved without the training pipeline's measurements "
                "(`vnflag train` and `train_frame` make them). To measure it on labelled posts:\n"
                "`vnflag evaluate POSTS --model MODEL_DIR --report report.html`.")
    return f"""Measured on out-of-fold predictions ({metrics.get('cv_folds', '?')}-fold cross-validation) over the
training data above (fingerprint `{str(training.get('fingerprint', 'unknown'))[:16]}…`), not on new posts;
expect lower figures on posts from another period or platform. To measure the model on labelled posts
it has not seen, with confidence intervals, reviewer budgets and slices:
`vnflag evaluate POSTS --model MODEL_DIR --report report.html`.

| metric | value |
|---|---|
{_metric_rows(metrics)}"""


def _threshold_meaning(metrics: dict[str, Any]) -> str:
    precision, recall = metrics.get("cv_precision_at_threshold"), metrics.get("cv_recall_at_threshold")
    if not (isinstance(precision, float) and isinstance(recall, float)):
        return ""
    return (f" In plain words: on the training\nfolds, about {precision * 100:.0f} in 100 flagged posts had been\n"
            f"labelled as needing verification, and about {recall * 100:.0f} in 100\nof the posts labelled so "
            "were flagged.")


def _drift_baseline(drift: dict[str, Any] | None) -> str:
    if not drift or not isinstance(drift.get("unseen_token_share"), float):
        return ""
    return (f"\n  What it compares with: {drift['unseen_token_share']:.0%} of training words unseen (each post left "
            f"out of\n  the vocabulary in turn), {drift.get('flag_rate') or 0:.0%} of posts flagged on the "
            "training folds.")


def _recalibration(training: dict[str, Any]) -> str:
    """A line saying the model was recalibrated, on what and with what effect ("" if it was not)."""
    rec = training.get("recalibration")
    if not isinstance(rec, dict):
        return ""
    before, after = rec.get("before") or {}, rec.get("after_cross_fitted") or {}
    figures = (f" ECE {before['ece']:.3f} → {after['ece']:.3f}, Brier {before['brier']:.3f} → {after['brier']:.3f} "
               "(weighted, cross-fitted on those labels)." if all(isinstance(d.get(k), float) for d in (before, after)
                                                               for k in ("ece", "brier")) else "")
    return (f"\n- **Recalibrated**: the parent's ranking with a new calibration (sigmoid) fitted on "
            f"{rec.get('labels', '?')} reviewed random-share labels\n  ({rec.get('positive', '?')} needing "
            f"verification) of review queues registered since {rec.get('since', '?')}, weighted by group size /\n"
            f"  inclusion probability.{figures} The figures below are the parent's cross-validation, less its "
            "calibration ones\n  (and its threshold ones, if the threshold was changed).")


def model_card(manifest: dict[str, Any]) -> str:
    """Render the model card for a manifest as Markdown.

    >>> "Intended use" in model_card(read_manifest("out/model"))   # doctest: +SKIP
    True
    """
    training = manifest.get("training_data", {})
    columns = manifest.get("columns", {})
    metrics = manifest.get("metrics", {})
    threshold = float(manifest.get("threshold", 0.5))
    meta = ", ".join(columns.get("meta") or []) or "none"
    rows = training.get("rows", "?")
    meaning, baseline = _threshold_meaning(metrics), _drift_baseline(manifest.get("drift"))
    return f"""# Model card: vnflag model {manifest.get('model_version')}

A score from this model is **a request for a human to look, never a verdict**.

## Intended use
Triage of exported Vietnamese social-media posts for human review: the model ranks posts by how
likely they are to be unverified or misleading (rumours, fabricated notices, fake cures, scams,
claims with no source) so that reviewers see those first. People make every decision.

## Out-of-scope uses
- Automatic removal, hiding, demotion, reporting, or any sanction on a post or an account.
- Judging, profiling or tracking people; the model never sees who wrote a post.
- Classifying political opinion or viewpoints; it judges whether content needs verification.
- Treating a score as a fact-check: a high score means "check this", not "this is false".

## Training data
- Source: `{training.get('source', 'a DataFrame')}`, {rows} rows
  ({training.get('positive', '?')} needing verification, {training.get('negative', '?')} ordinary).
- Fingerprint (SHA-256 of texts and labels): `{training.get('fingerprint', 'unknown')}`
- Text column `{columns.get('text')}`, label column `{columns.get('label')}`, engagement columns: {meta},
  time column: {('`' + columns['time'] + '`') if columns.get('time') else 'none'}.
- Parent model: {manifest.get('parent_version') or 'none'}. Created {manifest.get('created_at')} with
  vnflag {manifest.get('versions', {}).get('vnflag')}, scikit-learn {manifest.get('versions', {}).get('scikit-learn')},
  underthesea {manifest.get('versions', {}).get('underthesea')}.{_recalibration(training)}

## Metrics
{_metrics_section(metrics, training)}

{_reference_section()}
## The threshold
Posts scoring **{threshold:.3f}** or more are marked `flagged`.{meaning} The score is a calibrated \
probability on data like the
training data; a reviewer budget (top-N by score) is often a better way to use it than the flag.

## Known limitations
- Later posts score worse. Analysts always score posts newer than the labels, and accuracy falls
  on them: on ReINTEL, trained on the older 70 % of posts and tested on the newest 30 %, ROC-AUC is
  about 0.04 lower than in cross-validation (the reference figures above). Reviewing flagged
  posts and retraining on those labels (`vnflag retrain`) is how it is recovered.
- Domain and period: it knows the topics and wording of its training posts; new events, slang
  and platforms shift what it sees. `vnflag score` writes drift figures beside its output (share
  of words never seen in training, score PSI) and warns when a batch looks unlike the training data.{baseline}
- Label noise: labels are human judgements of "needs verification", not fact-check verdicts.
- Short posts, posts that are only a link or an image caption, and sarcasm carry little signal.
- Reasons list the words that raised the score most; they explain the model, not the truth.
"""


def write_model_card(directory: str | os.PathLike, manifest: dict[str, Any]) -> Path:
    """Write ``MODEL_CARD.md`` into a model directory and return its path."""
    return write_text_atomic(model_card(manifest), Path(directory) / "MODEL_CARD.md", managed_ok=True)
