"""``vnflag queue``: choose which scored posts reviewers see, within a budget, and export them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..constants import (
    DEFAULT_BUDGET,
    DEFAULT_ID_COL,
    DEFAULT_LABEL_COL,
    DEFAULT_RANDOM_SHARE,
    DEFAULT_SIMILARITY,
    DEFAULT_TEXT_COL,
    POLICIES,
    REVIEW_FORMATS,
)
from ..exceptions import ExitStatus
from .common import add_encoding, add_quiet, column_list, progress_wanted, seed, share, warn_repeated_ids, whole_number


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag queue`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser(
        "queue", help="build a review queue from scored posts within a reviewer budget",
        description="Choose which scored posts reviewers see, within a budget. Copies and near-copies of a post "
        "become one item whose decision applies to every copy. Writes the queue for reviewers and, beside it, "
        "its record OUTPUT.vnflag-queue.json, e.g. today.csv.vnflag-queue.json (internal; needed to import the "
        "reviews).")
    p.add_argument("scored", help="scored posts (output of vnflag score)")
    p.add_argument("-o", "--output", required=True,
                   help="queue file: .csv, .xlsx (drop-down for decision), .jsonl, .labelstudio.json or "
                   ".argilla.json")
    p.add_argument("--budget", type=whole_number(1), default=DEFAULT_BUDGET,
                   help=f"items reviewers can look at (default: {DEFAULT_BUDGET})")
    p.add_argument("--policy", choices=POLICIES, default="top",
                   help="top: highest scores (default); threshold: scores >= --threshold; model: posts the model "
                   "flagged (its stored threshold); random: an audit sample")
    p.add_argument("--threshold", type=float, default=None, help="score threshold (implies --policy threshold)")
    p.add_argument("--validation", default=None,
                   help="scored, labelled posts to choose the threshold on (with --target-recall or "
                   "--target-precision)")
    p.add_argument("--target-recall", type=share, default=None, help="recall the threshold must reach on --validation")
    p.add_argument("--target-precision", type=share, default=None, help="precision the threshold must reach")
    p.add_argument("--label-col", default=DEFAULT_LABEL_COL,
                   help=f"label column of --validation (default: {DEFAULT_LABEL_COL})")
    p.add_argument("--explore", type=share, default=0.0,
                   help="share of the budget for the learning mix: posts the model is least sure about, and "
                   "a small random sample (--random-share of it), so reviews also teach the model (e.g. 0.2)")
    p.add_argument("--random-share", type=share, default=DEFAULT_RANDOM_SHARE,
                   help=f"share of the explore part drawn at random (default: {DEFAULT_RANDOM_SHARE})")
    p.add_argument("--id-col", default=DEFAULT_ID_COL, help=f"column with post ids (default: {DEFAULT_ID_COL}); "
                   "rows without one get a stable id from their text")
    p.add_argument("--model", default=None,
                   help="the model directory or registry that scored the posts (a registry: the version named in "
                   "model_version): its text column is the default --text-col, and the queue keeps the engagement "
                   "and time columns it reads, for retraining")
    p.add_argument("--text-col", default=None,
                   help=f"column with the post text (default: the model's, else {DEFAULT_TEXT_COL})")
    p.add_argument("--redact", action="store_true", help="hide phone numbers and e-mail addresses in the queue text")
    p.add_argument("--similarity", type=float, default=DEFAULT_SIMILARITY,
                   help="near-duplicate threshold (estimated Jaccard of character 5-grams; 1 = exact copies only; "
                   f"default: {DEFAULT_SIMILARITY})")
    p.add_argument("--keep-cols", type=column_list, default=[],
                   help="comma-separated columns to keep in the queue record for retraining, besides those the "
                   "--model reads (kept without this option)")
    p.add_argument("--format", choices=REVIEW_FORMATS, default=None,
                   help="output format (default: from the file name)")
    p.add_argument("--reviewers", type=column_list, default=[], metavar="NAMES",
                   help="comma-separated reviewer names (e.g. anh,binh,chi): share the items out evenly and write "
                   "one file per reviewer, OUTPUT's name plus the reviewer's (review/today.anh.xlsx), with one "
                   "queue record for all of them")
    p.add_argument("--overlap", type=share, default=0.0,
                   help="with --reviewers: share of the items given to two reviewers, blind (e.g. 0.2)")
    p.add_argument("--store", default=None, help="label store to register the queue in (optional)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the random sample and of sharing items out "
                   "between reviewers (default: 0)")
    add_encoding(p, "the scored table and --validation")
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag queue`` with parsed arguments; returns the exit status."""
    from ..pipelines.queueing import queue_file

    run = queue_file(args.scored, args.output, budget=args.budget, policy=args.policy, threshold=args.threshold,
                     validation=args.validation, target_recall=args.target_recall,
                     target_precision=args.target_precision, label_col=args.label_col, explore=args.explore,
                     random_share=args.random_share, id_col=args.id_col, text_col=args.text_col, redact=args.redact,
                     similarity=args.similarity, keep_cols=args.keep_cols, fmt=args.format,
                     reviewers=args.reviewers, overlap=args.overlap, store=args.store, seed=args.seed,
                     encoding=args.encoding, progress=progress_wanted(args), model=args.model)
    why = run.why
    threshold_note = f", threshold {run.threshold:.3f}" if run.threshold is not None else ""
    print(f"queued {run.items} items ({run.posts} posts) with policy {run.policy}{threshold_note}: "
          f"{why['top']} top, {why['uncertain']} uncertain, {why['random']} random; "
          f"wrote {', '.join(map(str, run.outputs))} (queue record {run.record})", file=sys.stderr)
    warn_repeated_ids(run.repeated_ids, args.id_col)
    return ExitStatus.OK
