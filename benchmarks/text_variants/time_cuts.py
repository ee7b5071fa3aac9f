"""Flagger end to end (text, counts, hour, boosted second stage) over several time cuts and CV seeds.

One time-ordered split of 1,080 posts is noisy; this repeats the comparison of a variant against
the default with the training set cut at the older 60, 70 and 80 % (test: every later post) and
with 5-fold CV under several seeds.

    python benchmarks/text_variants/time_cuts.py time [NAME ...]
    python benchmarks/text_variants/time_cuts.py cv [NAME ...]
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from quality import DATA, LABEL, META, TEXT, TIME, time_ordered_split  # noqa: E402

from vnflag import Flagger  # noqa: E402

BASE = dict(text_col=TEXT, meta_cols=META, time_col=TIME, second_stage="boosting")
#: Spelled out in full, so the names keep their meaning when Flagger's defaults change ("default" was
#: Flagger's default when the runs were recorded; "words 1-3, C=4" is its default since).
VARIANTS = {
    "default": {"word_ngram_range": (1, 2), "C": 8.0},
    "words 1-3": {"word_ngram_range": (1, 3), "C": 8.0},
    "words 1-3, C=4": {"word_ngram_range": (1, 3), "C": 4.0},
    "chars 3-6": {"word_ngram_range": (1, 2), "C": 8.0, "char_ngram_range": (3, 6)},
    "words 1-3, C=4, min_df 3": {"word_ngram_range": (1, 3), "C": 4.0, "min_df": 3},
    "words 1-3, C=2": {"word_ngram_range": (1, 3), "C": 2.0},
    "words 1-3, C=1": {"word_ngram_range": (1, 3), "C": 1.0},
}
CUTS = (0.6, 0.7, 0.8)
SEEDS = (13, 7, 29)


def main() -> int:
    if not DATA.exists():
        print(f"skipped: {DATA} not present (third-party data, see DEVELOPERS.md)")
        return 0
    which, names = sys.argv[1], sys.argv[2:] or list(VARIANTS)
    frame = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    y = frame[LABEL].astype(int).to_numpy()
    if which == "time":
        groups = [(f"older {cut:.0%}", [time_ordered_split(frame, cut)]) for cut in CUTS]
    else:
        groups = [(f"CV seed {s}", list(StratifiedKFold(5, shuffle=True, random_state=s).split(frame, y)))
                  for s in SEEDS]
    for name in names:
        model = Flagger(**BASE, **VARIANTS[name])
        figures = []
        for group, splits in groups:
            aucs = []
            for tr, te in splits:
                fitted = clone(model).fit(frame.iloc[tr], y[tr])
                aucs.append(roc_auc_score(y[te], fitted.predict_proba(frame.iloc[te])[:, 1]))
            figures.append(f"{group} {np.mean(aucs):.4f}")
        print(f"{name}: " + ", ".join(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
