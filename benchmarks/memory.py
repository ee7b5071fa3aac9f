"""Peak memory of ``vnflag score`` into Parquet, for a small and a large input of real-length posts.

The issue's requirement: scoring 200,000 real-length posts into Parquet stays at or below 1 GiB
peak resident memory summed over all its processes (the scoring process and its workers), and
does not grow with the input. The ReINTEL posts (``train.csv`` and ``unlabelled/*.csv``, about
6,900 posts) are repeated to 20,000 and 200,000 rows, each copy's text made distinct (a space and
the row number appended) so no cache can help; a model is trained once with ``vnflag train``;
then for each size ``vnflag score <posts.csv> --model <model> -o scored.parquet -q`` runs as a
subprocess while this script sums the resident memory of it and all its descendants, read from
/proc every 0.1 s. Prints wall time, posts per second, the peak of the summed memory, the peak of
the scoring (main) process alone, the number of processes seen, whether the output Parquet has
every row, whether 200,000 posts stayed within 1 GiB and the ratio of the largest to the smallest
input's peak (about 1 when memory does not grow with the input).

    python benchmarks/memory.py [--sizes 20000,200000] [--jobs -1] [--timeline] [--checkpoint-overhead]

``--timeline`` also prints, for each size, the memory of each process at about a dozen moments.
``--checkpoint-overhead`` scores the largest input a second time with the resume machinery off
(no input identity, no ``checkpoint.json``, no fsync of the output after each chunk; the output
itself is written exactly the same way, once) and prints the wall and CPU time of both runs and
the overhead of the checkpoint as a share of the wall time.
Needs ``../shared/datasets/reintel`` (third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _proctree import tree_processes  # the /proc reader shared with benchmarks/throughput.py

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reintel"
TEXT = "post_message"
META = ["num_like_post", "num_comment_post", "num_share_post"]
COLUMNS = ["id", TEXT, "timestamp_post", *META]
LIMIT_MIB = 1024
INTERVAL = 0.1
MIB = 2**20


def real_posts() -> pd.DataFrame:
    """Every ReINTEL post, labelled and unlabelled, with the columns they share."""
    files = [SHARED / "train.csv", *sorted((SHARED / "unlabelled").glob("*.csv"))]
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False)[COLUMNS] for p in files]
    return pd.concat(frames, ignore_index=True)


def write_posts(pool: pd.DataFrame, n: int, path: Path) -> None:
    """``n`` rows of ``pool`` repeated in order, each text made distinct by its row number."""
    written = 0
    while written < n:
        block = pool.iloc[: n - written].copy()
        block.index = range(written, written + len(block))
        block[TEXT] = block[TEXT] + " " + block.index.astype(str)
        block.to_csv(path, index=False, mode="a" if written else "w", header=not written)
        written += len(block)


#: ``vnflag score`` with the resume machinery off, for --checkpoint-overhead: a run that keeps no
#: checkpoint (as one reading standard input does) but otherwise the same command.
NO_CHECKPOINT = """
import sys
import vnflag.pipelines.checkpoint as checkpoint
import vnflag.pipelines.scoring as scoring
checkpoint.ScoreCheckpoint.start = staticmethod(
    lambda output, identity, resume: checkpoint.ScoreCheckpoint.temporary(output))
scoring.input_identity = lambda files: []
from vnflag.cli import main
sys.exit(main(sys.argv[1:]))
"""


def cpu_seconds() -> float:
    """User and system time of this script's waited-for children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str]) -> dict:
    """Run ``command``, sampling the resident memory of it and its descendants every 0.1 s."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak_tree = peak_main = 0
    seen: set[int] = set()
    samples: list[tuple[float, dict[int, int]]] = []
    while process.poll() is None:
        snapshot = {pid: rss for pid, rss in tree_processes(process.pid).items() if rss}  # not zombies
        if snapshot:
            samples.append((time.perf_counter() - start, snapshot))
            seen.update(snapshot)
            peak_tree = max(peak_tree, sum(snapshot.values()))
            peak_main = max(peak_main, snapshot.get(process.pid, 0))
        time.sleep(INTERVAL)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    return {"seconds": seconds, "peak_tree": peak_tree, "peak_main": peak_main, "processes": len(seen),
            "samples": samples, "main": process.pid, "cpu": cpu_seconds() - cpu}


def print_timeline(n: int, run: dict, moments: int = 12) -> None:
    """Memory of each process (main first, then its children by pid) at evenly spaced samples,
    at the summed peak and at the main process's peak."""
    samples = run["samples"]
    if not samples:
        return
    pids = [run["main"], *sorted({p for _, snap in samples for p in snap} - {run["main"]})]
    peak_at = max(range(len(samples)), key=lambda i: sum(samples[i][1].values()))
    main_at = max(range(len(samples)), key=lambda i: samples[i][1].get(run["main"], 0))
    picks = sorted({round(i * (len(samples) - 1) / (moments - 1)) for i in range(moments)} | {peak_at, main_at})
    print(f"\ntimeline, {n} posts (MiB; main = the vnflag score process, then its children by pid):")
    print("| t (s) | summed | main | " + " | ".join(f"child {p}" for p in pids[1:]) + " |")
    print("|---|---|---|" + "---|" * (len(pids) - 1))
    for i in picks:
        t, snap = samples[i]
        cells = [f"{snap[p] / MIB:.0f}" if p in snap else "-" for p in pids]
        mark = " (peak)" * (i == peak_at) + " (main peak)" * (i == main_at)
        print(f"| {t:.1f}{mark} | {sum(snap.values()) / MIB:.0f} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000", help="numbers of posts, comma-separated")
    parser.add_argument("--jobs", type=int, default=None, help="vnflag score --jobs (default: its own, -1)")
    parser.add_argument("--timeline", action="store_true", help="print each process's memory over time")
    parser.add_argument("--checkpoint-overhead", action="store_true",
                        help="also score the largest input without the resume machinery and compare the times")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not SHARED.exists():
        print(f"skipped: {SHARED} not present (third-party data, see DEVELOPERS.md)")
        return 0
    import pyarrow.parquet as pq

    work = Path(tempfile.mkdtemp(prefix="vnflag-memory-"))
    try:
        pool = real_posts()
        lengths = pool[TEXT].str.len()
        print(f"{len(pool)} real posts, {lengths.mean():.0f} characters on average; {os.cpu_count()} cores")
        vnflag = [sys.executable, "-m", "vnflag.cli"]
        model = work / "model"
        subprocess.run([*vnflag, "train", str(SHARED / "train.csv"), "--text-col", TEXT, "--label-col", "label",
                        "--meta-cols", ",".join(META), "-o", str(model)], check=True)
        rows = []
        overhead = None
        jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
        for n in sizes:
            posts = work / f"posts_{n}.csv"
            write_posts(pool, n, posts)
            output = work / f"scored_{n}.parquet"
            run = measure([*vnflag, "score", str(posts), "--model", str(model), "-o", str(output), "-q", *jobs])
            if args.checkpoint_overhead and n == max(sizes):
                bare = work / f"bare_{n}.parquet"
                off = measure([sys.executable, "-c", NO_CHECKPOINT, "score", str(posts), "--model", str(model),
                               "-o", str(bare), "-q", *jobs])
                same = bare.read_bytes() == output.read_bytes()
                overhead = (n, run, off, same)
                bare.unlink()
            written = pq.ParquetFile(output).metadata.num_rows
            print(f"{n} posts ({posts.stat().st_size / MIB:.0f} MiB CSV): output {output.stat().st_size / MIB:.0f} MiB "
                  f"Parquet with {written} rows ({'all rows' if written == n else f'EXPECTED {n}'}); "
                  f"{run['seconds']:.1f} s, peak {run['peak_tree'] / MIB:.0f} MiB summed", flush=True)
            if args.timeline:
                print_timeline(n, run)
            rows.append((n, run, written))
            posts.unlink()
            output.unlink()

        print(f"\nvnflag score --jobs {'-1 (default)' if args.jobs is None else args.jobs}, CSV in, Parquet out; "
              f"resident memory sampled every {INTERVAL} s")
        print()
        print("| posts | wall | posts/s | peak RSS summed (MiB) | peak main process (MiB) | processes |")
        print("|---|---|---|---|---|---|")
        for n, run, _ in rows:
            print(f"| {n:,} | {run['seconds']:.1f} s | {n / run['seconds']:.0f} | {run['peak_tree'] / MIB:.0f} | "
                  f"{run['peak_main'] / MIB:.0f} | {run['processes']} |")
        print()
        if any(written != n for n, _, written in rows):
            print("output rows: MISSING ROWS in " + ", ".join(f"{n} ({w} written)" for n, _, w in rows if w != n))
        else:
            print("output rows: every Parquet output has all its rows (metadata num_rows == posts)")
        if overhead is not None:
            n, on, off, same = overhead
            print(f"\ncheckpoint overhead, {n:,} posts (the same command, resume machinery on, then off):")
            print("| run | wall | CPU, all processes | peak RSS summed (MiB) |")
            print("|---|---|---|---|")
            for label, run in (("checkpoint kept (default)", on), ("no checkpoint", off)):
                print(f"| {label} | {run['seconds']:.1f} s | {run['cpu']:.1f} s | {run['peak_tree'] / MIB:.0f} |")
            print(f"overhead: {(on['seconds'] - off['seconds']) / on['seconds']:+.1%} of the wall time, "
                  f"{(on['cpu'] - off['cpu']) / on['cpu']:+.1%} of the CPU time; "
                  f"outputs {'byte-identical' if same else 'DIFFERENT'}")
        largest = max(rows, key=lambda r: r[0])
        peak = largest[1]["peak_tree"] / MIB
        verdict = "stayed within" if peak <= LIMIT_MIB else "EXCEEDED"
        print(f"{largest[0]:,} posts: peak {peak:.0f} MiB summed, {verdict} {LIMIT_MIB} MiB (1 GiB)")
        if len(rows) > 1:
            smallest = min(rows, key=lambda r: r[0])
            ratio = largest[1]["peak_tree"] / smallest[1]["peak_tree"]
            print(f"peak({largest[0]:,}) / peak({smallest[0]:,}) = {ratio:.2f} "
                  f"(about 1 when memory does not grow with the input)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
