"""Nearest labelled neighbours as second-stage features: reposted rumours and reposted news recur.

For each post, the cosine similarity (word + char TF-IDF) to its most similar unreliable and most
similar reliable training post, and the similarity-weighted share of unreliable posts among its
``k`` nearest; out of fold for training posts (neighbours from the other folds), against every
training post for test posts.

    python benchmarks/text_variants/run5.py cuts
    python benchmarks/text_variants/run5.py cv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import (StratifiedKFold, context, lr, margins, np, report, roc_auc_score, second, splits_of,  # noqa: E402
                 time, word_char, y)
from sklearn.preprocessing import normalize  # noqa: E402

which = sys.argv[1]
K = 10


def neighbour_features(query, base, labels):
    """(max sim to unreliable, max sim to reliable, weighted unreliable share of the K nearest)."""
    sims = (query @ base.T).toarray()
    pos = np.where(labels == 1, sims, -1.0).max(1)
    neg = np.where(labels == 0, sims, -1.0).max(1)
    top = np.argpartition(-sims, K, axis=1)[:, :K]
    s = np.clip(np.take_along_axis(sims, top, 1), 0, None) + 1e-6
    share = (s * labels[top]).sum(1) / s.sum(1)
    return np.column_stack([pos, neg, share])


res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(which)):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    (X, Xt), (W, Wt), (C, Ct) = word_char(tr, te)
    o, t = margins(lr(), X, Xt, ytr)
    for name, (A, At) in {"word+char": (X, Xt), "word": (W, Wt), "char": (C, Ct)}.items():
        A, At = normalize(A), normalize(At)
        oof = np.zeros((len(tr), 3))
        for fit_rows, held in StratifiedKFold(5, shuffle=True, random_state=0).split(A, ytr):
            oof[held] = neighbour_features(A[held], A[fit_rows], ytr[fit_rows])
        test = neighbour_features(At, A, ytr)
        res.setdefault(f"knn {name} alone (share)", []).append(roc_auc_score(yte, test[:, 2]))
        res.setdefault(f"default + knn {name}", []).append(
            roc_auc_score(yte, second([o], [t], np.column_stack([ctx, oof]), np.column_stack([ctxt, test]), ytr)))
    res.setdefault("default", []).append(roc_auc_score(yte, second([o], [t], ctx, ctxt, ytr)))
    print(f"split {k} done {time.time() - t0:.0f}s", flush=True)
report(res, each=True)
