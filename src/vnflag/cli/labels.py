"""``vnflag labels``: import reviewed files into the label store, its status, and a second look."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import REVIEW_FORMATS, add_encoding, print_json, whole_number


def parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("labels", help="import reviewed queues into a label store; status; second look",
                       description="The append-only label store of reviewers' decisions (SQLite file).")
    commands = p.add_subparsers(dest="labels_command", metavar="ACTION")
    commands.required = True

    imp = commands.add_parser("import", help="import a reviewed queue file",
                              description="Import reviewed rows. Rows with an unknown decision, no id, or an id not "
                              "in the queue are reported by row number and not stored; re-importing stores nothing new.")
    imp.add_argument("reviewed", help="reviewed queue: .csv .xlsx .jsonl .labelstudio.json .argilla.json")
    imp.add_argument("--store", required=True, help="label store file (created if missing), e.g. labels.sqlite")
    imp.add_argument("--queue", default=None, help="the queue export or its .vnflag-queue.json record (default: the "
                     "record beside REVIEWED, or a queue already registered in the store)")
    imp.add_argument("--reviewer", default=None, help="reviewer name for rows whose reviewer cell is empty")
    imp.add_argument("--format", choices=REVIEW_FORMATS, default=None,
                     help="file format (default: from the file name)")
    imp.add_argument("--strict", action="store_true", help="store nothing if any row is bad")
    imp.add_argument("--reviewer-map", default=None, metavar="FILE",
                     help="CSV or JSON of id,name naming Label Studio / Argilla users (default: Label Studio users "
                     "are labelstudio:<id>, Argilla users their user_id)")
    add_encoding(imp, "a CSV reviewed file")
    imp.set_defaults(run=_import)

    status = commands.add_parser("status", help="counts, conflicts and reviewers")
    status.add_argument("--store", required=True, help="label store file")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(run=_status)

    look = commands.add_parser("second-look", help="reviewed labels the model strongly disagrees with",
                               description="List reviewed labels that a cross-validated model strongly disagrees "
                               "with (confident learning), for a second reviewer to check.")
    look.add_argument("--store", required=True, help="label store file")
    look.add_argument("--data", default=None, help="extra labelled posts (e.g. the training data) for the model")
    look.add_argument("--text-col", default="text", help="text column of --data (default: text)")
    look.add_argument("--label-col", default="label", help="label column of --data (default: label)")
    look.add_argument("--cv", type=whole_number(2), default=5, help="cross-validation folds (default: 5)")
    look.add_argument("--method", choices=["sklearn", "cleanlab"], default="sklearn",
                      help="sklearn (default) or cleanlab (optional extra, AGPL licence)")
    look.add_argument("-o", "--output", default=None, help="write the list to a table instead of printing it")
    add_encoding(look, "--data")
    look.set_defaults(run=_second_look)
    return p


def run(args: argparse.Namespace) -> int:
    return args.run(args)


def _import(args: argparse.Namespace) -> int:
    from ..review.store import LabelStore

    report = LabelStore(args.store).import_reviews(args.reviewed, queue=args.queue, reviewer=args.reviewer,
                                                   fmt=args.format, strict=args.strict,
                                                   reviewer_map=args.reviewer_map, encoding=args.encoding)
    for number, why in report.bad_rows:
        print(f"vnflag: warning: {args.reviewed}: row {number}: {why}; not stored", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0


def _status(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exceptions import VnflagError
    from ..review.store import LabelStore

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    store = LabelStore(args.store)
    status = store.status()
    conflicts = store.conflicts()
    if args.json:
        status["conflicting_posts"] = conflicts.to_dict("records")
        print_json(status)
        return 0
    d = status["decisions"]
    print(f"{status['store']}: {status['reviews']} reviews of {status['posts']} posts from {status['imports']} imports "
          f"({status['queues']} queues); last import {status['last_import'] or 'never'}")
    print(f"decisions: {d['misleading']} misleading, {d['ok']} ok, {d['unsure']} unsure, {d['conflict']} conflicts")
    print("reviewers: " + (", ".join(f"{k} ({v})" for k, v in status["reviewers"].items()) or "none"))
    for row in conflicts.itertuples(index=False):
        print(f"conflict: post {row.post_id}: {row.decisions}")
    return 0


def _second_look(args: argparse.Namespace) -> int:
    from ..artifacts.files import check_output_path
    from ..artifacts.tables import write_table
    from ..review.label_quality import second_look

    if args.output:
        check_output_path(args.output, inputs=[args.store, args.data])
    suspects = second_look(args.store, data=args.data, text_col=args.text_col, label_col=args.label_col,
                           cv=args.cv, method=args.method, encoding=args.encoding)
    if args.output:
        write_table(suspects, args.output)
    else:
        print(suspects.drop(columns="text").to_string(index=False) if len(suspects) else "no suspicious labels")
    print(f"second look: {len(suspects)} reviewed labels the cross-validated model strongly disagrees with"
          + (f"; wrote {args.output}" if args.output else ""), file=sys.stderr)
    return 0
