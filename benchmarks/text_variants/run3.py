"""n-gram ranges and C (groups a, b) or underthesea tokens (group u), also over posts >= 1,000 chars."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exp import (context, lr, margins, norm, np, report, roc_auc_score, second, splits_of, texts,  # noqa: E402
                 time, tokenize_texts, word_char, y)

which, group = sys.argv[1], sys.argv[2]
CONFIGS = {
    "a": [("w13 c25 C8", (1, 3), (2, 5), 8), ("w12 c36 C8", (1, 2), (3, 6), 8), ("w13 c36 C8", (1, 3), (3, 6), 8)],
    "b": [("w13 c25 C4", (1, 3), (2, 5), 4), ("w13 c36 C4", (1, 3), (3, 6), 4), ("w12 c25 C2", (1, 2), (2, 5), 2)],
    "u": [("underthesea w12 c25 C8", (1, 2), (2, 5), 8), ("underthesea w13 c25 C8", (1, 3), (2, 5), 8),
          ("underthesea w11 c25 C8", (1, 1), (2, 5), 8)],
}[group]
segmented = tokenize_texts(norm, "underthesea") if group == "u" else None
res = {}
t0 = time.time()
long_post = np.array([len(t) >= 1000 for t in texts])
for k, (tr, te) in enumerate(splits_of(which)):
    ytr, yte = y[tr], y[te]
    ctx, ctxt = context(tr, te)
    lt = long_post[te]
    for name, wr, cr, c in CONFIGS:
        (X, Xt), _, _ = word_char(tr, te, wr, cr, segmented=segmented)
        o, t = margins(lr(c), X, Xt, ytr)
        style_only = second([o], [t], ctx[:, :7], ctxt[:, :7], ytr, kind="logistic")
        res.setdefault(name + " | text", []).append(roc_auc_score(yte, t))
        res.setdefault(name + " | text, long", []).append(roc_auc_score(yte[lt], t[lt]))
        res.setdefault(name + " | text+style lr, long", []).append(roc_auc_score(yte[lt], style_only[lt]))
        res.setdefault(name + " | hgb", []).append(roc_auc_score(yte, second([o], [t], ctx, ctxt, ytr)))
    print(f"split {k} done {time.time()-t0:.0f}s", flush=True)
report(res)
