"""Review queues: grouping, budget and policies, learning mix, redaction, exports round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vnflag import VnflagError, build_queue, choose_threshold, export_queue, read_reviews
from vnflag.review.grouping import group_near_duplicates
from vnflag.review.ids import stable_ids
from vnflag.review.queues import QUEUE_COLUMNS, read_queue_record, record_path

RUMOUR = ("Khẩn cấp: Bộ Y tế khuyến cáo uống nước chanh nóng mỗi sáng để diệt virus corona, "
          "chia sẻ ngay cho người thân và bạn bè!")
TOPICS = ["mưa lớn ở Huế", "giá xăng tuần này", "lịch thi học kỳ", "món canh chua cá lóc", "trận bóng tối qua",
          "cửa hàng mới khai trương", "đường Lê Lợi sửa chữa", "vé tàu Tết", "lịch tiêm chủng ở phường",
          "cây xanh bị đổ", "hội chợ sách", "điện cắt theo lịch"]


def _variants(n: int) -> list[str]:
    """``n`` small edits of one rumour: emoji, case, one word, a prefix, punctuation, teencode."""
    edits = [lambda t: t + " 😱", str.upper, lambda t: t.replace("mỗi sáng", "mỗi ngày"),
             lambda t: "Tin nóng: " + t, lambda t: t.replace("!", "!!!!"), lambda t: t.replace("không", "ko"),
             lambda t: t.replace("corona", "covid"), lambda t: t + " nha mọi người", lambda t: t]
    return [edits[i % len(edits)](RUMOUR) + ("" if i < len(edits) else " " + "😱" * (i % 3)) for i in range(n)]


def _distinct(n: int) -> list[str]:
    """``n`` different posts: random word sequences over the topic phrases."""
    rng = np.random.default_rng(1)
    words = " ".join(TOPICS).split()
    return [" ".join(rng.choice(words, size=14)) for _ in range(n)]


@pytest.fixture()
def scored() -> pd.DataFrame:
    """100 distinct posts with spread-out scores plus one rumour pasted 50 times with small edits."""
    distinct = _distinct(100)
    rumour = _variants(50)
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": [f"d{i:03d}" for i in range(100)] + [f"r{i:02d}" for i in range(50)],
        "text": distinct + rumour,
        "score": np.round(np.r_[np.linspace(0.01, 0.9, 100), rng.uniform(0.95, 0.99, 50)], 6),
        "flagged": [s >= 0.6 for s in np.linspace(0.01, 0.9, 100)] + [True] * 50,
        "reasons": ["a; b"] * 150,
        "model_version": "m1",
    })


def test_fifty_edited_copies_are_one_item(scored):
    queue = build_queue(scored, budget=5)
    first = queue.iloc[0]
    assert first["group_size"] == 50
    assert sorted(first["member_ids"]) == [f"r{i:02d}" for i in range(50)]
    assert first["score"] == pytest.approx(scored["score"].iloc[100:].max())
    # the other items are the distinct posts, each alone
    assert (queue["group_size"].iloc[1:] == 1).all()
    assert queue["id"].iloc[1:].tolist() == ["d099", "d098", "d097", "d096"]


def test_grouping_keeps_different_posts_apart():
    texts = _distinct(30) + ["", ""]
    labels = group_near_duplicates(texts)
    assert len(set(labels)) == 32  # empty texts are not grouped either


def test_budget_respected_and_top_first(scored):
    for budget in (1, 7, 40):
        queue = build_queue(scored, budget=budget)
        assert len(queue) == budget
        assert queue["rank"].tolist() == list(range(1, budget + 1))
        assert queue["score"].is_monotonic_decreasing
        assert set(queue["why"]) == {"top"}
    everything = build_queue(scored, budget=10_000)
    assert len(everything) == 101  # 100 distinct posts and one group
    assert everything["group_size"].sum() == 150


def test_learning_mix(scored):
    queue = build_queue(scored, budget=20, explore=0.25)
    counts = queue["why"].value_counts().to_dict()
    assert counts == {"top": 15, "uncertain": 4, "random": 1}
    top_scores = queue.loc[queue["why"] == "top", "score"]
    rest = scored.loc[~scored["id"].isin(queue["id"]) & ~scored["id"].str.startswith("r"), "score"]
    assert top_scores.min() >= rest.max() or (queue["why"] != "top").any()
    uncertain = queue.loc[queue["why"] == "uncertain", "score"]
    assert (abs(uncertain - 0.5) < 0.03).all()
    assert len(set(queue["item_id"])) == 20
    again = build_queue(scored, budget=20, explore=0.25)
    assert again["id"].tolist() == queue["id"].tolist()  # seeded


def test_threshold_and_model_policies(scored):
    queue = build_queue(scored, budget=200, policy="threshold", threshold=0.8)
    assert (queue["score"] >= 0.8).all() and len(queue) == 1 + int((scored["score"].iloc[:100] >= 0.8).sum())
    assert len(build_queue(scored, budget=3, policy="threshold", threshold=0.8)) == 3
    flagged = build_queue(scored, budget=200, policy="model")
    assert len(flagged) == 1 + int(scored["flagged"].iloc[:100].sum())
    random = build_queue(scored, budget=10, policy="random")
    assert set(random["why"]) == {"random"} and len(random) == 10
    with pytest.raises(VnflagError, match="threshold"):
        build_queue(scored, policy="threshold")


def test_choose_threshold():
    y = [0, 0, 1, 0, 1, 1, 0, 1]
    s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9]
    t = choose_threshold(y, s, target_recall=0.75)
    assert t == 0.5  # the highest cut that still finds 3 of 4
    assert choose_threshold(y, s, target_recall=1.0) == 0.3
    assert choose_threshold(y, s, target_precision=1.0) == 0.9
    assert choose_threshold(y, s) == 0.3  # no target: the F1-best cut (recall 1, precision 4/6)
    with pytest.raises(VnflagError):
        choose_threshold(y, s, target_recall=0.5, target_precision=0.5)


def test_bad_arguments_are_one_line_errors(scored):
    with pytest.raises(VnflagError, match="budget"):
        build_queue(scored, budget=0)
    with pytest.raises(VnflagError, match="policy"):
        build_queue(scored, policy="best")
    with pytest.raises(VnflagError, match="'score'"):
        build_queue(scored.drop(columns="score"))
    with pytest.raises(VnflagError, match="explore"):
        build_queue(scored, explore=1.5)


def test_missing_ids_get_stable_ids_and_unscored_rows_are_skipped():
    frame = pd.DataFrame({"id": ["a", "", None, ""], "text": ["x y z", "một bài", "một bài", "   "],
                          "score": [0.9, 0.8, 0.8, np.nan]})
    ids = stable_ids(frame)
    assert ids[0] == "a" and ids[1].startswith("t") and ids[2] == ids[1] + "-2"
    assert stable_ids(frame) == ids
    queue = build_queue(frame, budget=10)
    assert len(queue) == 2  # the two identical texts are one item; the empty text is not queued
    assert sorted(queue.iloc[1]["member_ids"]) == sorted(ids[1:3])


def test_redaction(tmp_path):
    frame = pd.DataFrame({"id": ["p1", "p2"], "score": [0.9, 0.2],
                          "text": ["Nhắn 0900 555 123 hoặc lan.tran@example.com để nhận quà", "Trời đẹp quá"]})
    queue = build_queue(frame, budget=2, redact=True)
    assert queue.loc[0, "text"] == "Nhắn [số điện thoại] hoặc [email] để nhận quà"
    for name in ("q.csv", "q.xlsx", "q.jsonl", "q.labelstudio.json", "q.argilla.json"):
        export_queue(queue, tmp_path / name)
        assert "0900 555 123" not in read_reviews(tmp_path / name)["text"].str.cat()
    # the internal record keeps the original text, for retraining
    record = read_queue_record(tmp_path / "q.csv")
    assert record["redacted"] is True
    assert "0900 555 123" in record["items"][0]["members"][0]["text"]
    unredacted = build_queue(frame, budget=2)
    assert "0900 555 123" in unredacted.loc[0, "text"]


@pytest.mark.parametrize("name", ["q.csv", "q.xlsx", "q.jsonl", "q.labelstudio.json", "q.argilla.json"])
def test_exports_read_back_without_loss(scored, tmp_path, name):
    scored = scored.copy()
    scored.loc[99, "id"] = "007"  # ids stay text
    scored.loc[5, "text"] = 'Dòng 1\n"trích dẫn", dấu phẩy; và emoji 😱'  # quoting, newlines, emoji survive
    scored.loc[5, "score"] = 0.999
    queue = build_queue(scored, budget=12, explore=0.25)
    assert "007" in queue["id"].tolist()
    record = export_queue(queue, tmp_path / name)
    assert record == record_path(tmp_path / name) and record.is_file()
    back = read_reviews(tmp_path / name)
    # CSV and XLSX rows as a spreadsheet shows them (header = row 1); JSONL records, tasks, records from 1
    assert back["source_row"].tolist() == list(range(2, 14) if name.endswith((".csv", ".xlsx")) else range(1, 13))
    for column in QUEUE_COLUMNS:
        assert back[column].tolist() == queue[column].tolist(), column


def test_xlsx_has_decision_dropdown(scored, tmp_path):
    from openpyxl import load_workbook

    export_queue(build_queue(scored, budget=5), tmp_path / "q.xlsx")
    sheet = load_workbook(tmp_path / "q.xlsx").active
    header = [c.value for c in sheet[1]]
    letter = "ABCDEFGHIJKLMN"[header.index("decision")]
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].formula1 == '"misleading,ok,unsure"'
    assert f"{letter}2:{letter}6" in str(validations[0].sqref)


def test_label_studio_predictions_and_annotations(scored, tmp_path):
    queue = build_queue(scored, budget=3)
    export_queue(queue, tmp_path / "q.labelstudio.json")
    tasks = json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))
    prediction = tasks[0]["predictions"][0]
    assert prediction["model_version"] == "m1" and prediction["score"] == queue.loc[0, "score"]
    tasks[0]["annotations"] = [
        {"completed_by": {"email": "lan@example.org"}, "updated_at": "2026-11-01T10:00:00Z",
         "result": [{"from_name": "decision", "type": "choices", "value": {"choices": ["misleading"]}},
                    {"from_name": "note", "type": "textarea", "value": {"text": ["nguồn giả"]}}]},
        {"completed_by": 7, "result": [{"from_name": "decision", "type": "choices", "value": {"choices": ["ok"]}}]},
        {"completed_by": 8, "was_cancelled": True, "result": []},
    ]
    (tmp_path / "r.labelstudio.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    back = read_reviews(tmp_path / "r.labelstudio.json")
    assert len(back) == 4  # two annotations on task 1, tasks 2 and 3 unannotated
    assert back.loc[0, ["decision", "reviewer", "note", "reviewed_at"]].tolist() == [
        "misleading", "lan@example.org", "nguồn giả", "2026-11-01T10:00:00Z"]
    # a numeric annotator id is stored as labelstudio:<id>, as the snapshot export's {"id": 7, ...} is
    assert back.loc[1, ["decision", "reviewer"]].tolist() == ["ok", "labelstudio:7"]
    assert back["source_row"].tolist() == [1, 1, 2, 3]


def test_argilla_responses_in_both_layouts(scored, tmp_path):
    queue = build_queue(scored, budget=2)
    export_queue(queue, tmp_path / "q.argilla.json")
    records = json.loads((tmp_path / "q.argilla.json").read_text(encoding="utf-8"))
    suggestion = records[0]["suggestions"]["decision"]  # keyed by question, as rg.Record.from_dict reads it
    assert suggestion["score"] == queue.loc[0, "score"] and suggestion["value"] == "misleading"
    records[0]["responses"] = [{"question_name": "decision", "value": "unsure", "user_id": "u1", "status": "submitted"},
                               {"question_name": "note", "value": "cần hỏi", "user_id": "u1", "status": "submitted"},
                               {"question_name": "decision", "value": "ok", "user_id": "u2", "status": "draft"}]
    records[1]["responses"] = {"decision": [{"value": "misleading", "user_id": "u3", "status": "submitted"}]}
    (tmp_path / "r.argilla.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    back = read_reviews(tmp_path / "r.argilla.json")
    assert back[["id", "decision", "reviewer", "note"]].values.tolist() == [
        [queue.loc[0, "id"], "unsure", "argilla:u1", "cần hỏi"], [queue.loc[1, "id"], "misleading", "argilla:u3", ""]]
    assert back.attrs["skipped"] == {"draft": 1}
