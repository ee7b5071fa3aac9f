"""Argument types shared by the command modules. Nothing here imports pandas, scikit-learn or
underthesea, so that ``vnflag --help`` starts at once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["column_list", "share", "print_json", "REVIEW_FORMATS"]

#: Review file formats (the same names as ``vnflag.review.formats.REVIEW_FORMATS``, checked by a test).
REVIEW_FORMATS = ("csv", "xlsx", "jsonl", "labelstudio", "argilla")


def column_list(value: str) -> list[str]:
    """``--meta-cols a,b`` → ``["a", "b"]``.

    >>> column_list("num_like, num_share,")
    ['num_like', 'num_share']
    """
    return [c.strip() for c in value.split(",") if c.strip()]


def share(value: str) -> float:
    """A share in [0, 1], as ``--explore 0.2``.

    >>> share("0.2")
    0.2
    """
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


def print_json(payload: Any) -> None:
    """Print a JSON document to stdout in vnflag's layout."""
    from ..artifacts.files import json_text

    sys.stdout.write(json_text(payload))
