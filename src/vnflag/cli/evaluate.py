"""The ``vnflag evaluate`` sub-command: metrics, an HTML report and a Markdown summary.

    vnflag evaluate held_out.csv --model out/model --label-col label --report report.html \\
        [--text-col text] [--slice-col source ...] [--markdown summary.md] [--bootstrap 1000]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..constants import DEFAULT_LABEL_COL
from ..exceptions import ExitStatus
from .common import add_bootstrap, add_encoding, add_quiet, progress_wanted


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag evaluate`` with parsed arguments; returns the exit status."""
    from ..pipelines.evaluation import evaluate_file

    run = evaluate_file(args.model, args.data, args.report, markdown=args.markdown, text_col=args.text_col,
                        label_col=args.label_col, slice_cols=args.slice_col, n_bootstrap=args.bootstrap,
                        store=args.store, encoding=args.encoding, progress=progress_wanted(args))
    from ..display import figure_text

    result, m = run.result, run.result.metrics
    one_label = "n/a (needs posts of both labels)"
    interval = ("" if figure_text(m.get("roc_auc_low")) == "n/a" or figure_text(m.get("roc_auc_high")) == "n/a"
                else f" [{m['roc_auc_low']:.3f}, {m['roc_auc_high']:.3f}]")
    print(
        f"evaluated model {result.manifest.get('model_version')} on {m['n']} posts ({m['positives']} needing "
        f"verification): ROC-AUC {figure_text(m['roc_auc'], missing=one_label)}{interval}, "
        f"average precision {figure_text(m['average_precision'], missing=one_label)}, "
        f"precision {figure_text(m['precision'], missing='n/a (no post flagged)')} and recall "
        f"{figure_text(m['recall'], missing='n/a (no post needing verification)')} at threshold "
        f"{result.threshold:.3f}, ECE {figure_text(m['ece'])}; wrote {run.report} and {run.markdown}",
        file=sys.stderr,
    )
    if result.data.get("is_training_data"):
        print("vnflag: warning: this is the model's training data; the figures are optimistic", file=sys.stderr)
    return ExitStatus.OK


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag evaluate`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser(
        "evaluate", help="measure a model on labelled posts and write an HTML report",
        description="Score labelled posts with a model and measure it: ROC-AUC and average precision with "
        "bootstrap intervals, precision/recall at the threshold and for reviewer budgets, calibration, "
        "a confusion matrix and metrics by slice. Writes a self-contained HTML report and a Markdown summary.",
    )
    p.add_argument("data", help="labelled posts: .csv .tsv .jsonl .parquet .xlsx, or - for CSV on stdin")
    p.add_argument("--model", required=True, help="model directory (from vnflag train)")
    p.add_argument("--text-col", default=None, help="column with the post text (default: the model's)")
    p.add_argument("--label-col", default=None, help="column with labels 1/0, true/false, yes/no or misleading/ok; "
                   f"1 = needs verification (default: the model's, else {DEFAULT_LABEL_COL})")
    p.add_argument("--slice-col", action="append", default=[], metavar="COLUMN",
                   help="also report metrics for each value of this column (repeatable)")
    p.add_argument("--report", required=True, help="HTML report to write")
    p.add_argument("--markdown", default=None, help="Markdown summary to write (default: the report path with .md)")
    add_bootstrap(p, 0, "the confidence intervals")
    p.add_argument("--store", default=None, help="label store the labels came from: adds reviewer agreement "
                   "(percent, Cohen's kappa, Krippendorff's alpha) to the report")
    add_encoding(p, "the labelled posts")
    add_quiet(p)
    return p
