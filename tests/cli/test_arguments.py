"""The command line's own argument handling (issue 18, class 9): every argparse mistake is exactly one
``vnflag: error: …`` line with exit 2, help texts print literally (no ``95%%``), a name list that names
nothing is refused, and ``--bootstrap`` has a range checked before any work."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag.cli import build_parser, iter_parsers
from vnflag.cli.common import column_list

UNLABELLED = "data/posts_unlabelled.csv"


def _one_error_line(status: int, out: str, err: str) -> str:
    assert status == 2 and out == "", (status, out, err)
    assert err.startswith("vnflag: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert "vnflag: error: vnflag" not in err and err.count("vnflag: error:") == 1, err
    return err


@pytest.mark.parametrize(("argv", "expected"), [
    (["normalize", "ko sao", "--bogus"], "vnflag: error: unrecognized arguments: --bogus (see vnflag --help)"),
    (["--bogus"], "vnflag: error: "),
    ([], "the following arguments are required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["labels"], "vnflag: error: labels: the following arguments are required: ACTION"),
    (["labels", "nope"], "vnflag: error: labels: argument ACTION: invalid choice"),
    (["labels", "estimate"], "vnflag: error: labels estimate: the following arguments are required: --store"),
    (["labels", "estimate", "--store"], "labels estimate: argument --store: expected one argument"),
    (["score", UNLABELLED], "vnflag: error: score: the following arguments are required"),
    (["queue", UNLABELLED, "-o", "q.csv", "--budget", "x"], "queue: argument --budget"),
    (["labels", "estimate", "--store", "s", "--bootstrap", "1\n2"], "must be a whole number, got '1\\n2'"),
])
def test_every_argparse_mistake_is_one_line_naming_the_command_once(argv, expected):
    err = _one_error_line(*run_cli(*argv))
    assert expected in err


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["labels", "estimate", "score", "queue", "models", "show", "evaluate", "--store",
                                 "--bootstrap", "-1", "x", "--bogus", "-o", "--reviewers", ",", "\n", "é"]),
                max_size=5))
def test_argument_mistakes_are_one_line(argv):
    """Whatever argparse refuses ends as one error line, never "vnflag: error: vnflag:"."""
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit as stop:
        if stop.code == 2:
            _one_error_line(*run_cli(*argv))
        return


def test_every_help_text_prints_literally():
    """argparse %-formats argument help but not descriptions: "95%%" in a description printed as is."""
    texts = {parser.prog: parser.format_help() for parser in iter_parsers(build_parser())}
    assert len(texts) >= 20  # vnflag, its commands and their sub-commands
    for prog, text in texts.items():
        assert "%%" not in text and "%(" not in text, prog
    assert "stratified bootstrap 95% intervals" in " ".join(texts["vnflag labels estimate"].split())


@pytest.mark.parametrize("value", ["", ",", " , ", ",,,", "\t"])
def test_a_name_list_naming_nothing_is_refused(value):
    with pytest.raises(argparse.ArgumentTypeError, match="at least one"):
        column_list(value)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["a", "bình", " ", ",", "\t", "num_like"]), max_size=8).map("".join))
def test_name_lists_keep_every_named_part(value):
    names = [part.strip() for part in value.split(",") if part.strip()]
    if names:
        assert column_list(value) == names
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            column_list(value)


@pytest.mark.parametrize("option", ["--reviewers", "--keep-cols"])
def test_queue_with_an_empty_name_list_is_refused_and_writes_nothing(tmp_path, option):
    """Issue 18: ``--reviewers ","`` silently gave an unshared queue."""
    err = _one_error_line(*run_cli("queue", UNLABELLED, "-o", tmp_path / "q.csv", option, ","))
    assert f"queue: argument {option}: must name at least one" in err
    assert not list(tmp_path.iterdir())


def test_train_with_an_empty_column_list_is_refused(tmp_path):
    for option in ("--meta-cols", "--time-features"):
        err = _one_error_line(*run_cli("train", "data/posts_labelled.csv", "-o", tmp_path / "m", option, " , "))
        assert f"argument {option}: must name at least one" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [
    ["labels", "estimate", "--store", "STORE", "--bootstrap", "100000000"],
    ["labels", "estimate", "--store", "STORE", "--bootstrap", "0"],
    ["evaluate", UNLABELLED, "--model", "MODEL", "--report", "REPORT", "--bootstrap", "100001"],
    ["evaluate", UNLABELLED, "--model", "MODEL", "--report", "REPORT", "--bootstrap", "-1"],
])
def test_bootstrap_out_of_range_is_refused_before_any_work(tmp_path, argv):
    """Issue 18: ``--bootstrap 100000000`` said "out of memory; ... --chunksize" after the work."""
    names = {"STORE": tmp_path / "labels.sqlite", "MODEL": tmp_path / "model", "REPORT": tmp_path / "r.html"}
    err = _one_error_line(*run_cli(*[names.get(a, a) for a in argv]))
    assert "argument --bootstrap: must be" in err
    assert not list(tmp_path.iterdir())


def test_bootstrap_help_gives_the_range():
    status, out, _ = run_cli("labels", "estimate", "--help")
    assert status == 0 and "at most 100,000" in " ".join(out.split())
