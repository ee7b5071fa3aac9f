"""``vnflag train``: train a model on labelled posts and save it as a model directory."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..constants import DEFAULT_LABEL_COL, DEFAULT_TEXT_COL, TOKENIZERS
from ..exceptions import ExitStatus
from .common import add_encoding, add_quiet, column_list, progress_wanted


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag train`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("train", help="train a model on labelled posts",
                       description="Train a model on labelled posts and save it as a model directory.")
    p.add_argument("data", help="labelled posts: .csv .tsv .jsonl .parquet .xlsx, or - for CSV on stdin")
    p.add_argument("--text-col", default=DEFAULT_TEXT_COL,
                   help=f"column with the post text (default: {DEFAULT_TEXT_COL})")
    p.add_argument("--label-col", default=DEFAULT_LABEL_COL,
                   help="column with labels 1/0, true/false, yes/no or misleading/ok; "
                   f"1 = needs verification (default: {DEFAULT_LABEL_COL})")
    p.add_argument("--meta-cols", type=column_list, default=[],
                   help="comma-separated engagement-count columns, e.g. num_like,num_comment,num_share")
    p.add_argument("--time-col", default=None,
                   help="column with each post's time (Unix seconds or ISO 8601), read as hour of day and weekday")
    p.add_argument("--timezone", default=None, metavar="NAME",
                   help="time zone of --time-col's hours and weekdays (default: Asia/Ho_Chi_Minh)")
    p.add_argument("--time-features", type=column_list, default=None, metavar="PARTS",
                   help="parts of --time-col the model reads: hour,weekday (default) and/or day "
                   "(see docs/decisions/time-features.md)")
    p.add_argument("--second-stage", choices=("auto", "logistic", "boosting"), default=None,
                   help="model over the text margin, engagement and time features: logistic regression or "
                   "gradient boosting (default auto: boosting when there are --meta-cols or --time-col)")
    p.add_argument("--threshold", type=float, default=None,
                   help="fixed flag threshold in (0, 1); default: the F1-best cut on cross-validated scores")
    p.add_argument("--tokenizer", choices=TOKENIZERS, default=None,
                   help="word tokens: underthesea word segmentation, or syllables (no segmentation, "
                        "much faster; default: syllables, chosen on ReINTEL)")
    p.add_argument("-o", "--output", required=True, help="model directory to create")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model directory")
    add_encoding(p, "the labelled posts")
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag train`` with parsed arguments; returns the exit status."""
    from ..pipelines.training import train_file

    params: dict[str, Any] = {}
    if args.threshold is not None:
        params["threshold"] = args.threshold
    if args.tokenizer is not None:
        params["tokenizer"] = args.tokenizer
    for name in ("time_col", "timezone", "second_stage"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    if args.time_features is not None:
        params["time_features"] = tuple(args.time_features)
    manifest = train_file(args.data, args.output, args.text_col, args.label_col, args.meta_cols,
                          overwrite=args.overwrite, encoding=args.encoding, progress=progress_wanted(args),
                          **params)
    metrics = manifest["metrics"]
    spread = metrics.get("cv_roc_auc_fold_sd")
    fold_sd = f" (fold sd {spread:.3f})" if isinstance(spread, float) else ""
    print(
        f"trained model {manifest['model_version']} on {manifest['training_data']['rows']} rows "
        f"({manifest['training_data']['positive']} needing verification); "
        f"cross-validated ROC-AUC {metrics['cv_roc_auc']:.3f}{fold_sd}, ECE {metrics['cv_ece']:.3f}, "
        f"threshold {manifest['threshold']:.3f}; saved to {args.output}",
        file=sys.stderr,
    )
    return ExitStatus.OK
