"""The README's review loop, run as written (its commands are read from the README itself), on a model
trained with engagement (--meta-cols) and time (--time-col) columns under names other than vnflag's
defaults: the model's column roles travel, so no command needs --text-col or --keep-cols, and the
retrain trains on reviewed posts with every engagement and time value present."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pandas as pd
from conftest import META_COLS, REPO, read_bundled, run_cli

from vnflag import LabelStore
from vnflag.pipelines.retraining import training_set
from vnflag.review.ids import is_blank

TIME_COL = "posted"
#: ReINTEL-like names, so that a command falling back to vnflag's default ``text``/``label`` fails.
TEXT_COL, LABEL_COL = "post_message", "is_unreliable"


def readme_loop() -> list[list[str]]:
    """The ``vnflag`` commands of the README's review loop (between ``<!-- review loop -->`` markers),
    continuation lines joined and comments dropped, each as its argument list without ``vnflag``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- review loop -->\s*```bash\n(.*?)```\s*<!-- /review loop -->", readme, re.S)
    assert block, "README.md has no <!-- review loop --> block"
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "vnflag", line
            commands.append(words[1:])
    return commands


def _with_roles(frame: pd.DataFrame) -> pd.DataFrame:
    """The bundled posts under ReINTEL-like column names, with a publication time for every post."""
    frame = frame.rename(columns={"text": TEXT_COL, "label": LABEL_COL})
    hours = pd.Series(range(len(frame))) * 7 % 24
    frame[TIME_COL] = [f"2020-03-{1 + i % 28:02d} {h:02d}:{(i * 13) % 60:02d}" for i, h in enumerate(hours)]
    return frame


def _fill(path: Path) -> int:
    """Reviewers' decisions in the XLSX queue (misleading from a score of 0.5); returns the rows filled."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        score = float(sheet.cell(row, header.index("score") + 1).value)
        sheet.cell(row, header.index("decision") + 1).value = "misleading" if score >= 0.5 else "ok"
        sheet.cell(row, header.index("reviewer") + 1).value = "anh"
    book.save(path)
    return sheet.max_row - 1


def test_the_readme_loop_runs_as_written_and_retrains_with_engagement_and_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    _with_roles(read_bundled("posts_labelled.csv")).to_csv("data/posts_labelled.csv", index=False)
    for name in ("posts.csv", "new_posts.csv"):
        _with_roles(read_bundled("posts_unlabelled.csv")).to_csv(name, index=False)
    status, _, err = run_cli("train", "data/posts_labelled.csv", "--text-col", TEXT_COL, "--label-col", LABEL_COL,
                             "--meta-cols", ",".join(META_COLS), "--time-col", TIME_COL, "-o", "out/model")
    assert status == 0, err
    carried = [*META_COLS, TIME_COL]

    commands = readme_loop()
    assert [c[:2] for c in commands][:6] == [["score", "posts.csv"], ["queue", "scored.csv"],
                                             ["labels", "import"], ["labels", "status"],
                                             ["labels", "second-look"], ["retrain", "--model"]]
    flat = " ".join(" ".join(c) for c in commands)
    assert "--text-col" not in flat and "--keep-cols" not in flat and "--label-col" not in flat
    retrain_err = ""
    for argv in commands:
        if argv[:2] == ["models", "promote"]:  # the README's example version: the challenger the retrain made
            manifest = json.loads(Path("out/challenger/manifest.json").read_text(encoding="utf-8"))
            argv = ["models", "promote", manifest["model_version"], *argv[3:]]
        status, _, err = run_cli(*argv)
        if argv[:2] == ["models", "rollback"]:  # the first promotion has nothing before it to go back to
            assert status == 0 or "only one version was ever promoted" in err, err
            continue
        assert status == 0, (argv, err)
        if argv[0] == "queue":
            record = json.loads(Path("review/today.xlsx.vnflag-queue.json").read_text(encoding="utf-8"))
            assert record["meta_cols"] == carried
            assert _fill(Path("review/today.xlsx")) > 0
        if argv[0] == "retrain":
            retrain_err = err

    # No warning about the model's columns, on the command line or in the comparison.
    for column in carried:
        assert column not in retrain_err, retrain_err
    comparison = json.loads(Path("out/challenger/comparison.json").read_text(encoding="utf-8"))
    assert not [w for w in comparison["warnings"] if any(c in w for c in carried)], comparison["warnings"]
    # The training frame from the store, and the retrain's training set, have every value.
    reviewed = LabelStore("labels.sqlite").training_frame()
    assert len(reviewed) > 0 and set(carried) <= set(reviewed.columns)
    frame, _ = training_set(pd.read_csv("data/posts_labelled.csv", dtype=str, keep_default_na=False), reviewed,
                            TEXT_COL, LABEL_COL, carried)
    assert len(frame) > len(read_bundled("posts_labelled.csv")) - len(reviewed)
    # Every value is the post's own: missing only where the export itself has an empty cell (a few
    # bundled posts have no engagement counts), and the time of every post is there.
    posts = _with_roles(read_bundled("posts_unlabelled.csv")).set_index("id")
    for post_id, row in reviewed.set_index("id").iterrows():
        assert [None if is_blank(row[c]) else row[c] for c in carried] == \
            [None if is_blank(posts.loc[post_id, c]) else posts.loc[post_id, c] for c in carried]
    assert not frame[TIME_COL].map(is_blank).any()
    challenger = json.loads(Path("out/challenger/manifest.json").read_text(encoding="utf-8"))
    assert challenger["columns"] == {"text": TEXT_COL, "label": LABEL_COL, "meta": META_COLS, "time": TIME_COL}

    # evaluate needs no --text-col or --label-col either: they are the model's.
    status, _, err = run_cli("evaluate", "data/posts_labelled.csv", "--model", "out/model", "--report", "r.html",
                             "--bootstrap", "0")
    assert status == 0, err


def test_a_queue_without_the_model_leaves_the_features_out_and_retrain_says_so(tmp_path, monkeypatch):
    """The counter-case: the same loop with ``queue`` not told the model (and so ``--text-col``) warns at retrain,
    naming every column the reviewed posts lack."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    _with_roles(read_bundled("posts_labelled.csv")).to_csv("data/posts_labelled.csv", index=False)
    _with_roles(read_bundled("posts_unlabelled.csv")).to_csv("posts.csv", index=False)
    assert run_cli("train", "data/posts_labelled.csv", "--text-col", TEXT_COL, "--label-col", LABEL_COL,
                   "--meta-cols", ",".join(META_COLS), "--time-col", TIME_COL, "-o", "out/model")[0] == 0
    assert run_cli("score", "posts.csv", "--model", "out/model", "-o", "scored.csv")[0] == 0
    status, _, err = run_cli("queue", "scored.csv", "-o", "review/today.xlsx", "--budget", "200")
    assert status == 2 and "'text'" in err  # without the model, the default text column
    assert run_cli("queue", "scored.csv", "--text-col", TEXT_COL, "-o", "review/today.xlsx", "--budget", "200")[0] == 0
    _fill(Path("review/today.xlsx"))
    assert run_cli("labels", "import", "review/today.xlsx", "--store", "labels.sqlite")[0] == 0
    status, _, err = run_cli("retrain", "--model", "out/model", "--labels", "labels.sqlite", "--data",
                             "data/posts_labelled.csv", "-o", "out/challenger")
    assert status == 0, err
    warning = next(line for line in err.splitlines() if "treated as missing" in line)
    reviewed = len(LabelStore("labels.sqlite").training_frame())
    for column in [*META_COLS, TIME_COL]:
        assert f"{column} ({reviewed} of {reviewed})" in warning
