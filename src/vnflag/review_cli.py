"""Sub-commands of the human review loop: ``queue``, ``labels``, ``retrain``, ``models``, and
``score --registry``. Each handler parses arguments, calls the public Python function and prints
a one-line summary to stderr; data (status, listings) goes to stdout."""

from __future__ import annotations

import argparse
import json
import sys

from .cli import _columns, register
from .io import VnflagError


def _share(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


# --------------------------------------------------------------------------- queue
def _cmd_queue(args: argparse.Namespace) -> int:
    from .io import read_table
    from .labels import LabelStore
    from .queue import build_queue, choose_threshold, export_queue

    threshold, policy = args.threshold, args.policy
    if args.validation:
        if (args.target_recall is None) == (args.target_precision is None):
            raise VnflagError("--validation needs exactly one of --target-recall and --target-precision")
        validation = read_table(args.validation)
        from .train import check_columns

        check_columns(validation, ["score", args.label_col], args.validation)
        threshold = choose_threshold(validation[args.label_col].tolist(),
                                     validation["score"].astype(float).tolist(),
                                     args.target_recall, args.target_precision)
        policy = "threshold"
    elif args.target_recall is not None or args.target_precision is not None:
        raise VnflagError("--target-recall/--target-precision need --validation (scored, labelled posts)")
    elif threshold is not None and policy == "top":
        policy = "threshold"
    queue = build_queue(read_table(args.scored), budget=args.budget, policy=policy, explore=args.explore,
                        id_col=args.id_col, text_col=args.text_col, threshold=threshold, redact=args.redact,
                        random_state=args.seed, similarity=args.similarity, random_share=args.random_share,
                        meta_cols=args.keep_cols)
    record = export_queue(queue, args.output, fmt=args.format)
    if args.store:
        LabelStore(args.store).register_queue(queue, source=str(record))
    why = queue["why"].value_counts().to_dict()
    threshold_note = f", threshold {threshold:.3f}" if threshold is not None else ""
    print(f"queued {len(queue)} items ({int(queue['group_size'].sum())} posts) with policy {policy}{threshold_note}: "
          f"{why.get('top', 0)} top, {why.get('uncertain', 0)} uncertain, {why.get('random', 0)} random; "
          f"wrote {args.output} (queue record {record})", file=sys.stderr)
    return 0


@register
def add_queue(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "queue", help="build a review queue from scored posts within a reviewer budget",
        description="Choose which scored posts reviewers see, within a budget. Copies and near-copies of a post "
        "become one item whose decision applies to every copy. Writes the queue for reviewers and, beside it, "
        "its record QUEUE-NAME.vnflag-queue.json (internal; needed to import the reviews).")
    p.add_argument("scored", help="scored posts (output of vnflag score)")
    p.add_argument("-o", "--output", required=True,
                   help="queue file: .csv, .xlsx (drop-down for decision), .jsonl, .labelstudio.json or .argilla.json")
    p.add_argument("--budget", type=int, default=200, help="items reviewers can look at (default: 200)")
    p.add_argument("--policy", choices=["top", "threshold", "model", "random"], default="top",
                   help="top: highest scores (default); threshold: scores >= --threshold; model: posts the model "
                   "flagged (its stored threshold); random: an audit sample")
    p.add_argument("--threshold", type=float, default=None, help="score threshold (implies --policy threshold)")
    p.add_argument("--validation", default=None,
                   help="scored, labelled posts to choose the threshold on (with --target-recall or --target-precision)")
    p.add_argument("--target-recall", type=_share, default=None, help="recall the threshold must reach on --validation")
    p.add_argument("--target-precision", type=_share, default=None, help="precision the threshold must reach")
    p.add_argument("--label-col", default="label", help="label column of --validation (default: label)")
    p.add_argument("--explore", type=_share, default=0.0,
                   help="share of the budget for the learning mix: posts the model is least sure about, and "
                   "a small random sample (--random-share of it), so reviews also teach the model (e.g. 0.2)")
    p.add_argument("--random-share", type=_share, default=0.25, help="share of the explore part drawn at random")
    p.add_argument("--id-col", default="id", help="column with post ids (default: id); rows without one get "
                   "a stable id from their text")
    p.add_argument("--text-col", default="text", help="column with the post text (default: text)")
    p.add_argument("--redact", action="store_true", help="hide phone numbers and e-mail addresses in the queue text")
    p.add_argument("--similarity", type=float, default=0.8,
                   help="near-duplicate threshold (estimated Jaccard of character 5-grams; 1 = exact copies only)")
    p.add_argument("--keep-cols", type=_columns, default=[],
                   help="comma-separated engagement columns to keep in the queue record for retraining")
    p.add_argument("--format", choices=["csv", "xlsx", "jsonl", "labelstudio", "argilla"], default=None,
                   help="output format (default: from the file name)")
    p.add_argument("--store", default=None, help="label store to register the queue in (optional)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random sample (default: 0)")
    p.set_defaults(func=_cmd_queue)


# --------------------------------------------------------------------------- labels
def _cmd_labels_import(args: argparse.Namespace) -> int:
    from .labels import LabelStore

    report = LabelStore(args.store).import_reviews(args.reviewed, queue=args.queue, reviewer=args.reviewer,
                                                   fmt=args.format, strict=args.strict)
    for number, why in report.bad_rows:
        print(f"vnflag: warning: {args.reviewed}: row {number}: {why}; not stored", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0


def _cmd_labels_status(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .labels import LabelStore

    if not Path(args.store).is_file():
        raise VnflagError(f"{args.store}: no such label store")
    store = LabelStore(args.store)
    status = store.status()
    conflicts = store.conflicts()
    if args.json:
        status["conflicting_posts"] = conflicts.to_dict("records")
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    d = status["decisions"]
    print(f"{status['store']}: {status['reviews']} reviews of {status['posts']} posts from {status['imports']} imports "
          f"({status['queues']} queues); last import {status['last_import'] or 'never'}")
    print(f"decisions: {d['misleading']} misleading, {d['ok']} ok, {d['unsure']} unsure, {d['conflict']} conflicts")
    print("reviewers: " + (", ".join(f"{k} ({v})" for k, v in status["reviewers"].items()) or "none"))
    for row in conflicts.itertuples(index=False):
        print(f"conflict: post {row.post_id}: {row.decisions}")
    return 0


def _cmd_labels_second_look(args: argparse.Namespace) -> int:
    from .io import write_table
    from .labels import LabelStore

    suspects = LabelStore(args.store).second_look(data=args.data, text_col=args.text_col, label_col=args.label_col,
                                                  cv=args.cv, method=args.method)
    if args.output:
        write_table(suspects, args.output)
    else:
        print(suspects.drop(columns="text").to_string(index=False) if len(suspects) else "no suspicious labels")
    print(f"second look: {len(suspects)} reviewed labels the cross-validated model strongly disagrees with"
          + (f"; wrote {args.output}" if args.output else ""), file=sys.stderr)
    return 0


@register
def add_labels(sub: argparse._SubParsersAction) -> None:
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
    imp.add_argument("--format", choices=["csv", "xlsx", "jsonl", "labelstudio", "argilla"], default=None,
                     help="file format (default: from the file name)")
    imp.add_argument("--strict", action="store_true", help="store nothing if any row is bad")
    imp.set_defaults(func=_cmd_labels_import)

    status = commands.add_parser("status", help="counts, conflicts and reviewers")
    status.add_argument("--store", required=True, help="label store file")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=_cmd_labels_status)

    look = commands.add_parser("second-look", help="reviewed labels the model strongly disagrees with",
                               description="List reviewed labels that a cross-validated model strongly disagrees "
                               "with (confident learning), for a second reviewer to check.")
    look.add_argument("--store", required=True, help="label store file")
    look.add_argument("--data", default=None, help="extra labelled posts (e.g. the training data) for the model")
    look.add_argument("--text-col", default="text", help="text column of --data (default: text)")
    look.add_argument("--label-col", default="label", help="label column of --data (default: label)")
    look.add_argument("--cv", type=int, default=5, help="cross-validation folds (default: 5)")
    look.add_argument("--method", choices=["sklearn", "cleanlab"], default="sklearn",
                      help="sklearn (default) or cleanlab (optional extra, AGPL licence)")
    look.add_argument("-o", "--output", default=None, help="write the list to a table instead of printing it")
    look.set_defaults(func=_cmd_labels_second_look)


# --------------------------------------------------------------------------- retrain
def _cmd_retrain(args: argparse.Namespace) -> int:
    from .retrain import retrain

    params = {"cv": args.cv} if args.cv else {}
    result = retrain(args.model, args.labels, data=args.data, output=args.output, margin=args.margin,
                     test_size=args.test_size, registry=args.registry, random_state=args.seed, **params)
    gate = result["gate"]["roc_auc"]
    for warning in result["warnings"]:
        print(f"vnflag: warning: {warning}", file=sys.stderr)
    print(f"challenger {result['challenger']['version']} vs champion {result['champion']['version']} on "
          f"{result['heldout']['rows']} held-out reviewed posts: ROC-AUC {gate['challenger']:.3f} vs "
          f"{gate['champion']:.3f}; promotable: {'yes' if result['promotable'] else 'no'} (margin {args.margin}); "
          f"wrote {args.output} with comparison.md" + (f"; added to {result['registry']}" if "registry" in result else ""),
          file=sys.stderr)
    return 0


@register
def add_retrain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retrain", help="train a challenger with reviewed labels and compare it with the champion",
                       description="Train a challenger on the original training data plus reviewed labels (unsure "
                       "and conflicts excluded), compare champion and challenger on the same held-out reviewed posts, "
                       "and write comparison.md. Nothing is promoted: use vnflag models promote.")
    p.add_argument("--model", required=True, help="champion model directory, or a registry (its promoted version)")
    p.add_argument("--labels", required=True, help="label store file")
    p.add_argument("--data", default=None, help="the champion's original training data (default: from its manifest)")
    p.add_argument("-o", "--output", required=True, help="model directory for the challenger")
    p.add_argument("--margin", type=float, default=0.01,
                   help="how much worse than the champion the challenger may be and still be promotable (default: 0.01)")
    p.add_argument("--test-size", type=float, default=0.25, help="share of reviewed posts held out (default: 0.25)")
    p.add_argument("--registry", default=None, help="registry to add champion and challenger to")
    p.add_argument("--cv", type=int, default=None, help="override the champion's cross-validation folds")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out split")
    p.set_defaults(func=_cmd_retrain)


# --------------------------------------------------------------------------- models
def _cmd_models(args: argparse.Namespace) -> int:
    from .registry import Registry

    action = args.models_command
    registry = Registry(args.registry, create=action == "add")
    if action == "list":
        listing = registry.list()
        print(listing.to_string(index=False) if len(listing) else "no versions")
    elif action == "show":
        print(json.dumps(registry.show(args.version), ensure_ascii=False, indent=2))
    elif action == "add":
        version = registry.add(args.model_dir, parent=args.parent)
        print(f"added {version} to {args.registry}", file=sys.stderr)
    elif action == "promote":
        version = registry.promote(args.version)
        print(f"promoted {version}; vnflag score --registry {args.registry} now uses it", file=sys.stderr)
    else:
        version = registry.rollback()
        print(f"rolled back; {version} is promoted again", file=sys.stderr)
    return 0


@register
def add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="the model registry: list, show, add, promote, rollback")
    commands = p.add_subparsers(dest="models_command", metavar="ACTION")
    commands.required = True
    for name, text in (("list", "list versions"), ("show", "show one version"), ("add", "add a model directory"),
                       ("promote", "make a version the one scoring uses"), ("rollback", "return to the previous promotion")):
        c = commands.add_parser(name, help=text)
        c.add_argument("--registry", required=True, help="registry directory")
        if name in ("show", "promote"):
            c.add_argument("version", help="version (a unique prefix is enough)")
        if name == "add":
            c.add_argument("model_dir", help="model directory")
            c.add_argument("--parent", default=None, help="parent version (default: from the manifest)")
        c.set_defaults(func=_cmd_models)


# --------------------------------------------------------------------------- score --registry
@register
def add_score_registry(sub: argparse._SubParsersAction) -> None:
    """Let ``vnflag score`` take ``--registry DIR`` (its promoted version) instead of ``--model``."""
    score = sub.choices.get("score")
    if score is None:
        return
    for action in score._actions:
        if "--model" in action.option_strings:
            action.required = False
    score.add_argument("--registry", default=None, help="model registry: score with its promoted version")
    original = score.get_default("func")

    def run(args: argparse.Namespace) -> int:
        if (args.model is None) == (args.registry is None):
            raise VnflagError("give exactly one of --model and --registry")
        if args.registry is not None:
            from .registry import Registry

            Registry(args.registry, create=False)
            args.model = args.registry
        return original(args)

    score.set_defaults(func=run)
