import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from exp import *
which, group = sys.argv[1], sys.argv[2]
splits = time_split if which == "time" else cv_splits
useg = None
if "u" in group:
    useg = tokenize_texts(norm, "underthesea")
CONFIGS = {
 "a": [("w13 c25 C8", (1,3),(2,5),8,None), ("w12 c36 C8", (1,2),(3,6),8,None), ("w13 c36 C8", (1,3),(3,6),8,None)],
 "b": [("w13 c25 C4", (1,3),(2,5),4,None), ("w13 c36 C4", (1,3),(3,6),4,None), ("w12 c25 C2", (1,2),(2,5),2,None)],
 "u": [("underthesea w12 c25 C8", (1,2),(2,5),8,"u"), ("underthesea w13 c25 C8", (1,3),(2,5),8,"u"), ("underthesea w11 c25 C8", (1,1),(2,5),8,"u")],
}[group]
res = {}
t0 = time.time()
long_post = np.array([len(t) >= 1000 for t in texts])
for k, (tr, te) in enumerate(splits):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    lt = long_post[te]
    for name, wr, cr, c, tok in CONFIGS:
        sg = useg if tok else seg
        wv = word_vectorizer(wr, 2); cv = char_vectorizer(cr, 2, 300_000)
        X = sparse.hstack([wv.fit_transform([sg[i] for i in tr]), cv.fit_transform([norm[i] for i in tr])], format="csr")
        Xt = sparse.hstack([wv.transform([sg[i] for i in te]), cv.transform([norm[i] for i in te])], format="csr")
        o, t = margins(LogisticRegression(C=c, class_weight="balanced", solver="liblinear"), X, Xt, ytr)
        s = second([o], [t], ctx, ctxt, ytr)
        sl = second([o], [t], ctx[:, :7], ctxt[:, :7], ytr, kind="lr")
        res.setdefault(name + " | text", []).append(roc_auc_score(yte, t))
        res.setdefault(name + " | text, long", []).append(roc_auc_score(yte[lt], t[lt]))
        res.setdefault(name + " | text+style lr, long", []).append(roc_auc_score(yte[lt], sl[lt]))
        res.setdefault(name + " | hgb", []).append(roc_auc_score(yte, s))
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
for n, v in res.items():
    print(f"{n:45s} {np.mean(v):.4f} ± {np.std(v):.4f}")
