"""Label quality: reviewed labels that a cross-validated model strongly disagrees with, for a
second reviewer (confident learning). Pure functions of labels and probabilities, as in cleanlab."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.roles import column_roles
from ..exceptions import VnflagError
from ..io.tables import check_table_input, read_table
from ..model.inputs import check_columns, parse_labels
from ..progress import progress_bar, wanted
from ..text.normalization import normalize_texts
from .ids import text_fingerprint
from .store import LabelStore

__all__ = ["second_look", "label_issues", "METHODS"]

#: How suspect labels are found: scikit-learn only, or cleanlab (optional extra, AGPL licence).
METHODS = ("sklearn", "cleanlab")


def label_issues(y: np.ndarray, proba: np.ndarray, method: str = "sklearn") -> np.ndarray:
    """Which labels look wrong given out-of-fold probabilities: a post labelled *a* whose
    probability of the other class reaches that class's average self-confidence.

    >>> label_issues(np.array([0, 0, 1, 1]), np.array([[.9, .1], [.1, .9], [.1, .9], [.2, .8]])).tolist()
    [False, True, False, False]
    """
    if method == "cleanlab":
        from cleanlab.filter import find_label_issues

        return np.asarray(find_label_issues(y, proba), dtype=bool)
    # Per-class thresholds: the average self-confidence of posts given that label.
    thresholds = np.array([proba[y == k, k].mean() for k in (0, 1)])
    other = 1 - y
    return proba[np.arange(len(y)), other] >= thresholds[other]


def second_look(
    store: LabelStore | str | os.PathLike,
    data: pd.DataFrame | str | os.PathLike | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
    cv: int = 5,
    method: str = "sklearn",
    random_state: int = 0,
    encoding: str = "utf-8",
    model: Any = None,
    progress: bool | None = False,
) -> pd.DataFrame:
    """Reviewed labels the model strongly disagrees with under cross-validation, for a second reviewer.

    Out-of-fold probabilities come from a scikit-learn model (character n-grams of the
    normalised text, class-balanced logistic regression) fit on the store's reviewed labels plus
    ``data`` (e.g. the original training table), so small stores still have enough examples;
    only reviewed posts are listed (:func:`label_issues` decides). ``method="cleanlab"`` uses
    cleanlab's ``find_label_issues`` on the same probabilities (optional extra; AGPL licence).
    ``encoding`` is the text encoding of ``data`` when it is a file. ``text_col`` and ``label_col``
    (of ``data``) default to those of ``model`` (a model directory, registry or fitted model:
    :func:`~vnflag.artifacts.roles.column_roles`), else ``text`` and ``label``.
    ``progress=True`` shows a bar over its steps (normalising the texts, then each fold) on
    standard error (``None``: if a terminal).

    >>> second_look("labels.sqlite", data="data/posts_labelled.csv")   # doctest: +SKIP
    """
    if method not in METHODS:
        raise VnflagError(f"method must be 'sklearn' or 'cleanlab', got {method!r}")
    if method == "cleanlab":
        try:
            import cleanlab  # noqa: F401
        except ImportError as exc:
            raise VnflagError("method 'cleanlab' needs the optional extra: pip install 'vnflag[cleanlab]' "
                              "(cleanlab is AGPL-licensed)") from exc
    roles = column_roles(model).with_options(text=text_col, label=label_col)
    text_col, label_col = roles.text, roles.label
    if data is not None and not isinstance(data, pd.DataFrame):
        check_table_input(data, "training data")
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    reviewed = store.training_frame()
    if reviewed.empty:
        raise VnflagError(f"{store.path}: no reviewed labels (misleading/ok) to check yet")
    texts = reviewed["text"].tolist()
    labels = reviewed["label"].astype(int).tolist()
    if data is not None:
        extra = read_table(data, encoding=encoding) if not isinstance(data, pd.DataFrame) else data
        check_columns(extra, [text_col, label_col], str(data) if not isinstance(data, pd.DataFrame) else "data")
        known = set(reviewed["fingerprint"])
        keep = [text_fingerprint(t) not in known for t in extra[text_col]]
        texts += [t for t, k in zip(extra[text_col], keep, strict=True) if k]
        labels += parse_labels([v for v, k in zip(extra[label_col], keep, strict=True) if k], label_col).tolist()
    y = np.asarray(labels)
    n_minority = int(min(y.sum(), len(y) - y.sum()))
    if n_minority < 2:
        raise VnflagError("second look needs at least 2 posts of each decision (misleading and ok); "
                          "add --data with the training table")
    from sklearn.base import clone
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000),
    )
    folds = StratifiedKFold(min(cv, n_minority), shuffle=True, random_state=random_state)
    with progress_bar(folds.get_n_splits() + 1, desc="second look", unit="steps", enabled=wanted(progress)) as bar:
        bar.set_postfix_str(f"normalise {len(texts)} posts")
        normalised = np.asarray(normalize_texts(texts), dtype=object)
        bar.update(1)
        proba = np.empty((len(y), 2))
        for number, (train, test) in enumerate(folds.split(normalised, y), start=1):  # cross_val_predict's folds
            bar.set_postfix_str(f"fold {number}/{folds.get_n_splits()}")
            proba[test] = clone(pipeline).fit(normalised[train], y[train]).predict_proba(normalised[test])
            bar.update(1)
    n = len(reviewed)
    suspect = label_issues(y, proba, method)[:n]
    out = reviewed.assign(
        decision=np.where(reviewed["label"] == 1, "misleading", "ok"),
        p_given_label=np.round(proba[np.arange(n), y[:n]], 4),
        p_misleading=np.round(proba[:n, 1], 4),
    )
    out = out[suspect].sort_values("p_given_label", kind="stable")
    columns = ["id", "item_id", "decision", "reviewers", "p_given_label", "p_misleading", "text"]
    return out[columns].reset_index(drop=True)
