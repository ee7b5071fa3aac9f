"""``vnflag score``: every input row out, in order, with score, flagged, reasons, model_version and error."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..constants import DEFAULT_ID_COL
from .common import add_encoding, add_quiet, jobs, warn_repeated_ids, whole_number


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag score`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("score", help="score posts with a model",
                       description="Score posts: every input row out, in order, with score, flagged, "
                       "reasons, model_version and error columns added.")
    p.add_argument("data", help="posts: .csv .tsv .jsonl .parquet .xlsx, a glob or a directory of them, "
                   "or - for CSV on stdin")
    p.add_argument("--model", default=None, help="model directory (from vnflag train)")
    p.add_argument("--text-col", default=None, help="column with the post text (default: the model's)")
    p.add_argument("--id-col", default=DEFAULT_ID_COL,
                   help=f"column with post ids (default: {DEFAULT_ID_COL}): ids shared by different texts are counted")
    p.add_argument("--reasons", type=whole_number(0), default=3, help="reasons per post (default: 3)")
    p.add_argument("--chunksize", type=whole_number(1), default=None,
                   help="rows read, scored and checkpointed at a time, on both engines (default 5000; memory grows "
                   "with it)")
    p.add_argument("--jobs", type=jobs, default=None,
                   help="processes (default: all cores, counted as container quotas allow; with --engine local "
                   "only for inputs of 8 MB or more, this process alone for smaller ones, where starting workers "
                   "costs more than it saves; N: exactly N; with --engine dask, the local cluster's workers)")
    p.add_argument("-o", "--output", required=True,
                   help="output table (format by extension), - for stdout, or a directory (ending in /) of "
                   "Parquet parts")
    p.add_argument("--registry", default=None, help="model registry: score with its promoted version")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its last finished chunk, on either engine (the checkpoint "
                   "beside the output must match the model, the input, --chunksize and the options); without it a "
                   "stale checkpoint is replaced")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: processes on this machine (default); dask: a Dask cluster, the one at --scheduler "
                   "or, without it, a local cluster of --jobs worker processes (pip install \"vnflag[dask]\"); "
                   "both write the same output")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    add_encoding(p, "the posts")
    add_quiet(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``vnflag score`` with parsed arguments; returns the exit status."""
    from ..exceptions import VnflagError

    if (args.model is None) == (args.registry is None):
        raise VnflagError("give exactly one of --model and --registry")
    from ..artifacts.registry import Registry
    from ..pipelines.scoring import CHUNKSIZE, score_file

    if args.registry is not None:
        Registry(args.registry, create=False)  # a clear error when it is not a registry
    summary = score_file(args.model or args.registry, args.data, args.output, engine=args.engine,
                         scheduler=args.scheduler, text_col=args.text_col, id_col=args.id_col, top_k=args.reasons,
                         chunksize=args.chunksize or CHUNKSIZE, n_jobs=args.jobs, encoding=args.encoding,
                         resume=args.resume, progress=None if not args.quiet else False)
    print(
        f"scored {summary.rows} rows with model {summary.model_version}: {summary.flagged} flagged, "
        f"{summary.not_scored} not scored"
        + (f", {summary.truncated} longer than the model reads (truncated)" if summary.truncated else "")
        + f"; wrote {args.output}",
        file=sys.stderr,
    )
    warn_repeated_ids(summary.repeated_ids, args.id_col)
    for warning in summary.warnings:
        print(f"vnflag: warning: {warning}", file=sys.stderr)
    return 0
