"""Fast quality experiments: features per split cached, text-model and second-stage variants."""
import sys, time, itertools
import numpy as np, pandas as pd
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.ensemble import HistGradientBoostingClassifier
from vnflag.text.normalization import normalize_texts
from vnflag.text.segmentation import tokenize_texts
from vnflag.model.features import word_vectorizer, char_vectorizer, style_features, CountFeatures, TimeFeatures

from pathlib import Path
DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "reintel" / "train.csv"
f = pd.read_csv(DATA, dtype=str, keep_default_na=False)
y = f["label"].astype(int).to_numpy()
texts = f["post_message"].tolist()
norm = normalize_texts(texts)
seg = tokenize_texts(norm, "syllables")
META = ["num_like_post", "num_comment_post", "num_share_post"]
order = np.argsort(pd.to_numeric(f["timestamp_post"], errors="coerce").fillna(-1).to_numpy(), kind="stable")
cut = int(round(0.7 * len(f)))
time_split = [(np.sort(order[:cut]), np.sort(order[cut:]))]
cv_splits = list(StratifiedKFold(5, shuffle=True, random_state=13).split(f, y))

def context(idx_fit, idx):
    cf = CountFeatures().fit(f.iloc[idx_fit][META]); tf = TimeFeatures(parts=("hour",)).fit(f.iloc[idx_fit][["timestamp_post"]])
    def c(i):
        return np.hstack([style_features([texts[j] for j in i]), cf.transform(f.iloc[i][META]), tf.transform(f.iloc[i][["timestamp_post"]])])
    sc = StandardScaler().fit(c(idx_fit))
    return sc.transform(c(idx_fit)), sc.transform(c(idx))

def blocks(tr, te, wr=(1,2), cr=(2,5), min_df=2):
    wv = word_vectorizer(wr, min_df); cv = char_vectorizer(cr, min_df, 300_000)
    W = wv.fit_transform([seg[i] for i in tr]); Wt = wv.transform([seg[i] for i in te])
    C = cv.fit_transform([norm[i] for i in tr]); Ct = cv.transform([norm[i] for i in te])
    return (W, Wt), (C, Ct)

class NB:
    """log-count ratio scaling, fit on binarised features."""
    def __init__(self, alpha=1.0, binary=True): self.alpha, self.binary = alpha, binary
    def fit(self, X, y):
        B = (X > 0).astype(np.float64) if self.binary else X
        p = self.alpha + np.asarray(B[y == 1].sum(0)).ravel(); q = self.alpha + np.asarray(B[y == 0].sum(0)).ravel()
        self.r = np.log((p / p.sum()) / (q / q.sum())); return self
    def transform(self, X):
        B = (X > 0).astype(np.float64) if self.binary else X
        return B @ sparse.diags(self.r)

from sklearn.base import BaseEstimator, ClassifierMixin, clone
class NBLR(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0, alpha=1.0, binary=True, cw="balanced"): self.C, self.alpha, self.binary, self.cw = C, alpha, binary, cw
    def fit(self, X, y):
        self.nb_ = NB(self.alpha, self.binary).fit(X, y); self.classes_ = np.unique(y)
        self.lr_ = LogisticRegression(C=self.C, class_weight=self.cw, solver="liblinear").fit(self.nb_.transform(X), y); return self
    def decision_function(self, X): return self.lr_.decision_function(self.nb_.transform(X))
    def predict(self, X): return (self.decision_function(X) > 0).astype(int)

def margins(model, X, Xt, ytr, seed=0):
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, X, ytr, cv=folds, method="decision_function")
    return oof, clone(model).fit(X, ytr).decision_function(Xt)

def hgb():
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, class_weight="balanced", random_state=0)

def second(oofs, tests, ctx, ctxt, ytr, kind="hgb"):
    S = np.column_stack([*oofs, ctx]); St = np.column_stack([*tests, ctxt])
    m = hgb() if kind == "hgb" else LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    return m.fit(S, ytr).decision_function(St)
