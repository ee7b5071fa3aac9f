"""Argument types shared by the command modules. Nothing here imports pandas, scikit-learn or
underthesea, so that ``vnflag --help`` starts at once; choices and defaults the library shares
come from :mod:`vnflag.constants`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..constants import DEFAULT_BOOTSTRAP, DEFAULT_ENCODING, MAX_BOOTSTRAP, REVIEW_FORMATS  # REVIEW_FORMATS: --format

__all__ = ["column_list", "add_encoding", "separator", "add_quiet", "add_bootstrap", "progress_wanted", "share",
           "print_json", "jobs", "seed", "whole_number", "warn_repeated_ids", "REVIEW_FORMATS"]


def warn_repeated_ids(count: int, id_col: str) -> None:
    """One line on standard error when ``count`` ids of the batch are shared by posts with different
    texts (real exports repeat ids): they are different posts, each reviewed and labelled on its own."""
    if count:
        print(f"vnflag: warning: {count} {'id is' if count == 1 else 'ids are'} shared by posts with different "
              f"texts (column {id_col!r}); they are kept as different posts, each reviewed and labelled on its own",
              file=sys.stderr)


def column_list(value: str) -> list[str]:
    """``--meta-cols a,b`` → ``["a", "b"]``: the argument type of every comma-separated list of columns
    or names. A list that names nothing (``""``, ``","``, ``" , "``) is a mistake, never "none": silently
    empty, ``--reviewers ,`` gave an unshared queue.

    >>> column_list("num_like, num_share,")
    ['num_like', 'num_share']
    """
    names = [c.strip() for c in value.split(",") if c.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"must name at least one, comma-separated, got {value!r}")
    return names


def add_encoding(p: argparse.ArgumentParser, what: str = "input tables", tables: bool = True) -> None:
    """Add ``--encoding NAME``: the text encoding of CSV/TSV/JSONL/JSON tables the command reads, and
    (``tables``) ``--sep CHAR``: the separator of every CSV/TSV table it reads (default: sniffed; the
    command runs inside :func:`vnflag.io.delimited.using_separator`)."""
    p.add_argument("--encoding", default=DEFAULT_ENCODING, metavar="NAME",
                   help=f"text encoding of {what} (default: {DEFAULT_ENCODING}, a byte-order mark is dropped; "
                   "a UTF-16/UTF-32 byte-order mark is read as such); e.g. cp1258 for old Windows exports")
    if tables:
        p.add_argument("--sep", type=separator, metavar="CHAR",
                       help="separator of CSV/TSV tables read: ',' ';' 'tab' or another character "
                       "(default: sniffed among , ; and tab, else the format's own)")


def separator(value: str) -> str:
    """``--sep``: one character, or ``tab``, ``comma``, ``semicolon`` (see :func:`vnflag.io.delimited.parse_separator`).

    >>> separator("tab")
    '\\t'
    """
    from ..exceptions import VnflagError
    from ..io.delimited import parse_separator  # only when --sep is given: --help stays free of pandas

    try:
        return parse_separator(value)
    except VnflagError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_quiet(p: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet``: no progress bars. Without it, progress bars go to stderr only when stderr
    is a terminal (never into a pipe or a log file); the one-line summary is printed either way."""
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bars (they are shown on stderr only when it is a terminal; "
                   "the one-line summary and warnings are still printed)")


def add_bootstrap(p: argparse.ArgumentParser, minimum: int, what: str) -> None:
    """Add ``--bootstrap N``: resamples behind ``what``, from ``minimum`` to :data:`~vnflag.constants.MAX_BOOTSTRAP`,
    checked when the arguments are read, before any work."""
    none = "; 0: none" if minimum == 0 else ""
    p.add_argument("--bootstrap", type=whole_number(minimum, MAX_BOOTSTRAP), default=DEFAULT_BOOTSTRAP, metavar="N",
                   help=f"bootstrap resamples for {what} (default: {DEFAULT_BOOTSTRAP}{none}; at most "
                   f"{MAX_BOOTSTRAP:,}: the intervals stop changing long before, while time and memory grow with N)")


def progress_wanted(args: argparse.Namespace) -> bool | None:
    """The ``progress`` argument a command passes to the library: ``False`` with ``--quiet``,
    else ``None`` ("show bars if stderr is a terminal", see :func:`vnflag.progress.wanted`).

    >>> progress_wanted(argparse.Namespace(quiet=True))
    False
    """
    return False if getattr(args, "quiet", False) else None


def share(value: str) -> float:
    """A share in [0, 1], as ``--explore 0.2``.

    >>> share("0.2")
    0.2
    """
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argument type: a whole number of at least ``minimum`` (and at most ``maximum``, if given).

    >>> whole_number(1)("20000"), whole_number(0, 10)("10")
    (20000, 10)
    """
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        if maximum is not None and number > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, got {value}")
        return number

    parse.__name__ = f"whole number >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    return parse


def jobs(value: str) -> int:
    """``--jobs``: a number of processes, ``-1`` for one per core; never 0.

    >>> jobs("-1")
    -1
    """
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if number == 0:
        raise argparse.ArgumentTypeError("must be 1 or more (or -1 for one process per core), got 0")
    return number


def seed(value: str) -> int:
    """``--seed``: a random seed from 0 to 2**32 - 1.

    >>> seed("7")
    7
    """
    number = whole_number(0)(value)
    if number >= 2 ** 32:
        raise argparse.ArgumentTypeError(f"must be below 2**32, got {value}")
    return number


def print_json(payload: Any) -> None:
    """Print a JSON document to stdout in vnflag's layout."""
    from ..io.files import json_text

    sys.stdout.write(json_text(payload))
