"""The estimator: :class:`Flagger`, a calibrated linear classifier over Vietnamese posts.

``Flagger`` runs the whole chain (normalise → tokenise → word and character n-grams and
optional engagement counts → class-balanced logistic regression → probability calibration on
out-of-fold scores → threshold) behind the scikit-learn estimator API, so ``clone``,
``get_params``, pipelines and grid search work. Its score is the calibrated probability that a
post needs verification: a request for a human to look, never a verdict.

Like scikit-learn's estimators it runs in the calling process and raises ``ValueError`` or
``TypeError`` for bad parameters or data; the pipelines (:mod:`vnflag.pipelines`) turn those of a
user's input into :class:`~vnflag.VnflagError`. The figures measured on its out-of-fold
predictions (cross-validated metrics, drift baselines) are the training pipeline's, kept in the
model directory's manifest.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..text.normalization import MAX_POST_CHARS, bounded_text, normalize_texts
from ..text.segmentation import TOKENIZERS, tokenize_texts
from .explanations import check_top_k, reason_terms, top_terms
from .features import TIME_PARTS, CountFeatures, TimeFeatures, char_vectorizer, style_features, word_vectorizer
from .inputs import check_columns
from .thresholds import choose_threshold

__all__ = ["BaggedBoosting", "Flagger", "PostScores"]


class PostScores(NamedTuple):
    """What :meth:`Flagger.score_posts` returns, from one pass over the features."""

    #: Calibrated probabilities, columns in the order of ``classes_``.
    proba: np.ndarray
    #: Up to ``top_k`` readable reasons per post.
    reasons: list[list[str]]
    #: Each post as the word vectoriser saw it (normalised and tokenised), for the drift check.
    segmented: list[str]
    #: Whether the post was longer than ``max_chars`` and only its beginning was read.
    truncated: np.ndarray


#: Fewest training posts for which ``second_stage="auto"`` boosts: on fewer, trees with leaves of
#: 40 posts learn little and a logistic regression is the safer combiner.
MIN_BOOSTING_ROWS = 1_000

#: How the models of a bagged second stage differ: ``"bootstrap"``, each on a bootstrap sample of the
#: rows (drawn within each class, so both keep their counts); ``"feature_subsets"``, each on every row
#: with its own seed, each split choosing among ``FEATURE_SUBSET_SHARE`` of the features.
BAGGING = ("bootstrap", "feature_subsets")
FEATURE_SUBSET_SHARE = 0.7


def _boosting(class_weight, random_state: int = 0, max_features: float = 1.0):
    """One boosted second stage: the settings ``docs/decisions/second-stage.md`` chose."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                          min_samples_leaf=40, l2_regularization=1.0, max_features=max_features,
                                          class_weight=class_weight, random_state=random_state)


class BaggedBoosting(ClassifierMixin, BaseEstimator):
    """``n_models`` boosted second stages whose margins are averaged: less variance than one.

    Parameters
    ----------
    n_models : int, default=10
        Number of boosted models.
    bagging : {"bootstrap", "feature_subsets"}, default="bootstrap"
        ``"bootstrap"``: each model on a bootstrap sample of the rows drawn within each class;
        ``"feature_subsets"``: each on every row, with its own seed and ``max_features`` of
        ``FEATURE_SUBSET_SHARE`` (0.7).
    class_weight : "balanced", dict or None, default=None
        Class weights of each model.
    random_state : int, RandomState or None, default=0
        Seed of the samples and of the models' seeds.

    Attributes
    ----------
    estimators_ : list of HistGradientBoostingClassifier
        The fitted models.
    classes_ : ndarray of shape (2,)
        The labels seen in ``fit``.
    """

    _parameter_constraints = {
        "n_models": [Interval(Integral, 1, None, closed="left")],
        "bagging": [StrOptions(set(BAGGING))],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_models: int = 10, bagging: str = "bootstrap", class_weight=None, random_state=0):
        self.n_models = n_models
        self.bagging = bagging
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y) -> BaggedBoosting:
        """Fit the ``n_models`` models on ``X`` (dense features) and binary labels ``y``."""
        self._validate_params()
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        rng = check_random_state(self.random_state)
        self.classes_ = np.unique(y)
        by_class = [np.flatnonzero(y == label) for label in self.classes_]
        self.estimators_ = []
        for _ in range(self.n_models):
            seed = int(rng.randint(np.iinfo(np.int32).max))
            if self.bagging == "bootstrap":
                rows = np.sort(np.concatenate([rng.choice(members, len(members)) for members in by_class]))
                model = _boosting(self.class_weight, seed).fit(X[rows], y[rows])
            else:
                model = _boosting(self.class_weight, seed, FEATURE_SUBSET_SHARE).fit(X, y)
            self.estimators_.append(model)
        return self

    def decision_function(self, X) -> np.ndarray:
        """The models' margins (log-odds of ``classes_[1]``), averaged."""
        check_is_fitted(self, "estimators_")
        X = np.asarray(X, dtype=np.float64)
        return np.mean([model.decision_function(X) for model in self.estimators_], axis=0)

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the averaged margin is positive."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _ngram_range(value) -> bool:
    return (isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, Integral) for v in value)
            and 1 <= value[0] <= value[1])


def _context_columns(meta: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the context frame; ``meta`` is ``None`` only for a model without context
    columns (``_raw_input`` refuses anything else), so ``None`` here is a defect, not user input."""
    if meta is None:
        raise ValueError(f"context columns {columns} asked for, but the input has only texts")
    return meta[columns]


class Flagger(ClassifierMixin, BaseEstimator):
    """Score Vietnamese posts for how likely they need verification by a person.

    Parameters
    ----------
    text_col : str, default="text"
        Column holding the post when ``X`` is a DataFrame. ``X`` may also be a list of strings.
    meta_cols : sequence of str, default=()
        Optional engagement-count columns (likes, comments, shares), parsed defensively.
        Never author or account columns: vnflag judges content, not people.
    time_col : str or None, default=None
        Optional column with each post's publication time (Unix seconds or ISO 8601; unreadable
        cells are missing), turned into ``time_features`` by :class:`~vnflag.model.features.TimeFeatures`.
    timezone : str, default="Asia/Ho_Chi_Minh"
        Time zone of hours and weekdays, and of date-times written without an offset.
    time_features : tuple of {"hour", "weekday", "day"}, default=("hour",)
        Which parts of the time the model reads (with a missing flag). On ReINTEL the hour helped
        (+0.0024 ROC-AUC in cross-validation and on the time-ordered split) and the weekday did not.
    tokenizer : {"syllables", "underthesea"}, default="syllables"
        Word tokens of the word n-grams: ``"syllables"`` splits the normalised text on
        whitespace and punctuation, with no segmentation model; ``"underthesea"`` segments
        compound words (``y_tế``). On ReINTEL 5-fold CV syllables scored within 0.0011 ROC-AUC
        of underthesea and about 3 times as fast (docs/decisions/tokeniser.md), hence the default.
    word_ngram_range, char_ngram_range : tuple, default=(1, 3) and (2, 5)
        n-gram ranges for words (tokens of ``tokenizer``) and for characters. Word trigrams with
        ``C=4`` beat (1, 2) with ``C=8`` on each of three time-ordered cuts of ReINTEL and in
        cross-validation under three seeds, by a few thousandths (docs/decisions/ngrams.md).
    min_df : int, default=2
        Ignore terms seen in fewer training posts.
    max_char_features : int or None, default=300_000
        Cap on the character vocabulary, to bound memory on large corpora.
    C : float, default=4.0
        Inverse regularisation strength of the n-gram logistic regression.
    class_weight : "balanced", dict or None, default="balanced"
        Class weights; "balanced" counters the rarity of posts that need verification.
    calibration : {"sigmoid", "isotonic"}, default="sigmoid"
        How out-of-fold scores are mapped to probabilities.
    second_stage : {"auto", "logistic", "boosting"}, default="auto"
        The model over the text margin and the style, engagement and time features: a logistic
        regression, or scikit-learn's HistGradientBoosting. ``"auto"`` boosts when the model has
        engagement or time columns and at least ``MIN_BOOSTING_ROWS`` (1,000) training posts: on
        ReINTEL with the counts, boosting raised ROC-AUC on the newest 30 % of posts from 0.867 to
        0.892 (docs/decisions/second-stage.md).
    second_stage_bags : int, default=1
        Boosted models in the second stage, their margins averaged (:class:`BaggedBoosting`); 1 is
        one model on every training post. Ignored when the second stage is logistic. Out-of-fold
        margins stay honest: each fold fits its own models. In the paired evaluation on ReINTEL
        (``docs/decisions/second-stage.md``) ten bootstrap bags gained about 0.002 ROC-AUC in
        cross-validation but nothing beyond the spread on the time cuts, at about three times the
        fit time, so one model stays the default.
    second_stage_bagging : {"bootstrap", "feature_subsets"}, default="bootstrap"
        How the bagged models differ (when ``second_stage_bags > 1``): bootstrap samples of the
        posts, or every post with a different seed and 70 % of the features per split.
    cv : int, default=5
        Folds for the out-of-fold scores used for calibration, threshold and training metrics.
    threshold : "f1" or float, default="f1"
        Flag threshold on the calibrated score: a number, or "f1" for the F1-best cut on
        out-of-fold scores.
    random_state : int, default=0
        Seed of the cross-validation split and of a bagged second stage.
    max_chars : int, default=20_000
        Characters of each post the model reads (after Unicode NFC); the rest of a longer post
        is ignored, which bounds the work and memory one post can cost.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Labels; ``predict_proba(X)[:, 1]`` is the probability of ``classes_[1]``.
    threshold_ : float
        Flag threshold on the calibrated score.
    oof_proba_ : ndarray of shape (n_samples, 2)
        Out-of-fold calibrated probabilities of the training posts, columns in the order of
        ``classes_`` (the calibrator itself was fitted on these folds' margins); what the training
        pipeline measures the model with (:func:`~vnflag.model.metrics.cross_validation_metrics`,
        :func:`~vnflag.model.drift.drift_baseline`).
    oof_decision_ : ndarray of shape (n_samples,)
        Out-of-fold margins of the final stage, before calibration.
    oof_fold_ : ndarray of shape (n_samples,)
        The fold in which each training post was held out, from 0 (``cv`` folds, fewer when a
        class has fewer than ``cv`` posts).
    n_features_in_ : int
        Columns read from a DataFrame: the text column, the engagement columns and the time column.
    model_version_ : str
        Set on a model read by :func:`~vnflag.load_model` (absent on a model fitted in this session).
    drift_baseline_ : dict
        The training figures of the drift check (the manifest's ``drift``), set by
        :func:`~vnflag.load_model`; without it a batch's drift figures have nothing to compare to.

    Notes
    -----
    The ``oof_*`` attributes are not saved with the model (pickle, skops): predicting does not
    need them, and they grow with the training data.

    All parameters are keyword-only and checked at ``fit``, never in ``__init__``, so ``clone``,
    ``set_params``, pipelines and grid search work as with any scikit-learn estimator.

    Examples
    --------
    >>> flagger = Flagger().fit(texts, labels)          # doctest: +SKIP
    >>> flagger.predict_proba(["Uống nước chanh diệt virus"])[:, 1]   # doctest: +SKIP
    """

    _parameter_constraints = {
        "text_col": [str],
        "meta_cols": [list, tuple],
        "time_col": [str, None],
        "timezone": [str],
        "time_features": [tuple, list],
        "tokenizer": [StrOptions(set(TOKENIZERS))],
        "word_ngram_range": [tuple, list],
        "char_ngram_range": [tuple, list],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "max_char_features": [Interval(Integral, 1, None, closed="left"), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "calibration": [StrOptions({"sigmoid", "isotonic"})],
        "second_stage": [StrOptions({"auto", "logistic", "boosting"})],
        "second_stage_bags": [Interval(Integral, 1, None, closed="left")],
        "second_stage_bagging": [StrOptions(set(BAGGING))],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "threshold": [StrOptions({"f1"}), Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "max_chars": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        text_col: str = "text",
        meta_cols: Sequence[str] = (),
        time_col: str | None = None,
        timezone: str = "Asia/Ho_Chi_Minh",
        time_features: tuple[str, ...] = ("hour",),
        tokenizer: str = "syllables",
        word_ngram_range: tuple[int, int] = (1, 3),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_char_features: int | None = 300_000,
        C: float = 4.0,
        class_weight="balanced",
        calibration: str = "sigmoid",
        second_stage: str = "auto",
        second_stage_bags: int = 1,
        second_stage_bagging: str = "bootstrap",
        cv: int = 5,
        threshold="f1",
        random_state: int = 0,
        max_chars: int = MAX_POST_CHARS,
    ):
        self.text_col = text_col
        self.meta_cols = meta_cols
        self.time_col = time_col
        self.timezone = timezone
        self.time_features = time_features
        self.tokenizer = tokenizer
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_char_features = max_char_features
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.second_stage = second_stage
        self.second_stage_bags = second_stage_bags
        self.second_stage_bagging = second_stage_bagging
        self.cv = cv
        self.threshold = threshold
        self.random_state = random_state
        self.max_chars = max_chars

    def _check_params(self) -> None:
        """Every parameter checked in one place, at ``fit``: scikit-learn's constraints, then the
        rules they cannot express."""
        self._validate_params()
        for name in ("word_ngram_range", "char_ngram_range"):
            if not _ngram_range(getattr(self, name)):
                raise ValueError(f"{name} must be a pair (min_n, max_n) of ints with 1 <= min_n <= max_n, "
                                 f"got {getattr(self, name)!r}")
        if isinstance(self.second_stage_bags, (bool, np.bool_)):  # an Integral to scikit-learn's Interval
            raise ValueError(f"second_stage_bags must be an int >= 1, got {self.second_stage_bags!r}")
        if not all(isinstance(c, str) for c in self.meta_cols):
            raise ValueError(f"meta_cols must be column names (str), got {self.meta_cols!r}")
        if not self.time_features or any(p not in TIME_PARTS for p in self.time_features):
            raise ValueError(f"time_features must be some of {TIME_PARTS}, got {self.time_features!r}")

    def input_columns(self) -> list[str]:
        """The columns a DataFrame given to this model must have: text, engagement counts, time.

        >>> Flagger(text_col="post", meta_cols=("likes",), time_col="at").input_columns()
        ['post', 'likes', 'at']
        """
        return [self.text_col, *(self.meta_cols or ()), *([self.time_col] if self.time_col else [])]

    # ----------------------------------------------------------------- input handling
    def _split_input(self, X) -> tuple[list, pd.DataFrame | None]:
        texts, meta = self._raw_input(X)
        return [bounded_text(t, self.max_chars)[0] for t in texts], meta

    def _raw_input(self, X) -> tuple[list, pd.DataFrame | None]:
        """The texts and the context columns (engagement counts, time) of ``X``."""
        context_cols = self.input_columns()[1:]
        if isinstance(X, pd.DataFrame):
            check_columns(X, self.input_columns(), "X", error=ValueError)
            return X[self.text_col].tolist(), (X[context_cols] if context_cols else None)
        if context_cols:
            raise TypeError(f"meta_cols / time_col {context_cols} need X as a DataFrame with those columns")
        if isinstance(X, str):
            raise TypeError("X must be a sequence of posts, not a single string; wrap it in a list")
        if isinstance(X, pd.Series):
            return X.tolist(), None
        array = np.asarray(X, dtype=object)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"X must be one column of texts, got shape {array.shape}")
        return array.tolist(), None

    # ----------------------------------------------------------------- features
    def _fit_text_stage(self, texts: list, y_bin: np.ndarray, splits: list, class_weight, step: _Steps) -> np.ndarray:
        """Fit the vectorisers and the n-gram logistic regression; return its out-of-fold margins
        (one clone per fold of ``splits``). Depends only on the texts, labels, folds and text
        parameters: the paired benchmark reuses it between models that differ after it."""
        normalized, segmented = self._normalize_and_tokenize(texts)
        self.word_vectorizer_ = word_vectorizer(tuple(self.word_ngram_range), self.min_df)
        self.char_vectorizer_ = char_vectorizer(tuple(self.char_ngram_range), self.min_df, self.max_char_features)
        words = self.word_vectorizer_.fit_transform(segmented)
        chars = self.char_vectorizer_.fit_transform(normalized)
        ngrams = sparse.hstack([words, chars], format="csr", dtype=np.float64)
        text_model = LogisticRegression(C=self.C, class_weight=class_weight, solver="liblinear")
        text_margin = _out_of_fold(text_model, ngrams, y_bin, splits, step, "text")
        step("text: final fit")
        self.text_classifier_ = text_model.fit(ngrams, y_bin)
        return text_margin

    def _fit_context(self, texts: list, meta: pd.DataFrame | None) -> np.ndarray:
        """Fit the count and time features and the context scaler; return the scaled context
        (style, counts, time) of the training posts."""
        meta_cols = list(self.meta_cols or ())
        self.count_features_ = CountFeatures().fit(_context_columns(meta, meta_cols)) if meta_cols else None
        self.time_features_ = (TimeFeatures(timezone=self.timezone, parts=tuple(self.time_features))
                               .fit(_context_columns(meta, [self.time_col])) if self.time_col else None)
        context = self._context(texts, meta)
        self.context_scaler_ = StandardScaler().fit(context)
        return self.context_scaler_.transform(context)

    def _context(self, texts: list, meta: pd.DataFrame | None) -> np.ndarray:
        """Unscaled dense context: style features and, when the model has them, engagement counts."""
        blocks = [style_features(texts)]
        if self.count_features_ is not None:
            blocks.append(self.count_features_.transform(_context_columns(meta, list(self.meta_cols))))
        time_features = getattr(self, "time_features_", None)
        if time_features is not None:
            if not self.time_col:
                raise ValueError("the model was fitted with time features, but time_col is now unset")
            blocks.append(time_features.transform(_context_columns(meta, [self.time_col])))
        return np.hstack(blocks)

    def _features(self, texts: list, meta: pd.DataFrame | None):
        """Features of new posts with the fitted transformers: n-gram matrix, word block, scaled
        context and segmented texts."""
        words, chars, segmented = self._text_features(texts)
        context = self.context_scaler_.transform(self._context(texts, meta))
        ngrams = sparse.hstack([words, chars], format="csr", dtype=np.float64)
        return ngrams, words, context, segmented

    def _text_features(self, texts: list):
        """Word and character n-gram blocks and tokenised texts of new posts."""
        normalized, segmented = self._normalize_and_tokenize(texts)
        return self.word_vectorizer_.transform(segmented), self.char_vectorizer_.transform(normalized), segmented

    def _normalize_and_tokenize(self, texts: list) -> tuple[list[str], list[str]]:
        """The posts normalised (what the character n-grams read) and tokenised (the word n-grams)."""
        normalized = normalize_texts(texts)
        return normalized, tokenize_texts(normalized, self.tokenizer)

    def tokenize(self, X) -> list[str]:
        """Each post as the word n-grams read it: its first ``max_chars`` characters, normalised
        and tokenised with ``tokenizer`` (tokens separated by spaces). Needs no fitting.

        >>> Flagger().tokenize(["Bộ Y tế: uống nước"])
        ['Bộ Y tế : uống nước']
        """
        return self._normalize_and_tokenize(self._split_input(X)[0])[1]

    # ----------------------------------------------------------------- persistence
    def __getstate__(self):
        """State for pickle, ``copy`` and skops: what predicting needs. The reasons vocabulary is
        stored as the UTF-8 bytes of its terms joined by newlines (a term is words joined by spaces:
        it holds no newline), one small array, instead of a list that skops would write as one
        JSON node per term (a hundred thousand and more: a file several times larger, slow to
        load); :meth:`__setstate__` splits it again. The out-of-fold predictions (``oof_*``) are
        left out: only the training pipeline reads them, after ``fit``."""
        state = {k: v for k, v in super().__getstate__().items() if not k.startswith("oof_")}
        if isinstance(state.get("reason_terms_"), list):
            packed = "\n".join(state["reason_terms_"]).encode("utf-8", "surrogatepass")
            state["reason_terms_"] = np.frombuffer(packed, dtype=np.uint8).copy()
        return state

    def __setstate__(self, state):
        """Restore :meth:`__getstate__`'s state. A model saved before a parameter existed gets that
        parameter's default (what it was fitted with), so ``get_params``, ``clone`` and a retrain from it work."""
        if isinstance(state.get("reason_terms_"), np.ndarray):
            state["reason_terms_"] = state["reason_terms_"].tobytes().decode("utf-8", "surrogatepass").split("\n")
        defaults = inspect.signature(type(self).__init__).parameters
        for name in self._get_param_names():
            state.setdefault(name, defaults[name].default)
        super().__setstate__(state)

    # ----------------------------------------------------------------- fitting
    def fit(self, X, y, on_step: Callable[[str, int, int], None] | None = None) -> Flagger:
        """Fit on posts ``X`` and binary labels ``y``; returns ``self``. ``on_step(stage, done, total)``,
        if given, is called before each step of the fit (features, each fold and the final fit of
        each stage, calibration) and once at the end (``done == total``): what a progress bar shows.

        Two linear stages: a logistic regression over word and character n-grams, whose
        out-of-fold margin is combined with style and engagement features by a second, small
        logistic regression; the second stage's out-of-fold margin is then calibrated. The
        out-of-fold predictions stay in ``oof_proba_``, ``oof_decision_`` and ``oof_fold_``, for
        the training pipeline to measure the model with.
        """
        self._check_params()
        texts, meta = self._split_input(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(texts):
            raise ValueError(f"y must be 1-D with one label per post: {len(texts)} posts, y shape {y.shape}")
        if pd.isna(pd.Series(y)).any():
            raise ValueError("y contains missing labels")
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"need exactly two classes to train, got {list(classes)}")
        y_bin = (y == classes[1]).astype(int)
        n_minority = int(min(y_bin.sum(), len(y_bin) - y_bin.sum()))
        if n_minority < 2:
            raise ValueError("each class needs at least 2 posts to train and calibrate")

        self.classes_ = classes
        self.n_training_rows_ = len(texts)
        self.n_features_in_ = len(self.input_columns())
        n_folds = min(self.cv, n_minority)
        step = _Steps(on_step, 2 * (n_folds + 1) + 2)  # features, (folds + final fit) × 2 stages, calibration
        step("features")
        context = self._fit_context(texts, meta)
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
        # One set of folds for both stages and the per-fold figures (random_state=None would otherwise
        # draw new folds at each split() call).
        splits = list(folds.split(np.zeros((len(y_bin), 1)), y_bin))
        class_weight = self._binary_class_weight(classes)
        text_margin = self._fit_text_stage(texts, y_bin, splits, class_weight, step)
        stacked = np.column_stack([text_margin, context])
        combiner = self._second_stage(class_weight)
        out_of_fold = _out_of_fold(combiner, stacked, y_bin, splits, step, "second stage")
        step("second stage: final fit")
        self.classifier_ = combiner.fit(stacked, y_bin)
        step("calibration")
        if self.calibration == "sigmoid":
            self.calibrator_ = LogisticRegression(C=1e4).fit(out_of_fold.reshape(-1, 1), y_bin)
        else:
            self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
                out_of_fold, y_bin
            )
        oof_scores = self._calibrate(out_of_fold)
        self.threshold_ = (choose_threshold(y_bin, oof_scores) if self.threshold == "f1"
                           else float(self.threshold))
        doc_freq = (1 + len(texts)) / np.exp(self.word_vectorizer_.idf_ - 1) - 1
        self.reason_terms_ = reason_terms(self.word_vectorizer_.get_feature_names_out(), doc_freq, len(texts))
        self.oof_proba_ = np.column_stack([1.0 - oof_scores, oof_scores])
        self.oof_decision_ = out_of_fold
        self.oof_fold_ = np.empty(len(y_bin), dtype=np.int64)
        for fold, (_, test) in enumerate(splits):
            self.oof_fold_[test] = fold
        step("done")
        return self

    def _second_stage(self, class_weight):
        """The model that combines the text margin with style, engagement and time features."""
        boost = self.second_stage == "boosting" or (
            self.second_stage == "auto" and bool(self.input_columns()[1:])
            and self.n_training_rows_ >= MIN_BOOSTING_ROWS)
        if boost and self.second_stage_bags > 1:
            return BaggedBoosting(n_models=self.second_stage_bags, bagging=self.second_stage_bagging,
                                  class_weight=class_weight, random_state=self.random_state)
        if boost:
            return _boosting(class_weight)
        return LogisticRegression(C=1.0, class_weight=class_weight, max_iter=5000)

    def _binary_class_weight(self, classes: np.ndarray):
        """``class_weight`` for the inner models, which see 0/1: a dict keyed by the user's labels
        is mapped onto 0 (``classes[0]``) and 1 (``classes[1]``)."""
        if not isinstance(self.class_weight, dict):
            return self.class_weight
        missing = [c for c in classes.tolist() if c not in self.class_weight]
        if missing:
            raise ValueError(f"class_weight has no weight for class(es) {missing}; classes are {classes.tolist()}")
        return {i: float(self.class_weight[c]) for i, c in enumerate(classes.tolist())}

    def _calibrate(self, margins: np.ndarray) -> np.ndarray:
        if self.calibration == "sigmoid":
            return self.calibrator_.predict_proba(margins.reshape(-1, 1))[:, 1]
        return self.calibrator_.predict(margins)

    # ----------------------------------------------------------------- prediction
    def decision_function(self, X) -> np.ndarray:
        """Uncalibrated margin of the final linear stage (higher: more likely to need verification)."""
        check_is_fitted(self, "classifier_")
        return self._margin(*self._split_input(X))[0]

    def _margin(self, texts: list, meta: pd.DataFrame | None):
        ngrams, words, context, segmented = self._features(texts, meta)
        stacked = np.column_stack([self.text_classifier_.decision_function(ngrams), context])
        return self.classifier_.decision_function(stacked), words, segmented

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``."""
        return self.score_posts(X, top_k=0).proba

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the calibrated score reaches ``threshold_``, else ``classes_[0]``."""
        positive = self.predict_proba(X)[:, 1] >= self.threshold_
        return self.classes_[positive.astype(int)]

    def explain(self, X, top_k: int = 3) -> list[list[str]]:
        """The words that pushed each post's score up most, readable (spaces, not ``_``).

        >>> flagger.explain(["Uống nước chanh nóng diệt virus corona"])   # doctest: +SKIP
        [['nước chanh', 'diệt', 'virus']]
        """
        return self.score_posts(X, top_k=top_k).reasons

    def score_posts(self, X, top_k: int = 3) -> PostScores:
        """Probabilities, ``top_k`` reasons and the segmented text of each post, from one pass
        over the features (what :func:`~vnflag.score_frame` and the drift check need).

        >>> result = flagger.score_posts(["Uống nước chanh diệt virus"])   # doctest: +SKIP
        >>> result.proba[:, 1], result.reasons                            # doctest: +SKIP
        """
        check_is_fitted(self, "classifier_")
        check_top_k(top_k)
        raw, meta = self._raw_input(X)
        bounded = [bounded_text(t, self.max_chars) for t in raw]
        texts = [text for text, _ in bounded]
        margin, words, segmented = self._margin(texts, meta)
        positive = self._calibrate(margin)
        proba = np.column_stack([1.0 - positive, positive])
        reasons = (top_terms(words, self.text_classifier_.coef_[0], self.reason_terms_, top_k, segmented) if top_k > 0
                   else [[] for _ in texts])
        return PostScores(proba, reasons, segmented, np.array([cut for _, cut in bounded], dtype=bool))

    # ----------------------------------------------------------------- recalibration
    def calibrate(self, margins) -> np.ndarray:
        """Calibrated scores of final-stage margins (:meth:`decision_function`): what
        ``predict_proba(X)[:, 1]`` is for the posts with those margins; an infinite margin (from
        :meth:`margin_at`) gets the score its sign tends to."""
        check_is_fitted(self, "calibrator_")
        return self._calibrate(np.clip(np.asarray(margins, dtype=np.float64), -1e100, 1e100))

    def margin_at(self, scores) -> np.ndarray:
        """The final-stage margin at which the calibrated score reaches each of ``scores``: a post
        scores at least ``s`` exactly when its margin is at least ``margin_at(s)`` (``-inf``: every
        margin does, ``inf``: none)."""
        check_is_fitted(self, "calibrator_")
        p = np.asarray(scores, dtype=np.float64)
        if self.calibration == "sigmoid":
            slope, intercept = float(self.calibrator_.coef_[0, 0]), float(self.calibrator_.intercept_[0])
            with np.errstate(divide="ignore"):
                return (np.log(p) - np.log1p(-p) - intercept) / slope
        x, y = self.calibrator_.X_thresholds_, self.calibrator_.y_thresholds_
        cuts = []
        for target in p.ravel():
            above = np.flatnonzero(y >= target)
            if not len(above):
                cuts.append(np.inf)
            elif above[0] == 0:
                cuts.append(-np.inf)
            else:  # the first segment of the piecewise-linear map to reach the target
                j = above[0]
                cuts.append(x[j - 1] + (target - y[j - 1]) / (y[j] - y[j - 1]) * (x[j] - x[j - 1]))
        return np.asarray(cuts).reshape(p.shape)

    def recalibrated(self, X, y, sample_weight=None, threshold: float | None = None) -> Flagger:
        """A copy whose calibration is refitted on this model's own final-stage margins of posts
        ``X`` labelled ``y`` (weighted by ``sample_weight``); see :meth:`recalibrated_margins`.

        >>> newer = flagger.recalibrated(recent_posts, recent_labels, sample_weight=weights)   # doctest: +SKIP
        """
        return self.recalibrated_margins(self.decision_function(X), y, sample_weight, threshold)

    def recalibrated_margins(self, margins, y, sample_weight=None, threshold: float | None = None) -> Flagger:
        """A copy whose calibrator is a sigmoid (Platt) fitted, with ``sample_weight``, on
        final-stage ``margins`` and labels ``y``; everything else is shared, so the ranking and
        :meth:`decision_function` are unchanged. Its threshold flags the same posts as this model
        (the same margin cut, :meth:`margin_at`) unless a new ``threshold`` is given; the drift
        baseline's score edges move with the scores (the same posts in each bin; its flag rate is
        unknown, ``None``, at a new threshold).

        Always a sigmoid, even for an isotonic model: an isotonic map fitted on the hundred or so
        labels a recalibration has is a staircase of as many steps, overfitted to them, and its flat
        steps tie posts the model ranks apart (fewer distinct scores, a coarser ranking); two
        parameters are what so few labels can fit. ``ValueError`` if a class is missing or the
        fitted slope is not positive (the labels do not rank with the margin: a sigmoid would reverse it).
        """
        check_is_fitted(self, "calibrator_")
        margins = np.asarray(margins, dtype=np.float64).ravel()
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(margins):
            raise ValueError(f"y must be 1-D with one label per post: {len(margins)} posts, y shape {y.shape}")
        y_bin = (y == self.classes_[1]).astype(int)
        if not np.isin(y, self.classes_).all() or len(np.unique(y_bin)) != 2:
            raise ValueError(f"recalibration needs labels of both classes {self.classes_.tolist()}")
        weight = np.ones(len(y_bin)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != y_bin.shape or not np.all(np.isfinite(weight) & (weight >= 0)) or weight.sum() <= 0:
            raise ValueError("sample_weight must be one finite, non-negative weight per post, not all 0")
        # weights scaled to average 1: the same fit, and C means the same as in fit() whatever their scale
        calibrator = LogisticRegression(C=1e4).fit(margins.reshape(-1, 1), y_bin,
                                                   sample_weight=weight * len(weight) / weight.sum())
        if not calibrator.coef_[0, 0] > 0:
            raise ValueError("the labels do not rank with the model's margin (fitted slope "
                             f"{calibrator.coef_[0, 0]:.3g}): a recalibration would reverse the ranking")
        new = copy.copy(self)
        new.calibration, new.calibrator_ = "sigmoid", calibrator
        cut = self.margin_at(self.threshold_)
        new.threshold_ = float(threshold) if threshold is not None else float(new.calibrate([cut])[0])
        baseline = getattr(self, "drift_baseline_", None)
        if baseline and baseline.get("score_edges"):
            new.drift_baseline_ = {**baseline, "score_edges": new.calibrate(
                self.margin_at(baseline["score_edges"])).tolist()}
            if threshold is not None:  # another cut: the training posts' flag rate at it is unknown here
                new.drift_baseline_["flag_rate"] = None
        if hasattr(self, "oof_decision_"):
            positive = new.calibrate(self.oof_decision_)
            new.oof_proba_ = np.column_stack([1.0 - positive, positive])
        return new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.classifier_tags.multi_class = False
        return tags


class _Steps:
    """Calls ``on_step(stage, done, total)`` before each of ``total`` steps of a fit (and once at the end)."""

    def __init__(self, on_step: Callable[[str, int, int], None] | None, total: int):
        self.on_step, self.total, self.done = on_step, total, -1

    def __call__(self, stage: str) -> None:
        self.done += 1
        if self.on_step is not None:
            self.on_step(stage, min(self.done, self.total), self.total)


def _out_of_fold(model, X, y: np.ndarray, splits: list, step: _Steps, stage: str) -> np.ndarray:
    """Out-of-fold margins of ``model`` (a fresh clone fitted per fold, as ``cross_val_predict`` does),
    each fold a step of the fit."""
    margins = np.empty(len(y), dtype=np.float64)
    for number, (train, test) in enumerate(splits, start=1):
        step(f"{stage}: fold {number}/{len(splits)}")
        margins[test] = clone(model).fit(X[train], y[train]).decision_function(X[test])
    return margins
