"""Simulate the human review loop on ReINTEL, with the dataset's labels as the reviewer.

    python benchmarks/review_loop.py [--data ../shared/datasets/reintel/train.csv] [--rounds 8] [--budget 100]

A fixed 20 % of the posts (stratified) is held out for ROC-AUC. Of the rest (the pool), 10 %
starts labelled; the other 90 % is the unlabelled stream. Each round, for each strategy: score
the still-unreviewed posts with the current model → build a queue of ``budget`` items
(near-duplicates grouped; a decision covers every copy) → the "reviewer" fills each item's
decision from the dataset label of the post shown → import into a label store → retrain on the
initial labels plus all reviewed labels. Strategies:

- ``top``: the budget goes to the highest scores (``build_queue(policy="top")``);
- ``top+explore``: 80 % top, 15 % least sure, 5 % random (``explore=0.2``);
- ``random``: a random sample (``policy="random"``), the usual active-learning baseline.

Per round it prints the held-out ROC-AUC, the share of the unlabelled stream's truly unreliable
posts that reviewers have seen (reviewed items and their grouped copies), and the round's time
(score + queue + import + retrain). Models use ``Flagger(cv=3)`` to keep the run short, and the
retraining step is ``training_set`` + ``train_frame`` (the same data assembly ``vnflag retrain``
uses) without the champion/challenger gate, whose held-out share would withhold reviewed labels.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from vnflag import LabelStore, build_queue, read_table, score_frame, train_frame
from vnflag.pipelines.retraining import training_set

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "reintel" / "train.csv"
TEXT = "post_message"
STRATEGIES = {
    "top": {"policy": "top", "explore": 0.0},
    "top+explore": {"policy": "top", "explore": 0.2},
    "random": {"policy": "random", "explore": 0.0},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--initial", type=float, default=0.10, help="share of the pool labelled at the start")
    parser.add_argument("--cv", type=int, default=3, help="Flagger cv (calibration folds)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        print(f"{args.data} not found; pass --data", file=sys.stderr)
        return 1

    posts = read_table(args.data)[["id", TEXT, "label"]]
    posts["label"] = posts["label"].astype(int)
    pool, heldout = train_test_split(posts, test_size=0.2, stratify=posts["label"], random_state=args.seed)
    initial, stream = train_test_split(pool, train_size=args.initial, stratify=pool["label"], random_state=args.seed)
    truth = dict(zip(stream["id"], stream["label"]))
    stream_positive = int(stream["label"].sum())
    print(f"ReINTEL: {len(posts)} posts ({int(posts['label'].sum())} unreliable); held-out {len(heldout)}, "
          f"initially labelled {len(initial)}, unlabelled stream {len(stream)} ({stream_positive} unreliable); "
          f"{args.rounds} rounds x budget {args.budget}; Flagger(cv={args.cv}), text only, seed {args.seed}")

    def fit(frame: pd.DataFrame):
        return train_frame(frame, TEXT, "label", cv=args.cv, random_state=args.seed)[0]

    def auc(model) -> float:
        return float(roc_auc_score(heldout["label"], model.predict_proba(heldout[[TEXT]])[:, 1]))

    start = time.perf_counter()
    base_model = fit(initial)
    base_auc = auc(base_model)
    print(f"initial model: ROC-AUC {base_auc:.3f} ({time.perf_counter() - start:.0f} s)\n")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, settings in STRATEGIES.items():
            store = LabelStore(Path(tmp) / f"{name}.sqlite")
            model, seen, reviews = base_model, set(), 0
            rows.append({"strategy": name, "round": 0, "reviews": 0, "labelled": len(initial), "roc_auc": base_auc,
                         "unreliable_seen": 0.0, "seconds": float("nan")})
            for round_number in range(1, args.rounds + 1):
                tick = time.perf_counter()
                remaining = stream[~stream["id"].isin(seen)]
                scored = score_frame(model, remaining, text_col=TEXT, top_k=3)
                queue = build_queue(scored, budget=args.budget, text_col=TEXT,
                                    random_state=args.seed + round_number, **settings)
                # The reviewer: the dataset's label of the post shown, applied to the whole group.
                queue["decision"] = ["misleading" if truth[i] == 1 else "ok" for i in queue["id"]]
                queue["reviewer"] = "dataset"
                store.import_reviews(queue, queue=queue, source_name=f"round {round_number}")
                reviews += len(queue)
                seen.update(m for members in queue["member_ids"] for m in members)
                frame, _ = training_set(initial, store.training_frame(), TEXT, "label")
                model = fit(frame)
                seconds = time.perf_counter() - tick
                found = sum(truth[i] for i in seen) / stream_positive
                rows.append({"strategy": name, "round": round_number, "reviews": reviews, "labelled": len(frame),
                             "roc_auc": auc(model), "unreliable_seen": found, "seconds": seconds})
                r = rows[-1]
                print(f"{name:12s} round {round_number}: reviews {reviews:4d}, labelled {r['labelled']:4d}, "
                      f"ROC-AUC {r['roc_auc']:.3f}, unreliable seen {found:6.1%}, {seconds:5.1f} s", flush=True)

    table = pd.DataFrame(rows)
    print("\n| round | reviews | " + " | ".join(f"{s} ROC-AUC | {s} unreliable seen" for s in STRATEGIES) + " |")
    print("|---|---|" + "---|---|" * len(STRATEGIES))
    for round_number in range(args.rounds + 1):
        cells = []
        for name in STRATEGIES:
            r = table[(table["strategy"] == name) & (table["round"] == round_number)].iloc[0]
            cells += [f"{r['roc_auc']:.3f}", f"{r['unreliable_seen']:.1%}"]
        reviews = table[(table["round"] == round_number)]["reviews"].iloc[0]
        print(f"| {round_number} | {reviews} | " + " | ".join(cells) + " |")

    print("\nReviews needed to reach a held-out ROC-AUC (— = not reached in "
          f"{args.rounds * args.budget} reviews):\n")
    best = table.groupby("strategy")["roc_auc"].max()
    targets = sorted({round(base_auc + 0.01, 2), round(base_auc + 0.02, 2), round(base_auc + 0.03, 2),
                      round(float(best.min()) - 0.005, 3)})
    print("| target ROC-AUC | " + " | ".join(STRATEGIES) + " | fewest reviews |")
    print("|---|" + "---|" * (len(STRATEGIES) + 1))
    for target in targets:
        needed = {}
        for name in STRATEGIES:
            hit = table[(table["strategy"] == name) & (table["roc_auc"] >= target)]
            needed[name] = int(hit["reviews"].min()) if len(hit) else None
        reached = {k: v for k, v in needed.items() if v is not None}
        winner = ", ".join(k for k, v in reached.items() if v == min(reached.values())) if reached else "none"
        print(f"| {target:.3f} | " + " | ".join("—" if v is None else str(v) for v in needed.values()) + f" | {winner} |")

    timing = table[table["round"] > 0].groupby("strategy")["seconds"]
    print("\nSeconds per round (score + queue + import + retrain): "
          + ", ".join(f"{k} {v:.1f} mean / {timing.max()[k]:.1f} max" for k, v in timing.mean().items()))
    print(f"Total time: {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
