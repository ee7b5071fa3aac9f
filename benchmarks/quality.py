"""Quality on ReINTEL: stratified 5-fold cross-validated ROC-AUC and average precision.

Compares vnflag's default model (text only, and with the engagement counts) with a plain
``TfidfVectorizer() + LogisticRegression()`` baseline and a TF-IDF word+char ``LinearSVC``, in
one run, on the same folds: ROC-AUC, average precision, expected calibration error (ECE) and
train time. LinearSVC gives margins, not probabilities: its ECE is of min-max-scaled margins.

    python benchmarks/quality.py [--folds 5] [--seed 13]

Needs ``../shared/datasets/reintel/train.csv`` (third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from vnflag import Flagger
from vnflag.model.metrics import expected_calibration_error

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reintel" / "train.csv"
TEXT, LABEL = "post_message", "label"
META = ["num_like_post", "num_comment_post", "num_share_post"]


def candidates() -> dict[str, object]:
    """Name → unfitted estimator taking the whole DataFrame (text and count columns)."""
    from sklearn.compose import make_column_transformer

    plain = make_pipeline(make_column_transformer((TfidfVectorizer(), TEXT)), LogisticRegression())
    word_char_svm = make_pipeline(
        make_column_transformer(
            (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), TEXT),
            (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True), TEXT),
        ),
        LinearSVC(C=0.5, class_weight="balanced"),
    )
    return {
        "vnflag default, text only": Flagger(text_col=TEXT),
        "vnflag default + meta cols": Flagger(text_col=TEXT, meta_cols=META),
        "plain TfidfVectorizer + LogisticRegression": plain,
        "TF-IDF word+char + LinearSVC": word_char_svm,
    }


def scores_of(model, frame: pd.DataFrame) -> np.ndarray:
    if not hasattr(model, "predict_proba"):  # LinearSVC: margins
        return model.decision_function(frame)
    return model.predict_proba(frame)[:, 1]


def calibration_error(model, y: np.ndarray, scores: np.ndarray) -> float:
    """ECE of probabilities; of min-max-scaled margins for a model without probabilities."""
    if not hasattr(model, "predict_proba"):
        scores = (scores - scores.min()) / max(scores.max() - scores.min(), 1e-12)
    return expected_calibration_error(y, scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} not present (third-party data, see DEVELOPERS.md)")
        return 0
    frame = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    y = frame[LABEL].astype(int).to_numpy()
    print(f"ReINTEL {args.data.name}: {len(frame)} posts, {y.sum()} unreliable; "
          f"stratified {args.folds}-fold CV, seed {args.seed}")
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(frame, y))
    rows = []
    for name, estimator in candidates().items():
        from sklearn.base import clone

        aucs, aps, eces, seconds = [], [], [], []
        for train, test in folds:
            model = clone(estimator)
            start = time.perf_counter()
            model.fit(frame.iloc[train], y[train])
            seconds.append(time.perf_counter() - start)
            p = scores_of(model, frame.iloc[test])
            aucs.append(roc_auc_score(y[test], p))
            aps.append(average_precision_score(y[test], p))
            eces.append(calibration_error(model, y[test], p))
        rows.append({"model": name, "ROC-AUC": f"{np.mean(aucs):.4f} ± {np.std(aucs):.4f}",
                     "average precision": f"{np.mean(aps):.4f} ± {np.std(aps):.4f}",
                     "ECE": f"{np.mean(eces):.4f}" + ("" if hasattr(estimator, "predict_proba") else " (min-max)"),
                     "train s/fold": f"{np.mean(seconds):.1f}"})
        print(f"  {name}: ROC-AUC {np.mean(aucs):.4f}, AP {np.mean(aps):.4f}, ECE {np.mean(eces):.4f}", flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
