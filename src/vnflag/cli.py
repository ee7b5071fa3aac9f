"""The ``vnflag`` command: a thin dispatch over the same public functions a notebook calls.

User mistakes (a missing column, a bad label, an unreadable file) end with a one-line
``vnflag: error: ...`` and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from . import __version__
from .io import VnflagError

__all__ = ["main", "build_parser", "register"]

# Sub-command builders added by other modules: each takes the sub-parsers object.
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def register(builder: Callable[[argparse._SubParsersAction], None]) -> Callable:
    """Decorator for a function that adds a sub-command; it sets ``func`` on its parser."""
    _EXTRA_COMMANDS.append(builder)
    return builder


def _columns(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _cmd_train(args: argparse.Namespace) -> int:
    from .train import train_file

    params = {"n_jobs": args.jobs}
    if args.threshold is not None:
        params["threshold"] = args.threshold
    manifest = train_file(args.data, args.output, args.text_col, args.label_col, args.meta_cols,
                          overwrite=args.overwrite, **params)
    metrics = manifest["metrics"]
    print(
        f"trained model {manifest['model_version']} on {manifest['training_data']['rows']} rows "
        f"({manifest['training_data']['positive']} needing verification); "
        f"cross-validated ROC-AUC {metrics['cv_roc_auc']:.3f}, threshold {manifest['threshold']:.3f}; "
        f"saved to {args.output}",
        file=sys.stderr,
    )
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from .score import score_file

    summary = score_file(args.model, args.data, args.output, text_col=args.text_col, top_k=args.reasons,
                         chunksize=args.chunksize, n_jobs=args.jobs)
    print(
        f"scored {summary['rows']} rows with model {summary['model_version']}: {summary['flagged']} flagged, "
        f"{summary['not_scored']} not scored; wrote {args.output}",
        file=sys.stderr,
    )
    for warning in summary.get("warnings", []):
        print(f"vnflag: warning: {warning}", file=sys.stderr)
    return 0


def _cmd_normalize(args: argparse.Namespace) -> int:
    from .normalize import normalize_text
    from .segment import segment_text

    text = args.text if args.text is not None else sys.stdin.read()
    normalized = normalize_text(text)
    print(json.dumps({"normalized": normalized, "segmented": segment_text(normalized)}, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``vnflag`` and all its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="vnflag",
        description="Score Vietnamese social-media posts for human verification review. "
        "A score asks a person to look; it is never a verdict, and vnflag never acts on a post.",
    )
    parser.add_argument("--version", action="version", version=f"vnflag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    train = sub.add_parser("train", help="train a model on labelled posts",
                           description="Train a model on labelled posts and save it as a model directory.")
    train.add_argument("data", help="labelled posts: .csv .tsv .jsonl .parquet .xlsx, or - for CSV on stdin")
    train.add_argument("--text-col", default="text", help="column with the post text (default: text)")
    train.add_argument("--label-col", default="label",
                       help="column with labels 1/0, true/false or yes/no; 1 = needs verification (default: label)")
    train.add_argument("--meta-cols", type=_columns, default=[],
                       help="comma-separated engagement-count columns, e.g. num_like,num_comment,num_share")
    train.add_argument("--threshold", type=float, default=None,
                       help="fixed flag threshold in (0, 1); default: the F1-best cut on cross-validated scores")
    train.add_argument("--jobs", type=int, default=1, help="processes for word segmentation (-1: all cores)")
    train.add_argument("-o", "--output", required=True, help="model directory to create")
    train.add_argument("--overwrite", action="store_true", help="replace an existing model directory")
    train.set_defaults(func=_cmd_train)

    score = sub.add_parser("score", help="score posts with a model",
                           description="Score posts: every input row out, in order, with score, flagged, "
                           "reasons, model_version and error columns added.")
    score.add_argument("data", help="posts: .csv .tsv .jsonl .parquet .xlsx, or - for CSV on stdin")
    score.add_argument("--model", required=True, help="model directory (from vnflag train)")
    score.add_argument("--text-col", default=None, help="column with the post text (default: the model's)")
    score.add_argument("--reasons", type=int, default=3, help="reasons per post (default: 3)")
    score.add_argument("--chunksize", type=int, default=20_000, help="rows per chunk for large files")
    score.add_argument("--jobs", type=int, default=-1,
                       help="processes for word segmentation (default -1: all cores; 1: this process only)")
    score.add_argument("-o", "--output", required=True, help="output table (format by extension), - for stdout")
    score.set_defaults(func=_cmd_score)

    normalize = sub.add_parser("normalize", help="show how one text is normalised and segmented")
    normalize.add_argument("text", nargs="?", help="the text (default: read stdin)")
    normalize.set_defaults(func=_cmd_normalize)

    for builder in _EXTRA_COMMANDS:
        builder(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vnflag`` console script; returns the exit status."""
    _load_command_modules()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except VnflagError as exc:
        print(f"vnflag: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"vnflag: error: {exc.filename or exc}: no such file", file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(f"vnflag: error: {exc.filename or exc}: permission denied", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vnflag: interrupted; no output was written", file=sys.stderr)
        return 130


def _load_command_modules() -> None:
    """Import modules whose sub-commands register themselves with :func:`register`."""
    import importlib

    for name in ("queue", "labels", "registry", "retrain", "evaluate", "review"):
        try:
            importlib.import_module(f"vnflag.{name}_cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"vnflag.{name}_cli":
                raise


if __name__ == "__main__":
    sys.exit(main())
