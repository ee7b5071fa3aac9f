"""Post ids are kept byte for byte through a queue and back into the label store."""

from __future__ import annotations

import pandas as pd

from vnflag import LabelStore, build_queue, export_queue, read_reviews
from vnflag.review.ids import stable_ids

SPACED_IDS = [" 007", "007", "\tA", "B ", "\u00a0C"]


def test_ids_are_never_trimmed_and_blank_ids_get_a_stable_one():
    frame = pd.DataFrame({"id": SPACED_IDS + ["  ", None], "text": ["a", "b", "c", "d", "e", "f", "f"]})
    ids = stable_ids(frame)
    assert ids[:5] == SPACED_IDS
    assert ids[5].startswith("t") and ids[6] == ids[5] + "-2"


def test_spaced_ids_round_trip_through_a_csv_queue_into_the_store(tmp_path):
    scored = pd.DataFrame({"id": SPACED_IDS, "text": ["tin nóng", "chia sẻ ngay", "trời mưa", "phở ngon", "xe buýt"],
                           "score": [0.9, 0.8, 0.7, 0.6, 0.5]})
    queue = build_queue(scored, budget=5, similarity=1.0)
    export_queue(queue, tmp_path / "q.csv")
    reviewed = read_reviews(tmp_path / "q.csv")
    assert sorted(reviewed["id"]) == sorted(SPACED_IDS)
    reviewed["decision"], reviewed["reviewer"] = "ok", "anh"
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(reviewed, queue=tmp_path / "q.csv")
    assert report.bad_rows == [] and report.stored == 5
    assert sorted(store.reviews()["post_id"]) == sorted(SPACED_IDS)
