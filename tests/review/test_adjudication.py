"""Adjudication: a conflicts queue for a third person; their decisions settle every conflict,
are stored beside (not over) the reviews, feed training and show as resolved in status."""

from __future__ import annotations

import pandas as pd
import pytest

from vnflag import LabelStore, build_queue, read_reviews
from vnflag.review.adjudication import adjudicate, conflicts_queue


@pytest.fixture()
def store(tmp_path) -> LabelStore:
    return _store(tmp_path, "ảnh cũ")


def _store(tmp_path, note: str) -> LabelStore:
    """A store where lan (writing ``note``) and minh disagree on p0, p2 and p5."""
    scored = pd.DataFrame({"id": [f"p{i}" for i in range(6)],
                           "text": [f"Bài số {i} nói về chủ đề {w} hoàn toàn khác" for i, w in
                                    enumerate(["giá vàng", "thời tiết", "bóng đá", "xe máy", "du lịch", "nấu ăn"])],
                           "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "model_version": "m1"})
    queue = build_queue(scored, budget=6)
    store = LabelStore(tmp_path / "labels.sqlite")
    for who, decisions, written in [("lan", ["misleading", "ok", "misleading", "ok", "unsure", "ok"], note),
                                    ("minh", ["ok", "ok", "ok", "ok", "ok", "misleading"], "")]:
        filled = queue.copy()
        filled["decision"], filled["reviewer"], filled["note"] = decisions, who, written
        store.import_reviews(filled, queue=queue, source_name=f"{who}.csv")
    return store


def test_conflicts_queue_shows_both_decisions_and_notes(store):
    queue = conflicts_queue(store)
    assert sorted(queue["id"]) == ["p0", "p2", "p5"]
    assert set(queue["why"]) == {"adjudication"}
    reasons = queue.set_index("id").loc["p0", "reasons"]
    assert "lan: misleading (note: ảnh cũ)" in reasons and "minh: ok" in reasons
    assert conflicts_queue(store)["queue_id"].iloc[0] == queue["queue_id"].iloc[0]  # same conflicts, same queue


def test_adjudication_settles_every_conflict_without_overwriting(store, tmp_path):
    before = store.reviews()
    assert store.status()["conflicts_unresolved"] == 3 and store.status()["conflicts_resolved"] == 0
    assert "p0" not in set(store.training_frame()["id"])
    adjudicate(store.path, tmp_path / "conflicts.csv")
    filled = read_reviews(tmp_path / "conflicts.csv")
    filled["decision"] = ["ok" if i == "p0" else "misleading" for i in filled["id"]]
    filled["reviewer"] = "thu"
    filled.drop(columns=["source_row", "reviewed_at"]).to_csv(tmp_path / "conflicts.csv", index=False)
    report = store.import_reviews(tmp_path / "conflicts.csv")
    assert report.stored == 3 and report.conflicts == 0
    status = store.status()
    assert status["conflicts_resolved"] == 3 and status["conflicts_unresolved"] == 0 and status["conflicts"] == 0
    assert store.conflicts().empty and conflicts_queue(store).empty
    labels = store.training_frame().set_index("id")["label"]
    assert labels["p0"] == 0 and labels["p2"] == 1 and labels["p5"] == 1
    after = store.reviews()
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)  # nothing overwritten
    assert store.agreement()["items"] == 5  # adjudications are not counted as agreement
    history = store.history()
    assert [e["who"] for e in history if e["event"] == "adjudication"] == ["thu"]
    assert {e["event"] for e in history} == {"import", "adjudication", "conflicts queue"}


def test_an_unsure_adjudication_leaves_the_conflict_open(store, tmp_path):
    queue = conflicts_queue(store)
    store.register_queue(queue)
    filled = queue.copy()
    filled["decision"], filled["reviewer"] = "unsure", "thu"
    store.import_reviews(filled, queue=queue)
    assert store.status()["conflicts_unresolved"] == 3


def test_the_adjudication_sheet_neutralises_formulas_after_separators(tmp_path):
    """Reviewers' notes reach the adjudication sheet's ``reasons``: no piece a spreadsheet splits off
    at , ; tab or a line break starts like a formula, and the sheet reads back exactly."""
    import re

    store = _store(tmp_path, "xem;=HYPERLINK(\"http://x.vn\",\"bấm\"),\t@SUM(A1)")
    queue = adjudicate(store.path, tmp_path / "conflicts.csv")
    text = (tmp_path / "conflicts.csv").read_text(encoding="utf-8")
    pieces = re.split("[,;\t\r\n]", text)
    assert not [p for p in pieces if p.lstrip().lstrip('"').lstrip()[:1] in ("=", "+", "-", "@")]
    assert read_reviews(tmp_path / "conflicts.csv")["reasons"].tolist() == queue["reasons"].tolist()
