"""The label store: group decisions, bad rows by number, idempotent imports, conflicts, second look."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews, second_look

#: A store written by vnflag at commit ec0cc15 (schema version 0), as SQL.
OLD_DUMP = Path(__file__).parent / "store" / "data" / "store_ec0cc15.sql"


@pytest.fixture()
def queue() -> pd.DataFrame:
    texts = [f"Bài {w} nói chuyện {w} rất khác các bài còn lại về {w}" for w in
             ("thời tiết", "bóng đá", "nấu ăn", "giá vàng", "du lịch", "học tiếng Anh", "xe máy", "cây cảnh")]
    copies = ["Uống nước chanh nóng diệt virus, chia sẻ ngay!", "Uống nước chanh nóng diệt virus,   chia sẻ ngay!!!!"]
    scored = pd.DataFrame({
        "id": [f"p{i}" for i in range(8)] + ["c1", "c2"],
        "text": texts + copies,
        "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.95, 0.95],
        "model_version": "m1",
    })
    return build_queue(scored, budget=9)


def _filled(queue: pd.DataFrame, decisions: list[str], reviewer: str = "lan") -> pd.DataFrame:
    reviews = queue.copy()
    reviews["decision"] = decisions
    reviews["reviewer"] = reviewer
    return reviews


def test_group_decision_applies_to_every_member(queue, tmp_path):
    assert queue.loc[0, "group_size"] == 2
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(_filled(queue, ["misleading"] + ["ok"] * 8), queue=queue)
    assert report.reviewed == 9 and report.stored == 10 and not report.bad_rows
    stored = store.reviews().set_index("post_id")
    assert stored.loc[["c1", "c2"], "decision"].tolist() == ["misleading", "misleading"]
    assert stored.loc["c1", "score"] == pytest.approx(0.95) and stored.loc["c1", "model_version"] == "m1"
    assert len(set(stored.loc[["c1", "c2"], "fingerprint"])) == 1  # same text after normalisation
    frame = store.training_frame()
    assert sorted(frame.loc[frame["label"] == 1, "id"]) == ["c1", "c2"]
    assert frame.set_index("id").loc["c2", "text"] == "Uống nước chanh nóng diệt virus,   chia sẻ ngay!!!!"


def test_reimport_stores_nothing_new(queue, tmp_path):
    export_queue(queue, tmp_path / "q.csv")
    reviewed = read_reviews(tmp_path / "q.csv")
    reviewed["decision"] = ["misleading", "ok", "unsure"] * 3
    reviewed["reviewer"] = "lan"
    reviewed.drop(columns=["source_row", "reviewed_at"]).to_csv(tmp_path / "q.csv", index=False)
    store = LabelStore(tmp_path / "labels.sqlite")
    first = store.import_reviews(tmp_path / "q.csv")  # the queue record beside the file is found
    second = store.import_reviews(tmp_path / "q.csv")
    assert first.stored == 10 and second.stored == 0 and second.already == 10
    assert len(store.reviews()) == 10
    assert store.status()["imports"] == 2
    assert set(store.reviews()["source_file"]) == {str(tmp_path / "q.csv")}


def test_bad_rows_reported_by_number_and_not_stored(queue, tmp_path):
    reviews = _filled(queue, ["ok"] * 9)
    reviews.loc[1, "decision"] = "fake news"    # row 2
    reviews.loc[3, "id"] = ""                   # row 4
    reviews.loc[5, "id"] = "not-a-queued-post"  # row 6
    reviews.loc[6, "decision"] = ""             # row 7: not reviewed yet, not an error
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(reviews, queue=queue)
    assert [n for n, _ in report.bad_rows] == [2, 4, 6]
    assert "fake news" in report.bad_rows[0][1] and "missing id" in report.bad_rows[1][1]
    assert "not-a-queued-post" in report.bad_rows[2][1]
    assert report.not_reviewed == 1 and report.reviewed == 5
    stored = set(store.reviews()["post_id"])
    assert stored.isdisjoint({queue.loc[i, "id"] for i in (1, 3, 5, 6)}) and "not-a-queued-post" not in stored
    assert " 3 rejected, " in report.summary()


def test_strict_import_stores_nothing(queue, tmp_path):
    reviews = _filled(queue, ["ok"] * 9)
    reviews.loc[4, "decision"] = "maybe"
    store = LabelStore(tmp_path / "labels.sqlite")
    with pytest.raises(VnflagError, match="row 5"):
        store.import_reviews(reviews, queue=queue, strict=True)
    assert store.reviews().empty


def test_unknown_queue_is_one_error(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    with pytest.raises(VnflagError, match="unknown to the store"):
        store.import_reviews(_filled(queue, ["ok"] * 9))


def test_conflicts_are_kept_and_reported(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(_filled(queue, ["misleading"] * 9, "lan"), queue=queue)
    disagree = ["ok"] + ["misleading"] * 7 + ["unsure"]
    store.import_reviews(_filled(queue, disagree, "minh"), queue=queue)
    conflicts = store.conflicts()
    assert sorted(conflicts["post_id"]) == ["c1", "c2"]
    assert conflicts.loc[0, "decisions"] == "lan: misleading; minh: ok"
    assert len(store.reviews()) == 20  # nothing overwritten
    frame = store.training_frame()
    assert "c1" not in set(frame["id"])  # conflicts are not trained on
    last = queue.loc[8, "id"]
    assert frame.set_index("id").loc[last, "label"] == 1  # "unsure" abstains, lan's decision stands
    status = store.status()
    assert status["conflicts"] == 2 and status["reviewers"] == {"lan": 10, "minh": 10}


def test_unsure_only_posts_and_changed_minds(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(_filled(queue, ["unsure"] + ["misleading"] * 8, "lan"), queue=queue)
    assert store.status()["decisions"]["unsure"] == 2
    assert "c1" not in set(store.training_frame()["id"])
    snapshot = store.snapshot()
    store.import_reviews(_filled(queue, ["unsure"] + ["ok"] * 8, "lan"), queue=queue)  # lan changes her mind
    assert store.conflicts().empty
    assert set(store.training_frame()["label"]) == {0}
    assert set(store.training_frame(as_of=snapshot["review_id"])["label"]) == {1}  # the store as it was
    assert store.snapshot()["sha256"] != snapshot["sha256"]


def test_store_is_append_only(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(_filled(queue, ["ok"] * 9), queue=queue)
    with sqlite3.connect(tmp_path / "labels.sqlite") as db:
        for sql in ("DELETE FROM reviews", "UPDATE reviews SET decision = 'misleading'"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
    assert set(store.reviews()["decision"]) == {"ok"}


def test_second_look_finds_flipped_labels(labelled, tmp_path):
    """Reviewed labels contradicting everything else the data says are listed for a second look."""
    labels = labelled["label"].astype(int).to_numpy()
    rng = np.random.default_rng(0)
    reviewed_rows = rng.choice(len(labelled), size=80, replace=False)
    scored = labelled.iloc[reviewed_rows][["id", "text"]].assign(score=0.5, model_version="m1")
    queue = build_queue(scored, budget=80, similarity=1.0)
    truth = dict(zip(labelled["id"], labels))
    flipped = set(queue["id"].iloc[:6])
    queue["decision"] = ["misleading" if truth[i] != (i in flipped) else "ok" for i in queue["id"]]
    queue["reviewer"] = "lan"
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(queue, queue=queue)
    rest = labelled.drop(labelled.index[reviewed_rows])
    suspects = second_look(store, data=rest)
    found = set(suspects["id"])
    assert len(found & flipped) >= 4  # most flipped labels are caught...
    assert len(found & flipped) >= 0.8 * len(found)  # ...and the list is mostly flipped labels
    assert (suspects["p_given_label"] < 0.5).all()
    if importlib.util.find_spec("cleanlab") is None:  # an optional extra (AGPL): a clear message
        with pytest.raises(VnflagError, match="AGPL"):
            second_look(store, data=rest, method="cleanlab")


def test_refused_imports_create_no_store_file(queue, tmp_path):
    store_path = tmp_path / "labels.sqlite"
    store = LabelStore(store_path)
    assert store.reviews().empty and store.status()["reviews"] == 0  # reading a missing store creates nothing
    (tmp_path / "broken.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(VnflagError):
        store.import_reviews(tmp_path / "broken.jsonl")
    with pytest.raises(VnflagError, match="unknown to the store"):
        store.import_reviews(_filled(queue, ["ok"] * 9))
    bad = _filled(queue, ["ok"] * 9)
    bad.loc[0, "decision"] = "maybe"
    with pytest.raises(VnflagError, match="nothing imported"):
        store.import_reviews(bad, queue=queue, strict=True)  # the queue is not registered either
    assert not store_path.exists()
    assert store.import_reviews(_filled(queue, ["ok"] * 9), queue=queue).stored == 10
    assert store_path.is_file() and len(LabelStore(store_path).reviews()) == 10


def test_labels_status_on_a_missing_store_creates_nothing(tmp_path):
    from vnflag.cli import main

    assert main(["labels", "status", "--store", str(tmp_path / "nope.sqlite")]) == 2
    assert not (tmp_path / "nope.sqlite").exists()


_NEW_FIELDS = ("assigned_to", "inclusion_probability", "flagged", "group_size")


def _old_record(record: dict) -> dict:
    """A queue record as written before the design fields existed."""
    old = {k: v for k, v in record.items() if k not in ("reviewers", "overlap", "scored_posts", "scored_groups")}
    old["items"] = [{k: v for k, v in item.items() if k not in _NEW_FIELDS} for item in record["items"]]
    return old


def test_queue_design_is_stored_append_only_with_defaults_for_old_records(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    record = _old_record(queue.attrs["vnflag_queue"])
    record.update(reviewers=["lan", "minh"], overlap=0.2, scored_posts=10, scored_groups=9)
    record["items"][0].update(assigned_to=["lan", "minh"], inclusion_probability=1.0, flagged=True, group_size=2)
    store.register_queue(record)
    queues, items = store.design()
    assert queues.loc[0, "scored_posts"] == 10 and queues.loc[0, "overlap"] == pytest.approx(0.2)
    first = items.set_index("item_id").loc[record["items"][0]["item_id"]]
    assert first["flagged"] == 1 and first["group_size"] == 2 and first["assigned_to"] == '["lan", "minh"]'
    second = items.set_index("item_id").loc[record["items"][1]["item_id"]]
    assert pd.isna(second["flagged"]) and second["inclusion_probability"] == 1.0 and second["group_size"] == 1
    with sqlite3.connect(store.path) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE queue_items SET flagged = 0")
    old = _old_record(build_queue(pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["một hai ba", "bốn năm sáu", "bảy tám",
                                    "chín mười"], "score": [0.9, 0.2, 0.3, 0.1]}), budget=2, explore=1.0,
                      random_share=0.5).attrs["vnflag_queue"])
    queues, items = store.record_design(old)
    assert queues.loc[0, "scored_posts"] == 4  # from scored_rows
    random = items[items["why"] == "random"]
    assert random["inclusion_probability"].tolist() == [pytest.approx(1 / 3)]  # 1 of the 3 groups left


def test_a_store_from_before_the_design_tables_is_migrated_and_upgraded(queue, tmp_path):
    """A store of schema version 0 written before the design tables existed: read (and migrated
    in place) with its reviews, then the design of newly registered queues is kept."""
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_DUMP.read_text(encoding="utf-8"))
        db.executescript("DROP TABLE queue_items; DROP TABLE queue_design;")
    store = LabelStore(path)
    assert store.status()["posts"] == 8 and store.design()[0].empty
    store.register_queue(queue)
    assert len(store.design()[1]) == 9
