"""Issue 20, item 1: real exports repeat post ids for unrelated posts. Such rows are different
posts: never one queue item, each reviewed, stored and labelled on its own; score and queue count
them; import counts add up in rows and in reviews."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from conftest import run_cli, shared_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import build_queue, export_queue, read_reviews
from vnflag.review.ids import RepeatedIds, repeated_ids, text_fingerprint
from vnflag.review.store import LabelStore

RUMOUR = "Uống nước chanh nóng mỗi sáng diệt được virus corona, chia sẻ ngay cho người thân!"
HARMLESS = "TƯ VẤN MÙA THI: lịch đăng ký nguyện vọng đại học và các mốc thời gian cần nhớ năm nay"


def _texts(n: int) -> list[str]:
    """``n`` texts no two of which are near-copies."""
    return [" ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:7] for k in range(8)) for i in range(n)]


def _review(path, decide) -> pd.DataFrame:
    """Fill a CSV queue's decisions (``decide(row)``) as a reviewer would, writing it back; the rows read."""
    rows = read_reviews(path)
    rows["decision"] = [decide(row) for row in rows.itertuples(index=False)]
    rows["reviewer"] = "lan"
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(path, index=False)
    return rows


def _labels(store) -> dict[tuple[str, str], int]:
    frame = LabelStore(store).training_frame()
    keys = list(zip(frame["id"], frame["fingerprint"], strict=True))
    assert len(set(keys)) == len(keys)  # each post once
    return dict(zip(keys, frame["label"], strict=True))


def test_two_unrelated_posts_sharing_an_id_are_reviewed_and_labelled_apart(tmp_path):
    """The issue's case: a COVID rumour and a harmless exam notice share id 42 (and a copy of a
    third post repeats id 7 with the same text): the queue holds the two 42s as two items, each
    decision lands on its own post, and the training frame has each with its own label."""
    scored = pd.DataFrame({"id": ["42", "7", "42", "7"], "text": [RUMOUR, "Trời hôm nay mưa to ở Hà Nội", HARMLESS,
                                                                  "Trời hôm nay mưa to ở Hà Nội"],
                           "score": [0.97, 0.5, 0.008, 0.4], "model_version": "m1"})
    scored.to_csv(tmp_path / "scored.csv", index=False)
    code, _, err = run_cli("queue", tmp_path / "scored.csv", "-o", tmp_path / "q.csv", "--budget", 10)
    assert code == 0, err
    assert "vnflag: warning: 1 id is shared by posts with different texts (column 'id')" in err
    rows = _review(tmp_path / "q.csv", lambda row: "misleading" if row.text == RUMOUR else "ok")
    assert sorted(rows["id"]) == ["42", "42", "7"] and rows["item_id"].nunique() == 3  # the two 42s: two items
    assert rows.loc[rows["id"] == "7", "group_size"].tolist() == [2]  # one id, one text: one item
    code, _, err = run_cli("labels", "import", tmp_path / "q.csv", "--store", tmp_path / "labels.sqlite")
    assert code == 0, err
    assert "3 rows: 3 new, 0 already stored, 0 rejected, 0 not yet reviewed; 3 reviews" in err
    assert _labels(tmp_path / "labels.sqlite") == {("42", text_fingerprint(RUMOUR)): 1,
                                                   ("42", text_fingerprint(HARMLESS)): 0,
                                                   ("7", text_fingerprint("Trời hôm nay mưa to ở Hà Nội")): 0}
    frame = LabelStore(tmp_path / "labels.sqlite").training_frame().set_index("text")
    assert frame.loc[HARMLESS, "label"] == 0 and frame.loc[RUMOUR, "label"] == 1 and frame.loc[RUMOUR, "id"] == "42"
    code, out, err = run_cli("labels", "import", tmp_path / "q.csv", "--store", tmp_path / "labels.sqlite", "--json")
    again = json.loads(out)[0]
    assert code == 0 and (again["rows"], again["new_rows"], again["already_rows"]) == (3, 0, 3), err
    assert (again["reviews"], again["stored"], again["already"]) == (3, 0, 3)  # the two 7s (one text): one post


def test_a_row_naming_a_shared_id_without_its_item_is_told_apart_by_its_text_or_refused(tmp_path):
    scored = pd.DataFrame({"id": ["42", "42"], "text": [RUMOUR, HARMLESS], "score": [0.9, 0.1]})
    export_queue(build_queue(scored, budget=5), tmp_path / "q.csv")
    rows = read_reviews(tmp_path / "q.csv")
    rows["decision"] = ["misleading" if t == RUMOUR else "ok" for t in rows["text"]]
    by_text = rows.drop(columns=["item_id", "member_ids", "source_row", "reviewed_at"])
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(by_text, queue=tmp_path / "q.csv")
    assert report.bad_rows == [] and report.stored == 2
    assert set(_labels(store.path).values()) == {0, 1} and len(_labels(store.path)) == 2
    blind = by_text.assign(text="")  # nothing says which 42 was reviewed
    report = LabelStore(tmp_path / "other.sqlite").import_reviews(blind, queue=tmp_path / "q.csv")
    assert [n for n, _ in report.bad_rows] == [1, 2] and report.stored == 0
    assert "shown with different texts" in report.bad_rows[0][1] and "keep the row's item_id" in report.bad_rows[0][1]


def test_import_counts_add_up_in_rows_and_in_reviews(tmp_path):
    """An item of two copies is one row and two reviews; a second import of the same file is
    all already stored; a bad decision and an empty one are counted, not lost."""
    texts = _texts(3)
    scored = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": [texts[0], texts[0], texts[1], texts[2]],
                           "score": [0.9, 0.8, 0.5, 0.1]})
    export_queue(build_queue(scored, budget=5), tmp_path / "q.csv")
    decisions = {texts[0]: "misleading", texts[1]: "fake", texts[2]: ""}
    _review(tmp_path / "q.csv", lambda row: decisions[row.text])
    store = LabelStore(tmp_path / "labels.sqlite")
    first = store.import_reviews(tmp_path / "q.csv")
    second = store.import_reviews(tmp_path / "q.csv")
    for report in (first, second):
        assert report.rows == 3 == report.new_rows + report.already_rows + len(report.bad_rows) + report.not_reviewed
        assert report.reviews == 2 == report.stored + report.already and report.reviewed == 1
    assert (first.new_rows, first.stored, second.already_rows, second.already) == (1, 2, 1, 2)
    assert "3 rows: 0 new, 1 already stored, 1 rejected, 1 not yet reviewed; 2 reviews" in second.summary()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3", "01", "x"]), st.integers(0, 5)), min_size=1, max_size=14),
       st.randoms(use_true_random=False))
def test_every_post_gets_the_decision_given_to_the_row_showing_its_text(tmp_path_factory, rows, rng):
    """Random ids with collisions and random texts: after queue → review → import, every post's
    stored label is the decision given to the row showing that post's text; counts add up."""
    directory = tmp_path_factory.mktemp("ids")
    pool = [*_texts(5), ""]  # an empty text is never grouped with another, but one id's empty texts are one post
    scored = pd.DataFrame({"id": [i for i, _ in rows], "text": [pool[t] for _, t in rows],
                           "score": [rng.random() for _ in rows]})
    export_queue(build_queue(scored, budget=len(rows)), directory / "q.csv")
    decision = {text: rng.choice(["misleading", "ok"]) for text in pool}
    reviewed = _review(directory / "q.csv", lambda row: decision[row.text])
    report = LabelStore(directory / "labels.sqlite").import_reviews(directory / "q.csv")
    assert report.rows == len(reviewed) == report.new_rows and report.stored == report.reviews
    posts = {(i, text_fingerprint(pool[t])): int(decision[pool[t]] == "misleading") for i, t in rows}
    assert report.reviews == len(posts)
    assert _labels(directory / "labels.sqlite") == posts
    ids = [i for i, _ in rows]
    assert len(repeated_ids(ids, [text_fingerprint(pool[t]) for _, t in rows])) == len(
        {i for i in ids if len({t for j, t in rows if j == i}) > 1})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["f1", "f2", "f3"])), max_size=30),
       st.integers(1, 7))
def test_repeated_ids_counted_in_chunks_are_those_of_the_whole_batch(rows, size):
    seen = RepeatedIds()
    for start in range(0, len(rows), size):
        seen.add([i for i, _ in rows[start:start + size]], [f for _, f in rows[start:start + size]])
    assert seen.repeated == {i for i, _ in rows if len({f for j, f in rows if j == i}) > 1}


def test_score_counts_ids_shared_by_different_texts_across_chunks(tmp_path, text_model_dir):
    texts = _texts(5)
    posts = pd.DataFrame({"id": ["1", "2", "1", "3", "2", "1"],
                          "text": [texts[0], texts[1], texts[2], texts[3], texts[1], texts[4]]})
    posts.to_csv(tmp_path / "posts.csv", index=False)
    code, _, err = run_cli("score", "--model", text_model_dir, tmp_path / "posts.csv", "-o", tmp_path / "s.csv",
                           "--chunksize", 2, "-q")
    assert code == 0, err
    assert "vnflag: warning: 1 id is shared by posts with different texts" in err  # 1; 2 repeats one text
    assert len(pd.read_csv(tmp_path / "s.csv", dtype=str)) == 6


def test_reintel_repeated_ids_keep_their_own_labels(tmp_path):
    """ReINTEL's train file repeats ids (3,600 rows, 3,297 ids): queued with its labels as decisions,
    every post (id and text) is stored with the label of the row showing its text, and no item
    joins posts that share an id but not a text."""
    frame = pd.read_csv(shared_dataset("reintel", "train.csv"), dtype=str, keep_default_na=False)
    shared = frame[frame["id"].duplicated(keep=False)].reset_index(drop=True)
    shared = shared.assign(text=shared["post_message"], score=[(i % 97) / 97 for i in range(len(shared))])
    assert shared["id"].nunique() < len(shared)
    queue = build_queue(shared, budget=len(shared))
    assert queue.attrs["vnflag_queue"]["repeated_ids"] > 0
    export_queue(queue, tmp_path / "q.csv")
    label = dict(zip(shared["post_message"], shared["label"], strict=False))
    reviewed = _review(tmp_path / "q.csv", lambda row: "misleading" if label.get(row.text) == "1" else "ok")
    report = LabelStore(tmp_path / "labels.sqlite").import_reviews(tmp_path / "q.csv")
    assert report.rows == len(reviewed) == report.new_rows and not report.bad_rows
    decided = dict(zip(reviewed["item_id"], reviewed["decision"], strict=True))
    expected = {(m["id"], m["fingerprint"]): int(decided[item["item_id"]] == "misleading")
                for item in queue.attrs["vnflag_queue"]["items"] for m in item["members"]}
    assert _labels(tmp_path / "labels.sqlite") == expected and report.reviews == len(expected)
    shown = dict(zip(reviewed["text"], reviewed["decision"], strict=False))
    for post_id, text in zip(shared["id"], shared["text"], strict=True):  # a post shown keeps its own decision
        if text in shown:
            assert expected[(post_id, text_fingerprint(text))] == int(shown[text] == "misleading")


def test_near_copies_sharing_an_id_and_a_conflict_on_each_post_are_settled_apart(tmp_path):
    """A near-copy of the rumour under the same id is one item with it (grouped by text); two reviewers
    disagree on both 42 items; adjudication settles each post, and each keeps its own label."""
    from vnflag.review.adjudication import adjudicate

    copy = RUMOUR + " 🙏"
    scored = pd.DataFrame({"id": ["42", "42", "42"], "text": [RUMOUR, copy, HARMLESS], "score": [0.9, 0.8, 0.1]})
    export_queue(build_queue(scored, budget=5), tmp_path / "q.csv")
    store = LabelStore(tmp_path / "labels.sqlite")
    for who, harmful in (("lan", RUMOUR), ("minh", HARMLESS)):
        rows = read_reviews(tmp_path / "q.csv")
        rows["decision"] = ["misleading" if t == harmful else "ok" for t in rows["text"]]
        rows["reviewer"] = who
        assert store.import_reviews(rows.drop(columns=["source_row"]), queue=tmp_path / "q.csv").reviews == 3
    assert len(store.conflicts()) == 3 and set(store.conflicts()["post_id"]) == {"42"}
    queue = adjudicate(tmp_path / "labels.sqlite", tmp_path / "adjudication.csv")
    assert len(queue) == 2
    rows = read_reviews(tmp_path / "adjudication.csv")
    rows["decision"] = ["misleading" if t == RUMOUR else "ok" for t in rows["text"]]
    store.import_reviews(rows.drop(columns=["source_row"]), queue=tmp_path / "adjudication.csv")
    assert _labels(store.path) == {("42", text_fingerprint(RUMOUR)): 1, ("42", text_fingerprint(copy)): 1,
                                   ("42", text_fingerprint(HARMLESS)): 0}
    assert store.status()["conflicts_unresolved"] == 0
