"""Features: word n-grams over segmented text, character n-grams, engagement counts.

Engagement counts in real exports are dirty (``"54 like"``, ``"1.2k"``, ``"unknown"``, blanks,
dates in the wrong column); :func:`parse_count` reads what can be read and leaves the rest
missing, and :class:`CountFeatures` turns counts into log-scaled, binned columns with a
missing-value indicator, so a linear model can use them without being fooled by outliers.
"""

from __future__ import annotations

import math
import re
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

__all__ = ["parse_count", "parse_counts", "CountFeatures", "style_features", "STYLE_FEATURES",
           "word_vectorizer", "char_vectorizer"]

_COUNT = re.compile(
    r"^\s*(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)\s*([kKmM]|nghìn|ngàn|tr|triệu)?\b\s*[^\d]*$"
)
_MULTIPLIERS = {"k": 1e3, "nghìn": 1e3, "ngàn": 1e3, "m": 1e6, "tr": 1e6, "triệu": 1e6}


def parse_count(value: object) -> float:
    """Read an engagement count from a messy export cell; ``nan`` when it is not a count.

    >>> parse_count("54 like"), parse_count("1.2k"), parse_count("1,234"), parse_count("unknown")
    (54.0, 1200.0, 1234.0, nan)
    """
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if math.isfinite(number) and number >= 0 else math.nan
    match = _COUNT.match(str(value))
    if not match:
        return math.nan
    digits, suffix = match.groups()
    if suffix is None and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        number = float(re.sub(r"[.,]", "", digits))  # thousands separators
    else:
        number = float(digits.replace(",", "."))
        if suffix:
            number *= _MULTIPLIERS[suffix.lower()]
    return number


def parse_counts(values: Iterable[object]) -> np.ndarray:
    """:func:`parse_count` over a column; returns a float array with ``nan`` for unreadable cells."""
    return np.fromiter((parse_count(v) for v in values), dtype=float)


class CountFeatures(TransformerMixin, BaseEstimator):
    """Engagement counts as ``log1p`` values, quantile-bin indicators, a missing flag, and the
    pairwise log ratios between count columns.

    The bins give a linear model a step-shaped response (a post with no shares and one
    with thousands differ in more than degree); the bin edges are learned in ``fit``.

    Parameters
    ----------
    n_bins : int, default=6
        Quantile bins per column (fewer when a column has fewer distinct values).

    Examples
    --------
    >>> X = pd.DataFrame({"shares": ["3", "10 share", "unknown", "1k"]})
    >>> CountFeatures(n_bins=2).fit_transform(X).shape[0]
    4
    """

    def __init__(self, n_bins: int = 6):
        self.n_bins = n_bins

    def _parsed(self, X) -> np.ndarray:
        frame = pd.DataFrame(X)
        return np.column_stack([np.log1p(parse_counts(frame[c])) for c in frame.columns]) if len(
            frame.columns
        ) else np.empty((len(frame), 0))

    def fit(self, X, y=None):
        if not isinstance(self.n_bins, int) or self.n_bins < 1:
            raise ValueError(f"n_bins must be a positive int, got {self.n_bins!r}")
        values = self._parsed(X)
        self.feature_names_in_ = np.asarray([str(c) for c in pd.DataFrame(X).columns], dtype=object)
        self.n_features_in_ = values.shape[1]
        self.bin_edges_ = []
        self.scale_ = []
        for column in values.T:
            present = column[~np.isnan(column)]
            if present.size == 0:
                self.bin_edges_.append(np.array([]))
                self.scale_.append(1.0)
                continue
            edges = np.unique(np.quantile(present, np.linspace(0, 1, self.n_bins + 1)[1:-1]))
            self.bin_edges_.append(edges)
            self.scale_.append(float(present.max()) or 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self, "bin_edges_")
        values = self._parsed(X)
        if values.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} count columns, got {values.shape[1]}")
        blocks = []
        for column, edges, scale in zip(values.T, self.bin_edges_, self.scale_):
            missing = np.isnan(column)
            filled = np.where(missing, 0.0, column)
            bins = np.zeros((len(column), len(edges) + 1))
            bins[np.arange(len(column)), np.searchsorted(edges, filled, side="right")] = 1.0
            bins[missing] = 0.0
            blocks.append(np.column_stack([filled / scale, missing.astype(float), bins]))
        # Pairwise log ratios (shares per like, comments per like): how a post spreads.
        for i in range(values.shape[1]):
            for j in range(i + 1, values.shape[1]):
                blocks.append(np.nan_to_num(values[:, [i]] - values[:, [j]]))
        if not blocks:
            return sparse.csr_matrix((len(values), 0))
        return sparse.csr_matrix(np.hstack(blocks))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "bin_edges_")
        names = []
        for name, edges in zip(self.feature_names_in_, self.bin_edges_):
            names += [f"{name}", f"{name}=missing"] + [f"{name}:bin{i}" for i in range(len(edges) + 1)]
        columns = list(self.feature_names_in_)
        names += [f"{a}/{b}" for i, a in enumerate(columns) for b in columns[i + 1:]]
        return np.asarray(names, dtype=object)


STYLE_FEATURES = ("log_length", "uppercase_share", "log_exclamations", "log_questions",
                  "log_line_breaks", "log_links", "log_numbers")
_LINK = re.compile(r"<url>|https?://|www\.", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def style_features(texts: Iterable[object]) -> np.ndarray:
    """How a post is written, not what it says: length, shouting, exclamations, questions,
    line breaks, links and numbers, one row per post (columns: :data:`STYLE_FEATURES`).

    Fabricated alerts tend to shout (``KHẨN!!!``); sourced news tends to be long and numeric.

    >>> style_features(["KHẨN!!! Chia sẻ ngay"]).shape
    (1, 7)
    """
    rows = []
    for text in texts:
        text = text if isinstance(text, str) else ""
        letters = sum(map(str.isalpha, text)) or 1  # map over str methods: C speed
        rows.append((
            math.log1p(len(text)),
            sum(map(str.isupper, text)) / letters,
            math.log1p(text.count("!")),
            math.log1p(text.count("?")),
            math.log1p(text.count("\n")),
            math.log1p(len(_LINK.findall(text))),
            math.log1p(len(_DIGITS.findall(text))),
        ))
    return np.asarray(rows, dtype=float).reshape(-1, len(STYLE_FEATURES))


def word_vectorizer(ngram_range=(1, 2), min_df=2, max_features=None) -> TfidfVectorizer:
    """TF-IDF over segmented words (tokens are whitespace-separated, compounds keep ``_``)."""
    return TfidfVectorizer(
        lowercase=True,
        token_pattern=r"(?u)[^\s]+",
        ngram_range=ngram_range,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def char_vectorizer(ngram_range=(2, 5), min_df=2, max_features=None) -> TfidfVectorizer:
    """TF-IDF over character n-grams of the normalised text: robust to typos, missing tones and
    segmentation mistakes, and they see across word boundaries (``chia sẻ ngay``)."""
    return TfidfVectorizer(
        lowercase=True,
        analyzer="char",
        ngram_range=ngram_range,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
