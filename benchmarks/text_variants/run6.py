"""The boosted and the logistic second stage averaged (standardised margins), against each alone.

    python benchmarks/text_variants/run6.py cuts
    python benchmarks/text_variants/run6.py cv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import blocks, context, lr, margins, np, roc_auc_score, second, sparse, splits_of, time, y  # noqa: E402

which = sys.argv[1]
res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(which)):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    (W, Wt), (C, Ct) = blocks(tr, te, wr=(1, 3))
    X, Xt = sparse.hstack([W, C], format="csr"), sparse.hstack([Wt, Ct], format="csr")
    o, t = margins(lr(4), X, Xt, ytr)
    boosted = second([o], [t], ctx, ctxt, ytr, kind="boosting")
    linear = second([o], [t], ctx, ctxt, ytr, kind="logistic")
    res.setdefault("boosted", []).append(roc_auc_score(yte, boosted))
    res.setdefault("logistic", []).append(roc_auc_score(yte, linear))
    for share in (0.5, 0.75):
        mixed = share * (boosted - boosted.mean()) / boosted.std() + (1 - share) * (linear - linear.mean()) / linear.std()
        res.setdefault(f"{share:.2f} boosted + {1 - share:.2f} logistic", []).append(roc_auc_score(yte, mixed))
    print(f"split {k} done {time.time() - t0:.0f}s", flush=True)
for name, values in res.items():
    print(f"{name:45s} " + "  ".join(f"{v:.4f}" for v in values) + f"   mean {np.mean(values):.4f}")
