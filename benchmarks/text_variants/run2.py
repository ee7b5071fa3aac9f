import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from exp import *
which = sys.argv[1]
splits = time_split if which == "time" else cv_splits
res = {}
t0 = time.time()
def lr(c=8): return LogisticRegression(C=c, class_weight="balanced", solver="liblinear")
for k, (tr, te) in enumerate(splits):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    def add(name, M):
        oofs = [m[0] for m in M]; tests = [m[1] for m in M]
        res.setdefault(name + " | text", []).append(roc_auc_score(yte, np.mean([(t - o.mean())/o.std() for o, t in zip(oofs, tests)], 0)))
        res.setdefault(name + " | hgb", []).append(roc_auc_score(yte, second(oofs, tests, ctx, ctxt, ytr)))
    (W, Wt), (C, Ct) = blocks(tr, te)
    X = sparse.hstack([W, C], format="csr"); Xt = sparse.hstack([Wt, Ct], format="csr")
    for c in (2, 4, 16): add(f"lr C={c}", [margins(lr(c), X, Xt, ytr)])
    for c in (1, 8): add(f"nb-tfidf C={c}", [margins(NBLR(C=c, binary=False), X, Xt, ytr)])
    add("nb-bin word only C=1", [margins(NBLR(C=1), W, Wt, ytr)])
    for wr, cr in (((1, 3), (2, 5)), ((1, 1), (2, 5)), ((1, 2), (1, 4)), ((1, 2), (3, 6)), ((1, 2), (2, 6))):
        (W2, W2t), (C2, C2t) = blocks(tr, te, wr, cr)
        add(f"lr words {wr} chars {cr}", [margins(lr(), sparse.hstack([W2, C2], format="csr"), sparse.hstack([W2t, C2t], format="csr"), ytr)])
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
for n, v in res.items():
    print(f"{n:45s} {np.mean(v):.4f} ± {np.std(v):.4f}")
