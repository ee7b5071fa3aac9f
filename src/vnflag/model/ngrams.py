"""TF-IDF n-grams computed with array operations: the vectorisers of :class:`~vnflag.Flagger`.

scikit-learn's ``TfidfVectorizer`` builds every n-gram of every post as a Python string and
looks it up in a dict: about 3,000 strings per post of 750 characters for character 2–5-grams,
most of the time of scoring. Here a post becomes an array of small integers (a character's or
a word's index in the vocabulary learned in ``fit``, ``0`` for one never seen) and every n-gram
an exact integer code, ``((i1 * B + i2) * B + i3)...`` in base ``B`` (one more than the number of
indices), computed for all positions of a batch at once with NumPy. An n-gram is found in the
fitted vocabulary through a hash index of its sorted codes. The codes are exact, not hashes:
the output equals ``TfidfVectorizer(lowercase=True, sublinear_tf=True)`` with the same n-gram
range and ``min_df`` (``tests/model/test_ngrams.py`` checks it), with two documented limits: a
vocabulary of at most ``B - 1`` characters or words such that ``B ** max_n < 2 ** 64``, and
``max_features`` ties broken by code rather than arbitrarily.

>>> vectorizer = CharNgrams(ngram_range=(2, 3), min_df=1).fit(["tin giả", "tin thật"])
>>> vectorizer.transform(["tin"]).shape
(1, 19)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

__all__ = ["CharNgrams", "WordNgrams"]

#: Characters handled per batch: bounds the memory of the code arrays (8 bytes per n-gram size).
_BATCH_UNITS = 250_000
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's character analyzer collapses these runs


def _ngram_range(value) -> bool:
    return (isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, Integral) for v in value)
            and 1 <= value[0] <= value[1])


def _codes(units: np.ndarray, lengths: np.ndarray, ngram_range: tuple[int, int], base: int,
           ) -> tuple[np.ndarray, np.ndarray]:
    """The (document, code) pair of every n-gram of a batch made only of known units, grouped
    by document (documents in order).

    ``units`` holds the unit indices of all documents one after another (``0``: unknown),
    ``lengths`` the number of units of each document.
    """
    total = len(units)
    sizes = range(ngram_range[0], ngram_range[1] + 1)
    ends = np.repeat(np.cumsum(lengths), lengths)  # end of the document of each position
    room = ends - np.arange(total)  # units from each position to the end of its document
    wide = units.astype(np.uint64)
    code = wide.copy()
    known = units != 0
    codes = np.zeros((total, len(sizes)), dtype=np.uint64)  # position-major: documents stay in order
    valid = np.zeros((total, len(sizes)), dtype=bool)
    for n in range(1, ngram_range[1] + 1):
        if n > 1:
            span = max(total - n + 1, 0)  # positions where an n-gram can start (room checks documents)
            code[:span] = code[:span] * np.uint64(base) + wide[n - 1:]
            known[:span] &= units[n - 1:] != 0
        if n >= ngram_range[0]:
            column = n - ngram_range[0]
            codes[:, column] = code
            valid[:, column] = known & (room >= n)
    docs = np.repeat(np.arange(len(lengths)), lengths)
    return np.repeat(docs, valid.sum(axis=1)), codes[valid]


def _idf(doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """scikit-learn's smooth IDF: ``ln((1 + n) / (1 + df)) + 1``."""
    return np.log((1 + n_docs) / (1 + doc_freq)) + 1.0


class _Ngrams(TransformerMixin, BaseEstimator):
    """TF-IDF of exact n-gram codes; subclasses say how a text becomes units."""

    _parameter_constraints = {
        "ngram_range": [tuple, list],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "dtype": "no_validation",
    }

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, max_features: int | None = None,
                 dtype=np.float32):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.dtype = dtype

    # --------------------------------------------------------- subclass interface
    def _units_of(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit indices of a batch (concatenated) and the number of units of each text."""
        raise NotImplementedError

    def _learn_units(self, texts: list[str]) -> None:
        """Learn the unit vocabulary (the indices ``1..B-1``) from the training texts."""
        raise NotImplementedError

    def _unit_names(self) -> list[str]:
        raise NotImplementedError

    _joiner = ""

    # --------------------------------------------------------- shared machinery
    @staticmethod
    def _texts(X) -> list[str]:
        if isinstance(X, str):
            raise ValueError("expected a sequence of texts, got a single string")
        return [t.lower() if isinstance(t, str) else "" for t in X]

    def _batches(self, texts: list[str]) -> Iterator[tuple[int, list[str]]]:
        start = 0
        while start < len(texts):
            size, end = 0, start
            while end < len(texts) and (end == start or size + len(texts[end]) <= _BATCH_UNITS):
                size += len(texts[end])
                end += 1
            yield start, texts[start:end]
            start = end

    def _check_params(self) -> None:
        self._validate_params()
        if not _ngram_range(self.ngram_range):
            raise ValueError(f"ngram_range must be a pair (min_n, max_n) of ints with 1 <= min_n <= max_n, "
                             f"got {self.ngram_range!r}")

    def _ngram_pair(self) -> tuple[int, int]:
        """``ngram_range`` as the ``(min_n, max_n)`` pair (a list is accepted as a parameter)."""
        min_n, max_n = self.ngram_range
        return min_n, max_n

    def fit(self, X: Iterable[str], y=None):
        """Learn the units, the n-grams seen in at least ``min_df`` texts and their IDF; returns ``self``."""
        self._check_params()
        texts = self._texts(X)
        self._learn_units(texts)
        codes, doc_freq, term_freq = [], [], []
        for _, batch in self._batches(texts):
            units, lengths = self._units_of(batch)
            docs, batch_codes = _codes(units, lengths, self._ngram_pair(), self.base_)
            distinct, inverse = np.unique(batch_codes, return_inverse=True)
            pairs = np.unique(docs * len(distinct) + inverse)
            codes.append(distinct)
            doc_freq.append(np.bincount(pairs % len(distinct), minlength=len(distinct)))
            term_freq.append(np.bincount(inverse, minlength=len(distinct)))
        all_codes = np.concatenate(codes) if codes else np.empty(0, np.uint64)
        distinct, inverse = np.unique(all_codes, return_inverse=True)
        df = np.bincount(inverse, weights=np.concatenate(doc_freq) if codes else None, minlength=len(distinct))
        tf = np.bincount(inverse, weights=np.concatenate(term_freq) if codes else None, minlength=len(distinct))
        keep = df >= self.min_df
        if self.max_features is not None and keep.sum() > self.max_features:
            kept = np.flatnonzero(keep)
            order = np.lexsort((distinct[kept], -tf[kept]))[: self.max_features]  # most frequent first
            keep = np.zeros_like(keep)
            keep[kept[order]] = True
        if not keep.any():
            raise ValueError("no n-gram left: every one is in fewer than min_df texts (or the texts are empty)")
        self.codes_ = distinct[keep].astype(np.uint64)
        self.idf_ = _idf(df[keep], len(texts))
        self.n_training_texts_ = len(texts)
        return self

    def transform(self, X: Iterable[str]) -> sparse.csr_matrix:
        """TF-IDF matrix (sublinear term frequency, L2-normalised rows), one row per text."""
        check_is_fitted(self, "codes_")
        texts = self._texts(X)
        blocks = []
        for _, batch in self._batches(texts):
            units, lengths = self._units_of(batch)
            docs, codes = _codes(units, lengths, self._ngram_pair(), self.base_)
            columns = self._columns().get_indexer(codes)
            found = columns >= 0
            docs, columns = docs[found], columns[found]
            indptr = np.zeros(len(batch) + 1, dtype=np.int64)
            np.cumsum(np.bincount(docs, minlength=len(batch)), out=indptr[1:])
            counts = sparse.csr_matrix((np.ones(len(columns)), columns, indptr), shape=(len(batch), len(self.codes_)))
            counts.sum_duplicates()
            blocks.append(counts)
        if not blocks:
            return sparse.csr_matrix((0, len(self.codes_)), dtype=self.dtype)
        matrix = blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")
        matrix.data = (np.log(matrix.data) + 1.0) * self.idf_[matrix.indices]
        lengths = np.diff(matrix.indptr)
        rows = np.repeat(np.arange(matrix.shape[0]), lengths)
        norms = np.sqrt(np.bincount(rows, weights=matrix.data ** 2, minlength=matrix.shape[0]))
        norms[norms == 0] = 1.0
        matrix.data /= norms[rows]
        return matrix.astype(self.dtype)

    def _columns(self):
        """The column of each code, as a hash index (pandas), built once per process."""
        columns = getattr(self, "_index", None)
        if columns is None:
            import pandas as pd

            columns = self._index = pd.Index(self.codes_)
        return columns

    def fit_transform(self, X, y=None, **fit_params):
        texts = list(X) if not isinstance(X, str) else X
        return self.fit(texts).transform(texts)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The n-grams in column order, as text (words joined by a space)."""
        check_is_fitted(self, "codes_")
        names = self._unit_names()
        digits = []
        remaining = self.codes_.copy()
        base = np.uint64(self.base_)
        while remaining.any():
            digits.append((remaining % base).astype(np.int64))
            remaining //= base
        out = []
        for column in range(len(self.codes_)):
            parts = [names[d[column] - 1] for d in reversed(digits) if d[column]]
            out.append(self._joiner.join(parts))
        return np.asarray(out, dtype=object)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_lookup", None)  # caches, rebuilt on first use
        state.pop("_index", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _check_base(base: int, max_n: int, what: str) -> None:
    if base ** max_n >= 2 ** 64:
        raise ValueError(f"{base - 1} distinct {what} with n-grams up to {max_n} do not fit exact 64-bit codes; "
                         "lower the n-gram range or raise min_df")


class CharNgrams(_Ngrams):
    """TF-IDF over the character n-grams of lower-cased texts (as scikit-learn's ``analyzer="char"``).

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(2, 5)
    min_df : int, default=1
        Keep n-grams seen in at least this many training texts.
    max_features : int or None, default=None
        Keep only the most frequent n-grams (by count over the training texts).
    dtype : numpy dtype, default=float32

    Attributes
    ----------
    alphabet_ : ndarray of uint32
        Code points of the characters in at least ``min_df`` training texts (index ``i`` is
        character ``i + 1``; at most ``2 ** (64 / max_n) - 1`` of them, the most common).
    codes_ : ndarray of uint64
        Sorted codes of the kept n-grams; column ``j`` is ``codes_[j]``.
    idf_ : ndarray of float
        Inverse document frequency of each column.

    Examples
    --------
    >>> CharNgrams(ngram_range=(2, 2)).fit(["ab", "ab"]).get_feature_names_out().tolist()
    ['ab']
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (2, 5), min_df: int = 1, max_features: int | None = None,
                 dtype=np.float32):
        super().__init__(ngram_range=ngram_range, min_df=min_df, max_features=max_features, dtype=dtype)

    @staticmethod
    def _texts(X) -> list[str]:
        return [_WHITE_SPACES.sub(" ", t) for t in _Ngrams._texts(X)]

    def _learn_units(self, texts: list[str]) -> None:
        from collections import Counter

        doc_freq = Counter(char for text in texts for char in set(text))
        chars = sorted((c for c, df in doc_freq.items() if df >= self.min_df), key=lambda c: (-doc_freq[c], c))
        limit = 1
        while (limit + 1) ** self.ngram_range[1] < 2 ** 64 and limit < len(chars) + 1:
            limit += 1
        chars = sorted(chars[: limit - 1])
        self.alphabet_ = np.asarray([ord(c) for c in chars], dtype=np.uint32)
        self.base_ = len(chars) + 1
        _check_base(self.base_, self.ngram_range[1], "characters")

    def _table(self) -> np.ndarray:
        lookup = getattr(self, "_lookup", None)
        if lookup is None:
            lookup = np.zeros(0x110000, dtype=np.uint32)
            lookup[self.alphabet_] = np.arange(1, len(self.alphabet_) + 1, dtype=np.uint32)
            self._lookup = lookup
        return lookup

    def _units_of(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return self._table()[points], lengths

    def _unit_names(self) -> list[str]:
        return [chr(c) for c in self.alphabet_]


class WordNgrams(_Ngrams):
    """TF-IDF over the word n-grams of lower-cased, whitespace-tokenised texts (as scikit-learn's
    ``token_pattern=r"(?u)[^\\s]+"``): the tokens of the chosen tokeniser, compounds keeping ``_``.

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(1, 2)
    min_df : int, default=1
        Keep n-grams seen in at least this many training texts.
    max_features : int or None, default=None
        Keep only the most frequent n-grams (by count over the training texts).
    dtype : numpy dtype, default=float32

    Attributes
    ----------
    words_ : ndarray of uint32
        The words in at least ``min_df`` training texts, sorted, joined by ``"\\n"`` and kept as
        UTF-32 code units, so that any word persists exactly (index ``i`` is word ``i + 1``).
    codes_ : ndarray of uint64
        Sorted codes of the kept n-grams; column ``j`` is ``codes_[j]``.
    idf_ : ndarray of float
        Inverse document frequency of each column.

    Examples
    --------
    >>> WordNgrams().fit(["tin giả", "tin thật"]).get_feature_names_out().tolist()
    ['giả', 'thật', 'tin', 'tin giả', 'tin thật']
    """

    _joiner = " "

    def _learn_units(self, texts: list[str]) -> None:
        from collections import Counter

        doc_freq = Counter(word for text in texts for word in set(text.split()))
        words = sorted(w for w, df in doc_freq.items() if df >= self.min_df)
        self.words_ = np.frombuffer("\n".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
        self.base_ = len(words) + 1
        _check_base(self.base_, self.ngram_range[1], "words")

    def _table(self) -> dict[str, int]:
        lookup = getattr(self, "_lookup", None)
        if lookup is None:
            lookup = {word: i for i, word in enumerate(self._unit_names(), start=1)}
            self._lookup = lookup
        return lookup

    def _units_of(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        tokens = [text.split() for text in texts]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        words = chain.from_iterable(tokens)
        units = np.fromiter(map(self._table().get, words, repeat(0)), dtype=np.int64, count=int(lengths.sum()))
        return units, lengths

    def _unit_names(self) -> list[str]:
        text = self.words_.tobytes().decode("utf-32-le", "surrogatepass")
        return text.split("\n") if text else []

    def word_vocabulary(self) -> frozenset[str]:
        """The single words that are columns (what the drift check counts as seen)."""
        check_is_fitted(self, "codes_")
        names = self._unit_names()
        return frozenset(names[int(code) - 1] for code in self.codes_[self.codes_ < self.base_])

