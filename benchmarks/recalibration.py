"""Recalibration from a random share, on ReINTEL's time-ordered split (issue 21, item 4).

The default model is trained on the older 70 % of posts by ``timestamp_post``; the newest 30 %
(1,080 posts) stand for the current period. Its ECE and Brier score there are the "before". Then,
``--draws`` times for each size n in ``--sizes``, n posts are drawn uniformly at random from the
newest 30 % as a queue's reviewed random share (inclusion probability n/N, weight N/n), the model
is recalibrated on them (:meth:`Flagger.recalibrated_margins`, what ``vnflag recalibrate`` fits),
and ECE and Brier are measured on the *rest* of the newest 30 % (posts the calibrator never saw),
for the champion and the recalibrated model on the same posts (and, as a floor, a sigmoid fitted on
all 1,080 posts and measured on them: the ECE left is the sigmoid's misfit plus the noise of 10 bins
over ~1,000 posts). The last columns say how often
``vnflag recalibrate``'s gate (cross-fitted ECE lower, Brier not higher, on the n labels alone) would
call the challenger promotable, and how often the held-out ECE did fall.

    OMP_NUM_THREADS=1 python benchmarks/recalibration.py [--sizes 100,200,400] [--draws 20] [--seed 0]

Needs ``../shared/datasets/reintel/train.csv`` (third-party, not in this repository); prints a note
and exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

from quality import DATA, LABEL, META, TEXT, TIME, time_ordered_split  # one split for every benchmark
from vnflag import Flagger
from vnflag.model.metrics import expected_calibration_error
from vnflag.pipelines.recalibration import RECALIBRATION_GATE, _cross_fitted, _gate, _weighted


def _figures(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    return expected_calibration_error(y, scores), float(brier_score_loss(y, scores))


def _spread(values: list[float]) -> str:
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,200,400", help="random-share sizes, comma-separated")
    parser.add_argument("--draws", type=int, default=20, help="random draws per size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not DATA.is_file():
        print(f"skipped: {DATA} is absent (third-party data, not in this repository)")
        return 0
    frame = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    y_all = frame[LABEL].astype(int).to_numpy()
    older, newest = time_ordered_split(frame, 0.7)
    start = time.perf_counter()
    model = Flagger(text_col=TEXT, meta_cols=META, time_col=TIME).fit(frame.iloc[older], y_all[older])
    fit_seconds = time.perf_counter() - start
    margins = model.decision_function(frame.iloc[newest])
    y = y_all[newest]
    before_ece, before_brier = _figures(y, model.calibrate(margins))
    print(f"ReINTEL: trained on the older {len(older)} posts in {fit_seconds:.0f} s; newest {len(newest)} posts "
          f"({int(y.sum())} unreliable): ECE {before_ece:.4f}, Brier {before_brier:.4f} before recalibration")
    floor = model.recalibrated_margins(margins, model.classes_[y])  # the best a sigmoid does, fitted in-sample
    floor_ece, floor_brier = _figures(y, floor.calibrate(margins))
    print(f"floor: a sigmoid fitted on all {len(newest)} newest posts and measured on them: ECE {floor_ece:.4f}, "
          f"Brier {floor_brier:.4f}")
    print()
    print("| random share n | draws | ECE before (rest) | ECE after (rest) | Brier before (rest) | Brier after (rest) "
          "| ECE ≤ 0.03 after | gate promotable | held-out ECE fell |")
    print("|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(args.seed)
    for n in (int(s) for s in args.sizes.split(",")):
        rows: dict[str, list[float]] = {k: [] for k in ("ece0", "ece1", "brier0", "brier1", "target", "gate", "fell")}
        for draw in range(args.draws):
            share = np.sort(rng.choice(len(newest), size=n, replace=False))
            rest = np.setdiff1d(np.arange(len(newest)), share)
            labels = pd.DataFrame({"label": y[share], "weight": np.full(n, len(newest) / n),
                                   "queue_id": "q", "item_id": [str(i) for i in share]})
            try:
                new = model.recalibrated_margins(margins[share], model.classes_[y[share]], labels["weight"])
            except ValueError as exc:  # e.g. a draw whose labels do not rank with the margin
                print(f"n={n} draw {draw}: refused: {exc}", file=sys.stderr)
                continue
            ece0, brier0 = _figures(y[rest], model.calibrate(margins[rest]))
            ece1, brier1 = _figures(y[rest], new.calibrate(margins[rest]))
            crossed, _ = _cross_fitted(model, margins[share], labels, draw)
            weight = labels["weight"].to_numpy()
            champion = _weighted(y[share], model.calibrate(margins[share]), weight)
            challenger = {**champion, **{k: v for k, v in _weighted(y[share], crossed, weight).items()
                                         if RECALIBRATION_GATE[k] != "equal"}}
            gate = _gate(champion, challenger)
            for key, value in (("ece0", ece0), ("ece1", ece1), ("brier0", brier0), ("brier1", brier1),
                               ("target", ece1 <= 0.03), ("gate", all(g["passes"] for g in gate.values())),
                               ("fell", ece1 < ece0)):
                rows[key].append(float(value))
        print(f"| {n} | {len(rows['ece0'])} | {_spread(rows['ece0'])} | {_spread(rows['ece1'])} | "
              f"{_spread(rows['brier0'])} | {_spread(rows['brier1'])} | {int(sum(rows['target']))} of "
              f"{len(rows['target'])} | {int(sum(rows['gate']))} of {len(rows['gate'])} | "
              f"{int(sum(rows['fell']))} of {len(rows['fell'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
