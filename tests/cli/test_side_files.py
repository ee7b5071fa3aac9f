"""vnflag's own side files (queue records, drift figures, checkpoints) are never overwritten by an
output or by a second queue, never share a path with an output, and old records are still found
(issue 18, class 2)."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews
from vnflag.constants import SIDE_FILE_SUFFIXES
from vnflag.io.files import check_output_path, check_output_paths, side_file_suffix
from vnflag.review.queues import read_queue_record, record_path


def _scored(path: Path, n: int = 12) -> Path:
    words = ["mưa", "xăng", "thi", "canh", "bóng", "chợ", "đường", "tàu", "tiêm", "cây", "sách", "điện"]
    pd.DataFrame({"id": [f"p{i}" for i in range(n)],
                  "text": [f"tin về {words[i % 12]} số {i} và {words[(i * 5 + 1) % 12]}" for i in range(n)],
                  "score": [1 - i / n for i in range(n)], "model_version": "m1"}).to_csv(path, index=False)
    return path


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _decide(path: Path, decision: str = "ok", reviewer: str = "lan") -> None:
    rows = read_reviews(path)
    rows["decision"], rows["reviewer"] = decision, reviewer
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(path, index=False)


def test_two_queues_with_one_stem_keep_two_records_and_both_import(tmp_path):
    scored = _scored(tmp_path / "scored.csv")
    review = tmp_path / "review"
    assert run_cli("queue", scored, "--budget", 4, "-o", review / "today.csv")[0] == 0
    assert run_cli("queue", scored, "--budget", 6, "-o", review / "today.xlsx")[0] == 0
    assert _files(review) == ["today.csv", "today.csv.vnflag-queue.json", "today.xlsx",
                              "today.xlsx.vnflag-queue.json"]
    assert len(read_queue_record(review / "today.csv")["items"]) == 4
    assert len(read_queue_record(review / "today.xlsx")["items"]) == 6
    _decide(review / "today.csv")
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", review / "today.csv", "--store", store)
    assert code == 0 and "one review per post of its item): 4 new" in err, err
    frame = read_reviews(review / "today.xlsx")
    frame["decision"], frame["reviewer"] = "misleading", "minh"
    assert LabelStore(store).import_reviews(frame, queue=review / "today.xlsx").stored == 6


def test_files_of_earlier_versions_still_find_their_old_style_record(tmp_path):
    scored = _scored(tmp_path / "scored.csv")
    assert run_cli("queue", scored, "--budget", 4, "-o", tmp_path / "old.csv")[0] == 0
    (tmp_path / "old.csv.vnflag-queue.json").rename(tmp_path / "old.vnflag-queue.json")  # as 0.x wrote it
    assert record_path(tmp_path / "old.csv") == tmp_path / "old.vnflag-queue.json"
    _decide(tmp_path / "old.csv")
    code, _, err = run_cli("labels", "import", tmp_path / "old.csv", "--store", tmp_path / "labels.sqlite")
    assert code == 0 and "one review per post of its item): 4 new" in err, err
    # and a reviewer's file of an old shared-out queue finds the old record of the whole queue
    shared = tmp_path / "shared"
    assert run_cli("queue", scored, "--budget", 4, "--reviewers", "anh,binh", "-o", shared / "day.csv")[0] == 0
    (shared / "day.csv.vnflag-queue.json").rename(shared / "day.vnflag-queue.json")
    assert record_path(shared / "day.anh.csv") == shared / "day.vnflag-queue.json"
    _decide(shared / "day.anh.csv", reviewer="anh")
    code, _, err = run_cli("labels", "import", shared / "day.anh.csv", "--store", tmp_path / "labels.sqlite")
    assert code == 0 and "one review per post of its item): 2 new" in err, err


def test_a_reviewer_file_may_not_be_the_record(tmp_path):
    scored = _scored(tmp_path / "scored.csv")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run_cli("queue", scored, "--budget", 4, "-o", out / "r.json", "--format", "argilla",
                           "--reviewers", "vnflag-queue,b")
    assert code == 2 and err.count("\n") == 1 and "side file" in err, err
    assert _files(out) == []  # nothing written: not b's file, not the record


def test_every_reviewer_file_leads_back_to_the_record(tmp_path):
    scored = _scored(tmp_path / "scored.csv")
    out = tmp_path / "out"
    code, _, err = run_cli("queue", scored, "--budget", 4, "-o", out / "q.json", "--format", "labelstudio",
                           "--reviewers", "anh,labelstudio")
    assert code == 2 and err.count("\n") == 1 and "would not lead back" in err, err
    assert not out.exists()


def test_a_queue_cannot_go_to_standard_output(tmp_path):
    scored = _scored(tmp_path / "scored.csv")
    code, out, err = run_cli("queue", scored, "--budget", 4, "-o", "-", "--format", "csv")
    assert code == 2 and err.count("\n") == 1 and "standard output" in err and out == "", err
    assert _files(tmp_path) == ["scored.csv"]
    with pytest.raises(VnflagError, match="standard output"):
        export_queue(build_queue(pd.read_csv(scored), budget=2), "-", fmt="csv")


@pytest.mark.parametrize("argv", [
    ("queue", "{scored}", "-o", "{tmp}/today.csv.vnflag-queue.json", "--format", "jsonl"),
    ("queue", "{scored}", "-o", "{tmp}/TODAY.CSV.VNFLAG-QUEUE.JSON", "--format", "jsonl"),
    ("queue", "{scored}", "-o", "{tmp}/old.vnflag-queue.json", "--format", "argilla"),
    ("queue", "{scored}", "-o", "{tmp}/scored.csv.drift.json", "--format", "jsonl"),
    ("queue", "{scored}", "-o", "{tmp}/x.csv.vnflag-checkpoint/q.csv"),
    ("labels", "adjudicate", "--store", "{tmp}/labels.sqlite", "-o", "{tmp}/q.csv.Vnflag-Queue.json",
     "--format", "jsonl"),
])
def test_no_output_lands_on_a_side_file(tmp_path, argv):
    scored = _scored(tmp_path / "scored.csv")
    side = tmp_path / "scored.csv.drift.json"
    side.write_text("{}", encoding="utf-8")
    if argv[0] == "labels":
        LabelStore(tmp_path / "labels.sqlite").register_queue(build_queue(pd.read_csv(scored), budget=2))
    before = _files(tmp_path)
    code, _, err = run_cli(*(a.format(scored=scored, tmp=tmp_path) for a in argv))
    assert code == 2 and err.count("\n") == 1 and "side file" in err, err
    assert _files(tmp_path) == before and side.read_text(encoding="utf-8") == "{}"


def test_scoring_refuses_an_output_named_like_a_side_file(tmp_path, text_model_dir):
    posts = tmp_path / "posts.csv"
    pd.DataFrame({"text": ["tin nóng hôm nay", "mưa to"]}).to_csv(posts, index=False)
    for name in ("a.csv.vnflag-queue.json", "b.csv.DRIFT.json", "c.csv.vnflag-checkpoint/out.csv"):
        code, _, err = run_cli("score", posts, "--model", text_model_dir, "-o", tmp_path / name)
        assert code == 2 and err.count("\n") == 1 and "side file" in err, err
        assert _files(tmp_path) == ["posts.csv"]


def test_two_written_paths_that_differ_only_in_case_are_refused(tmp_path):
    with pytest.raises(VnflagError, match="same file"):
        check_output_paths([(tmp_path / "q.Anh.csv", "Anh's file"), (tmp_path / "q.anh.csv", "anh's file")])
    with pytest.raises(VnflagError, match="same file"):  # NFC and NFD spell one name on macOS
        check_output_paths([(tmp_path / "q.b\u00ecnh.csv", "1"), (tmp_path / "q.bi\u0300nh.csv", "2")])
    check_output_paths([(tmp_path / "q.csv", "queue")], side_files=[(tmp_path / "q.csv.vnflag-queue.json", "record")])
    with pytest.raises(VnflagError, match="side file"):
        check_output_path(tmp_path / "q.csv.vnflag-queue.json")


# ----------------------------------------------------------------------------- properties
_NAME = st.text(string.ascii_letters + "đìĐÌ-_", min_size=1, max_size=6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stem=st.sampled_from(["today", "r", "vnflag-queue", "a.vnflag-queue", "x.DRIFT"]),
       ext=st.sampled_from(["csv", "jsonl", "json", "argilla.json", "labelstudio.json", "vnflag-queue.json",
                            "drift.json"]),
       reviewers=st.lists(st.one_of(_NAME, st.sampled_from(["vnflag-queue", "drift", "VNFLAG-QUEUE", "Anh", "anh", "labelstudio", "argilla"])),
                          max_size=3))
def test_an_export_writes_distinct_files_beside_one_record_or_nothing(tmp_path_factory, stem, ext, reviewers):
    """Whatever the output and reviewer names: either each review file and one record are
    written, all distinct (ignoring case), none but the record named like a side file, and every
    review file finds the record; or the export is refused and nothing is written."""
    directory = tmp_path_factory.mktemp("export")
    queue = build_queue(pd.DataFrame({"id": ["p1", "p2", "p3"], "text": ["mưa to", "xăng tăng", "thi cử"],
                                      "score": [0.9, 0.5, 0.1]}), budget=3)
    fmt = "argilla" if ext in ("json", "vnflag-queue.json", "drift.json") else None
    output = directory / f"{stem}.{ext}"
    try:
        record = export_queue(queue, output, fmt=fmt, reviewers=reviewers)
    except VnflagError:
        assert list(directory.iterdir()) == []
        return
    written = [p for p in directory.iterdir() if p != record]
    assert len({p.name.casefold() for p in directory.iterdir()}) == len(written) + 1
    assert len(written) == max(len(reviewers), 1)
    assert all(side_file_suffix(p) is None for p in written)
    assert any(record.name.endswith(suffix) for suffix in SIDE_FILE_SUFFIXES)
    for path in written:
        assert record_path(path) == record
    assert json.loads(record.read_text(encoding="utf-8"))["reviewers"] == [r.strip() for r in reviewers]


def test_a_model_directory_may_not_be_named_like_a_side_file(tmp_path):
    from vnflag.artifacts.model_dir import check_replaceable

    for name in ("scored.csv.vnflag-checkpoint", "x.DRIFT.json", "q.csv.vnflag-queue.json"):
        with pytest.raises(VnflagError, match="side file"):
            check_replaceable(tmp_path / name, overwrite=True)
    check_replaceable(tmp_path / "model", overwrite=False)
