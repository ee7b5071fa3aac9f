"""Throughput of ``vnflag score`` end to end (file in, file out) against bare underthesea.

In one run, on the real unlabelled ReINTEL posts (3,288, 754 characters on average):

- bare ``underthesea.word_tokenize`` over the texts in a single process (the baseline);
- ``vnflag score`` on a file of those posts: the whole command (process start, imports, model
  load, read, normalise, tokenise, features, scores, reasons, drift, write), with its default
  ``--jobs -1``;
- ``vnflag score`` on a file of the same posts ten times over (32,880 rows), each copy's text
  made distinct by a trailing row number so that no cache of any kind could help: the regime of
  the large exports analysts score, where start-up is paid once;
- ``vnflag score`` on one post: the fixed start-up cost, for reading the two figures above.

Prints posts per second, the ratios to the baseline, and the peak resident memory of the
scoring process and its workers together. ``--profile`` also prints where a single-process
run of the 3,288 posts spends its time (cProfile, by stage).

    python benchmarks/throughput.py [--copies 10] [--profile]

Needs ``../shared/datasets/reintel`` (third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _proctree import tree_rss  # shared with benchmarks/memory.py

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reintel"
TEXT = "post_message"
META = ["num_like_post", "num_comment_post", "num_share_post"]
VNFLAG = [sys.executable, "-m", "vnflag.cli"]
#: Stages of scoring and the functions whose cumulative time is the stage's (for --profile).
STAGES = {
    "imports (all, some inside the model load)": ["<built-in method builtins.__import__>"],
    "model load (skops, checksum)": ["model_dir.load_model"],
    "read input": ["tables.iter_table"],
    "normalise": ["normalization.normalize_texts"],
    "tokenise (syllables)": ["segmentation.tokenize_texts"],
    "word and character n-grams": ["ngrams.transform"],
    "style features": ["features.style_features"],
    "linear stages (logistic regressions)": ["_base.decision_function"],
    "reasons": ["explanations.top_terms"],
    "drift counts": ["drift.counted"],
    "write output and checkpoint": ["sinks.write", "sinks.sync", "sinks.close", "checkpoint.save"],
}


def score_command(posts: Path, model: Path, output: Path, jobs: int) -> tuple[float, int]:
    """Run ``vnflag score``; return its wall time and the peak memory of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen([*VNFLAG, "score", str(posts), "--model", str(model), "--jobs", str(jobs),
                                "-o", str(output), "-q"], stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"vnflag score failed with status {process.returncode}")
    return seconds, peak


def profile_stages(posts: Path, model: Path, output: Path) -> None:
    """cProfile one single-process ``vnflag score`` and print the time of each stage."""
    from vnflag.cli import main

    profiler = cProfile.Profile()
    profiler.runcall(main, ["score", str(posts), "--model", str(model), "--jobs", "1", "-o", str(output), "-q"])
    stats = pstats.Stats(profiler).stats
    total = max(cumulative for _, _, _, cumulative, _ in stats.values())
    print("\n| stage (one process, cProfile) | seconds | share |")
    print("|---|---|---|")
    for stage, names in STAGES.items():
        seconds = 0.0
        for (filename, _, function), (_, _, _, cumulative, _) in stats.items():
            label = function if filename == "~" else f"{Path(filename).stem}.{function}"
            if label in names:
                seconds += cumulative
        print(f"| {stage} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"| whole command (profiled, so slower than unprofiled) | {total:.2f} | 100% |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=-1, help="vnflag score --jobs (default -1: the default)")
    parser.add_argument("--copies", type=int, default=10, help="copies of the posts in the large file (default 10)")
    parser.add_argument("--profile", action="store_true", help="also print the time of each stage (cProfile)")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not present (third-party data, see DEVELOPERS.md)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="vnflag-throughput-"))
    try:
        return run(work, args)
    finally:
        shutil.rmtree(work)  # made by this script


def run(work: Path, args: argparse.Namespace) -> int:
    unlabelled = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((SHARED / "unlabelled").glob("*.csv"))],
        ignore_index=True,
    )
    texts = unlabelled[TEXT].tolist()
    posts = work / "posts.csv"
    unlabelled.to_csv(posts, index=False)
    large = pd.concat([unlabelled] * args.copies, ignore_index=True)
    large[TEXT] = large[TEXT] + " " + large.index.astype(str)  # every text distinct
    many = work / "many.csv"
    large.to_csv(many, index=False)
    one = work / "one.csv"
    unlabelled.head(1).to_csv(one, index=False)
    print(f"{len(texts)} posts, {sum(map(len, texts)) / len(texts):.0f} characters on average; "
          f"{os.cpu_count()} cores")

    model = work / "model"
    subprocess.run([*VNFLAG, "train", str(SHARED / "train.csv"), "--text-col", TEXT, "--label-col", "label",
                    "--meta-cols", ",".join(META), "-o", str(model), "-q"], check=True, stderr=subprocess.DEVNULL)

    from underthesea import word_tokenize

    word_tokenize("khởi động")  # load the model outside the timing
    start = time.perf_counter()
    for text in texts:
        word_tokenize(text)
    bare = len(texts) / (time.perf_counter() - start)

    fixed, _ = score_command(one, model, work / "one.parquet", args.jobs)
    small, small_peak = score_command(posts, model, work / "scored.parquet", args.jobs)
    big, big_peak = score_command(many, model, work / "many.parquet", args.jobs)

    print()
    print("| run | posts | wall | posts/s | ratio to bare underthesea | peak memory, all processes |")
    print("|---|---|---|---|---|---|")
    print(f"| bare underthesea.word_tokenize, 1 process | {len(texts):,} | {len(texts) / bare:.1f} s | {bare:.0f} "
          f"| 1.00 | |")
    for label, rows, seconds, peak in (("vnflag score, one file", len(texts), small, small_peak),
                                       (f"vnflag score, {args.copies} copies, each text distinct", len(large), big,
                                        big_peak)):
        print(f"| {label} (--jobs {args.jobs}) | {rows:,} | {seconds:.1f} s | {rows / seconds:.0f} "
              f"| {rows / seconds / bare:.2f} | {peak / 2**20:,.0f} MiB |")
    print(f"\nFixed start-up of vnflag score (one post, same command): {fixed:.1f} s. "
          f"Without it, the large file ran at {len(large) / max(big - fixed, 1e-9):.0f} posts/s.")
    if args.profile:
        profile_stages(posts, model, work / "profiled.parquet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
