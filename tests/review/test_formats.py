"""Reviewer files: formulas neutralised, malformed exports as clean errors, Label Studio/Argilla
exports recognised by content, stable reviewer identity, every note entry kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews

INJECTIONS = ["=HYPERLINK(\"http://evil.vn\",\"bấm\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
              "\t=1", "\r=1", " =1", "\uff1d1+1", "'đã trích"]


@pytest.fixture()
def queue() -> pd.DataFrame:
    scored = pd.DataFrame({"id": [f"=id{i}" if i % 2 else f"p{i}" for i in range(len(INJECTIONS))],
                           "text": [f"{t} bài {i}" for i, t in enumerate(INJECTIONS)],
                           "score": [0.9 - 0.05 * i for i in range(len(INJECTIONS))],
                           "reasons": INJECTIONS, "model_version": "m1"})
    return build_queue(scored, budget=len(INJECTIONS), similarity=1.0)


def test_csv_cells_never_start_like_a_formula(queue, tmp_path):
    export_queue(queue, tmp_path / "q.csv")
    with open(tmp_path / "q.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in ("id", "text", "reasons"):
            assert row[column][:1] not in ("=", "+", "-", "@", "\t", "\r", "\uff1d")
            assert not row[column].lstrip()[:1] in ("=", "+", "-", "@")
        assert float(row["score"]) > 0 and row["rank"].isdigit()  # numbers stay numbers
    assert rows[-1]["reasons"] == "''đã trích"  # an existing leading ' is escaped too, so it reads back
    back = read_reviews(tmp_path / "q.csv")
    for column in ("id", "text", "reasons", "score", "rank"):
        assert back[column].tolist() == queue[column].tolist()


def test_xlsx_cells_are_strings_never_formulas(queue, tmp_path):
    from openpyxl import load_workbook

    export_queue(queue, tmp_path / "q.xlsx")
    sheet = load_workbook(tmp_path / "q.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for row in sheet.iter_rows(min_row=2):
        by_name = dict(zip(header, row))
        assert by_name["text"].data_type == "s"
        assert bool(by_name["text"].quotePrefix) == (not by_name["text"].value.startswith("'"))  # formula-like
        assert by_name["score"].data_type == "n" and by_name["rank"].data_type == "n"
    assert read_reviews(tmp_path / "q.xlsx")["text"].tolist() == queue["text"].tolist()


def test_negative_scores_stay_numbers(tmp_path):
    scored = pd.DataFrame({"id": ["a", "b"], "text": ["x", "y"], "score": [-0.5, -0.25]})
    queue = build_queue(scored, budget=2)
    for name in ("q.csv", "q.xlsx"):
        export_queue(queue, tmp_path / name)
        assert read_reviews(tmp_path / name)["score"].tolist() == [-0.25, -0.5]
    assert "\n1,g" in (tmp_path / "q.csv").read_text(encoding="utf-8") and ",-0.25," in (tmp_path / "q.csv").read_text()


def test_xlsx_control_characters_do_not_crash_and_read_back(tmp_path):
    texts = ["Tin\x08 khẩn\x0b cấp\x1d", "a\x00b\x1fc\r\nd", "literal _x001D_ and _x005F_", "\x0c=1+1"]
    scored = pd.DataFrame({"id": ["a\x1d", "b", "c", "d"], "text": texts, "score": [0.9, 0.8, 0.7, 0.6]})
    queue = build_queue(scored, budget=4, similarity=1.0)
    export_queue(queue, tmp_path / "q.xlsx")
    back = read_reviews(tmp_path / "q.xlsx")
    assert back["text"].tolist() == queue["text"].tolist() and back["id"].tolist() == queue["id"].tolist()


# ----------------------------------------------------------------------------- content detection
def _ls_export(queue: pd.DataFrame, tmp_path: Path, annotate) -> list:
    export_queue(queue, tmp_path / "q.labelstudio.json")
    tasks = json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))
    for task in tasks:
        task["annotations"] = annotate(task)
    return tasks


def _annotation(who, decision="misleading", notes=("nguồn giả",)):
    return {"completed_by": who, "result": [
        {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": [decision]}},
        {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": list(notes)}}]}


def test_label_studio_and_argilla_exports_named_json_are_recognised(queue, tmp_path):
    tasks = _ls_export(queue, tmp_path, lambda task: [_annotation(1)])
    named = tmp_path / "project-1-at-2026-12-01-10-00-abc123.json"
    named.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert read_reviews(named)["decision"].tolist() == ["misleading"] * len(queue)
    export_queue(queue, tmp_path / "a.argilla.json")
    records = json.loads((tmp_path / "a.argilla.json").read_text(encoding="utf-8"))
    records[0]["responses"] = [{"question_name": "decision", "value": "ok", "user_id": "u1", "status": "submitted"}]
    (tmp_path / "dataset.json").write_text(json.dumps(records), encoding="utf-8")
    assert read_reviews(tmp_path / "dataset.json")["decision"].tolist()[0] == "ok"
    for payload in ([{"id": 1, "text": "x"}], {"data": {}}, [], [1, 2]):
        (tmp_path / "other.json").write_text(json.dumps(payload), encoding="utf-8")
        with pytest.raises(VnflagError, match="not a Label Studio export .* nor an Argilla export|expected a list"):
            read_reviews(tmp_path / "other.json")


def test_snapshot_and_standard_exports_store_each_decision_once(queue, tmp_path):
    standard = _ls_export(queue, tmp_path, lambda task: [_annotation(1), _annotation(2, "ok")])
    snapshot = json.loads(json.dumps(standard))
    for task in snapshot:
        task["annotations"][0]["completed_by"] = {"id": 1, "email": "anh@x.vn", "first_name": "Anh"}
        task["annotations"][1]["completed_by"] = {"id": 2, "email": "binh@x.vn"}
    (tmp_path / "standard.json").write_text(json.dumps(standard, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "snapshot.json").write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    store = LabelStore(tmp_path / "labels.sqlite")
    first = store.import_reviews(tmp_path / "standard.json", queue=tmp_path / "q.labelstudio.json")
    second = store.import_reviews(tmp_path / "snapshot.json", queue=tmp_path / "q.labelstudio.json")
    assert first.stored == 2 * queue["group_size"].sum() and second.stored == 0
    assert set(store.reviews()["reviewer"]) == {"labelstudio:1", "labelstudio:2"}
    assert set(store.reviews()["note"]) == {"nguồn giả"}
    mapped = LabelStore(tmp_path / "mapped.sqlite")
    (tmp_path / "names.csv").write_text("id,name\n1,anh\nbinh@x.vn,bình\n", encoding="utf-8")
    for name in ("standard.json", "snapshot.json"):
        mapped.import_reviews(tmp_path / name, queue=tmp_path / "q.labelstudio.json",
                              reviewer_map={1: "anh", 2: "bình"} if name == "standard.json" else tmp_path / "names.csv")
    assert len(mapped.reviews()) == 2 * queue["group_size"].sum() and set(mapped.reviews()["reviewer"]) == {"anh", "bình"}


def test_argilla_user_ids_are_mapped(queue, tmp_path):
    export_queue(queue, tmp_path / "q.argilla.json")
    records = json.loads((tmp_path / "q.argilla.json").read_text(encoding="utf-8"))
    records[0]["responses"] = {"decision": [{"value": "ok", "user_id": "5f1c-uuid", "status": "submitted"}]}
    (tmp_path / "q.argilla.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "names.json").write_text(json.dumps([{"id": "5f1c-uuid", "name": "chi"}]), encoding="utf-8")
    assert read_reviews(tmp_path / "q.argilla.json")["reviewer"][0] == "argilla:5f1c-uuid"
    assert read_reviews(tmp_path / "q.argilla.json", reviewer_map=tmp_path / "names.json")["reviewer"][0] == "chi"


def test_every_note_entry_is_kept_and_reimport_deduplicates(queue, tmp_path):
    tasks = _ls_export(queue, tmp_path, lambda task: [_annotation(4, notes=("nguồn giả", "ảnh cắt ghép"))])
    (tmp_path / "r.labelstudio.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    back = read_reviews(tmp_path / "r.labelstudio.json")
    assert set(back["note"]) == {"nguồn giả\nảnh cắt ghép"}
    store = LabelStore(tmp_path / "labels.sqlite")
    assert store.import_reviews(tmp_path / "r.labelstudio.json", queue=tmp_path / "q.labelstudio.json").stored > 0
    assert store.import_reviews(tmp_path / "r.labelstudio.json", queue=tmp_path / "q.labelstudio.json").stored == 0


# ----------------------------------------------------------------------------- malformed exports
TASK = {"data": {"id": "p0", "queue_id": "q1"}}
MALFORMED_LS = [
    ({"tasks": []}, "expected a list"),
    ([{**TASK, "annotations": "x"}], "task 1: 'annotations' must be a list"),
    ([{}], "task 1: 'data' must be an object"),
    ([1, 2], "task 1: 'task' must be an object"),
    ([{"data": None, "annotations": []}], "task 1: 'data' must be an object"),
    ([TASK, {**TASK, "annotations": [{"result": 5}]}], "task 2 annotation 1: 'result' must be a list"),
    ([{**TASK, "annotations": [{"result": [{"from_name": "decision", "value": []}]}]}], "result 1: 'value'"),
    ([{**TASK, "annotations": [{"result": [{"from_name": "decision", "value": {"choices": "ok"}}]}]}], "'choices'"),
    ([{**TASK, "annotations": [{"completed_by": [1], "result": []}]}], "'completed_by' must be"),
    ([{**TASK, "annotations": [{"completed_by": True, "result": []}]}], "'completed_by' must be"),
    ([{**TASK, "annotations": ["x"]}], "annotation 1: 'annotation' must be an object"),
]
MALFORMED_ARGILLA = [
    ({"records": []}, "expected a list"),
    (["x"], "record 1: 'record' must be an object"),
    ([{"fields": "x"}], "record 1: 'fields' must be an object"),
    ([{"fields": {}, "responses": 5}], "record 1: 'responses' must be a list or an object"),
    ([{"fields": {}, "responses": [5]}], "record 1 response 1"),
    ([{"fields": {}, "responses": {"decision": 5}}], "'responses.decision' must be a list"),
    ([{"fields": {}, "responses": [{"question_name": "decision", "value": ["ok"], "user_id": "u",
                                    "status": "submitted"}]}], "'decision'"),
    # issue 19: a response that does not say its status may be a draft; an unknown status is no decision
    ([{"fields": {}, "responses": {"decision": [{"value": "ok", "user_id": "u"}]}}], r"to_list\(flatten=True\)"),
    ({"r1": {"fields": {}, "responses": {"decision": [{"value": "ok", "user_id": "u"}]}}}, "record 1: a response"),
    ([{"fields": {}, "responses": [{"question_name": "decision", "value": "ok", "user_id": "u", "status": "pending"}]}],
     "record 1: unknown response status 'pending'"),
    ([{"_server_id": "s", "decision.responses": ["ok"], "decision.responses.users": ["u"],
       "decision.responses.status": []}], "record 1: 'decision.responses', .* one length, got 1, 1 and 0"),
    ([{"_server_id": "s", "decision.responses": "ok"}], "record 1: 'decision.responses' must be a list"),
    ([{"_server_id": "s", "decision.responses": ["ok", "misleading"], "decision.responses.users": ["u", "u"],
       "decision.responses.status": ["submitted", "submitted"]}], "record 1: user 'u' answers 'decision' twice"),
    ([{"fields": {}, "responses": [{"question_name": "decision", "value": "ok", "user_id": "None",
                                    "status": "submitted"}]}], "record 1: user_id"),
]


@pytest.mark.parametrize("payload, message", MALFORMED_LS)
def test_malformed_label_studio_exports_are_one_clean_error(tmp_path, payload, message):
    (tmp_path / "r.labelstudio.json").write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(VnflagError, match=message.replace("(", r"\(").replace("[", r"\[")):
        read_reviews(tmp_path / "r.labelstudio.json")


@pytest.mark.parametrize("payload, message", MALFORMED_ARGILLA)
def test_malformed_argilla_exports_are_one_clean_error(tmp_path, payload, message):
    (tmp_path / "r.argilla.json").write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(VnflagError, match=message) as refused:
        read_reviews(tmp_path / "r.argilla.json")
    assert str(refused.value).startswith(f"{tmp_path / 'r.argilla.json'}: ")  # the file is named


@pytest.mark.parametrize("content, message", [("[1, 2]\n", "line 1: expected a JSON object"),
                                              ('{"id": "a"}\n{"id": \n', "line 2: not valid JSON"),
                                              ('{"id": "\\ud800"}\n', "line 1: key 'id' holds a lone surrogate"),
                                              ('{"id": "a", "id": "b"}\n', r"line 1: not valid JSON \(duplicate key\(s\) 'id'\)"),
                                              ("[" * 100_000 + "\n", "line 1")])
def test_malformed_jsonl_lines_are_one_clean_error(tmp_path, content, message):
    (tmp_path / "r.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(VnflagError, match=message):
        read_reviews(tmp_path / "r.jsonl")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=20)
KEYS = st.sampled_from(["data", "annotations", "predictions", "result", "value", "choices", "text", "from_name",
                        "completed_by", "was_cancelled", "id", "queue_id", "decision", "note", "fields", "responses",
                        "metadata", "values", "user_id", "status", "question_name", "member_ids", "score", "rank",
                        "group_size", "updated_at", "email", "user",
                        # the argilla SDK's flat export (to_list(flatten=True)) and nested record keys
                        "_server_id", "decision.responses", "decision.responses.users", "decision.responses.status",
                        "note.responses", "suggestions", "item_id"])
NEAR_MISS = st.recursive(
    JSON, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.sampled_from(["decision", "note"]),
                                                                      inner | st.sampled_from(["decision", "note", "ok"]),
                                                                      max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(NEAR_MISS, st.lists(NEAR_MISS, max_size=4)),
       kind=st.sampled_from(["r.labelstudio.json", "r.argilla.json", "r.jsonl", "r.json"]))
def test_arbitrary_json_reads_or_raises_a_vnflag_error(tmp_path, payload, kind):
    path = tmp_path / kind
    if kind.endswith(".jsonl"):
        lines = payload if isinstance(payload, list) else [payload]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    else:
        path.write_text(json.dumps(payload), encoding="utf-8")
    try:
        read_reviews(path)
    except VnflagError:
        pass
    store = LabelStore(tmp_path / "labels.sqlite")
    try:
        store.import_reviews(path, queue={"queue_id": "q1", "items": [{"item_id": "g1", "members": [{"id": "p0"}]}]})
    except VnflagError:
        pass


def test_label_studio_user_ids_as_json_numbers_keep_their_digits(queue, tmp_path):
    ids = ["1.0", "12345678901234567890", "1e999999999"]  # 1.0 is user 1; a huge exponent is kept as written
    tasks = _ls_export(queue, tmp_path, lambda task: [_annotation(0)])
    text = json.dumps(tasks[:3], ensure_ascii=False)
    for number in ids:
        text = text.replace('"completed_by": 0', f'"completed_by": {number}', 1)
    (tmp_path / "numbers.json").write_text(text, encoding="utf-8")
    assert read_reviews(tmp_path / "numbers.json")["reviewer"].tolist() == [
        "labelstudio:1", "labelstudio:12345678901234567890", "labelstudio:1e999999999"]


# -- issue 18 class 6: formulas after , ; tab or a line break; a reviewer's own leading quote -----------
SPLITS = ("Tin nóng;=1+1", "Tin nóng,=HYPERLINK(\"http://x.vn\")", "a\t@SUM(A1)", "dòng 1\n+1", "dòng 1\r\n-1",
          "giảm giá; \"=1\"", "a;'b", "x;\uff1d1")


def _split_pieces_of_file(path: Path) -> list[str]:
    """Every piece a spreadsheet can make of the file's text by splitting at , ; tab or a line break,
    whatever the CSV quoting."""
    import re

    return re.split("[,;\t\r\n]", path.read_text(encoding="utf-8"))


def _starts_like_formula(piece: str) -> bool:
    return piece.lstrip().lstrip('"').lstrip()[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def test_no_split_piece_of_a_csv_queue_starts_like_a_formula(tmp_path):
    scored = pd.DataFrame({"id": [f"{t[:3]}-id{i}" for i, t in enumerate(SPLITS)], "text": list(SPLITS),
                           "score": [0.9 - 0.05 * i for i in range(len(SPLITS))], "reasons": list(SPLITS),
                           "model_version": "m1"})
    queue = build_queue(scored, budget=len(SPLITS), similarity=1.0)
    for name, reviewers in (("q.csv", ()), ("r.csv", ("anh", "binh"))):
        export_queue(queue, tmp_path / name, reviewers=reviewers)
    written = [p for p in tmp_path.glob("*.csv")]
    assert len(written) == 3
    for path in written:
        assert not [p for p in _split_pieces_of_file(path) if _starts_like_formula(p)], path.name
    assert "Tin nóng;'=1+1" in (tmp_path / "q.csv").read_text(encoding="utf-8")
    back = read_reviews(tmp_path / "q.csv")
    assert back["text"].tolist() == queue["text"].tolist() and back["id"].tolist() == queue["id"].tolist()
    assert back["reasons"].tolist() == queue["reasons"].tolist()


@pytest.mark.parametrize("note", ["'tin đồn' là sai", "'VTV' nói vậy; 'nguồn' khác", "'"])
def test_a_note_typed_with_a_leading_quote_keeps_it(tmp_path, queue, note):
    path = tmp_path / "q.csv"
    export_queue(queue, path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["decision"], frame["note"] = "ok", note  # typed by the reviewer, as the file keeps it
    frame.to_csv(path, index=False)
    assert set(read_reviews(path)["note"]) == {note}


#: Arbitrary texts, some of them long enough to pass an XLSX cell's 32,767 characters once escaped.
ANY_TEXT = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                     st.builds(lambda piece, times: piece * times,
                               st.lists(st.sampled_from(["\x01", "x", ";=", "_x0041_", "'", "ữ"]), min_size=1,
                                        max_size=3).map("".join), st.integers(3000, 12_000)))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=3))
def test_any_text_round_trips_through_csv_and_xlsx_queues_or_is_refused(tmp_path, texts):
    from vnflag.io.tables import TableLimitError

    scored = pd.DataFrame({"id": [f"p{n}" for n in range(len(texts))],
                           "text": [f"{t}#{n}" for n, t in enumerate(texts)],  # distinct: none grouped together
                           "score": [0.9 - 0.1 * n for n in range(len(texts))], "reasons": "", "model_version": "m1"})
    queue = build_queue(scored, budget=len(texts), similarity=1.0)
    for name in ("q.csv", "q.xlsx"):
        out = tmp_path / name.replace(".", "-")
        out.mkdir(exist_ok=True)
        for old in out.iterdir():
            old.unlink()
        try:
            export_queue(queue, out / name, reviewers=("anh", "binh"), overlap=1.0)
        except TableLimitError:
            assert name == "q.xlsx" and not list(out.iterdir())  # refused before any file was written
            continue
        for reviewer in ("anh", "binh"):
            back = read_reviews(out / name.replace(".", f".{reviewer}."))
            assert back["text"].tolist() == queue["text"].tolist(), name
            if name == "q.csv":  # no piece a spreadsheet splits off starts like a formula
                pieces = _split_pieces_of_file(out / name.replace(".", f".{reviewer}."))
                assert not [p for p in pieces if _starts_like_formula(p)]


@pytest.mark.parametrize("ext", ["labelstudio.json", "argilla.json"])
def test_a_tool_export_refused_for_one_reviewers_item_writes_no_file(tmp_path, ext):
    # a suggestion needs a finite score; the refused item may be in any reviewer's file: all files, or none
    scored = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["tin một", "tin hai khác", "bài ba nữa", "chuyện tư"],
                           "score": [0.9, 0.8, 0.7, float("inf")], "model_version": "m1"})
    queue = build_queue(scored, budget=4, similarity=1.0)
    with pytest.raises(VnflagError, match=r"queue item \S+ \(post d\): a suggestion needs a finite score"):
        export_queue(queue, tmp_path / f"q.{ext}", reviewers=["anh", "binh"])
    assert not list(tmp_path.iterdir())
