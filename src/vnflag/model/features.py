"""Features: word n-grams over segmented text, character n-grams, engagement counts.

Engagement counts in real exports are dirty (``"54 like"``, ``"1.2k"``, ``"unknown"``, blanks,
dates in the wrong column); :func:`parse_count` reads what can be read and leaves the rest
missing, and :class:`CountFeatures` turns counts into log-scaled, binned columns with a
missing-value indicator, so a linear model can use them without being fooled by outliers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..text.normalization import canonical_form
from .ngrams import CharNgrams, WordNgrams

__all__ = ["parse_count", "parse_counts", "CountFeatures", "style_features", "STYLE_FEATURES",
           "word_vectorizer", "char_vectorizer", "parse_timestamp", "TimeFeatures", "TIME_PARTS"]

# A number, then a unit ending a word or no unit and no letter or digit right after the number, then no more
# digits. Linear: one quantifier at a time over the spaces (``\s*(unit)?\b\s*[^\d]*`` tried every split of
# a run of spaces between two numbers, quadratic in its length).
_COUNT = re.compile(
    r"^\s*(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?:\s*([kKmM]|nghìn|ngàn|tr|triệu)\b|(?!\w))[^\d]*$"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
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
    if suffix is None and _THOUSANDS.fullmatch(digits):
        number = float(digits.replace(".", "").replace(",", ""))  # thousands separators
    else:
        number = float(digits.replace(",", "."))
        if suffix:
            number *= _MULTIPLIERS[suffix.lower()]
    return number if math.isfinite(number) else math.nan  # 400 digits are no count, not an infinite one


def parse_counts(values: Iterable[object]) -> np.ndarray:
    """:func:`parse_count` over a column; returns a float array with ``nan`` for unreadable cells."""
    return np.fromiter((parse_count(v) for v in values), dtype=float)


class CountFeatures(TransformerMixin, BaseEstimator):
    """Engagement counts as scaled ``log1p`` values, quantile-bin indicators, a missing flag, and
    the pairwise log ratios between count columns.

    The bins give a linear model a step-shaped response (a post with no shares and one
    with thousands differ in more than degree); the bin edges are learned in ``fit``. Cells are
    read with :func:`parse_count`: text such as ``"54 like"`` or ``"1.2k"`` is understood, and
    anything that is not a count (``"unknown"``, blanks, NaN, infinities, negatives) is missing.

    Parameters
    ----------
    n_bins : int, default=6
        Quantile bins per column (fewer when a column has fewer distinct values).

    Attributes
    ----------
    n_features_in_ : int
        Number of count columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names, when ``fit`` was given a DataFrame with string column names.
    bin_edges_ : list of ndarray
        Interior bin edges (on the ``log1p`` scale) per column.
    scale_ : list of float
        The largest ``log1p`` count per column, which scales its value column to [0, 1].

    Examples
    --------
    >>> X = pd.DataFrame({"shares": ["3", "10 share", "unknown", "1k"]})
    >>> CountFeatures(n_bins=2).fit_transform(X).shape[0]
    4
    """

    _parameter_constraints = {"n_bins": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, *, n_bins: int = 6):
        self.n_bins = n_bins

    def _log_counts(self, X, reset: bool) -> np.ndarray:
        """``log1p`` of the parsed counts, one column per input column; validates the shape."""
        X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False, accept_sparse=False)
        if X.shape[1] == 0:
            return np.empty((X.shape[0], 0))
        if X.dtype.kind in "fiub":
            values = X.astype(float)
            values[~np.isfinite(values) | (values < 0)] = np.nan
            return np.log1p(values)
        return np.column_stack([np.log1p(parse_counts(column)) for column in X.T])

    def fit(self, X, y=None) -> CountFeatures:
        """Learn bin edges and scales from count columns ``X`` (DataFrame or 2-D array); returns ``self``."""
        self._validate_params()
        values = self._log_counts(X, reset=True)
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

    def transform(self, X) -> np.ndarray:
        """The feature matrix (dense float64, columns named by :meth:`get_feature_names_out`)."""
        check_is_fitted(self, "bin_edges_")
        values = self._log_counts(X, reset=False)
        blocks = [np.empty((len(values), 0))]
        for column, edges, scale in zip(values.T, self.bin_edges_, self.scale_, strict=True):
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
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names: per count column its value, missing flag and bins, then the ratios."""
        check_is_fitted(self, "bin_edges_")
        known = getattr(self, "feature_names_in_", None)
        if input_features is None:
            columns = list(known) if known is not None else [f"x{i}" for i in range(self.n_features_in_)]
        else:
            columns = [str(c) for c in input_features]
            if len(columns) != self.n_features_in_:
                raise ValueError(f"input_features should have length equal to the number of features "
                                 f"({self.n_features_in_}), got {len(columns)}")
            if known is not None and list(known) != columns:
                raise ValueError("input_features is not equal to feature_names_in_")
        names = []
        for name, edges in zip(columns, self.bin_edges_, strict=True):
            names += [f"{name}", f"{name}=missing"] + [f"{name}:bin{i}" for i in range(len(edges) + 1)]
        names += [f"{a}/{b}" for i, a in enumerate(columns) for b in columns[i + 1:]]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


STYLE_FEATURES = ("log_length", "uppercase_share", "log_exclamations", "log_questions",
                  "log_line_breaks", "log_links", "log_numbers")
#: What a link looks like in a post (lower-cased): an upstream mask, a scheme, a www. host.
_LINK_MARKS = ("<url>", "http://", "https://", "www.")


def style_features(texts: Iterable[object]) -> np.ndarray:
    """How a post is written, not what it says: length, shouting, exclamations, questions,
    line breaks, links and numbers, one row per post (columns: :data:`STYLE_FEATURES`).

    Fabricated alerts tend to shout (``KHẨN!!!``); sourced news tends to be long and numeric.

    >>> style_features(["KHẨN!!! Chia sẻ ngay"]).shape
    (1, 7)
    """
    posts: list[str] = [canonical_form(text) if isinstance(text, str) else "" for text in texts]
    lengths = np.fromiter(map(len, posts), dtype=np.int64, count=len(posts))
    flags = _char_flags("".join(posts))
    ends = np.cumsum(lengths)
    starts = ends - lengths

    def per_text(values: np.ndarray) -> np.ndarray:
        running = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(values, out=running[1:])
        return running[ends] - running[starts]

    letters = per_text(flags & 1)
    upper = per_text((flags >> 1) & 1)
    digit = (flags >> 2) & 1
    before = np.zeros_like(digit)  # the character before, within the same post
    before[1:] = digit[:-1]
    before[starts[lengths > 0]] = 0
    numbers = per_text(digit & (1 - before))  # a digit after a non-digit starts a number (\d+)
    lowered = [text.lower() for text in posts]
    columns = [
        np.log1p(lengths),
        upper / np.maximum(letters, 1),
        np.log1p([text.count("!") for text in posts]),
        np.log1p([text.count("?") for text in posts]),
        np.log1p([text.count("\n") for text in posts]),
        np.log1p([sum(map(text.count, _LINK_MARKS)) for text in lowered]),
        np.log1p(numbers),
    ]
    return np.column_stack(columns).astype(float).reshape(-1, len(STYLE_FEATURES))


def _flags_of(char: str) -> int:
    return char.isalpha() | (char.isupper() << 1) | (char.isdecimal() << 2)


@lru_cache(maxsize=1)
def _basic_plane_flags() -> np.ndarray:
    return np.fromiter(map(_flags_of, map(chr, range(0x10000))), dtype=np.uint8, count=0x10000)


def _char_flags(text: str) -> np.ndarray:
    """Per character of ``text``: ``str.isalpha`` (bit 0), ``str.isupper`` (bit 1) and
    ``str.isdecimal``, what ``\\d`` matches (bit 2); from a table for the Basic Multilingual Plane,
    and from the characters themselves beyond it (emoji, mathematical letters)."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = np.zeros(len(points), dtype=np.uint8)
    basic = points < 0x10000
    flags[basic] = _basic_plane_flags()[points[basic]]
    if not basic.all():
        distinct, inverse = np.unique(points[~basic], return_inverse=True)
        flags[~basic] = np.array([_flags_of(chr(c)) for c in distinct.tolist()], dtype=np.uint8)[inverse]
    return flags


def word_vectorizer(ngram_range=(1, 2), min_df=2, max_features=None) -> WordNgrams:
    """TF-IDF over the tokenised words (whitespace-separated; underthesea's compounds keep ``_``)."""
    return WordNgrams(ngram_range=ngram_range, min_df=min_df, max_features=max_features, dtype=np.float32)


def char_vectorizer(ngram_range=(2, 5), min_df=2, max_features=None) -> CharNgrams:
    """TF-IDF over character n-grams of the normalised text: robust to typos, missing tones and
    segmentation mistakes, and they see across word boundaries (``chia sẻ ngay``)."""
    return CharNgrams(ngram_range=ngram_range, min_df=min_df, max_features=max_features, dtype=np.float32)


#: Parts of a post's time that :class:`TimeFeatures` can give.
TIME_PARTS = ("hour", "weekday", "day")
#: Unix seconds outside these bounds (before 2000, after 2100) are not a post time: missing.
_SECONDS_RANGE = (946_684_800, 4_102_444_800)


def parse_timestamp(value: object, timezone: str = "Asia/Ho_Chi_Minh") -> float:
    """A post time from a messy export cell as Unix seconds; ``nan`` when it is not one.

    Reads Unix seconds (``1584268260``, ``"1584268260.0"``; milliseconds are recognised by their
    size) and ISO 8601 date-times (``"2020-03-15 17:31"``, ``"2020-03-15T10:31:00Z"``); a
    date-time without an offset is in ``timezone``.

    >>> parse_timestamp("1584268260"), parse_timestamp("2020-03-15T10:31:00Z"), parse_timestamp("soon")
    (1584268260.0, 1584268260.0, nan)
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
            except ValueError:
                return math.nan
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(timezone))
            number = moment.timestamp()
    if not math.isfinite(number):
        return math.nan
    if number > _SECONDS_RANGE[1] * 100:  # milliseconds
        number /= 1000.0
    return number if _SECONDS_RANGE[0] <= number <= _SECONDS_RANGE[1] else math.nan


class TimeFeatures(TransformerMixin, BaseEstimator):
    """When a post was published, as features: hour of day and weekday on a circle (sine and
    cosine, so 23:00 is next to 00:00), optionally the absolute day, and a missing flag.

    Parameters
    ----------
    timezone : str, default="Asia/Ho_Chi_Minh"
        IANA time zone in which hours and weekdays are counted (and in which date-times without
        an offset are read).
    parts : tuple of {"hour", "weekday", "day"}, default=("hour",)
        ``"day"`` is the day since the first training post, scaled by the training span: it helps
        inside one period and misleads after it. On ReINTEL only the hour helped, in
        cross-validation and on the time-ordered split (docs/decisions/time-features.md), hence the default.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: the time column.
    first_day_, span_days_ : float
        Training posts' first day (Unix days) and span, for ``"day"``.

    Examples
    --------
    >>> TimeFeatures().fit([["1584268260"], ["2020-03-15 17:31"]]).transform([["soon"]]).tolist()
    [[0.0, 0.0, 1.0]]
    """

    _parameter_constraints = {"timezone": [str], "parts": [tuple, list]}

    def __init__(self, *, timezone: str = "Asia/Ho_Chi_Minh", parts: tuple[str, ...] = ("hour",)):
        self.timezone = timezone
        self.parts = parts

    def _seconds(self, X, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False, accept_sparse=False)
        if X.shape[1] != 1:
            raise ValueError(f"TimeFeatures reads one time column, got {X.shape[1]}")
        return np.fromiter((parse_timestamp(v, self.timezone) for v in X[:, 0]), dtype=float, count=X.shape[0])

    def fit(self, X, y=None) -> TimeFeatures:
        """Check the parameters and learn the training period (for ``"day"``); returns ``self``."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        self._validate_params()
        unknown = [p for p in self.parts if p not in TIME_PARTS]
        if unknown or not self.parts:
            raise ValueError(f"parts must be some of {TIME_PARTS}, got {self.parts!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r} (an IANA name such as Asia/Ho_Chi_Minh)") from exc
        days = self._seconds(X, reset=True) / 86_400.0
        present = days[~np.isnan(days)]
        self.first_day_ = float(present.min()) if present.size else 0.0
        self.span_days_ = float(max(present.max() - present.min(), 1.0)) if present.size else 1.0
        return self

    def transform(self, X) -> np.ndarray:
        """The features (dense float64, columns named by :meth:`get_feature_names_out`); missing times are 0."""
        check_is_fitted(self, "first_day_")
        seconds = self._seconds(X, reset=False)
        missing = np.isnan(seconds)
        local = pd.to_datetime(np.where(missing, 0.0, seconds), unit="s", utc=True).tz_convert(self.timezone)
        columns = []
        if "hour" in self.parts:
            angle = 2 * np.pi * (np.asarray(local.hour) + np.asarray(local.minute) / 60.0) / 24.0
            columns += [np.sin(angle), np.cos(angle)]
        if "weekday" in self.parts:
            angle = 2 * np.pi * np.asarray(local.day_of_week) / 7.0
            columns += [np.sin(angle), np.cos(angle)]
        if "day" in self.parts:
            columns.append((seconds / 86_400.0 - self.first_day_) / self.span_days_)
        values = np.column_stack(columns) if columns else np.empty((len(seconds), 0))
        values[missing] = 0.0
        return np.column_stack([values, missing.astype(float)])

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``hour_sin, hour_cos, weekday_sin, weekday_cos, day`` (those in ``parts``), ``time_missing``."""
        check_is_fitted(self, "first_day_")
        names = {"hour": ["hour_sin", "hour_cos"], "weekday": ["weekday_sin", "weekday_cos"], "day": ["day"]}
        return np.asarray([n for part in TIME_PARTS if part in self.parts for n in names[part]] + ["time_missing"],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
