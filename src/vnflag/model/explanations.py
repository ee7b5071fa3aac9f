"""Reasons: the words that pushed a post's score up most, in readable Vietnamese.

A reason is a word n-gram feature of the text stage whose contribution (TF-IDF value times
coefficient) to a post's margin is positive and among the largest. Terms that tell a reviewer
nothing are never reasons: n-grams with punctuation, bare numbers, function words alone
(``resources/reason_stopwords.txt``) and words in over 20 % of training posts.

A reason is shown as the whole words of the post it lies in (:func:`whole_words`): with the syllable
tokeniser a feature can be one syllable of a compound (``thống trump``), shown as ``tổng thống trump``;
which features are reasons, and in what order, depends only on their weight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from numbers import Integral

import numpy as np
from scipy import sparse

from ..text.normalization import PLACEHOLDER_LABELS
from ..text.segmentation import MAX_WORD_SYLLABLES, token_syllables, word_spans

__all__ = ["readable_term", "reason_terms", "top_terms", "whole_words", "check_top_k", "MAX_REASON_DOC_SHARE"]

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


#: Occurrences of a reason in its post tried for the shortest whole words (bounds the cost of a frequent word).
_OCCURRENCES_TRIED = 3
_NOT_A_SPACE = re.compile(r"[^\S ]")  # white space other than " " (one class: a fast scan)


class _PostWords:
    """One tokenised post, searched for reasons and each widened to the whole words it lies in (built only for
    posts that have a reason). A post of syllables is split into dictionary words only around a reason: its
    ``MAX_WORD_SYLLABLES - 1`` syllables either side, longest match from the left, so that the cost of a reason
    does not grow with the post's length; underthesea's compounds (``_``) are the words of a segmented post."""

    def __init__(self, tokenized: str) -> None:
        lowered = tokenized.lower()
        self.compounds = "_" in lowered
        self.tokens = lowered.split() if self.compounds else []
        # syllables as tokens (placeholders as ``xxurl``), none holding a space: spaces count syllables
        if self.compounds:
            self.text = f" {' '.join(s for t in self.tokens for s in token_syllables(t))} "
        else:  # tokens are usually joined by single spaces already: no need to split the post
            single = not ("  " in lowered or lowered[:1] == " " or lowered[-1:] == " " or _NOT_A_SPACE.search(lowered))
            self.text = f" {lowered} " if single else f" {' '.join(lowered.split())} "
        self._spans: list[tuple[int, int]] | None = None

    def _widen(self, found: int, size: int) -> tuple[list[str], int, int]:
        """Syllables around the ``size`` syllables at ``self.text[found]`` (a space) and the span, in them, of
        the whole words those lie in."""
        if self.compounds:  # words over the whole post, computed once
            if self._spans is None:
                self._spans = word_spans(self.tokens)
            syllables = self.text.split()
            first = self.text.count(" ", 0, found)
            spans = self._spans
        else:
            reach = MAX_WORD_SYLLABLES - 1  # a word that crosses an edge of the term starts or ends this near
            before = self.text[:found].rsplit(" ", reach)[1:]
            rest = self.text[found + 1:].split(" ", size + reach)[:size + reach]
            syllables = before + [s for s in rest if s]
            first = len(before)
            spans = word_spans(syllables)
        after = first + size
        start = next(s for s, e in spans if e > first)
        end = next(e for s, e in spans if e >= after)
        return syllables, start, end

    def whole_words(self, term: str) -> str:
        """``term`` widened to the whole words around it, at its occurrence that needs the fewest syllables;
        ``term`` itself if it is not a run of the post's syllables."""
        raw = term
        for placeholder, label in PLACEHOLDER_LABELS.items():
            raw = raw.replace(label, placeholder)
        needle = f" {raw} "
        size = needle.count(" ") - 1
        best: list[str] | None = None
        found, tried = self.text.find(needle), 0
        while found >= 0 and tried < _OCCURRENCES_TRIED:
            tried += 1
            syllables, start, end = self._widen(found, size)
            if best is None or end - start < len(best):
                best = syllables[start:end]
            if end - start == size:  # whole words already: nothing shorter
                break
            found = self.text.find(needle, found + 1)
        return term if best is None else readable_term(" ".join(best))


def whole_words(term: str, tokenized: str) -> str:
    """A reason ``term`` (readable, lower-case) as the whole words of the tokenised post it comes from: a
    syllable of a compound becomes the compound, a run of syllables the words it touches
    (:func:`~vnflag.text.segmentation.word_spans`); ``term`` unchanged if it is not in the post.

    >>> whole_words("thống trump", "Tổng thống Trump nói"), whole_words("y tế", "Bộ y_tế")
    ('tổng thống trump', 'y tế')
    """
    return _PostWords(tokenized).whole_words(term)


def check_top_k(top_k: object) -> None:
    """Raise a ``ValueError`` unless ``top_k`` (reasons per post) is a whole number >= 0.

    >>> check_top_k(-1)
    Traceback (most recent call last):
    ValueError: top_k must be a whole number >= 0, got -1
    """
    if isinstance(top_k, bool) or not isinstance(top_k, Integral) or top_k < 0:
        raise ValueError(f"top_k must be a whole number >= 0, got {top_k!r}")


def top_terms(words: sparse.csr_matrix, coef: np.ndarray, terms: Sequence[str], top_k: int,
              tokenized: Sequence[str] | None = None) -> list[list[str]]:
    """Up to ``top_k`` reasons per row of the word-feature matrix ``words``, largest contribution
    first, each shown as the whole words of its post when the tokenised posts are given
    (:func:`whole_words`); a reason whose words are all in a chosen one, or that holds one, is skipped.

    >>> top_terms(sparse.csr_matrix([[1.0, 0.5]]), np.array([2.0, 1.0]), ["tin giả", "chia sẻ"], 1)
    [['tin giả']]
    >>> top_terms(sparse.csr_matrix([[1.0, 0.5]]), np.array([2.0, 1.0]), ["sẻ", "chia"], 2, ["chia sẻ ngay"])
    [['chia sẻ']]
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
        post = None
        for column in columns[order]:
            term = terms[column]
            if not term:
                continue
            if tokenized is not None:
                post = post or _PostWords(tokenized[i])
                term = post.whole_words(term)
            if any(f" {term} " in f" {c} " or f" {c} " in f" {term} " for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == top_k:
                break
        reasons.append(chosen)
    return reasons
