"""The ``vnflag`` command: a thin dispatch over the same public functions a notebook calls.

The commands are an explicit table: each module named in :data:`COMMANDS` has
``parser(subparsers)``, which adds its arguments, and ``run(args)``, which imports the public
function it needs (only then: ``vnflag --help`` loads no pandas, scikit-learn or underthesea),
calls it and prints a summary. User mistakes (a missing column, a bad label, an unreadable
file) end with a one-line ``vnflag: error: ...`` and exit status 2, never a traceback; every exit
status is an :class:`~vnflag.exceptions.ExitStatus`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterator, Sequence

from ..exceptions import ExitStatus, VnflagError
from ..version import __version__

__all__ = ["main", "build_parser", "iter_parsers", "COMMANDS"]

#: Sub-command → module (in this package) with ``parser(subparsers)`` and ``run(args)``, in help order.
COMMANDS = {
    "train": ".train",
    "score": ".score",
    "normalize": ".normalize",
    "queue": ".review_queue",
    "labels": ".labels",
    "retrain": ".retrain",
    "recalibrate": ".recalibrate",
    "models": ".models",
    "evaluate": ".evaluate",
}


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose mistakes end like every other: one line ``vnflag: error: ...``, status 2."""

    def error(self, message: str):
        """``vnflag: error: [COMMAND: ]MESSAGE (see PROG --help)``: the sub-command named once, the top-level
        parser (prog ``vnflag``, already the prefix) not at all; white space, newlines included, collapsed."""
        command = self.prog.removeprefix("vnflag").strip()
        where, message = f"{command}: " if command else "", " ".join(message.split())
        self.exit(ExitStatus.USER_ERROR, f"vnflag: error: {where}{message} (see {self.prog} --help)\n")


def iter_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every sub-command's parser below it, depth first, in the order ``--help`` lists them
    (an alias, which maps to the same parser, once): what the CLI reference and the help tests walk.

    >>> [p.prog for p in iter_parsers(build_parser())][:2]
    ['vnflag', 'vnflag train']
    """
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from iter_parsers(child)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``vnflag`` and all its sub-commands.

    >>> build_parser().parse_args(["normalize", "ko sao"]).command
    'normalize'
    """
    parser = OneLineErrorParser(
        prog="vnflag",
        description="Score Vietnamese social-media posts for human verification review. "
        "A score asks a person to look; it is never a verdict, and vnflag never acts on a post.",
    )
    parser.add_argument("--version", action="version", version=f"vnflag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineErrorParser)
    sub.required = True
    for module in COMMANDS.values():
        command = importlib.import_module(module, __name__)
        command.parser(sub).set_defaults(func=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> ExitStatus:
    """Entry point of the ``vnflag`` console script; returns the exit status.

    See :class:`~vnflag.exceptions.ExitStatus`: 0 done; 2 a user mistake or an unusable input, said
    in one line; 3 done but some input rows refused (``labels import``); 1 a fault inside vnflag (one
    line too; ``VNFLAG_TRACEBACK=1`` shows the traceback); 130 interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a mistake argparse has already reported
        return ExitStatus(stop.code) if isinstance(stop.code, int) else ExitStatus.USER_ERROR
    try:
        return ExitStatus(_run(args) or ExitStatus.OK)
    except VnflagError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # `vnflag labels status | head`: the reader left; that is not an error
        _silence_stdout()
        return ExitStatus.OK
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename or exc}: no such file or directory")
    except PermissionError as exc:
        return _fail(f"{exc.filename or exc}: permission denied")
    except IsADirectoryError as exc:
        return _fail(f"{exc.filename or exc}: is a directory")
    except OSError as exc:  # a read-only file system, a full disk, a file name too long...
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except MemoryError:
        return _fail("out of memory; score the file in smaller chunks (--chunksize)", status=ExitStatus.ERROR)
    except KeyboardInterrupt:
        print("vnflag: interrupted; no output was written", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except Exception as exc:  # a bug: one line, and the traceback on request
        if os.environ.get("VNFLAG_TRACEBACK"):
            raise
        return _fail(f"internal error ({type(exc).__name__}: {exc}); this is a bug in vnflag, please report it "
                     "(VNFLAG_TRACEBACK=1 shows the traceback)", status=ExitStatus.ERROR, prefix="vnflag: ")


def _run(args: argparse.Namespace) -> ExitStatus | None:
    """Run the command; ``--sep`` applies to every CSV/TSV table it reads, through any pipeline."""
    if getattr(args, "sep", None) is None:
        return args.func(args)
    from ..io.delimited import using_separator

    with using_separator(args.sep):
        return args.func(args)


def _fail(message: str, status: ExitStatus = ExitStatus.USER_ERROR, prefix: str = "vnflag: error: ") -> ExitStatus:
    print(prefix + " ".join(message.split()), file=sys.stderr)
    return status


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
