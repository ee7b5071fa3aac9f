"""The estimator: :class:`Flagger`, a calibrated linear classifier over Vietnamese posts.

``Flagger`` runs the whole chain (normalise → segment → word and character n-grams and
optional engagement counts → class-balanced logistic regression → probability calibration on
out-of-fold scores → threshold) behind the scikit-learn estimator API, so ``clone``,
``get_params``, pipelines and grid search work. Its score is the calibrated probability that a
post needs verification: a request for a human to look, never a verdict.
"""

from __future__ import annotations

import copy
import numbers
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .drift import leave_one_out_unseen_share, score_bins
from .features import CountFeatures, char_vectorizer, style_features, word_vectorizer
from .normalize import PLACEHOLDER_LABELS, normalize_texts
from .segment import MIN_PARALLEL, Segmenter

__all__ = ["Flagger"]


@lru_cache(maxsize=1)
def _reason_stopwords() -> frozenset[str]:
    text = resources.files("vnflag").joinpath("resources/reason_stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))




def _vectorize_texts(word_vec, char_vec, texts: list):
    """Normalise, segment and vectorise posts in one process (a unit of parallel work)."""
    normalized = normalize_texts(texts)
    segmented = Segmenter(n_jobs=1).transform(normalized)
    return word_vec.transform(segmented), char_vec.transform(normalized), segmented


def score_metrics(y_bin: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """ROC-AUC, average precision, Brier score, and precision, recall and flag rate at
    ``threshold`` (0 when nothing is flagged): the figures in a manifest and a retrain comparison.

    >>> score_metrics(np.array([0, 1]), np.array([0.2, 0.9]), 0.5)["recall_at_threshold"]
    1.0
    """
    flagged = scores >= threshold
    true_pos = int((flagged & (y_bin == 1)).sum())
    return {
        "roc_auc": float(roc_auc_score(y_bin, scores)),
        "average_precision": float(average_precision_score(y_bin, scores)),
        "brier": float(brier_score_loss(y_bin, scores)),
        "precision_at_threshold": true_pos / max(int(flagged.sum()), 1),
        "recall_at_threshold": true_pos / max(int(y_bin.sum()), 1),
        "flag_rate": float(flagged.mean()),
    }


def _readable_term(feature: str) -> str:
    """Turn a word-n-gram feature into text a reviewer reads: ``y_tế`` → ``y tế``."""
    return " ".join(PLACEHOLDER_LABELS.get(w, w.replace("_", " ")) for w in feature.split(" "))


class Flagger(ClassifierMixin, BaseEstimator):
    """Score Vietnamese posts for how likely they need verification by a person.

    Parameters
    ----------
    text_col : str, default="text"
        Column holding the post when ``X`` is a DataFrame. ``X`` may also be a list of strings.
    meta_cols : sequence of str, default=()
        Optional engagement-count columns (likes, comments, shares), parsed defensively.
        Never author or account columns: vnflag judges content, not people.
    word_ngram_range, char_ngram_range : tuple, default=(1, 2) and (2, 5)
        n-gram ranges for segmented words and for characters within words.
    min_df : int, default=2
        Ignore terms seen in fewer training posts.
    max_char_features : int or None, default=300_000
        Cap on the character vocabulary, to bound memory on large corpora.
    C : float, default=8.0
        Inverse regularisation strength of the n-gram logistic regression.
    class_weight : "balanced", dict or None, default="balanced"
        Class weights; "balanced" counters the rarity of posts that need verification.
    calibration : {"sigmoid", "isotonic"}, default="sigmoid"
        How out-of-fold scores are mapped to probabilities.
    cv : int, default=5
        Folds for the out-of-fold scores used for calibration, threshold and training metrics.
    threshold : "f1" or float, default="f1"
        Flag threshold on the calibrated score: a number, or "f1" for the F1-best cut on
        out-of-fold scores.
    n_jobs : int, default=1
        Processes for word segmentation of large batches.
    random_state : int, default=0
        Seed of the cross-validation split.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Labels; ``predict_proba(X)[:, 1]`` is the probability of ``classes_[1]``.
    threshold_ : float
        Flag threshold on the calibrated score.
    training_metrics_ : dict
        Out-of-fold ROC-AUC, average precision, Brier score, precision and recall at threshold.
    training_score_edges_, training_score_shares_ : ndarray
        Quantile bins of the out-of-fold training scores and their shares, for the drift PSI.
    training_unseen_share_ : float
        Leave-one-out share of training words missing from the word vocabulary, for the drift check.

    Examples
    --------
    >>> flagger = Flagger().fit(texts, labels)          # doctest: +SKIP
    >>> flagger.predict_proba(["Uống nước chanh diệt virus"])[:, 1]   # doctest: +SKIP
    """

    def __init__(
        self,
        text_col: str = "text",
        meta_cols: Sequence[str] = (),
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_char_features: int | None = 300_000,
        C: float = 8.0,
        class_weight="balanced",
        calibration: str = "sigmoid",
        cv: int = 5,
        threshold="f1",
        n_jobs: int = 1,
        random_state: int = 0,
    ):
        self.text_col = text_col
        self.meta_cols = meta_cols
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_char_features = max_char_features
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.cv = cv
        self.threshold = threshold
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ----------------------------------------------------------------- input handling
    def _split_input(self, X) -> tuple[list, pd.DataFrame | None]:
        meta_cols = list(self.meta_cols or ())
        if isinstance(X, pd.DataFrame):
            missing = [c for c in [self.text_col, *meta_cols] if c not in X.columns]
            if missing:
                raise KeyError(
                    f"column(s) {missing} not found; columns present: {[str(c) for c in X.columns]}"
                )
            return X[self.text_col].tolist(), (X[meta_cols] if meta_cols else None)
        if meta_cols:
            raise TypeError(f"meta_cols={meta_cols} needs X as a DataFrame with those columns")
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

    def _validate_params(self) -> None:
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ValueError(f"calibration must be 'sigmoid' or 'isotonic', got {self.calibration!r}")
        if not isinstance(self.cv, numbers.Integral) or self.cv < 2:
            raise ValueError(f"cv must be an int >= 2, got {self.cv!r}")
        if not (self.threshold == "f1" or (isinstance(self.threshold, numbers.Real)
                                           and 0.0 < float(self.threshold) < 1.0)):
            raise ValueError(f"threshold must be 'f1' or a number in (0, 1), got {self.threshold!r}")
        if not isinstance(self.C, numbers.Real) or self.C <= 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        if isinstance(self.meta_cols, str):
            raise TypeError("meta_cols must be a list of column names, not a string")

    # ----------------------------------------------------------------- features
    def _views(self, texts: list, meta: pd.DataFrame | None, fit: bool = False):
        """Text n-gram matrix, word block, dense context (style + counts) and segmented texts."""
        if fit:
            normalized = normalize_texts(texts)
            segmented = Segmenter(n_jobs=self.n_jobs).transform(normalized)
            self.word_vectorizer_ = word_vectorizer(self.word_ngram_range, self.min_df)
            self.char_vectorizer_ = char_vectorizer(self.char_ngram_range, self.min_df, self.max_char_features)
            words = self.word_vectorizer_.fit_transform(segmented)
            self.training_unseen_share_ = leave_one_out_unseen_share(segmented, self.min_df)
            chars = self.char_vectorizer_.fit_transform(normalized)
            for vectorizer in (self.word_vectorizer_, self.char_vectorizer_):
                vectorizer.stop_words_ = None  # every pruned term: large, and not needed to transform
            self.count_features_ = CountFeatures().fit(meta) if meta is not None else None
        else:
            words, chars, segmented = self._text_features(texts)
        context = [style_features(texts)]
        if self.count_features_ is not None:
            context.append(self.count_features_.transform(meta).toarray())
        context = np.hstack(context)
        if fit:
            self.context_scaler_ = StandardScaler().fit(context)
        context = self.context_scaler_.transform(context)
        ngrams = sparse.hstack([words, chars], format="csr", dtype=np.float64)
        return ngrams, words, context, segmented

    def _text_features(self, texts: list):
        """Word and character n-gram blocks and segmented texts of new posts. Large batches are
        split across ``n_jobs`` processes, each doing normalise → segment → vectorise, so the
        whole text path (not only segmentation) runs in parallel."""
        workers = effective_n_jobs(self.n_jobs)
        if workers <= 1 or len(texts) < MIN_PARALLEL:
            return _vectorize_texts(self.word_vectorizer_, self.char_vectorizer_, texts)
        bounds = np.linspace(0, len(texts), workers + 1).astype(int)
        parts = Parallel(n_jobs=workers)(
            delayed(_vectorize_texts)(self.word_vectorizer_, self.char_vectorizer_, texts[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])
        )
        words = sparse.vstack([p[0] for p in parts], format="csr")
        chars = sparse.vstack([p[1] for p in parts], format="csr")
        return words, chars, [text for part in parts for text in part[2]]

    # ----------------------------------------------------------------- persistence
    def __getstate__(self):
        """State for pickle, ``copy`` and skops, with each vocabulary stored as one array of terms
        in column order instead of a dict of hundreds of thousands of entries: a model file
        several times smaller that loads in seconds. :meth:`__setstate__` rebuilds the dicts."""
        state = dict(super().__getstate__())
        for name in ("word_vectorizer_", "char_vectorizer_"):
            vectorizer = state.get(name)
            vocabulary = getattr(vectorizer, "vocabulary_", None)
            if isinstance(vocabulary, dict):
                terms = [""] * len(vocabulary)
                for term, column in vocabulary.items():
                    terms[column] = term
                if not any(t.endswith("\x00") for t in terms):  # NumPy strings drop trailing NULs
                    vectorizer = copy.copy(vectorizer)
                    vectorizer.vocabulary_ = np.asarray(terms, dtype=str)
                    state[name] = vectorizer
        if isinstance(state.get("reason_terms_"), list):
            state["reason_terms_"] = np.asarray(state["reason_terms_"], dtype=str)
        return state

    def __setstate__(self, state):
        for name in ("word_vectorizer_", "char_vectorizer_"):
            vectorizer = state.get(name)
            if isinstance(getattr(vectorizer, "vocabulary_", None), np.ndarray):
                vectorizer.vocabulary_ = {str(term): column for column, term in enumerate(vectorizer.vocabulary_)}
        if isinstance(state.get("reason_terms_"), np.ndarray):
            state["reason_terms_"] = [str(term) for term in state["reason_terms_"]]
        super().__setstate__(state)

    # ----------------------------------------------------------------- fitting
    def fit(self, X, y) -> "Flagger":
        """Fit on posts ``X`` and binary labels ``y``; returns ``self``.

        Two linear stages: a logistic regression over word and character n-grams, whose
        out-of-fold margin is combined with style and engagement features by a second, small
        logistic regression; the second stage's out-of-fold margin is then calibrated.
        """
        self._validate_params()
        texts, meta = self._split_input(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(texts):
            raise ValueError(f"y must be 1-D with one label per post: {len(texts)} posts, y shape {y.shape}")
        if pd.isna(pd.Series(y)).any():
            raise ValueError("y contains missing labels")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"need exactly two classes to train, got {list(self.classes_)}")
        y_bin = (y == self.classes_[1]).astype(int)
        n_minority = int(min(y_bin.sum(), len(y_bin) - y_bin.sum()))
        if n_minority < 2:
            raise ValueError("each class needs at least 2 posts to train and calibrate")

        self.n_training_rows_ = len(texts)
        ngrams, _, context, _ = self._views(texts, meta, fit=True)
        self.n_features_in_ = 1 + len(self.meta_cols or ())
        folds = StratifiedKFold(min(self.cv, n_minority), shuffle=True, random_state=self.random_state)
        text_model = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear")
        text_margin = cross_val_predict(text_model, ngrams, y_bin, cv=folds, method="decision_function")
        self.text_classifier_ = text_model.fit(ngrams, y_bin)
        stacked = np.column_stack([text_margin, context])
        combiner = LogisticRegression(C=1.0, class_weight=self.class_weight, max_iter=5000)
        out_of_fold = cross_val_predict(combiner, stacked, y_bin, cv=folds, method="decision_function")
        self.classifier_ = combiner.fit(stacked, y_bin)
        if self.calibration == "sigmoid":
            self.calibrator_ = LogisticRegression(C=1e4).fit(out_of_fold.reshape(-1, 1), y_bin)
        else:
            self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(
                out_of_fold, y_bin
            )
        oof_scores = self._calibrate(out_of_fold)
        self.threshold_ = self._choose_threshold(oof_scores, y_bin)
        self.reason_terms_ = self._reason_terms()
        self.training_metrics_ = {
            "cv_folds": folds.n_splits,
            **{f"cv_{name}": value for name, value in score_metrics(y_bin, oof_scores, self.threshold_).items()},
        }
        # Kept for drift checks: where out-of-fold training scores fell.
        self.training_score_edges_, self.training_score_shares_ = score_bins(oof_scores)
        return self

    def _reason_terms(self) -> list[str]:
        """Readable form of each word feature usable as a reason; "" for those that are not:
        n-grams with punctuation, bare numbers, function words (``resources/reason_stopwords.txt``) alone,
        and words so common (in over 20 % of training posts) that they say nothing about a post."""
        stopwords = _reason_stopwords()
        n_docs = self.n_training_rows_
        doc_freq = (1 + n_docs) / np.exp(self.word_vectorizer_.idf_ - 1) - 1
        terms = []
        for feature, df in zip(self.word_vectorizer_.get_feature_names_out(), doc_freq):
            words = feature.split(" ")
            informative = (all(any(ch.isalpha() for ch in w) for w in words) and df <= 0.2 * n_docs
                           and not all(w in stopwords for w in words))
            terms.append(_readable_term(feature) if informative and feature != "xxnum" else "")
        return terms

    def _calibrate(self, margins: np.ndarray) -> np.ndarray:
        if self.calibration == "sigmoid":
            return self.calibrator_.predict_proba(margins.reshape(-1, 1))[:, 1]
        return self.calibrator_.predict(margins)

    def _choose_threshold(self, scores: np.ndarray, y_bin: np.ndarray) -> float:
        if self.threshold != "f1":
            return float(self.threshold)
        precision, recall, thresholds = precision_recall_curve(y_bin, scores)
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        return float(thresholds[int(np.argmax(f1[:-1]))])

    # ----------------------------------------------------------------- prediction
    def decision_function(self, X) -> np.ndarray:
        """Uncalibrated margin of the final linear stage (higher: more likely to need verification)."""
        check_is_fitted(self, "classifier_")
        return self._margin(*self._split_input(X))[0]

    def _margin(self, texts: list, meta: pd.DataFrame | None):
        ngrams, words, context, segmented = self._views(texts, meta)
        stacked = np.column_stack([self.text_classifier_.decision_function(ngrams), context])
        return self.classifier_.decision_function(stacked), words, segmented

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``."""
        return self._score(X, top_k=0)[0]

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the calibrated score reaches ``threshold_``, else ``classes_[0]``."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold_).astype(int)]

    def explain(self, X, top_k: int = 3) -> list[list[str]]:
        """The words that pushed each post's score up most, readable (spaces, not ``_``).

        >>> flagger.explain(["Uống nước chanh nóng diệt virus corona"])   # doctest: +SKIP
        [['nước chanh', 'diệt', 'virus']]
        """
        return self._score(X, top_k=top_k)[1]

    def _score(self, X, top_k: int = 3) -> tuple[np.ndarray, list[list[str]], list[str]]:
        """Probabilities, reasons and the segmented texts, from one pass over the features."""
        check_is_fitted(self, "classifier_")
        texts, meta = self._split_input(X)
        margin, words, segmented = self._margin(texts, meta)
        positive = self._calibrate(margin)
        proba = np.column_stack([1.0 - positive, positive])
        reasons = self._top_terms(words, top_k) if top_k > 0 else [[] for _ in texts]
        return proba, reasons, segmented

    def _top_terms(self, words: sparse.csr_matrix, top_k: int) -> list[list[str]]:
        n_words = words.shape[1]
        contributions = sparse.csr_matrix(words.multiply(self.text_classifier_.coef_[0, :n_words]))
        names = self.reason_terms_
        reasons = []
        for i in range(contributions.shape[0]):
            start, end = contributions.indptr[i], contributions.indptr[i + 1]
            values, columns = contributions.data[start:end], contributions.indices[start:end]
            keep = values > 0
            values, columns = values[keep], columns[keep]
            order = np.argsort(-values, kind="stable")[: top_k * 6]
            chosen: list[str] = []
            for column in columns[order]:
                term = names[column]
                if not term:
                    continue
                # Skip a term already covered by a longer or shorter chosen one.
                if any(term in c or c in term for c in chosen):
                    continue
                chosen.append(term)
                if len(chosen) == top_k:
                    break
            reasons.append(chosen)
        return reasons

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.classifier_tags.multi_class = False
        return tags
