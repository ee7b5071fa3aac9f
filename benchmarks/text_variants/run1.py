"""NB-LR (log-count ratio) at three C, and small ensembles with the n-gram LR."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import NBLR, context, lr, margins, record, report, splits_of, time, word_char, y  # noqa: E402

res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(sys.argv[1])):
    ytr, yte = y[tr], y[te]
    (X, Xt), (W, Wt), (C, Ct) = word_char(tr, te)
    ctx, ctxt = context(tr, te)
    M = {"lr": margins(lr(), X, Xt, ytr)}
    for c in (0.1, 0.3, 1.0):
        M[f"nblr C={c}"] = margins(NBLR(C=c), X, Xt, ytr)
    M["lr word"] = margins(lr(), W, Wt, ytr)
    M["lr char"] = margins(lr(), C, Ct, ytr)
    runs = {"lr": ["lr"], **{f"nblr C={c}": [f"nblr C={c}"] for c in (0.1, 0.3, 1.0)},
            **{f"lr + nblr C={c}": ["lr", f"nblr C={c}"] for c in (0.1, 0.3, 1.0)},
            "lr word + lr char": ["lr word", "lr char"],
            "lr word + lr char + nblr 0.3": ["lr word", "lr char", "nblr C=0.3"]}
    for name, keys in runs.items():
        record(res, name, [M[key] for key in keys], yte, ctx, ctxt, ytr)
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
report(res)
