import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from exp import *
which = sys.argv[1]
splits = time_split if which == "time" else cv_splits
res = {}
t0 = time.time()
for k, (tr, te) in enumerate(splits):
    ytr, yte = y[tr], y[te]
    (W, Wt), (C, Ct) = blocks(tr, te)
    X = sparse.hstack([W, C], format="csr"); Xt = sparse.hstack([Wt, Ct], format="csr")
    ctx, ctxt = context(tr, te)
    M = {}
    M["lr"] = margins(LogisticRegression(C=8, class_weight="balanced", solver="liblinear"), X, Xt, ytr)
    for c in (0.1, 0.3, 1.0):
        M[f"nblr C={c}"] = margins(NBLR(C=c), X, Xt, ytr)
    M["lr word"] = margins(LogisticRegression(C=8, class_weight="balanced", solver="liblinear"), W, Wt, ytr)
    M["lr char"] = margins(LogisticRegression(C=8, class_weight="balanced", solver="liblinear"), C, Ct, ytr)
    def add(name, keys):
        oofs = [M[k][0] for k in keys]; tests = [M[k][1] for k in keys]
        res.setdefault(name + " | text", []).append(roc_auc_score(yte, np.mean([ (t - o.mean())/o.std() for o, t in zip(oofs, tests)], 0)))
        res.setdefault(name + " | hgb", []).append(roc_auc_score(yte, second(oofs, tests, ctx, ctxt, ytr)))
    add("lr", ["lr"])
    for c in (0.1, 0.3, 1.0): add(f"nblr C={c}", [f"nblr C={c}"])
    for c in (0.1, 0.3, 1.0): add(f"lr + nblr C={c}", ["lr", f"nblr C={c}"])
    add("lr word + lr char", ["lr word", "lr char"])
    add("lr word + lr char + nblr 0.3", ["lr word", "lr char", "nblr C=0.3"])
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
for n, v in res.items():
    print(f"{n:45s} {np.mean(v):.4f} ± {np.std(v):.4f}")
