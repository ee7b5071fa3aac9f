"""Faults and destructive paths on the command line: one-line errors instead of tracebacks,
outputs that would destroy an input or a model are refused, a broken pipe is not an error, and
``kill -9`` leaves no worker process behind and no temporary file that the next run keeps."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import many_posts_csv

from vnflag import ExitStatus, VnflagError, load_model
from vnflag.cli import build_parser, main

UNLABELLED = "data/posts_unlabelled.csv"


def _one_line_error(capsys, code: int, expected: str, status: int = 2) -> None:
    err = capsys.readouterr().err
    assert code == status, err
    assert err.startswith("vnflag: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err


@pytest.mark.parametrize("args, expected", [
    (["score", UNLABELLED, "--model", "M", "-o", "x.csv", "--jobs", "0"], "--jobs"),
    (["score", UNLABELLED, "--model", "M", "-o", "x.csv", "--chunksize", "0"], "--chunksize"),
    (["score", UNLABELLED, "--model", "M", "-o", "x.csv", "--reasons", "-2"], "--reasons"),
    (["train", UNLABELLED, "-o", "M2", "--tokenizer", "words"], "--tokenizer"),
    (["queue", "S.csv", "-o", "q.csv", "--seed", "-1"], "--seed"),
    (["queue", "S.csv", "-o", "q.csv", "--budget", "0"], "--budget"),
    (["retrain", "--model", "M", "--labels", "L", "-o", "C", "--seed", "-1"], "--seed"),
    (["labels", "second-look", "--store", "L", "--cv", "1"], "--cv"),
    (["score", UNLABELLED], "required"),
    (["nonsense"], "invalid choice"),
])
def test_bad_arguments_give_one_line_errors(capsys, args, expected):
    _one_line_error(capsys, main(args), expected)


def test_destructive_outputs_are_refused_and_nothing_changes(text_model_dir, tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(text_model_dir, model)
    manifest = (model / "manifest.json").read_bytes()
    posts = tmp_path / "posts.csv"
    shutil.copy(UNLABELLED, posts)
    original = posts.read_bytes()
    cases = [
        (["score", str(posts), "--model", str(model), "-o", str(model / "manifest.json")], "model or registry"),
        (["score", str(posts), "--model", str(model), "-o", str(posts)], "also an input"),
        (["score", str(posts), "--model", str(model), "-o", str(tmp_path)], "is a directory"),
        (["queue", str(posts), "-o", str(posts)], "also an input"),
        (["evaluate", str(posts), "--model", str(model), "--report", str(model / "r.html")], "model or registry"),
        (["train", str(posts), "-o", str(posts), "--overwrite"], "not a directory"),
    ]
    for args, expected in cases:
        _one_line_error(capsys, main(args), expected)
    assert (model / "manifest.json").read_bytes() == manifest and posts.read_bytes() == original
    assert load_model(model).threshold_ > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "posts.csv"]


def test_overwrite_of_the_working_directory_is_refused(tmp_path, capsys, monkeypatch):
    shutil.copy("data/posts_labelled.csv", tmp_path / "train.csv")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _one_line_error(capsys, main(["train", "train.csv", "-o", ".", "--overwrite"]), "working directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "train.csv"]


def test_undecodable_stdin_names_the_encoding():
    import unicodedata

    text = "Bộ Y tế khuyến cáo người dân không hoảng loạn, tin nóng"
    tones = "\u0300\u0301\u0303\u0309\u0323"

    def cp1258_style(char: str) -> str:  # the letter precomposed, its tone mark apart
        parts = unicodedata.normalize("NFD", char)
        return unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)) + "".join(
            c for c in parts if c in tones)

    legacy = "".join(map(cp1258_style, text)).encode("cp1258")  # how old Windows tools wrote it
    done = subprocess.run([sys.executable, "-m", "vnflag.cli", "normalize"], input=legacy,
                          capture_output=True, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 2 and err.count("\n") == 1 and "cp1258" in err and "Traceback" not in err
    done = subprocess.run([sys.executable, "-m", "vnflag.cli", "normalize", "--encoding", "cp1258"],
                          input=legacy, capture_output=True, timeout=120)
    assert done.returncode == 0 and "Bộ Y tế khuyến cáo" in done.stdout.decode()


def test_a_closed_pipe_is_not_an_error(text_model_dir):
    reader = subprocess.Popen([sys.executable, "-m", "vnflag.cli", "score", UNLABELLED, "--model",
                               str(text_model_dir), "-o", "-", "--jobs", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # like `| head`: the reader is gone before the output comes
    _, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_a_bug_is_one_line_not_a_traceback(capsys, monkeypatch):
    import vnflag.cli.normalize as command

    def broken(args):
        raise TypeError("unexpected")

    monkeypatch.setattr(command, "run", broken)
    _one_line_error(capsys, main(["normalize", "x"]), "internal error (TypeError: unexpected)", status=1)


@pytest.mark.parametrize(("fault", "status", "message"), [
    (None, ExitStatus.OK, ""),
    (VnflagError("posts.csv: column 'body' not found"), ExitStatus.USER_ERROR, "vnflag: error: posts.csv"),
    (FileNotFoundError(2, "No such file", "posts.csv"), ExitStatus.USER_ERROR, "vnflag: error: posts.csv: no such file"),
    (RuntimeError("unexpected"), ExitStatus.ERROR, "vnflag: internal error (RuntimeError: unexpected)"),
    (KeyboardInterrupt(), ExitStatus.INTERRUPTED, "vnflag: interrupted"),
])
def test_every_ending_is_an_exit_status(capsys, monkeypatch, fault, status, message):
    import vnflag.cli.normalize as command

    def ending(args):
        if fault is not None:
            raise fault
        return ExitStatus.OK

    monkeypatch.setattr(command, "run", ending)
    code = main(["normalize", "x"])
    assert code is status and int(code) == {"OK": 0, "ERROR": 1, "USER_ERROR": 2, "INTERRUPTED": 130}[status.name]
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == (1 if message else 0), err
    assert main(["normalize", "--no-such-option"]) is ExitStatus.USER_ERROR
    with pytest.raises(SystemExit) as help_exit:
        build_parser().parse_args(["--help"])
    assert help_exit.value.code == 0 and main(["--help"]) is ExitStatus.OK


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_during_scoring_leaves_no_worker_and_no_lasting_temporary(text_model_dir, tmp_path):
    many_posts_csv(tmp_path / "big.csv", copies=100)
    run = subprocess.Popen([sys.executable, "-m", "vnflag.cli", "score", str(tmp_path / "big.csv"), "--model",
                            str(text_model_dir), "-o", str(tmp_path / "out.csv"), "--jobs", "3", "--chunksize", "1000"],
                           stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        workers = [c for c in _children(run.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
                   .replace("\0", " ")] if _children(run.pid) else []
        if len(workers) >= 2 and (tmp_path / "out.csv.vnflag-checkpoint" / "output").is_file():  # output begun
            break
        time.sleep(0.2)
    assert run.poll() is None and len(workers) >= 2, "scoring ended before it could be interrupted"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "worker processes outlived the killed run"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.name.endswith("-checkpoint")]
    assert leftovers and not (tmp_path / "out.csv").exists()  # the partial output never took the name
    small = tmp_path / "small.csv"
    pd.read_csv(UNLABELLED, dtype=str, keep_default_na=False).head(5).to_csv(small, index=False)
    assert main(["score", str(small), "--model", str(text_model_dir), "-o", str(tmp_path / "out.csv"),
                 "--jobs", "1"]) == 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.name.endswith("-checkpoint")]


@pytest.mark.skipif(not Path("/proc/1").is_dir(), reason="needs /proc")
def test_an_output_where_nothing_can_be_written_names_the_output(text_model_dir, capsys):
    target = "/proc/1/scored.csv"  # no file can be created there, even by root
    _one_line_error(capsys, main(["score", UNLABELLED, "--model", str(text_model_dir), "-o", target, "--jobs", "1"]),
                    f"{target}: cannot write in /proc/1")
