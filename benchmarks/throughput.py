"""Throughput of ``vnflag score`` end to end (file in, file out) against bare underthesea.

On the 3,288 unlabelled ReINTEL posts: posts per second of the whole ``vnflag score`` command
(process start, model load, read, normalise, segment, features, scores, reasons, drift, write),
and in the same run posts per second of bare ``underthesea.word_tokenize`` over the same texts in
a single process. Prints the ratio and the scoring process's peak memory.

    python benchmarks/throughput.py [--jobs -1]

Needs ``../shared/datasets/reintel`` (third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reintel"
TEXT = "post_message"
META = ["num_like_post", "num_comment_post", "num_share_post"]


def tree_rss(root: int) -> int:
    """Resident memory in bytes of a process and all its descendants, read from /proc."""
    parents = {}
    rss = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * resource.getpagesize()
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        total += rss.get(pid, 0)
        frontier.extend(child for child, parent in parents.items() if parent == pid)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=-1, help="vnflag score --jobs (default -1: all cores)")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not present (third-party data, see DEVELOPERS.md)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="vnflag-throughput-"))
    unlabelled = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((SHARED / "unlabelled").glob("*.csv"))],
        ignore_index=True,
    )
    posts = work / "posts.csv"
    unlabelled.to_csv(posts, index=False)
    texts = unlabelled[TEXT].tolist()
    print(f"{len(texts)} posts, {sum(map(len, texts)) / len(texts):.0f} characters on average; {os.cpu_count()} cores")

    vnflag = [sys.executable, "-m", "vnflag.cli"]
    model = work / "model"
    subprocess.run([*vnflag, "train", str(SHARED / "train.csv"), "--text-col", TEXT, "--label-col", "label",
                    "--meta-cols", ",".join(META), "-o", str(model)], check=True)

    from underthesea import word_tokenize

    word_tokenize("khởi động")  # load the model outside the timing
    start = time.perf_counter()
    for text in texts:
        word_tokenize(text)
    bare = len(texts) / (time.perf_counter() - start)

    start = time.perf_counter()
    process = subprocess.Popen([*vnflag, "score", str(posts), "--model", str(model), "--jobs", str(args.jobs),
                                "-o", str(work / "scored.parquet")])
    peak_tree = 0
    while process.poll() is None:
        peak_tree = max(peak_tree, tree_rss(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"vnflag score failed with status {process.returncode}")
    pipeline = len(texts) / seconds

    print()
    print("| measure | posts/s |")
    print("|---|---|")
    print(f"| bare underthesea.word_tokenize, 1 process | {bare:.0f} |")
    print(f"| vnflag score end to end (--jobs {args.jobs}), file in, file out | {pipeline:.0f} |")
    print(f"| ratio (target >= 0.8) | {pipeline / bare:.2f} |")
    print(f"\nvnflag score: {seconds:.1f} s wall; peak memory of the scoring process and its workers together "
          f"{peak_tree / 2**20:.0f} MiB (sampled every 0.2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
