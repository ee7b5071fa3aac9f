"""Ids of posts and queue items: stable across runs, whatever the export did to the text."""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

import pandas as pd

from ..text.normalization import normalize_text

__all__ = ["text_fingerprint", "stable_ids", "short_hash", "normalized_once", "is_blank", "is_encodable"]


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
