"""C of the n-gram LR, NB on TF-IDF values, NB on words only, and n-gram ranges."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import NBLR, context, lr, margins, record, report, splits_of, time, word_char, y  # noqa: E402

res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits_of(sys.argv[1])):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    (X, Xt), (W, Wt), _ = word_char(tr, te)
    for c in (2, 4, 16):
        record(res, f"lr C={c}", [margins(lr(c), X, Xt, ytr)], yte, ctx, ctxt, ytr)
    for c in (1, 8):
        record(res, f"nb-tfidf C={c}", [margins(NBLR(C=c, binary=False), X, Xt, ytr)], yte, ctx, ctxt, ytr)
    record(res, "nb-bin word only C=1", [margins(NBLR(C=1), W, Wt, ytr)], yte, ctx, ctxt, ytr)
    for wr, cr in (((1, 3), (2, 5)), ((1, 1), (2, 5)), ((1, 2), (1, 4)), ((1, 2), (3, 6)), ((1, 2), (2, 6))):
        (X2, X2t), _, _ = word_char(tr, te, wr, cr)
        record(res, f"lr words {wr} chars {cr}", [margins(lr(), X2, X2t, ytr)], yte, ctx, ctxt, ytr)
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
report(res)
