"""Resumable scoring: after a crash or ``kill -9``, ``--resume`` continues from the last finished
chunk and the output is identical to an uninterrupted run; a checkpoint that does not match is
refused; without ``--resume`` a stale checkpoint is replaced; nothing of vnflag's is left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import many_posts_csv

import vnflag.pipelines.scoring as scoring
from vnflag import VnflagError, score_file
from vnflag.pipelines.checkpoint import CHECKPOINT_SUFFIX

UNLABELLED = "data/posts_unlabelled.csv"


def _interrupted(model, source, output, after: int, monkeypatch, **options) -> None:
    """Score until ``after`` chunks are done, then fail as a crash would."""
    real = scoring.score_columns  # one call per piece; a chunk of at most PIECE_ROWS rows is one piece
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise KeyboardInterrupt("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "score_columns", crashing)
    with pytest.raises(KeyboardInterrupt):
        score_file(model, source, output, n_jobs=1, **options)
    monkeypatch.setattr(scoring, "score_columns", real)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_resumed_output_is_identical_to_an_uninterrupted_run(flagger, tmp_path, monkeypatch, suffix):
    whole = tmp_path / f"whole{suffix}"
    score_file(flagger, UNLABELLED, whole, chunksize=50, n_jobs=1)
    output = tmp_path / f"resumed{suffix}"
    _interrupted(flagger, UNLABELLED, output, after=3, monkeypatch=monkeypatch, chunksize=50)
    checkpoint = tmp_path / f"resumed{suffix}{CHECKPOINT_SUFFIX}"
    assert not output.exists() and json.loads((checkpoint / "checkpoint.json").read_text())["chunks_done"] == 3
    summary = score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(output), pd.read_parquet(whole))
    else:
        assert output.read_bytes() == whole.read_bytes()
    assert json.loads((tmp_path / f"resumed{suffix}.drift.json").read_text()) == json.loads(
        (tmp_path / f"whole{suffix}.drift.json").read_text())
    assert summary["rows"] == 232 and not checkpoint.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_checkpoint_that_does_not_match_is_refused(flagger, text_flagger, tmp_path, monkeypatch):
    output = tmp_path / "scored.csv"
    _interrupted(flagger, UNLABELLED, output, after=1, monkeypatch=monkeypatch, chunksize=50)
    with pytest.raises(VnflagError, match="chunksize"):
        score_file(flagger, UNLABELLED, output, chunksize=40, n_jobs=1, resume=True)
    with pytest.raises(VnflagError, match="top_k|options"):
        score_file(flagger, UNLABELLED, output, chunksize=50, top_k=1, n_jobs=1, resume=True)
    changed = tmp_path / "posts.csv"
    changed.write_bytes(open(UNLABELLED, "rb").read().replace(b"u0001", b"u9999", 1))
    with pytest.raises(VnflagError, match="input_sha256"):
        score_file(flagger, changed, output, chunksize=50, n_jobs=1, resume=True)
    assert (tmp_path / f"scored.csv{CHECKPOINT_SUFFIX}").is_dir()  # refusals keep the checkpoint


def test_without_resume_a_stale_checkpoint_is_replaced(flagger, tmp_path, monkeypatch):
    whole = tmp_path / "whole.csv"
    score_file(flagger, UNLABELLED, whole, chunksize=50, n_jobs=1)
    output = tmp_path / "scored.csv"
    _interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
    score_file(flagger, UNLABELLED, output, chunksize=60, n_jobs=1)  # another chunk size: a fresh start
    pd.testing.assert_frame_equal(pd.read_csv(output, dtype=str), pd.read_csv(whole, dtype=str))
    assert not (tmp_path / f"scored.csv{CHECKPOINT_SUFFIX}").exists()


def test_a_checkpoint_directory_holding_other_files_is_never_deleted(flagger, tmp_path):
    checkpoint = tmp_path / f"scored.csv{CHECKPOINT_SUFFIX}"
    checkpoint.mkdir()
    (checkpoint / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(VnflagError, match="did not write"):
        score_file(flagger, UNLABELLED, tmp_path / "scored.csv", chunksize=50, n_jobs=1)
    assert (checkpoint / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kill -9 of a child process")
def test_resume_after_kill_9_from_the_command_line(text_model_dir, tmp_path):
    many_posts_csv(tmp_path / "big.csv", copies=20)
    command = [sys.executable, "-m", "vnflag.cli", "score", str(tmp_path / "big.csv"), "--model", str(text_model_dir),
               "--jobs", "1", "--chunksize", "100"]
    subprocess.run(command + ["-o", str(tmp_path / "whole.csv")], check=True, capture_output=True, timeout=600)
    run = subprocess.Popen(command + ["-o", str(tmp_path / "out.csv")], stderr=subprocess.DEVNULL)
    state = tmp_path / f"out.csv{CHECKPOINT_SUFFIX}" / "checkpoint.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        if state.is_file() and json.loads(state.read_text())["chunks_done"] >= 3:
            break
        time.sleep(0.1)
    assert run.poll() is None, "scoring ended before it could be interrupted"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert not (tmp_path / "out.csv").exists()
    done = subprocess.run(command + ["-o", str(tmp_path / "out.csv"), "--resume"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert not (tmp_path / f"out.csv{CHECKPOINT_SUFFIX}").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
