"""The local engine: processes counted as container quotas allow, one pool kept for the same model
(not a fresh pool for every call), pieces scored in order, and workers that die with vnflag."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import many_posts_csv

from vnflag import load_model, score_file
from vnflag.pipelines import engines

UNLABELLED = "data/posts_unlabelled.csv"


def test_cores_are_counted_by_loky_not_os_cpu_count(monkeypatch):
    import joblib

    monkeypatch.setattr(joblib, "cpu_count", lambda: 3)  # what a container with a 3-CPU quota reports
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert engines.cpu_count() == 3
    assert engines.worker_count(-1) == 3 and engines.worker_count(-2) == 2 and engines.worker_count(5) == 5


def test_pieces_come_back_in_order_with_the_same_scores_from_workers(flagger, unlabelled):
    pieces = [(unlabelled.iloc[start:start + 20], "text", 2) for start in range(0, len(unlabelled), 20)]
    alone = list(engines.LocalEngine(1).map(flagger, pieces))
    shared = list(engines.LocalEngine(3).map(flagger, pieces))
    assert len(alone) == len(shared) == len(pieces)
    for (columns, counts), (their_columns, their_counts) in zip(alone, shared, strict=True):
        np.testing.assert_array_equal(columns["score"], their_columns["score"])
        assert columns["reasons"] == their_columns["reasons"] and counts == their_counts


def test_the_pool_is_kept_for_the_same_model_and_replaced_for_another(model_dir, text_model_dir, tmp_path):
    engines.shutdown_workers()
    score_file(model_dir, UNLABELLED, tmp_path / "a.csv", n_jobs=2)
    pool = engines._pool
    assert pool is not None
    score_file(load_model(model_dir), UNLABELLED, tmp_path / "b.csv", n_jobs=2)  # loaded again: the same version
    assert engines._pool is pool
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    unsaved = load_model(text_model_dir)
    unsaved.model_version_ = None  # a model never saved is known by itself only
    score_file(unsaved, UNLABELLED, tmp_path / "c.csv", n_jobs=2)
    assert engines._pool is not pool
    kept = engines._pool
    score_file(unsaved, UNLABELLED, tmp_path / "d.csv", n_jobs=2)
    assert engines._pool is kept
    other = load_model(text_model_dir)
    other.model_version_ = None
    score_file(other, UNLABELLED, tmp_path / "e.csv", n_jobs=2)
    assert engines._pool is not kept
    engines.shutdown_workers()
    assert engines._pool is None


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_when_vnflag_is_killed(model_dir, tmp_path):
    source = many_posts_csv(tmp_path / "big.csv", copies=20)
    run = subprocess.Popen([sys.executable, "-m", "vnflag.cli", "score", str(source), "--model", str(model_dir),
                            "--jobs", "2", "--chunksize", "200", "-o", str(tmp_path / "out.csv")],
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and run.poll() is None and not workers:
        workers = {pid for pid in _children(run.pid) if _alive(pid)}
        time.sleep(0.2)
    assert workers and run.poll() is None, "no worker was started"
    time.sleep(1)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)
