"""Why the random share of a queue matters: a simulation, printed and drawn as ``docs/random_share.png``.

Reviewers see the posts the model ranks highest, so the share of misleading posts among reviewed
posts says little about the batch: it is biased upward, by a lot. A small uniform random sample
from the rest, with its inclusion probability recorded in the queue, makes the Horvitz-Thompson
estimate (``vnflag labels estimate``) unbiased, with an honest interval. Each simulated batch has
2,000 posts, 15 % of them misleading, scores from a model of ROC-AUC about 0.9; the queue holds the
top 100 posts plus a uniform sample of 50 of the other 1,900.

    python benchmarks/random_share_figure.py [--batches 300] [--out docs/random_share.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from vnflag.review.estimation import ht_estimates

POSTS, PREVALENCE, TOP, RANDOM = 2_000, 0.15, 100, 50


def one_batch(rng: np.random.Generator) -> tuple[float, float, float, dict]:
    labels = rng.random(POSTS) < PREVALENCE
    scores = rng.normal(np.where(labels, 1.8, 0.0), 1.0)  # AUC about 0.9
    order = np.argsort(-scores)
    top, rest = order[:TOP], order[TOP:]
    sample = rng.choice(rest, size=RANDOM, replace=False)
    drawn = np.concatenate([top, sample])
    probability = np.concatenate([np.ones(TOP), np.full(RANDOM, RANDOM / len(rest))])
    result = ht_estimates(labels[drawn].astype(float), np.ones(len(drawn)), probability,
                          ["top"] * TOP + ["random"] * RANDOM, [True] * TOP + [False] * RANDOM,
                          [None] * len(drawn), n_posts=POSTS, n_bootstrap=200,
                          random_state=int(rng.integers(1 << 31)))
    return float(labels.mean()), float(labels[top].mean()), float(labels[drawn].mean()), result["prevalence"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "random_share.png")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    runs = [one_batch(rng) for _ in range(args.batches)]
    truth = np.array([r[0] for r in runs])
    top_only = np.array([r[1] for r in runs])
    reviewed = np.array([r[2] for r in runs])
    ht = np.array([r[3]["estimate"] for r in runs])
    covered = np.mean([r[3]["low"] <= r[0] <= r[3]["high"] for r in runs])
    print(f"{args.batches} simulated batches of {POSTS} posts, {PREVALENCE:.0%} misleading; queue: top {TOP} + "
          f"random {RANDOM}")
    print("| estimate of the share of misleading posts | mean | mean error | sd |")
    print("|---|---|---|---|")
    for name, values in (("true share in the batch", truth), ("share among the top 100 reviewed", top_only),
                         ("share among all 150 reviewed", reviewed), ("Horvitz-Thompson (vnflag labels estimate)", ht)):
        print(f"| {name} | {values.mean():.3f} | {np.mean(values - truth):+.3f} | {values.std():.3f} |")
    print(f"95 % bootstrap interval of the Horvitz-Thompson estimate covers the truth in {covered:.0%} of batches")

    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.4), dpi=100)
    ax = fig.subplots()
    bins = np.linspace(0, 1, 81)
    ax.hist(top_only, bins=bins, alpha=0.6, label="share among the top 100 reviewed (biased)")
    ax.hist(reviewed, bins=bins, alpha=0.6, label="share among all 150 reviewed (biased)")
    ax.hist(ht, bins=bins, alpha=0.7, label="Horvitz-Thompson with the random 50 (vnflag)")
    ax.axvline(PREVALENCE, color="black", linestyle="--", label=f"true share ({PREVALENCE:.0%})")
    ax.set_xlabel("estimated share of misleading posts in the batch")
    ax.set_ylabel(f"batches (of {args.batches})")
    ax.set_title("Why a queue needs a random share", fontsize=11)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
