"""Progress bars: on stderr when asked (the API's ``progress=True``, or the command line in a
terminal), never when piped, with ``--quiet`` or by default from Python."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from vnflag import VnflagError, build_queue, evaluate, retrain, score_frame, train_frame
from vnflag.cli import build_parser
from vnflag.progress import NoProgress, progress_bar, wanted
from vnflag.review.store import LabelStore

REPO = Path(__file__).resolve().parents[1]
#: What a tqdm bar over posts looks like: "done/total" and a rate in posts per second.
BAR = re.compile(r"(\d+)/(\d+) \[[0-9:]+<[0-9:?]+, +[0-9.?]+posts/s")


@pytest.fixture(scope="module")
def scored(model_dir, unlabelled) -> pd.DataFrame:
    return score_frame(model_dir, unlabelled)


@pytest.fixture(scope="module")
def scored_csv(tmp_path_factory, scored) -> Path:
    path = tmp_path_factory.mktemp("progress") / "scored.csv"
    scored.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- the API

def test_wanted_resolves_none_as_stderr_is_a_terminal(monkeypatch):
    assert wanted(True) is True and wanted(False) is False

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert wanted(None) is True
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))
    assert wanted(None) is False
    sys.stderr.close()
    assert wanted(None) is False  # a closed stream: no bar, no crash


def test_disabled_bar_is_a_silent_stand_in(capfd):
    with progress_bar(10, desc="x", enabled=False) as bar:
        assert isinstance(bar, NoProgress)
        bar.update(4)
        bar.set_postfix_str("stage")
        bar.set_postfix(rows=3)
    assert bar.n == 4
    assert capfd.readouterr() == ("", "")


def test_enabled_bar_writes_rows_rate_and_total_to_stderr(capfd):
    with progress_bar(50, desc="demo", enabled=True) as bar:
        for _ in range(5):
            bar.update(10)
    out, err = capfd.readouterr()
    assert out == ""
    assert "demo" in err and BAR.search(err) and "50/50" in err


def test_bars_come_from_tqdm_auto_so_that_notebooks_get_widgets(monkeypatch):
    made = []

    class Widget:  # what tqdm.auto gives in a Jupyter kernel
        def __init__(self, **kwargs):
            made.append(kwargs)

    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=Widget))
    assert isinstance(progress_bar(7, desc="score", enabled=True), Widget)
    assert made == [dict(made[0], total=7, desc="score", unit="posts", file=sys.stderr)]
    monkeypatch.undo()
    from tqdm.auto import tqdm
    from tqdm.std import tqdm as terminal

    assert issubclass(tqdm, terminal) and tqdm.__module__ != "tqdm.notebook"  # outside a notebook: the text bar


def test_build_queue_progress_true_shows_a_bar_and_false_nothing(scored, capfd):
    quiet = build_queue(scored, budget=20)  # the API's default: no bar
    assert capfd.readouterr().err == ""
    loud = build_queue(scored, budget=20, progress=True)
    err = capfd.readouterr().err
    assert "queue" in err and BAR.search(err)
    assert f"{len(scored)}/{len(scored)}" in err
    pd.testing.assert_frame_equal(quiet.drop(columns="queue_id"), loud.drop(columns="queue_id"))
    build_queue(scored, budget=20, progress=False)
    assert capfd.readouterr().err == ""


def test_train_frame_progress_names_each_fold_and_stage(labelled, capfd):
    train_frame(labelled, "text", "label", cv=2, progress=True)
    err = capfd.readouterr().err
    # features, 2 folds + final fit of each of the two stages, calibration: 8 steps
    for stage in ["features", "text: fold 1/2", "text: fold 2/2", "second stage: fold 2/2", "calibration"]:
        assert f"{stage} ({len(labelled)} posts)" in err, stage
    assert "train" in err and "8/8" in err and "0/2" not in err
    train_frame(labelled, "text", "label", cv=2, progress=False)
    assert capfd.readouterr().err == ""


def test_evaluate_progress_scores_in_chunks_with_the_same_result(flagger, labelled, capfd, monkeypatch):
    import vnflag.evaluation.assessment as assessment

    plain = evaluate(flagger, labelled, n_bootstrap=20)
    assert capfd.readouterr().err == ""
    monkeypatch.setattr(assessment, "PROGRESS_CHUNKSIZE", 100)  # several chunks
    shown = evaluate(flagger, labelled, n_bootstrap=20, progress=True)
    err = capfd.readouterr().err
    assert f"{len(labelled)}/{len(labelled)}" in err and BAR.search(err)
    assert "measure" in err and "sets" in err
    assert shown.metrics == plain.metrics
    pd.testing.assert_frame_equal(shown.slices, plain.slices)


def test_retrain_progress_starts_with_loading(tmp_path, text_model_dir, capfd):
    empty = LabelStore(tmp_path / "empty.sqlite")
    with pytest.raises(VnflagError, match="no reviewed labels"):
        retrain(text_model_dir, empty, output=tmp_path / "c")
    assert capfd.readouterr().err == ""
    with pytest.raises(VnflagError, match="no reviewed labels"):
        retrain(text_model_dir, empty, output=tmp_path / "c", progress=True)
    err = capfd.readouterr().err
    assert "retrain" in err and "0/5" in err and "load" in err


# --------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("command", ["train", "score", "queue", "evaluate", "retrain"])
def test_every_long_command_takes_quiet(command):
    required = {"train": ["d", "-o", "m"], "score": ["d", "--model", "m", "-o", "o"], "queue": ["s", "-o", "q.csv"],
                "evaluate": ["d", "--model", "m", "--report", "r.html"],
                "retrain": ["--model", "m", "--labels", "l", "-o", "c"]}[command]
    parser = build_parser()
    assert parser.parse_args([command, *required]).quiet is False
    assert parser.parse_args([command, *required, "-q"]).quiet is True
    assert parser.parse_args([command, *required, "--quiet"]).quiet is True


def test_help_does_not_load_tqdm():
    probe = ("import sys\nfrom vnflag.cli import main\ntry:\n    main(['queue', '--help'])\nexcept SystemExit:\n"
             "    pass\nimport json\nprint(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert not [m for m in loaded if m.split(".")[0] == "tqdm"]


def _queue_args(scored_csv: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "vnflag.cli", "queue", str(scored_csv), "-o", str(out), "--budget", "20", *extra]


def _stderr_in_a_terminal(argv: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run ``argv`` with its stderr on a pseudo-terminal (80x24); returns its status and what it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, cwd=REPO)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        status = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


def test_cli_shows_a_bar_in_a_terminal(scored_csv, tmp_path):
    status, err = _stderr_in_a_terminal(_queue_args(scored_csv, tmp_path / "q.csv"))
    assert status == 0, err
    rows = len(pd.read_csv(scored_csv))
    assert BAR.search(err) and f"{rows}/{rows}" in err, err
    assert "queued 20 items" in err


def test_cli_quiet_in_a_terminal_shows_no_bar_but_the_summary(scored_csv, tmp_path):
    status, err = _stderr_in_a_terminal(_queue_args(scored_csv, tmp_path / "q.csv", "--quiet"))
    assert status == 0, err
    assert not BAR.search(err) and "posts/s" not in err and "\r" not in err.replace("\r\n", "\n"), err
    assert "queued 20 items" in err


def test_cli_piped_shows_no_bar(scored_csv, tmp_path):
    done = subprocess.run(_queue_args(scored_csv, tmp_path / "q.csv"), capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "posts/s" not in done.stderr and "\r" not in done.stderr
    assert done.stderr.startswith("queued 20 items") and done.stderr.count("\n") == 1


def test_score_file_progress_counts_every_row_with_the_total_from_a_parquet_footer(model_dir, unlabelled, tmp_path,
                                                                                  capfd):
    from vnflag import score_file

    source = tmp_path / "posts.parquet"
    unlabelled.to_parquet(source, index=False)
    score_file(model_dir, source, tmp_path / "quiet.csv", chunksize=50, n_jobs=1)
    assert capfd.readouterr().err == ""
    score_file(model_dir, source, tmp_path / "shown.csv", chunksize=50, n_jobs=1, progress=True)
    err = capfd.readouterr().err
    rows = len(unlabelled)
    assert BAR.search(err) and f"{rows}/{rows}" in err, err
    assert (tmp_path / "shown.csv").read_bytes() == (tmp_path / "quiet.csv").read_bytes()


def test_cli_score_shows_a_bar_in_a_terminal_and_none_with_quiet(model_dir, tmp_path):
    argv = [sys.executable, "-m", "vnflag.cli", "score", "data/posts_unlabelled.csv", "--model", str(model_dir),
            "--chunksize", "50"]
    status, err = _stderr_in_a_terminal([*argv, "-o", str(tmp_path / "a.csv")])
    # CSV: bytes read of the file's size, with a time left
    assert status == 0 and re.search(r"100%\|.*\| ([0-9.]+)k/([0-9.]+)k \[[0-9:]+<[0-9:]+, +[0-9.?]+kB/s", err), err
    status, err = _stderr_in_a_terminal([*argv, "-o", str(tmp_path / "b.csv"), "-q"])
    assert status == 0 and "posts/s" not in err and "scored" in err, err
