"""Hostile post texts, ids and notes survive every reviewer export format and the import, byte for
byte: export → a reviewer fills ``decision`` and ``note`` → import → the store holds the originals."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews
from vnflag.io.cells import escape_csv_text, escape_xlsx_text

FORMATS = ("csv", "xlsx", "jsonl", "labelstudio.json", "argilla.json")
HOSTILE_STARTS = ["=", "+", "-", "@", "\t", "\r", "\n", "'", "''", " =", "\u3000@", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20", "=HYPERLINK(\"http://x.vn/?\"&A1,\"bấm\")", "=cmd|' /C calc'!A0", "-0.5", "_x001D_",
                  "_x005F_x0041_", "\x08", "\x0b", "\x1d", "\x00", "\r\n", ""]
CHARS = st.one_of(st.sampled_from(list("=+-@'_x0DF5\t\r\n ,;\"") + ["\x00", "\x08", "\x0b", "\x0c", "\x1d", "\x1f",
                                                                    "\ufffe", "\uffff", "😱", "ữ"]),
                  st.characters(blacklist_categories=("Cs",)))
HOSTILE = st.builds(lambda start, rest: start + rest, st.sampled_from(HOSTILE_STARTS), st.text(CHARS, max_size=12))


def _fill(path: Path, notes: dict[str, str]) -> None:
    """A reviewer's edit of each export: decision ``misleading`` and the note of each row's id,
    saved the way the tool keeps a cell (spreadsheets keep the text as shown)."""
    name = path.name
    if name.endswith(".csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        ids = read_reviews(path)["id"].tolist()
        frame["decision"] = "misleading"
        frame["note"] = [escape_csv_text(notes[i]) for i in ids]
        frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        ids = read_reviews(path)["id"].tolist()
        book = load_workbook(path)
        sheet = book.active
        header = [c.value for c in sheet[1]]
        for row, post_id in enumerate(ids, start=2):
            sheet.cell(row, header.index("decision") + 1).value = "misleading"
            cell = sheet.cell(row, header.index("note") + 1)
            cell.value = escape_xlsx_text(notes[post_id])  # as Excel writes what a reviewer typed
            cell.data_type = "s"
        book.save(path)
    elif name.endswith(".jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
        for row in rows:
            row.update(decision="misleading", reviewer="lan", note=notes[row["id"]])
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif name.endswith(".labelstudio.json"):
        tasks = json.loads(path.read_text(encoding="utf-8"))
        for task in tasks:
            task["annotations"] = [{"completed_by": 3, "result": [
                {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["misleading"]}},
                {"from_name": "note", "to_name": "text", "type": "textarea",
                 "value": {"text": [notes[task["data"]["id"]]]}}]}]
        path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    else:
        records = json.loads(path.read_text(encoding="utf-8"))
        for record in records:
            record["responses"] = [
                {"question_name": "decision", "value": "misleading", "user_id": "u1", "status": "submitted"},
                {"question_name": "note", "value": notes[record["metadata"]["id"]], "user_id": "u1",
                 "status": "submitted"}]
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def _round_trip(texts: list[str], ids: list[str], notes: list[str], scores: list[float]) -> None:
    scored = pd.DataFrame({"id": ids, "text": texts, "score": scores, "reasons": texts[::-1], "model_version": "m1"})
    queue = build_queue(scored, budget=len(texts), similarity=1.0)
    original = dict(zip(ids, texts))
    by_id = dict(zip(ids, notes))
    with tempfile.TemporaryDirectory() as work:
        for ext in FORMATS:
            path = Path(work) / f"queue.{ext}"
            export_queue(queue, path)
            shown = read_reviews(path)
            for column in ("id", "text", "reasons", "item_id", "member_ids", "score", "rank", "group_size"):
                assert shown[column].tolist() == queue[column].tolist(), (ext, column)
            _fill(path, by_id)
            store = LabelStore(Path(work) / f"labels-{ext}.sqlite")
            report = store.import_reviews(path)
            assert not report.bad_rows, (ext, report.bad_rows)
            reviews = store.reviews()
            assert sorted(reviews["post_id"]) == sorted(ids), ext
            for post_id, note, item_id in zip(reviews["post_id"], reviews["note"], reviews["item_id"]):
                representative = queue.loc[queue["item_id"] == item_id, "id"].iloc[0]
                assert note == (by_id[representative] if by_id[representative].strip() else ""), (ext, post_id)
            training = store.training_frame()
            assert dict(zip(training["id"], training["text"])) == original, ext


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # each example is slow: no shrinking
@given(st.lists(st.tuples(HOSTILE, HOSTILE.map(str.strip).filter(bool), HOSTILE), min_size=1, max_size=4,
                unique_by=lambda t: t[1]))
def test_hostile_texts_ids_and_notes_round_trip_through_every_format(rows):
    texts, ids, notes = (list(column) for column in zip(*rows))
    texts = [f"{t} #{n}" for n, t in enumerate(texts)]  # distinct posts, so none are grouped together
    _round_trip(texts, ids, notes, [0.9 - 0.1 * n for n in range(len(rows))])


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_each_hostile_start_round_trips(start):
    text = start + "Bộ Y tế khuyến cáo\x1d"
    _round_trip([text, "tin bình thường"], [(start + "id").strip() or "p", "p2"], [start + "ghi chú", start],
                [-0.5, 0.25])
