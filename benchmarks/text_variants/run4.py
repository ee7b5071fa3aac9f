"""Second-stage settings and recency weights, on the text margin of the default n-gram model.

    python benchmarks/text_variants/run4.py cuts   # older 60, 70, 80 % → the rest, one figure each
    python benchmarks/text_variants/run4.py cv
"""
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import (TIME, context, f, lr, margins, np, report, roc_auc_score, second, splits_of, time,  # noqa: E402
                 word_char, y)

which = sys.argv[1]
SETTINGS = {
    "default": {},
    "leaves 7": {"max_leaf_nodes": 7},
    "leaves 31": {"max_leaf_nodes": 31},
    "iter 100": {"max_iter": 100},
    "iter 400, lr 0.025": {"max_iter": 400, "learning_rate": 0.025},
    "min leaf 80": {"min_samples_leaf": 80},
    "min leaf 20": {"min_samples_leaf": 20},
    "l2 5": {"l2_regularization": 5.0},
}
HALF_LIVES = (15, 30, 60)  # days, for recency weights of the training posts
seconds = pd.to_numeric(f[TIME], errors="coerce").fillna(-1).to_numpy()


res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(which)):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    (X, Xt), _, _ = word_char(tr, te)
    o, t = margins(lr(), X, Xt, ytr)
    for name, overrides in SETTINGS.items():
        res.setdefault(name, []).append(roc_auc_score(yte, second([o], [t], ctx, ctxt, ytr, **overrides)))
    known = seconds[tr] > 0
    newest = seconds[tr][known].max()
    for days in HALF_LIVES:
        age = np.where(known, (newest - seconds[tr]) / 86400, np.median((newest - seconds[tr][known]) / 86400))
        weight = 0.5 ** (age / days)
        weight = weight * len(weight) / weight.sum()
        res.setdefault(f"recency half-life {days} d (second stage)", []).append(
            roc_auc_score(yte, second([o], [t], ctx, ctxt, ytr, sample_weight=weight)))
    print(f"split {k} done {time.time() - t0:.0f}s", flush=True)
report(res, each=True)
