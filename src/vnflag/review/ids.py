"""Ids of posts and queue items: stable across runs, whatever the export did to the text."""

from __future__ import annotations

import hashlib
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from functools import lru_cache

import pandas as pd

from ..text.normalization import normalize_text

__all__ = ["text_fingerprint", "stable_ids", "short_hash", "normalized_once", "is_blank", "is_encodable",
           "spreadsheet_changed"]


def short_hash(text: str, n: int = 16) -> str:
    """The first ``n`` hex digits of the SHA-256 of ``text``: ids of posts, items and queues.

    >>> short_hash("a", 8)
    'ca978112'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


@lru_cache(maxsize=200_000)
def normalized_once(text: str) -> str:
    """:func:`~vnflag.normalize_text`, remembered: grouping and fingerprints see each post more than once."""
    return normalize_text(text)


def text_fingerprint(text: object) -> str:
    """SHA-256 (16 hex digits) of a post's normalised text: one post, however it was pasted.

    >>> text_fingerprint("Ko tin đc!!!") == text_fingerprint("Không tin được!")
    True
    """
    return short_hash(normalized_once(text) if isinstance(text, str) else "")


def is_blank(value: object) -> bool:
    """Whether a cell holds nothing: ``None``, NaN, or only white space.

    >>> is_blank("  "), is_blank(float("nan")), is_blank("0")
    (True, True, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def is_encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no unpaired surrogates), as files and SQLite need.

    >>> is_encodable("tin nóng"), is_encodable("\\ud800")
    (True, False)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Longer cells are no spreadsheet's rendering of a number (and would make Decimal arithmetic slow).
_LONGEST_NUMBER = 64


def spreadsheet_changed(cell: str, original: str) -> bool:
    """Whether a spreadsheet that read the id ``original`` as a number may have written it back as
    ``cell`` (LibreOffice and Excel do so with a CSV file's ids by default): equal as numbers
    (``012``→``12``, ``1.50``→``1.5``, ``+84``→``84``), or ``cell`` in scientific notation and
    ``original`` rounded to its digits (an 18-digit id → ``1.00012345678901E+017``). Never true
    for the id itself, nor for text that is not a decimal number.

    >>> spreadsheet_changed("12", "012"), spreadsheet_changed("1.00012345678901E+017", "100012345678901234")
    (True, True)
    >>> spreadsheet_changed("12", "12"), spreadsheet_changed("12", "12.3"), spreadsheet_changed("p1", "p01")
    (False, False, False)
    """
    cell, plain = cell.strip(), original.strip()
    if cell == original or max(len(cell), len(plain)) > _LONGEST_NUMBER:
        return False
    if not (_DECIMAL.fullmatch(cell) and _DECIMAL.fullmatch(plain)):
        return False
    with localcontext() as context:
        context.prec = 2 * _LONGEST_NUMBER
        shown, value = Decimal(cell), Decimal(plain)
        if shown == value:
            return True
        if "e" not in cell.lower() or value == 0:
            return False  # only scientific notation drops digits
        digits = len(shown.normalize().as_tuple().digits)
        try:
            rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1), rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            return False
        return rounded == shown


def stable_ids(frame: pd.DataFrame, id_col: str = "id", text_col: str = "text") -> list[str]:
    """Post ids from ``id_col``; rows without one get ``t`` + a hash of their text, the same on
    every run (a repeated text gets ``-2``, ``-3``... in order of appearance).

    >>> stable_ids(pd.DataFrame({"text": ["a", "a"]}))   # doctest: +SKIP
    ['tca978112ca1bbdca', 'tca978112ca1bbdca-2']
    """
    ids = frame[id_col].tolist() if id_col in frame.columns else [None] * len(frame)
    texts = frame[text_col].tolist() if text_col in frame.columns else [""] * len(frame)
    seen: dict[str, int] = {}
    out = []
    for value, text in zip(ids, texts, strict=True):
        if is_blank(value):
            base = "t" + short_hash(text if isinstance(text, str) else "")
            seen[base] = seen.get(base, 0) + 1
            out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
        else:
            out.append(str(value))  # byte for byte: " 007" and "007" are different ids
    return out
