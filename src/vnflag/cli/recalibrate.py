"""``vnflag recalibrate``: the champion's calibration refitted on the reviewed random share of recent queues."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exceptions import ExitStatus
from .common import add_encoding, print_json, seed


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag recalibrate`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("recalibrate", help="refit the calibration on the reviewed random share of recent queues",
                       description="Refit only the model's calibration (its ranking and flagged posts unchanged) on "
                       "the reviewed decisions of the random part of review queues registered since the model was "
                       "trained (or --since), weighted by group size / inclusion probability; unsure and "
                       "unresolved conflicts left out. Champion and challenger are compared on cross-fitted, "
                       "weighted ECE and Brier score, written to comparison.md. Nothing is promoted: use vnflag "
                       "models promote.")
    p.add_argument("--model", required=True, help="champion model directory, or a registry (its promoted version)")
    p.add_argument("--labels", required=True, help="label store file")
    p.add_argument("-o", "--output", required=True, help="model directory for the recalibrated challenger")
    p.add_argument("--since", default=None, metavar="DATE",
                   help="use queues registered at or after DATE (e.g. 2026-12-01; default: since the model was "
                   "trained)")
    p.add_argument("--posts", default=None, metavar="SCORED",
                   help="the scored table the queues were built from (id and the model's engagement/time "
                   "columns), when the queues did not keep those columns")
    p.add_argument("--threshold", type=float, default=None,
                   help="a new flag threshold (default: the one that flags the same posts as the champion)")
    p.add_argument("--registry", default=None, help="registry to add champion and challenger to")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    p.add_argument("--seed", type=seed, default=0, help="seed of the cross-fitted folds")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    add_encoding(p, "--posts")
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag recalibrate`` with parsed arguments; returns the exit status."""
    from ..display import figure_text
    from ..pipelines.recalibration import recalibrate

    result = recalibrate(args.model, args.labels, args.output, since=args.since, posts=args.posts,
                         registry=args.registry, threshold=args.threshold, overwrite=args.overwrite,
                         random_state=args.seed, encoding=args.encoding)
    if args.json:
        print_json(result)
    for warning in result["warnings"]:
        print(f"vnflag: warning: {warning}", file=sys.stderr)
    ece = result["gate"]["ece"]
    print(f"recalibrated {result['challenger']['version']} from {result['champion']['version']} on "
          f"{result['heldout']['labels']} random-share labels: ECE {figure_text(ece['champion'])} -> "
          f"{figure_text(ece['challenger'])} (cross-fitted, weighted); promotable: "
          f"{'yes' if result['promotable'] else 'no'}; wrote {args.output} with comparison.md"
          + (f"; added to {result['registry']}" if "registry" in result else ""), file=sys.stderr)
    return ExitStatus.OK
