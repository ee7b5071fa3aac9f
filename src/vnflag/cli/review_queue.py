"""``vnflag queue``: choose which scored posts reviewers see, within a budget, and export them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import REVIEW_FORMATS, add_encoding, add_quiet, column_list, progress_wanted, seed, share, whole_number

POLICIES = ("top", "threshold", "model", "random")  # as vnflag.review.policies.POLICIES (checked by a test)


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag queue`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser(
        "queue", help="build a review queue from scored posts within a reviewer budget",
        description="Choose which scored posts reviewers see, within a budget. Copies and near-copies of a post "
        "become one item whose decision applies to every copy. Writes the queue for reviewers and, beside it, "
        "its record QUEUE-NAME.vnflag-queue.json (internal; needed to import the reviews).")
    p.add_argument("scored", help="scored posts (output of vnflag score)")
    p.add_argument("-o", "--output", required=True,
                   help="queue file: .csv, .xlsx (drop-down for decision), .jsonl, .labelstudio.json or .argilla.json")
    p.add_argument("--budget", type=whole_number(1), default=200, help="items reviewers can look at (default: 200)")
    p.add_argument("--policy", choices=POLICIES, default="top",
                   help="top: highest scores (default); threshold: scores >= --threshold; model: posts the model "
                   "flagged (its stored threshold); random: an audit sample")
    p.add_argument("--threshold", type=float, default=None, help="score threshold (implies --policy threshold)")
    p.add_argument("--validation", default=None,
                   help="scored, labelled posts to choose the threshold on (with --target-recall or --target-precision)")
    p.add_argument("--target-recall", type=share, default=None, help="recall the threshold must reach on --validation")
    p.add_argument("--target-precision", type=share, default=None, help="precision the threshold must reach")
    p.add_argument("--label-col", default="label", help="label column of --validation (default: label)")
    p.add_argument("--explore", type=share, default=0.0,
                   help="share of the budget for the learning mix: posts the model is least sure about, and "
                   "a small random sample (--random-share of it), so reviews also teach the model (e.g. 0.2)")
    p.add_argument("--random-share", type=share, default=0.25, help="share of the explore part drawn at random")
    p.add_argument("--id-col", default="id", help="column with post ids (default: id); rows without one get "
                   "a stable id from their text")
    p.add_argument("--text-col", default="text", help="column with the post text (default: text)")
    p.add_argument("--redact", action="store_true", help="hide phone numbers and e-mail addresses in the queue text")
    p.add_argument("--similarity", type=float, default=0.8,
                   help="near-duplicate threshold (estimated Jaccard of character 5-grams; 1 = exact copies only)")
    p.add_argument("--keep-cols", type=column_list, default=[],
                   help="comma-separated engagement columns to keep in the queue record for retraining")
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


def run(args: argparse.Namespace) -> int:
    """Run ``vnflag queue`` with parsed arguments; returns the exit status."""
    from ..io.tables import read_table
    from ..exceptions import VnflagError
    from ..model.inputs import check_columns
    from ..model.thresholds import choose_threshold
    from ..review.formats import export_queue
    from ..review.queues import build_queue
    from ..review.store import LabelStore

    from ..io.files import check_output_path
    from ..review.queues import check_reviewers, own_record_path, reviewer_path

    reviewers = check_reviewers(args.reviewers, args.overlap)
    outputs = [reviewer_path(args.output, name) for name in reviewers] or [args.output]
    for output in (*outputs, own_record_path(args.output)):
        check_output_path(output, inputs=[args.scored, args.validation, args.store])
    threshold, policy = args.threshold, args.policy
    if args.validation:
        if (args.target_recall is None) == (args.target_precision is None):
            raise VnflagError("--validation needs exactly one of --target-recall and --target-precision")
        validation = read_table(args.validation, encoding=args.encoding)
        check_columns(validation, ["score", args.label_col], args.validation)
        threshold = choose_threshold(validation[args.label_col].tolist(),
                                     validation["score"].astype(float).tolist(),
                                     target_recall=args.target_recall, target_precision=args.target_precision)
        policy = "threshold"
    elif args.target_recall is not None or args.target_precision is not None:
        raise VnflagError("--target-recall/--target-precision need --validation (scored, labelled posts)")
    elif threshold is not None and policy == "top":
        policy = "threshold"
    queue = build_queue(read_table(args.scored, encoding=args.encoding), budget=args.budget, policy=policy, explore=args.explore,
                        id_col=args.id_col, text_col=args.text_col, threshold=threshold, redact=args.redact,
                        random_state=args.seed, similarity=args.similarity, random_share=args.random_share,
                        meta_cols=args.keep_cols, progress=progress_wanted(args))
    record = export_queue(queue, args.output, fmt=args.format, reviewers=reviewers, overlap=args.overlap,
                          random_state=args.seed)
    if args.store:
        LabelStore(args.store).register_queue(record)
    why = queue["why"].value_counts().to_dict()
    threshold_note = f", threshold {threshold:.3f}" if threshold is not None else ""
    print(f"queued {len(queue)} items ({int(queue['group_size'].sum())} posts) with policy {policy}{threshold_note}: "
          f"{why.get('top', 0)} top, {why.get('uncertain', 0)} uncertain, {why.get('random', 0)} random; "
          f"wrote {', '.join(map(str, outputs))} (queue record {record})", file=sys.stderr)
    return 0
