"""The boosted and the logistic second stage averaged (standardised margins), against each alone.

    python benchmarks/text_variants/run6.py cuts
    python benchmarks/text_variants/run6.py cv
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import context, lr, margins, report, roc_auc_score, second, splits_of, time, word_char, y  # noqa: E402

which = sys.argv[1]
res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(which)):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    (X, Xt), _, _ = word_char(tr, te, wr=(1, 3))
    o, t = margins(lr(4), X, Xt, ytr)
    boosted = second([o], [t], ctx, ctxt, ytr, kind="boosting")
    linear = second([o], [t], ctx, ctxt, ytr, kind="logistic")
    res.setdefault("boosted", []).append(roc_auc_score(yte, boosted))
    res.setdefault("logistic", []).append(roc_auc_score(yte, linear))
    for share in (0.5, 0.75):
        mixed = (share * (boosted - boosted.mean()) / boosted.std()
                 + (1 - share) * (linear - linear.mean()) / linear.std())
        res.setdefault(f"{share:.2f} boosted + {1 - share:.2f} logistic", []).append(roc_auc_score(yte, mixed))
    print(f"split {k} done {time.time() - t0:.0f}s", flush=True)
report(res, each=True)
