"""Shared pieces of the text-model variant runs: ReINTEL normalised and tokenised once, the same
splits as ``benchmarks/quality.py``, and one way to fit, score and report a variant.

The second stage is Flagger's own (``Flagger._second_stage``), over the text margin(s) and the
scaled style, count and hour features, fitted on out-of-fold margins as ``Flagger.fit`` does.
"""
import sys
import time  # noqa: F401  (re-exported to the run scripts)
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse  # noqa: F401  (re-exported to the run scripts)
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from quality import DATA, LABEL, META, TEXT, TIME, spread, time_ordered_split  # noqa: E402
from quality import NBLogisticRegression as NBLR  # noqa: E402,F401  (re-exported to the run scripts)

from vnflag import Flagger  # noqa: E402
from vnflag.model.features import (CountFeatures, TimeFeatures, char_vectorizer, style_features,  # noqa: E402
                                   word_vectorizer)
from vnflag.text.normalization import normalize_texts  # noqa: E402
from vnflag.text.segmentation import tokenize_texts  # noqa: E402

if not DATA.exists():
    print(f"skipped: {DATA} not present (third-party data, see DEVELOPERS.md)")
    sys.exit(0)
f = pd.read_csv(DATA, dtype=str, keep_default_na=False)
y = f[LABEL].astype(int).to_numpy()
texts = f[TEXT].tolist()
norm = normalize_texts(texts)
seg = tokenize_texts(norm, "syllables")
time_split = [time_ordered_split(f)]
cv_splits = list(StratifiedKFold(5, shuffle=True, random_state=13).split(f, y))


def splits_of(which: str):
    """``time``: the time-ordered split; ``cuts``: training on the older 60, 70 and 80 %; else the 5 CV folds."""
    if which == "cuts":
        return [time_ordered_split(f, older) for older in (0.6, 0.7, 0.8)]
    return time_split if which == "time" else cv_splits


def context(idx_fit, idx):
    """Scaled style + counts + hour of the fit rows and of ``idx``, as ``Flagger._context``."""
    cf = CountFeatures().fit(f.iloc[idx_fit][META])
    tf = TimeFeatures(parts=("hour",)).fit(f.iloc[idx_fit][[TIME]])

    def c(i):
        return np.hstack([style_features([texts[j] for j in i]), cf.transform(f.iloc[i][META]),
                          tf.transform(f.iloc[i][[TIME]])])

    fitted = c(idx_fit)
    sc = StandardScaler().fit(fitted)
    return sc.transform(fitted), sc.transform(c(idx))


def blocks(tr, te, wr=(1, 2), cr=(2, 5), min_df=2, segmented=None):
    """(train, test) word and character TF-IDF blocks; ``segmented`` defaults to the syllables."""
    segmented = seg if segmented is None else segmented
    wv = word_vectorizer(wr, min_df)
    cv = char_vectorizer(cr, min_df, 300_000)
    W = wv.fit_transform([segmented[i] for i in tr])
    Wt = wv.transform([segmented[i] for i in te])
    C = cv.fit_transform([norm[i] for i in tr])
    Ct = cv.transform([norm[i] for i in te])
    return (W, Wt), (C, Ct)


def word_char(tr, te, wr=(1, 2), cr=(2, 5), segmented=None):
    """The n-gram model's input, word and character blocks side by side: ``(X, Xt), (W, Wt), (C, Ct)``."""
    (W, Wt), (C, Ct) = blocks(tr, te, wr, cr, segmented=segmented)
    return (sparse.hstack([W, C], format="csr"), sparse.hstack([Wt, Ct], format="csr")), (W, Wt), (C, Ct)


def lr(c=8):
    """The n-gram model of ``Flagger`` (``C`` its parameter; 8, and words (1, 2) in :func:`blocks`, were
    Flagger's defaults when these runs were recorded)."""
    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear")


def margins(model, X, Xt, ytr, seed=0):
    """Out-of-fold margins of the training rows and the full-fit margins of the test rows."""
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, X, ytr, cv=folds, method="decision_function")
    return oof, clone(model).fit(X, ytr).decision_function(Xt)


def second(oofs, tests, ctx, ctxt, ytr, kind="boosting", sample_weight=None, **overrides):
    """Flagger's second stage (``kind``: "boosting" or "logistic", its parameters changed by
    ``overrides``) on margins + context, fitted with ``sample_weight``; the test margins."""
    S = np.column_stack([*oofs, ctx])
    St = np.column_stack([*tests, ctxt])
    model = Flagger(second_stage=kind)._second_stage("balanced").set_params(**overrides)
    return model.fit(S, ytr, sample_weight=sample_weight).decision_function(St)


def record(res, name, pairs, yte, ctx, ctxt, ytr):
    """ROC-AUC of the (out-of-fold, test) margin ``pairs``: standardised mean (``| text``) and
    through the boosted second stage (``| hgb``)."""
    oofs = [o for o, _ in pairs]
    tests = [t for _, t in pairs]
    text = np.mean([(t - o.mean()) / o.std() for o, t in zip(oofs, tests)], 0)
    res.setdefault(name + " | text", []).append(roc_auc_score(yte, text))
    res.setdefault(name + " | hgb", []).append(roc_auc_score(yte, second(oofs, tests, ctx, ctxt, ytr)))


def report(res, each=False):
    """One line per measured figure: mean ± sd over splits (the value alone for one split); with
    ``each``, the value of every split and their mean."""
    for name, values in res.items():
        if each:
            print(f"{name:45s} " + "  ".join(f"{v:.4f}" for v in values) + f"   mean {np.mean(values):.4f}")
        else:
            print(f"{name:45s} {spread(values)}")
