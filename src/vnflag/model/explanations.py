"""Reasons: the words that pushed a post's score up most, in readable Vietnamese.

A reason is a word n-gram feature of the text stage whose contribution (TF-IDF value times
coefficient) to a post's margin is positive and among the largest. Terms that tell a reviewer
nothing are never reasons: n-grams with punctuation, bare numbers, function words alone
(``resources/reason_stopwords.txt``) and words in over 20 % of training posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from numbers import Integral

import numpy as np
from scipy import sparse

from ..text.normalization import PLACEHOLDER_LABELS

__all__ = ["readable_term", "reason_terms", "top_terms", "check_top_k", "MAX_REASON_DOC_SHARE"]

#: A word in more than this share of training posts says nothing about a post.
MAX_REASON_DOC_SHARE = 0.2


@lru_cache(maxsize=1)
def _reason_stopwords() -> frozenset[str]:
    text = resources.files("vnflag").joinpath("resources/reason_stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def readable_term(feature: str) -> str:
    """Turn a word-n-gram feature, of either tokeniser (``_`` joins underthesea's compounds;
    syllables have none), into text a reviewer reads.

    >>> readable_term("bộ y_tế xxurl"), readable_term("y tế")
    ('bộ y tế [đường link]', 'y tế')
    """
    return " ".join(PLACEHOLDER_LABELS.get(w, w.replace("_", " ")) for w in feature.split(" "))


def reason_terms(features: Sequence[str] | np.ndarray, doc_freq: np.ndarray, n_docs: int) -> list[str]:
    """The readable form of each word feature usable as a reason, ``""`` for those that are not.

    >>> reason_terms(["nước_chanh", "và", "xxnum"], np.array([3, 3, 3]), 100)
    ['nước chanh', '', '']
    """
    stopwords = _reason_stopwords()
    terms = []
    for feature, df in zip(features, doc_freq, strict=True):
        words = feature.split(" ")
        informative = (all(any(ch.isalpha() for ch in w) for w in words) and df <= MAX_REASON_DOC_SHARE * n_docs
                       and not all(w in stopwords for w in words))
        terms.append(readable_term(feature) if informative and feature != "xxnum" else "")
    return terms


def check_top_k(top_k: object) -> None:
    """Raise a ``ValueError`` unless ``top_k`` (reasons per post) is a whole number >= 0.

    >>> check_top_k(-1)
    Traceback (most recent call last):
    ValueError: top_k must be a whole number >= 0, got -1
    """
    if isinstance(top_k, bool) or not isinstance(top_k, Integral) or top_k < 0:
        raise ValueError(f"top_k must be a whole number >= 0, got {top_k!r}")


def top_terms(words: sparse.csr_matrix, coef: np.ndarray, terms: Sequence[str], top_k: int) -> list[list[str]]:
    """Up to ``top_k`` reasons per row of the word-feature matrix ``words``, largest contribution
    first; a term already covered by a longer or shorter chosen one is skipped.

    >>> top_terms(sparse.csr_matrix([[1.0, 0.5]]), np.array([2.0, 1.0]), ["tin giả", "chia sẻ"], 1)
    [['tin giả']]
    """
    contributions = sparse.csr_matrix(words.multiply(coef[: words.shape[1]]))
    reasons = []
    for i in range(contributions.shape[0]):
        start, end = contributions.indptr[i], contributions.indptr[i + 1]
        values, columns = contributions.data[start:end], contributions.indices[start:end]
        keep = values > 0
        values, columns = values[keep], columns[keep]
        order = np.argsort(-values, kind="stable")[: top_k * 6]
        chosen: list[str] = []
        for column in columns[order]:
            term = terms[column]
            if not term or any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == top_k:
                break
        reasons.append(chosen)
    return reasons
