"""Several reviewers: sharing a queue out, blind overlap, inclusion probabilities in the record,
and a simulated two-reviewer round on the bundled data (``simulate_round``, for label-store tests)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews, score_frame
from vnflag.review.policies import (FlaggedPolicy, RandomPolicy, ThresholdPolicy, TopPolicy, UncertainPolicy,
                                    main_policy)
from vnflag.review.queues import (QUEUE_COLUMNS, assign_reviewers, check_reviewers, read_queue_record, record_path,
                                  reviewer_path)

# names that occur in no post text, so a file "showing" one can be found by plain search
REVIEWERS = ["rv-anh", "rv-binh", "rv-chi"]
EXTENSIONS = ["csv", "xlsx", "jsonl", "labelstudio.json", "argilla.json"]


@pytest.fixture()
def scored() -> pd.DataFrame:
    """20 distinct posts scored 0.00, 0.05, ..., 0.95, one copy of post 3 (flagged; post 3 is
    not), and two unscored rows."""
    words = ["mưa", "xăng", "thi", "canh", "bóng", "chợ", "đường", "tàu", "tiêm", "cây", "sách", "điện", "phố",
             "gạo", "cá", "hoa", "trường", "cầu", "biển", "núi"]
    posts = [{"id": f"p{i}", "text": f"tin về {words[i]} và {words[(i * 7 + 3) % 20]} hôm nay", "score": i / 20,
              "flagged": "false"} for i in range(20)]
    posts.append({"id": "p3-copy", "text": posts[3]["text"], "score": 0.1, "flagged": "true"})
    posts += [{"id": f"empty{i}", "text": "", "score": np.nan, "flagged": "false"} for i in range(2)]
    return pd.DataFrame(posts)


def _queue(scored: pd.DataFrame, **kwargs) -> pd.DataFrame:
    queue = build_queue(scored, similarity=1.0, **kwargs)
    assert queue.attrs["vnflag_queue"]["groups"] == 20  # the fixture's posts stay distinct
    return queue


# ----------------------------------------------------------------------------- probabilities
def test_policies_report_their_inclusion_probability():
    for policy in (TopPolicy(), ThresholdPolicy(0.5), FlaggedPolicy(), UncertainPolicy(), main_policy("model")):
        assert policy.inclusion_probability(40, 4) == 1.0
    assert RandomPolicy().inclusion_probability(40, 4) == 0.1
    assert RandomPolicy().inclusion_probability(0, 0) == 0.0


@pytest.mark.parametrize("kwargs, expected", [
    ({"policy": "top", "budget": 5}, {"top": 1.0}),
    ({"policy": "threshold", "threshold": 0.5, "budget": 5}, {"top": 1.0}),
    ({"policy": "model", "budget": 5}, {"top": 1.0}),
    ({"policy": "random", "budget": 5}, {"random": 5 / 20}),               # N = all 20 scored groups
    ({"policy": "random", "budget": 50}, {"random": 1.0}),                 # all 20 drawn
    # budget 10, explore 0.4: 6 top, 3 uncertain, 1 random out of the 20 - 9 = 11 left
    ({"policy": "top", "budget": 10, "explore": 0.4}, {"top": 1.0, "uncertain": 1.0, "random": 1 / 11}),
    # random share 0.5: 6 top, 2 uncertain, 2 random out of 12 left
    ({"policy": "top", "budget": 10, "explore": 0.4, "random_share": 0.5},
     {"top": 1.0, "uncertain": 1.0, "random": 2 / 12}),
    # only 2 groups score >= 0.9: 2 threshold, 1 uncertain, 1 random out of 17 left
    ({"policy": "threshold", "threshold": 0.9, "budget": 10, "explore": 0.2},
     {"top": 1.0, "uncertain": 1.0, "random": 1 / 17}),
])
def test_inclusion_probability_per_part(scored, kwargs, expected):
    queue = _queue(scored, **kwargs)
    record = queue.attrs["vnflag_queue"]
    assert set(queue["why"]) == set(expected)
    for row, item in zip(queue.itertuples(), record["items"]):
        assert item["inclusion_probability"] == pytest.approx(expected[row.why])
        assert row.inclusion_probability == item["inclusion_probability"]


def test_record_counts_flags_and_sizes(scored):
    queue = _queue(scored, budget=30)
    record = queue.attrs["vnflag_queue"]
    assert record["scored_posts"] == 21 and record["scored_groups"] == 20
    assert record["reviewers"] == [] and record["overlap"] == 0.0
    items = {item["members"][0]["id"]: item for item in record["items"]}
    assert items["p3"]["group_size"] == 2 and items["p3"]["flagged"] is True  # the flagged copy counts
    assert items["p4"]["group_size"] == 1 and items["p4"]["flagged"] is False
    assert all(item["assigned_to"] == [] and "why" in item for item in record["items"])


def test_without_reviewers_files_are_as_before(scored, tmp_path):
    queue = _queue(scored, budget=8)
    record_file = export_queue(queue, tmp_path / "today.csv")
    assert record_file == tmp_path / "today.csv.vnflag-queue.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["today.csv", "today.csv.vnflag-queue.json"]
    assert pd.read_csv(tmp_path / "today.csv").columns.tolist() == list(QUEUE_COLUMNS)
    assert read_queue_record(tmp_path / "today.csv")["reviewers"] == []


# ----------------------------------------------------------------------------- sharing out
def test_assignment_is_even_with_the_overlap_share_on_two_reviewers():
    assigned = assign_reviewers(20, REVIEWERS, overlap=0.2, random_state=4)
    assert Counter(len(a) for a in assigned) == {1: 16, 2: 4}
    assert all(len(set(a)) == len(a) for a in assigned)
    load = Counter(name for a in assigned for name in a)
    assert sorted(load.values()) == [8, 8, 8]
    assert assign_reviewers(20, REVIEWERS, overlap=0.2, random_state=4) == assigned
    assert assign_reviewers(20, REVIEWERS, overlap=0.2, random_state=5) != assigned
    uneven = Counter(name for a in assign_reviewers(7, REVIEWERS) for name in a)
    assert sorted(uneven.values()) == [2, 2, 3]


@pytest.mark.parametrize("names, overlap", [(["anh", "anh"], 0.0), (["a.b"], 0.0), (["a/b"], 0.0), ([""], 0.0),
                                            (["anh"], 0.2), (["anh", "binh"], 1.5)])
def test_bad_reviewers_are_refused(names, overlap):
    with pytest.raises(VnflagError):
        check_reviewers(names, overlap)


def _file_rows(path: Path) -> pd.DataFrame:
    return read_reviews(path)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_each_reviewer_gets_a_blind_file(scored, tmp_path, ext):
    queue = _queue(scored, budget=15, explore=0.4)
    base = tmp_path / f"today.{ext}"
    record_file = export_queue(queue, base, reviewers=REVIEWERS, overlap=0.2, random_state=1)
    assert record_file == tmp_path / f"today.{ext}.vnflag-queue.json"
    assert not base.exists()
    record = read_queue_record(record_file)
    assert record["reviewers"] == REVIEWERS and record["overlap"] == 0.2
    assigned = {item["item_id"]: item["assigned_to"] for item in record["items"]}
    assert sum(len(a) == 2 for a in assigned.values()) == 3  # round(0.2 * 15)
    assert all(a for a in assigned.values())
    for name in REVIEWERS:
        path = reviewer_path(base, name)
        assert path.name == f"today.{name}.{ext}"
        assert record_path(path) == record_file and read_queue_record(path)["queue_id"] == record["queue_id"]
        rows = _file_rows(path)
        assert rows["item_id"].tolist() == [i for i in queue["item_id"] if name in assigned[i]]
        if ext in ("csv", "xlsx", "jsonl"):
            assert set(rows["reviewer"]) == {name}
        cells = " ".join(rows.astype(str).to_numpy().ravel())
        raw = cells if ext == "xlsx" else path.read_text(encoding="utf-8")
        for other in set(REVIEWERS) - {name}:
            assert other not in raw and other not in cells
        assert "assigned_to" not in raw and "inclusion_probability" not in raw


def test_record_path_of_an_unrelated_dotted_name_stays_its_own(scored, tmp_path):
    export_queue(_queue(scored, budget=4), tmp_path / "today.xlsx", reviewers=["anh", "binh"])
    assert record_path(tmp_path / "today.chi.xlsx") == tmp_path / "today.chi.xlsx.vnflag-queue.json"
    assert record_path(tmp_path / "today.anh.xlsx") == tmp_path / "today.xlsx.vnflag-queue.json"


def test_a_reviewer_file_imports_that_reviewers_decisions(scored, tmp_path):
    queue = _queue(scored, budget=10)
    export_queue(queue, tmp_path / "today.csv", reviewers=["anh", "binh"], overlap=0.2)
    mine = tmp_path / "today.anh.csv"
    frame = pd.read_csv(mine, dtype=str, keep_default_na=False)
    frame["decision"] = "ok"
    frame.to_csv(mine, index=False)
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(mine)
    assert report.bad_rows == [] and report.reviewed == len(frame)
    reviews = store.reviews()
    assert set(reviews["reviewer"]) == {"anh"}
    members = {m for ids in frame["member_ids"] for m in json.loads(ids)}
    assert set(reviews["post_id"]) == members


# ----------------------------------------------------------------------------- a simulated round
def simulate_round(work: Path, model_dir: Path, unlabelled: pd.DataFrame, budget: int = 40,
                   overlap: float = 0.2) -> tuple[LabelStore, dict]:
    """Two reviewers, ``anh`` and ``binh``, review one queue of the bundled unlabelled posts with
    ``overlap`` of the items shown to both; anh decides by the score, binh too except that binh
    disagrees with the model on every overlap item. Returns the store and the queue record.

    >>> store, record = simulate_round(tmp_path, model_dir, unlabelled)   # doctest: +SKIP
    """
    queue = build_queue(score_frame(model_dir, unlabelled), budget=budget, explore=0.2)
    record_file = export_queue(queue, work / "round.jsonl", reviewers=["anh", "binh"], overlap=overlap)
    record = read_queue_record(record_file)
    shared = {item["item_id"] for item in record["items"] if len(item["assigned_to"]) == 2}
    store = LabelStore(work / "labels.sqlite")
    for name in ("anh", "binh"):
        path = work / f"round.{name}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            flip = name == "binh" and row["item_id"] in shared
            row["decision"] = "misleading" if (row["score"] >= 0.5) != flip else "ok"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        store.import_reviews(path)
    return store, record


def test_simulated_two_reviewer_round(tmp_path, model_dir, unlabelled):
    store, record = simulate_round(tmp_path, model_dir, unlabelled)
    items = record["items"]
    assert len(items) == 40 and record["reviewers"] == ["anh", "binh"]
    assert record["scored_posts"] == len(unlabelled) - int((unlabelled["text"].str.strip() == "").sum())
    assert sum(len(i["assigned_to"]) == 2 for i in items) == 8
    assert sorted(Counter(n for i in items for n in i["assigned_to"]).values()) == [24, 24]
    random = [i for i in items if i["why"] == "random"]
    assert random and all(0 < i["inclusion_probability"] < 1 for i in random)
    assert all(i["inclusion_probability"] == 1.0 for i in items if i["why"] != "random")
    reviews = store.reviews()
    assert set(reviews["reviewer"]) == {"anh", "binh"}
    for item in items:
        ids = {m["id"] for m in item["members"]}
        got = reviews[reviews["post_id"].isin(ids)]
        assert set(got["reviewer"]) == set(item["assigned_to"])
        assert len(got) == len(ids) * len(item["assigned_to"])
    shared_posts = {m["id"] for i in items if len(i["assigned_to"]) == 2 for m in i["members"]}
    assert set(store.conflicts()["post_id"]) == shared_posts
