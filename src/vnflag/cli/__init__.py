"""The ``vnflag`` command: a thin dispatch over the same public functions a notebook calls.

The commands are an explicit table: each module named in :data:`COMMANDS` has
``parser(subparsers)``, which adds its arguments, and ``run(args)``, which imports the public
function it needs (only then: ``vnflag --help`` loads no pandas, scikit-learn or underthesea),
calls it and prints a summary. User mistakes (a missing column, a bad label, an unreadable
file) end with a one-line ``vnflag: error: ...`` and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..version import __version__

__all__ = ["main", "build_parser", "COMMANDS"]

#: Sub-command → module (in this package) with ``parser(subparsers)`` and ``run(args)``, in help order.
COMMANDS = {
    "train": ".train",
    "score": ".score",
    "normalize": ".normalize",
    "queue": ".review_queue",
    "labels": ".labels",
    "retrain": ".retrain",
    "models": ".models",
    "evaluate": ".evaluate",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``vnflag`` and all its sub-commands.

    >>> build_parser().parse_args(["normalize", "ko sao"]).command
    'normalize'
    """
    parser = argparse.ArgumentParser(
        prog="vnflag",
        description="Score Vietnamese social-media posts for human verification review. "
        "A score asks a person to look; it is never a verdict, and vnflag never acts on a post.",
    )
    parser.add_argument("--version", action="version", version=f"vnflag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in COMMANDS.items():
        command = importlib.import_module(module, __name__)
        command.parser(sub).set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vnflag`` console script; returns the exit status."""
    from ..exceptions import VnflagError

    args = build_parser().parse_args(argv)
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
