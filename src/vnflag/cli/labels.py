"""``vnflag labels``: import reviewed files into the label store, its status and agreement, a second
look, adjudication of conflicts, unbiased estimates and the history of labels and models."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from .common import REVIEW_FORMATS, add_bootstrap, add_encoding, add_quiet, print_json, progress_wanted, whole_number

_MAP_HELP = ("CSV or JSON of id,name naming reviewers by the tool's user id, e-mail or stored name (default: Label "
             "Studio users are labelstudio:<id>, Argilla users argilla:<user_id>); applied when the store is read, "
             "so a changed map never duplicates a review")


def _add_reviewer_map(command: argparse.ArgumentParser) -> None:
    command.add_argument("--reviewer-map", default=None, metavar="FILE", help=_MAP_HELP + " (for this view only)")


def _unused_warning(unused: list[str] | tuple[str, ...], source: str) -> None:
    """One warning line naming the reviewer map entries that name no reviewer."""
    if unused:
        print(f"vnflag: warning: {source}: reviewer map entries that name no reviewer in the store: "
              + ", ".join(repr(k) for k in unused), file=sys.stderr)


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag labels`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("labels", help="import reviewed queues into a label store; status; second look",
                       description="The append-only label store of reviewers' decisions (SQLite file).")
    commands = p.add_subparsers(dest="labels_command", metavar="ACTION")
    commands.required = True

    imp = commands.add_parser("import", help="import reviewed queue files",
                              description="Import reviewed rows. Rows with an unknown decision, no id, or an id not "
                              "in the queue are reported by row number and not stored, and the exit status is then 3 "
                              "(--strict: nothing is stored, exit status 2); re-importing stores nothing new. An id "
                              "a spreadsheet changed (012 -> 12, 1.50 -> 1.5, 1.00012345678901E+017) is recovered "
                              "from the row's item_id/member_ids, with a warning. "
                              "Several files (e.g. each reviewer's file of one queue) are imported one after another, "
                              "each all or nothing: a refused file stores nothing and is reported, the others are "
                              "still imported, and the exit status is then 2.")
    imp.add_argument("reviewed", nargs="+",
                     help="reviewed queue file(s): .csv .xlsx .jsonl .labelstudio.json .argilla.json")
    imp.add_argument("--store", required=True, help="label store file (created if missing), e.g. labels.sqlite")
    imp.add_argument("--queue", default=None, help="the queue export or its .vnflag-queue.json record (default: the "
                     "record beside REVIEWED, or a queue already registered in the store)")
    imp.add_argument("--reviewer", default=None, help="reviewer name for rows whose reviewer cell is empty")
    imp.add_argument("--format", choices=REVIEW_FORMATS, default=None,
                     help="file format (default: from the file name)")
    imp.add_argument("--strict", action="store_true", help="store nothing if any row is bad")
    imp.add_argument("--reviewer-map", default=None, metavar="FILE", help=_MAP_HELP + "; kept with the store")
    imp.add_argument("--json", action="store_true", help="also print each file's report as JSON (rows, stored, "
                     "already stored, rejected rows, skipped responses by status)")
    add_encoding(imp, "a CSV reviewed file")
    imp.set_defaults(run=_import)

    status = commands.add_parser("status", help="counts, conflicts and reviewers")
    status.add_argument("--store", required=True, help="label store file")
    status.add_argument("--json", action="store_true", help="print JSON")
    _add_reviewer_map(status)
    status.set_defaults(run=_status)

    adj = commands.add_parser("adjudicate", help="queue the items reviewers disagree on for a third person",
                              description="Write the unresolved conflicts as a review queue showing every reviewer's "
                              "decision and note; import the filled file with vnflag labels import: those decisions "
                              "are stored as adjudications and settle the labels (nothing is overwritten).")
    adj.add_argument("--store", required=True, help="label store file")
    adj.add_argument("-o", "--output", required=True,
                     help="queue file: .csv .xlsx .jsonl .labelstudio.json .argilla.json")
    adj.add_argument("--format", choices=REVIEW_FORMATS, default=None, help="file format (default: from the name)")
    _add_reviewer_map(adj)
    adj.set_defaults(run=_adjudicate)

    est = commands.add_parser("estimate", help="unbiased estimates of prevalence, precision and recall",
                              description="Horvitz-Thompson estimates with stratified bootstrap 95% intervals, per "
                              "queue and overall: the share of scored posts needing verification, the precision of "
                              "the model's flags and the recall of the top part. Unlabelled items (unreviewed, "
                              "unsure, unresolved) are taken as missing at random within their part of the queue.")
    est.add_argument("--store", required=True, help="label store file")
    est.add_argument("--queue", action="append", default=[], metavar="ID_OR_RECORD",
                     help="a queue id in the store, or a queue record/export (repeatable; default: every queue)")
    add_bootstrap(est, 1, "the intervals")
    est.add_argument("--json", action="store_true", help="print JSON")
    est.set_defaults(run=_estimate)

    hist = commands.add_parser("history", help="imports, adjudications, retrains and promotions, newest first")
    hist.add_argument("--store", required=True, help="label store file")
    hist.add_argument("--registry", default=None, help="model registry whose retrains and promotions to merge in")
    hist.add_argument("--json", action="store_true", help="print JSON")
    _add_reviewer_map(hist)
    hist.set_defaults(run=_history)

    look = commands.add_parser("second-look", help="reviewed labels the model strongly disagrees with",
                               description="List reviewed labels that a cross-validated model strongly disagrees "
                               "with (confident learning), for a second reviewer to check.")
    look.add_argument("--store", required=True, help="label store file")
    look.add_argument("--data", default=None, help="extra labelled posts (e.g. the training data) for the model")
    look.add_argument("--model", default=None, help="model directory or registry whose text and label columns "
                      "are those of --data")
    look.add_argument("--text-col", default=None, help="text column of --data (default: the model's, else text)")
    look.add_argument("--label-col", default=None, help="label column of --data (default: the model's, else label)")
    look.add_argument("--cv", type=whole_number(2), default=5, help="cross-validation folds (default: 5)")
    look.add_argument("--method", choices=["sklearn", "cleanlab"], default="sklearn",
                      help="sklearn (default) or cleanlab (optional extra, AGPL licence)")
    look.add_argument("-o", "--output", default=None, help="write the list to a table instead of printing it")
    add_encoding(look, "--data")
    add_quiet(look)
    look.set_defaults(run=_second_look)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``vnflag labels`` with parsed arguments; returns the exit status."""
    return args.run(args)


def _import(args: argparse.Namespace) -> int:
    """Import each reviewed file in turn; a refused file (one line on stderr) stores nothing, the
    others are still imported, and any refusal makes the exit status 2. Refused rows (named on
    stderr; the file's other rows are stored) make it 3 (:attr:`~vnflag.ExitStatus.ROWS_REFUSED`)."""
    from ..exceptions import ExitStatus, VnflagError
    from ..review.store import LabelStore

    store = LabelStore(args.store)
    refused = []
    rows_refused = False
    reports = []
    for reviewed in args.reviewed:
        try:
            report = store.import_reviews(reviewed, queue=args.queue, reviewer=args.reviewer, fmt=args.format,
                                          strict=args.strict, reviewer_map=args.reviewer_map, encoding=args.encoding)
        except VnflagError as exc:
            if len(args.reviewed) == 1:
                raise
            message = " ".join(str(exc).split())
            print(f"vnflag: error: {message if message.startswith(reviewed) else f'{reviewed}: {message}'}; "
                  "nothing stored from it", file=sys.stderr)
            refused.append(reviewed)
            continue
        if report.recovered:
            shown = "; ".join(f"row {n}: {cell!r} is {post!r}" for n, cell, post in report.recovered[:5])
            print(f"vnflag: warning: {reviewed}: {len(report.recovered)} id(s) changed by a spreadsheet, recovered "
                  f"from the rows' item_id/member_ids ({shown}{' ...' if len(report.recovered) > 5 else ''})",
                  file=sys.stderr)
        for number, why in report.bad_rows:
            print(f"vnflag: warning: {reviewed}: row {number}: {why}; not stored", file=sys.stderr)
        _unused_warning(report.unused_names, args.reviewer_map)
        print(report.summary(), file=sys.stderr)
        rows_refused = rows_refused or bool(report.bad_rows)
        reports.append({**dataclasses.asdict(report), "bad_rows": [{"row": n, "why": w} for n, w in report.bad_rows]})
    if args.json:
        print_json(reports)
    if refused:
        print(f"vnflag: error: imported {len(args.reviewed) - len(refused)} of {len(args.reviewed)} files; "
              f"refused: {', '.join(refused)}", file=sys.stderr)
        return ExitStatus.USER_ERROR
    return ExitStatus.ROWS_REFUSED if rows_refused else ExitStatus.OK


def _status(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exceptions import VnflagError
    from ..review.store import LabelStore

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    view = LabelStore(args.store, args.reviewer_map).view()  # one read: the counts and the conflicts agree
    status = view.status()
    conflicts = view.conflicts()
    _unused_warning(view.unused_names, args.reviewer_map)
    if args.json:
        status["conflicting_posts"] = conflicts.to_dict("records")
        if args.reviewer_map:
            status["unused_map_entries"] = list(view.unused_names)
        print_json(status)
        return 0
    from ..display import text_table, upright

    print(f"{status['store']}: {status['reviews']} reviews of {status['posts']} posts from {status['imports']} imports "
          f"({status['queues']} queues); last import {status['last_import'] or 'never'}")
    print(text_table(upright(status.to_frame().drop(columns=["store"], errors="ignore"))))
    print(f"conflicts: {status['conflicts_resolved']} resolved by adjudication, "
          f"{status['conflicts_unresolved']} unresolved")
    print(agreement_line(status["agreement"]))
    for row in conflicts.itertuples(index=False):
        print(f"conflict: post {row.post_id}: {row.decisions}")
    return 0


def _second_look(args: argparse.Namespace) -> int:
    from ..io.files import check_output_path
    from ..io.tables import write_table
    from ..review.label_quality import second_look

    if args.output:
        check_output_path(args.output, inputs=[args.store, args.data])
    suspects = second_look(args.store, data=args.data, text_col=args.text_col, label_col=args.label_col,
                           cv=args.cv, method=args.method, encoding=args.encoding, model=args.model,
                           progress=progress_wanted(args))
    if args.output:
        write_table(suspects, args.output)
    else:
        print(suspects.drop(columns="text").to_string(index=False) if len(suspects) else "no suspicious labels")
    print(f"second look: {len(suspects)} reviewed labels the cross-validated model strongly disagrees with"
          + (f"; wrote {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def _figure(value: float | None, digits: int = 3) -> str:
    from ..display import figure_text

    return figure_text(value, digits, missing="undefined")


def agreement_line(agreement: dict[str, Any]) -> str:
    """One line: items decided by 2+ reviewers, percent agreement, Cohen's kappa, Krippendorff's alpha.

    >>> agreement_line({"items": 0, "percent": {"percent": None, "n": 0}, "cohen_kappa": {"pairs": [], "mean": None},
    ...                 "krippendorff_alpha": {"alpha": None, "n": 0}})
    'agreement: no item decided by two reviewers yet'
    """
    if not agreement["items"]:
        return "agreement: no item decided by two reviewers yet"
    kappa = agreement["cohen_kappa"]
    pairs = ", ".join(f"{'-'.join(p['raters'])} {_figure(p['kappa'])} (n={p['n']})" for p in kappa["pairs"])
    alpha = agreement["krippendorff_alpha"]
    return (f"agreement over {agreement['items']} items decided by 2+ reviewers: "
            f"{_figure(agreement['percent']['percent'], 1)}% agree (n={agreement['percent']['n']}); "
            f"Cohen's kappa {pairs}; mean {_figure(kappa['mean'])}; "
            f"Krippendorff's alpha {_figure(alpha['alpha'])} (n={alpha['n']})")


def _adjudicate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exceptions import VnflagError
    from ..io.files import check_output_path
    from ..review.adjudication import adjudicate

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    check_output_path(args.output, inputs=[args.store])
    queue = adjudicate(args.store, args.output, args.format, args.reviewer_map)
    if len(queue):
        print(f"queued {len(queue)} conflicting items for adjudication; wrote {args.output}; import the filled file "
              f"with vnflag labels import {args.output} --store {args.store}", file=sys.stderr)
    else:
        print("no unresolved conflicts: nothing to adjudicate; wrote nothing", file=sys.stderr)
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exceptions import VnflagError
    from ..review.estimation import FIGURES, estimate_store

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    result = estimate_store(args.store, args.queue, n_bootstrap=args.bootstrap)
    if args.json:
        print_json(result)
        return 0
    for name, figures in [*result["queues"].items(), ("overall", result["overall"])]:
        print(f"{name}: {figures['labelled']} of {figures['items']} items labelled, "
              f"{figures['scored_posts']} scored posts")
        for figure in FIGURES:
            f = figures[figure]
            print(f"  {figure}: {_figure(f['estimate'])} [{_figure(f['low'])}, {_figure(f['high'])}] (n={f['n']})"
                  + (f" - {f['note']}" if f.get("note") else ""))
    return 0


def _history(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exceptions import VnflagError
    from ..review.store import LabelStore

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    events = LabelStore(args.store, args.reviewer_map).history(args.registry)
    if args.json:
        print_json(events)
        return 0
    for e in events:
        print(f"{e['at'] or '-'}  {e['event']:<15} {e['who'] or '-'}  {e['file'] or '-'}  "
              f"sha256 {e['sha256'][:16] or '-'}  {e['details']}")
    return 0
