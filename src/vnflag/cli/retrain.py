"""``vnflag retrain``: a challenger trained with reviewed labels, compared with the champion on the same rows."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..constants import DEFAULT_MARGIN, DEFAULT_TEST_SIZE
from ..exceptions import ExitStatus
from .common import add_encoding, add_quiet, progress_wanted, seed, whole_number


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag retrain`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("retrain", help="train a challenger with reviewed labels and compare it with the champion",
                       description="Train a challenger on the original training data plus reviewed labels (unsure "
                       "and conflicts excluded), compare champion and challenger on the same held-out reviewed posts, "
                       "and write comparison.md. Nothing is promoted: use vnflag models promote.")
    p.add_argument("--model", required=True, help="champion model directory, or a registry (its promoted version)")
    p.add_argument("--labels", required=True, help="label store file")
    p.add_argument("--data", default=None, help="the champion's original training data (default: from its manifest)")
    p.add_argument("-o", "--output", required=True, help="model directory for the challenger")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="how much worse than the champion the "
                   f"challenger may be and still be promotable (default: {DEFAULT_MARGIN})")
    p.add_argument("--test-size", type=float, default=DEFAULT_TEST_SIZE,
                   help=f"share of reviewed posts held out (default: {DEFAULT_TEST_SIZE})")
    p.add_argument("--registry", default=None, help="registry to add champion and challenger to")
    p.add_argument("--cv", type=whole_number(2), default=None, help="override the champion's cross-validation folds")
    p.add_argument("--seed", type=seed, default=0, help="seed of the held-out split")
    add_encoding(p, "--data")
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag retrain`` with parsed arguments; returns the exit status."""
    from ..display import figure_text
    from ..pipelines.retraining import retrain

    params = {"cv": args.cv} if args.cv else {}
    result = retrain(args.model, args.labels, data=args.data, output=args.output, margin=args.margin,
                     test_size=args.test_size, registry=args.registry, random_state=args.seed,
                     encoding=args.encoding, progress=progress_wanted(args), **params)
    gate = result["gate"]["roc_auc"]
    for warning in result["warnings"]:
        print(f"vnflag: warning: {warning}", file=sys.stderr)
    print(f"challenger {result['challenger']['version']} vs champion {result['champion']['version']} on "
          f"{result['heldout']['rows']} held-out reviewed posts: ROC-AUC {figure_text(gate['challenger'])} vs "
          f"{figure_text(gate['champion'])}; promotable: {'yes' if result['promotable'] else 'no'} "
          f"(margin {args.margin}); "
          f"wrote {args.output} with comparison.md"
          + (f"; added to {result['registry']}" if "registry" in result else ""),
          file=sys.stderr)
    return ExitStatus.OK
