"""Resumable scoring: after a crash or ``kill -9``, ``--resume`` continues from the last finished
chunk and the output is identical to an uninterrupted run; the output is written once (appended
into the checkpoint, never kept twice); a checkpoint that does not match, or is malformed, is
refused with one line; without ``--resume`` a stale checkpoint is replaced; nothing of vnflag's is
left behind."""

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

from vnflag import VnflagError, score_file
from vnflag.pipelines.checkpoint import CHECKPOINT_SUFFIX, EDGE_BYTES, ScoreCheckpoint, input_identity

UNLABELLED = "data/posts_unlabelled.csv"


def interrupted(model, source, output, after: int, monkeypatch, **options) -> None:
    """Score until ``after`` chunks are checkpointed, then fail as a crash would (on any engine:
    the checkpoint is kept by the calling process)."""
    real = ScoreCheckpoint.save

    def crashing(self, chunks_done, *args, **kwargs):
        if chunks_done > after:
            raise KeyboardInterrupt("power cut")
        return real(self, chunks_done, *args, **kwargs)

    monkeypatch.setattr(ScoreCheckpoint, "save", crashing)
    with pytest.raises(KeyboardInterrupt):
        score_file(model, source, output, **{"n_jobs": 1, **options})
    monkeypatch.setattr(ScoreCheckpoint, "save", real)


def state_of(output) -> dict:
    return json.loads((ScoreCheckpoint.location(output) / "checkpoint.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".xlsx"])
def test_resumed_output_is_identical_to_an_uninterrupted_run(flagger, tmp_path, monkeypatch, suffix):
    whole = tmp_path / f"whole{suffix}"
    score_file(flagger, UNLABELLED, whole, chunksize=50, n_jobs=1)
    output = tmp_path / f"resumed{suffix}"
    interrupted(flagger, UNLABELLED, output, after=3, monkeypatch=monkeypatch, chunksize=50)
    checkpoint = ScoreCheckpoint.location(output)
    assert not output.exists() and state_of(output)["chunks_done"] == 3
    summary = score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    if suffix == ".xlsx":  # a zip with timestamps: compare what it holds
        pd.testing.assert_frame_equal(pd.read_excel(output, dtype=str), pd.read_excel(whole, dtype=str))
    else:
        assert output.read_bytes() == whole.read_bytes()
    assert json.loads((tmp_path / f"resumed{suffix}.drift.json").read_text()) == json.loads(
        (tmp_path / f"whole{suffix}.drift.json").read_text())
    assert summary["rows"] == 232 and summary.to_dict()["rows"] == 232 and not checkpoint.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_an_appendable_output_is_written_once_and_cut_back_on_resume(flagger, tmp_path, monkeypatch, suffix):
    whole = tmp_path / f"whole{suffix}"
    score_file(flagger, UNLABELLED, whole, chunksize=50, n_jobs=1)
    output = tmp_path / f"scored{suffix}"
    interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
    checkpoint = ScoreCheckpoint.location(output)
    state = state_of(output)
    partial = checkpoint / "output"
    # the chunks done are in the output being written, nowhere else: no second copy of the rows
    kept = ["checkpoint.json", "output", "output.meta"] if suffix == ".parquet" else ["checkpoint.json", "output"]
    assert sorted(p.name for p in checkpoint.iterdir()) == kept
    assert state["totals"]["summary"]["rows"] == 100  # two chunks recorded; the third written, not recorded
    assert 0 < state["sink"]["bytes"] < partial.stat().st_size and whole.read_bytes().startswith(partial.read_bytes())
    with open(partial, "ab") as handle:  # what a killed run wrote after its last checkpoint
        handle.write(b'half a row,"never finished')
    score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    assert output.read_bytes() == whole.read_bytes()


def test_resume_into_a_directory_of_parts(flagger, tmp_path, monkeypatch):
    score_file(flagger, UNLABELLED, str(tmp_path / "whole") + "/", chunksize=50, n_jobs=1)
    output = str(tmp_path / "parts") + "/"
    interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
    assert state_of(output)["sink"] == {"parts": 2} and not (tmp_path / "parts").exists()
    score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names == [f"part.{i:05d}.parquet" for i in range(5)]
    for name in names:
        assert (tmp_path / "parts" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_a_checkpoint_that_does_not_match_is_refused(flagger, tmp_path, monkeypatch):
    output = tmp_path / "scored.csv"
    interrupted(flagger, UNLABELLED, output, after=1, monkeypatch=monkeypatch, chunksize=50)
    with pytest.raises(VnflagError, match="chunksize"):
        score_file(flagger, UNLABELLED, output, chunksize=40, n_jobs=1, resume=True)
    with pytest.raises(VnflagError, match="options"):
        score_file(flagger, UNLABELLED, output, chunksize=50, top_k=1, n_jobs=1, resume=True)
    changed = tmp_path / "posts.csv"
    changed.write_bytes(open(UNLABELLED, "rb").read().replace(b"u0001", b"u9999", 1))
    with pytest.raises(VnflagError, match="another input"):
        score_file(flagger, changed, output, chunksize=50, n_jobs=1, resume=True)
    assert ScoreCheckpoint.location(output).is_dir()  # refusals keep the checkpoint


def test_the_input_identity_reads_the_ends_of_a_file_not_all_of_it(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"id,text\n" + b"1,abc\n" * (EDGE_BYTES // 2))  # 3 MiB: a middle that is not read
    before = input_identity([big])
    stat = big.stat()
    with open(big, "r+b") as handle:  # change a byte in the middle, keep size and time
        handle.seek(len(b"id,text\n") + 6 * (EDGE_BYTES // 4) + 2)
        handle.write(b"X")
    os.utime(big, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert input_identity([big]) == before
    with open(big, "ab") as handle:  # a row more: another size and another last MiB
        handle.write(b"2,d\n")
    assert input_identity([big]) != before
    os.utime(big, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert input_identity([big])[0]["mtime_ns"] != before[0]["mtime_ns"]


MALFORMED = {
    "negative chunks_done": (lambda s: s.update(chunks_done=-1), "chunks_done"),
    "chunks_done as text": (lambda s: s.update(chunks_done="3"), "chunks_done"),
    "no totals": (lambda s: s.pop("totals"), "totals"),
    "negative output length": (lambda s: s["sink"].update(bytes=-5), "sink.bytes"),
    "rows as a float": (lambda s: s["totals"]["summary"].update(rows=1.5), "totals.summary.rows"),
    "drift counts missing": (lambda s: s["totals"]["drift"].pop("counts"), "totals.drift"),
    "identity not an object": (lambda s: s.update(identity=[]), "identity"),
    "another document": (lambda s: s.update(format="vnflag-queue"), "not a vnflag scoring checkpoint"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_checkpoint_is_one_line_error_never_a_wrong_output(flagger, tmp_path, monkeypatch, case):
    output = tmp_path / "scored.csv"
    interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
    path = ScoreCheckpoint.location(output) / "checkpoint.json"
    state = json.loads(path.read_text())
    change, named = MALFORMED[case]
    change(state)
    path.write_text(json.dumps(state))
    with pytest.raises(VnflagError) as error:
        score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    assert named in str(error.value) and "\n" not in str(error.value) and str(path) in str(error.value)
    assert not output.exists()


def test_a_checkpoint_that_is_not_json_or_claims_another_output_length(flagger, tmp_path, monkeypatch):
    output = tmp_path / "scored.csv"
    interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
    path = ScoreCheckpoint.location(output) / "checkpoint.json"
    state = json.loads(path.read_text())
    for more, message in ((10**7, "records .* bytes of output but"), (10, "does not end where the checkpoint says")):
        path.write_text(json.dumps({**state, "sink": {**state["sink"], "bytes": state["sink"]["bytes"] + more}}))
        with pytest.raises(VnflagError, match=message):
            score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    path.write_text('{"format": "vnflag-score-checkpoint", ')
    with pytest.raises(VnflagError, match="unreadable vnflag scoring checkpoint"):
        score_file(flagger, UNLABELLED, output, chunksize=50, n_jobs=1, resume=True)
    assert not output.exists()


def test_without_resume_a_stale_checkpoint_is_replaced(flagger, tmp_path, monkeypatch):
    whole = tmp_path / "whole.csv"
    score_file(flagger, UNLABELLED, whole, chunksize=50, n_jobs=1)
    output = tmp_path / "scored.csv"
    interrupted(flagger, UNLABELLED, output, after=2, monkeypatch=monkeypatch, chunksize=50)
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


def test_standard_input_cannot_be_resumed_and_leaves_nothing(flagger, tmp_path, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(open(UNLABELLED, "rb").read())))
    with pytest.raises(VnflagError, match="--resume needs an input file"):
        score_file(flagger, "-", tmp_path / "a.csv", resume=True)
    score_file(flagger, "-", tmp_path / "from_stdin.csv", chunksize=50)
    score_file(flagger, UNLABELLED, tmp_path / "from_file.csv", chunksize=50)
    assert (tmp_path / "from_stdin.csv").read_bytes() == (tmp_path / "from_file.csv").read_bytes()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or CHECKPOINT_SUFFIX in p.name]


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
