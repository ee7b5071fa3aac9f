"""``vnflag queue --reviewers`` and ``vnflag labels import`` of several files, on the bundled data."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA

from vnflag import LabelStore, read_reviews
from vnflag.cli import main
from vnflag.review.queues import read_queue_record


def _run(*argv: object) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main([str(a) for a in argv])
    return status, err.getvalue()


@pytest.fixture(scope="module")
def scored(tmp_path_factory, model_dir) -> Path:
    path = tmp_path_factory.mktemp("reviewers") / "scored.csv"
    assert _run("score", DATA / "posts_unlabelled.csv", "--model", model_dir, "-o", path)[0] == 0
    return path


def _decide_csv(path: Path, decision: str = "ok", typo_row: int | None = None) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["decision"] = decision
    if typo_row is not None:
        frame.loc[typo_row, "decision"] = "fake"
    frame.to_csv(path, index=False)


def test_queue_writes_one_file_per_reviewer(scored, tmp_path):
    out = tmp_path / "review" / "today.xlsx"
    out.parent.mkdir()
    status, err = _run("queue", scored, "--budget", 30, "--explore", 0.2, "--reviewers", "anh,binh,chi",
                       "--overlap", 0.2, "--seed", 7, "-o", out, "--store", tmp_path / "labels.sqlite")
    assert status == 0, err
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "today.anh.xlsx", "today.binh.xlsx", "today.chi.xlsx", "today.xlsx.vnflag-queue.json"]
    record = read_queue_record(out.parent / "today.xlsx.vnflag-queue.json")
    assert record["reviewers"] == ["anh", "binh", "chi"] and record["overlap"] == 0.2
    assert record["scored_posts"] > 0 and record["scored_groups"] >= len(record["items"]) == 30
    assert sum(len(i["assigned_to"]) == 2 for i in record["items"]) == 6
    for name in ("anh", "binh", "chi"):
        rows = read_reviews(out.parent / f"today.{name}.xlsx")
        assert len(rows) == 12 and set(rows["reviewer"]) == {name}  # (30 + 6) / 3
        assert rows["item_id"].tolist() == [i["item_id"] for i in record["items"] if name in i["assigned_to"]]
    assert LabelStore(tmp_path / "labels.sqlite").status()["queues"] == 1
    # the same seed shares out the same way
    again = tmp_path / "again.xlsx"
    assert _run("queue", scored, "--budget", 30, "--explore", 0.2, "--reviewers", "anh,binh,chi",
                "--overlap", 0.2, "--seed", 7, "-o", again)[0] == 0
    assert ([i["assigned_to"] for i in read_queue_record(again)["items"]]
            == [i["assigned_to"] for i in record["items"]])


def test_label_studio_reviewer_file_names(scored, tmp_path):
    out = tmp_path / "today.labelstudio.json"
    assert _run("queue", scored, "--budget", 10, "--reviewers", "anh,binh", "-o", out)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "today.anh.labelstudio.json", "today.binh.labelstudio.json", "today.labelstudio.json.vnflag-queue.json"]
    tasks = json.loads((tmp_path / "today.anh.labelstudio.json").read_text(encoding="utf-8"))
    assert len(tasks) == 5 and "binh" not in json.dumps(tasks, ensure_ascii=False)


@pytest.mark.parametrize("argv", [["--overlap", "0.2"], ["--reviewers", "anh", "--overlap", "0.2"],
                                  ["--reviewers", "anh,anh"], ["--reviewers", "a.b"]])
def test_bad_reviewer_options_are_one_line_errors(scored, tmp_path, argv):
    status, err = _run("queue", scored, "--budget", 10, "-o", tmp_path / "q.csv", *argv)
    assert status == 2 and err.startswith("vnflag: error:") and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_import_several_reviewer_files(scored, tmp_path):
    out = tmp_path / "today.csv"
    assert _run("queue", scored, "--budget", 20, "--reviewers", "anh,binh", "--overlap", 0.2, "-o", out)[0] == 0
    _decide_csv(tmp_path / "today.anh.csv", "ok")
    _decide_csv(tmp_path / "today.binh.csv", "misleading")
    status, err = _run("labels", "import", tmp_path / "today.anh.csv", tmp_path / "today.binh.csv",
                       "--store", tmp_path / "labels.sqlite")
    assert status == 0, err
    assert len(err.strip().splitlines()) == 2 and "today.anh.csv: " in err and "today.binh.csv: " in err
    reviews = LabelStore(tmp_path / "labels.sqlite").reviews()
    record = read_queue_record(out)
    for name, decision in (("anh", "ok"), ("binh", "misleading")):
        mine = reviews[reviews["reviewer"] == name]
        members = {m["id"] for i in record["items"] if name in i["assigned_to"] for m in i["members"]}
        assert set(mine["post_id"]) == members and set(mine["decision"]) == {decision}


def test_a_refused_file_stores_nothing_and_the_others_are_imported(scored, tmp_path):
    out = tmp_path / "today.csv"
    assert _run("queue", scored, "--budget", 20, "--reviewers", "anh,binh", "-o", out)[0] == 0
    _decide_csv(tmp_path / "today.anh.csv", "ok", typo_row=1)
    _decide_csv(tmp_path / "today.binh.csv", "ok")
    status, err = _run("labels", "import", tmp_path / "today.anh.csv", tmp_path / "missing.csv",
                       tmp_path / "today.binh.csv", "--store", tmp_path / "labels.sqlite", "--strict")
    assert status == 2
    assert "today.anh.csv" in err and "missing.csv" in err and "imported 1 of 3 files" in err
    reviews = LabelStore(tmp_path / "labels.sqlite").reviews()
    assert set(reviews["reviewer"]) == {"binh"}
