"""Ids of posts and queue items: stable across runs, whatever the export did to the text."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import lru_cache

import pandas as pd

from ..text.normalization import normalize_text

__all__ = ["text_fingerprint", "written_fingerprint", "stable_ids", "repeated_ids", "RepeatedIds", "post_key",
           "short_hash", "normalized_once", "is_blank", "is_encodable",
           "spreadsheet_changed", "ChangedIds"]


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


class RepeatedIds:
    """The ids of a batch, read in parts (chunks of a file), that posts with different texts share
    (by :func:`text_fingerprint`): real exports repeat ids, and such rows are different posts.

    >>> seen = RepeatedIds()
    >>> seen.add(["a", "b"], ["f1", "f3"]); seen.add(["a", "b"], ["f2", "f3"]); sorted(seen.repeated)
    ['a']
    """

    def __init__(self) -> None:
        self._first: dict[str, str] = {}  # each id's first fingerprint
        self.repeated: set[str] = set()

    def add(self, ids: Iterable[str], fingerprints: Iterable[str]) -> None:
        """Count more rows: their ids and their texts' fingerprints."""
        first, repeated = self._first, self.repeated
        for post_id, fingerprint in zip(ids, fingerprints, strict=True):
            if first.setdefault(post_id, fingerprint) != fingerprint:
                repeated.add(post_id)

    def add_frame(self, frame: pd.DataFrame, id_col: str, text_col: str) -> None:
        """Count a table's rows (none without ``id_col``: rows without ids get ids from their text) by
        :func:`written_fingerprint`: scoring counts every row of a batch, and the full normalisation
        of :func:`text_fingerprint` would cost the main process as much as the workers' scoring."""
        if id_col in frame.columns and text_col in frame.columns:
            rows = frame[~frame[id_col].map(is_blank)]
            self.add(rows[id_col].astype(str).tolist(), [written_fingerprint(t) for t in rows[text_col]])


def written_fingerprint(text: object) -> str:
    """A cheap fingerprint of a text as written: Unicode NFC, letter case and white space ignored
    (not teencode or links, which :func:`text_fingerprint` also normalises).

    >>> written_fingerprint("Tin  NÓNG ") == written_fingerprint("tin nóng")
    True
    """
    if not isinstance(text, str):
        return ""
    return short_hash(" ".join(unicodedata.normalize("NFC", text).casefold().split()))


def repeated_ids(ids: Iterable[str], fingerprints: Iterable[str]) -> set[str]:
    """The ids shared by posts with different texts (:class:`RepeatedIds` of one batch).

    >>> sorted(repeated_ids(["a", "a", "b", "b"], ["f1", "f2", "f3", "f3"]))
    ['a']
    """
    seen = RepeatedIds()
    seen.add(ids, fingerprints)
    return seen.repeated


def post_key(post_id: str, fingerprint: object) -> tuple[str, str]:
    """What identifies one post everywhere (queue record, label store, training frame): its id
    together with its text's fingerprint (``""`` when unknown), as ids alone may repeat.

    >>> post_key("42", None)
    ('42', '')
    """
    return str(post_id), fingerprint if isinstance(fingerprint, str) else ""


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
_CONTEXT = Context(prec=2 * _LONGEST_NUMBER)


def _decimal(text: str) -> Decimal | None:
    """The value of a text that is a plain decimal number (``012``, ``1.50``, ``1E+17``), else ``None``."""
    text = text.strip()
    return Decimal(text) if len(text) <= _LONGEST_NUMBER and _DECIMAL.fullmatch(text) else None


def _rounded(value: Decimal, digits: int) -> Decimal | None:
    """``value`` rounded to ``digits`` significant digits (``None`` if it cannot be)."""
    if value == 0:
        return None
    try:
        return value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1, _CONTEXT), ROUND_HALF_EVEN, _CONTEXT)
    except InvalidOperation:
        return None


def _shown_digits(cell: str, shown: Decimal) -> int | None:
    """How many significant digits a cell in scientific notation shows (``None`` for other cells:
    only scientific notation drops digits)."""
    return len(shown.normalize(_CONTEXT).as_tuple().digits) if "e" in cell.lower() else None


def spreadsheet_changed(cell: str, original: str) -> bool:
    """Whether a spreadsheet that read the id ``original`` as a number may have written it back as
    ``cell`` (LibreOffice and Excel do so with a CSV file's ids by default): equal as numbers
    (``012``→``12``, ``1.50``→``1.5``, ``+84``→``84``), or ``cell`` in scientific notation and
    ``original`` rounded to its digits (an 18-digit id → ``1.00012345678901E+017``). Never true
    for the id itself, nor for text that is not a decimal number. :class:`ChangedIds` asks the
    same of many ids at once.

    >>> spreadsheet_changed("12", "012"), spreadsheet_changed("1.00012345678901E+017", "100012345678901234")
    (True, True)
    >>> spreadsheet_changed("12", "12"), spreadsheet_changed("12", "12.3"), spreadsheet_changed("p1", "p01")
    (False, False, False)
    """
    return cell != original and original in ChangedIds([original]).candidates(cell)


class ChangedIds:
    """Ids (a queue's posts) indexed by the numbers a spreadsheet may turn them into, so that
    :meth:`candidates` of each of many cells costs no scan of every id.

    >>> ChangedIds(["012", "12", "p5"]).candidates("12.0")
    ['012', '12']
    """

    def __init__(self, ids: Iterable[str]):
        self._ids = [(i, v) for i in ids if (v := _decimal(i)) is not None]
        self._by_digits: dict[int | None, dict[Decimal, list[str]]] = {}

    def _index(self, digits: int | None) -> dict[Decimal, list[str]]:
        if digits not in self._by_digits:
            index: dict[Decimal, list[str]] = {}
            for name, value in self._ids:
                key = value if digits is None else _rounded(value, digits)
                if key is not None:
                    index.setdefault(key, []).append(name)
            self._by_digits[digits] = index
        return self._by_digits[digits]

    def candidates(self, cell: str) -> list[str]:
        """The ids, other than ``cell`` itself, that a spreadsheet may have written as ``cell``."""
        shown = _decimal(cell)
        if shown is None:
            return []
        found = list(self._index(None).get(shown, []))
        digits = _shown_digits(cell, shown)
        if digits is not None:
            found += [i for i in self._index(digits).get(shown, []) if i not in found]
        return [i for i in found if i != cell]


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
