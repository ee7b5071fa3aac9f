"""The review import meets the same hostile tables as scoring (tests/io/test_hostile_tables.py):
duplicate headers and keys, ids of 2^53 and more, undecodable bytes, workbooks with several
sheets, blank lines. Through :func:`read_reviews` and ``vnflag labels import`` alike, each is a
one-line error naming the file and the row, line, cell or field, with nothing stored, or it reads
every row exactly."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from conftest import run_cli, to_cp1258
from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews

BIG_ID = "12345678901234567890"  # more than 2^53: a float would change its last digits
IDS = ["p1", BIG_ID, "p3"]
TEXTS = ["Bộ Y tế khuyến cáo uống nước chanh", "Tin nóng: đã có thuốc đặc trị", "Thời tiết hôm nay đẹp"]



def _export(folder: Path, name: str) -> Path:
    scored = pd.DataFrame({"id": IDS, "text": TEXTS, "score": [0.9, 0.8, 0.7], "model_version": "m1"})
    path = folder / name
    export_queue(build_queue(scored, budget=3, similarity=1.0), path)
    return path


def _filled_csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    position = rows[0].index("decision")
    for row in rows[1:]:
        row[position] = "misleading"
    return rows


def _write_csv_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _filled_jsonl(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        row["decision"] = "misleading"
    return rows


def _filled_tasks(path: Path) -> list[dict]:
    tasks = json.loads(path.read_text(encoding="utf-8"))
    for task in tasks:
        task["annotations"] = [{"completed_by": 1, "result": [
            {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["misleading"]}}]}]
    return tasks


def _filled_records(path: Path) -> list[dict]:
    records = json.loads(path.read_text(encoding="utf-8"))
    for record in records:
        record["responses"] = [{"question_name": "decision", "value": "misleading", "user_id": "u1",
                                "status": "submitted"}]
    return records


def _workbook(path: Path):
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["queue"]
    header = [c.value for c in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, header.index("decision") + 1).value = "misleading"
    return book, sheet, header


# -- each hostile file: how to make it from a fresh export, and what the error must say ----------

def _csv_duplicate_header(folder: Path) -> Path:
    path = _export(folder, "q.csv")
    rows = _filled_csv_rows(path)
    _write_csv_rows(path, [rows[0] + ["note"], *[r + ["second note"] for r in rows[1:]]])
    return path


def _xlsx_duplicate_header(folder: Path) -> Path:
    path = _export(folder, "q.xlsx")
    book, sheet, header = _workbook(path)
    sheet.cell(1, len(header) + 1).value = "decision"
    sheet.cell(2, len(header) + 1).value = "ok"
    book.save(path)
    return path


def _jsonl_duplicate_key(folder: Path) -> Path:
    path = _export(folder, "q.jsonl")
    lines = [json.dumps(r, ensure_ascii=False) for r in _filled_jsonl(path)]
    lines[1] = '{"decision": "ok", ' + lines[1][1:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _labelstudio_duplicate_key(folder: Path) -> Path:
    path = _export(folder, "q.labelstudio.json")
    text = json.dumps(_filled_tasks(path), ensure_ascii=False, indent=1)
    path.write_text(text.replace('"data": {', '"data": {"id": "other", ', 1), encoding="utf-8")
    return path


def _argilla_duplicate_key(folder: Path) -> Path:
    path = _export(folder, "q.argilla.json")
    text = json.dumps(_filled_records(path), ensure_ascii=False, indent=1)
    path.write_text(text.replace('"fields": {', '"fields": {"text": "other", ', 1), encoding="utf-8")
    return path


def _xlsx_id_that_lost_digits(folder: Path) -> Path:
    path = _export(folder, "q.xlsx")
    book, sheet, header = _workbook(path)
    row = 2 + [sheet.cell(r, header.index("id") + 1).value for r in range(2, 5)].index(BIG_ID)
    sheet.cell(row, header.index("id") + 1).value = float(BIG_ID)  # what Excel keeps of a pasted long id
    book.save(path)
    return path


def _xlsx_two_sheets(folder: Path) -> Path:
    path = _export(folder, "q.xlsx")
    book, _, _ = _workbook(path)
    book.create_sheet("Notes").append(["ghi chú"])
    book.save(path)
    return path


def _cp1258(name: str, fill: Callable[[Path], str]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = _export(folder, name)
        path.write_bytes(to_cp1258(fill(path)))
        return path
    return make


def _csv_text(path: Path) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(_filled_csv_rows(path))
    return buffer.getvalue()


def _csv_blank_line(folder: Path) -> Path:
    path = _export(folder, "q.csv")
    lines = _csv_text(path).split("\n")
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]), encoding="utf-8")
    return path


def _byte_error(path: Path) -> str:
    raw = path.read_bytes()
    offset = next(i for i, b in enumerate(raw) if b >= 0x80)
    line = raw[:offset].count(b"\n") + 1
    return re.escape(f"not valid utf-8: byte 0x{raw[offset]:02x} at offset {offset} (line {line}) cannot be "
                     "decoded; it looks like cp1258")


def _object_error(path: Path, opening: str, key: str) -> str:
    """The error for a duplicated key: the line and column where its object starts."""
    text = path.read_text(encoding="utf-8")
    start = text.index(opening) + len(opening) - 1
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    return re.escape(f"line {line}, column {column}: not valid JSON (duplicate key(s) '{key}')")


REFUSED = {
    "csv duplicate header": (_csv_duplicate_header, r"duplicate column name\(s\) 'note'"),
    "xlsx duplicate header": (_xlsx_duplicate_header, r"sheet 'queue': duplicate column name\(s\) 'decision'"),
    "jsonl duplicate key": (_jsonl_duplicate_key, r"line 2: not valid JSON \(duplicate key\(s\) 'decision'\)"),
    "labelstudio duplicate key": (_labelstudio_duplicate_key, lambda path: _object_error(path, '"data": {', "id")),
    "argilla duplicate key": (_argilla_duplicate_key, lambda path: _object_error(path, '"fields": {', "text")),
    "xlsx id of 2^53 or more": (_xlsx_id_that_lost_digits,
                                r"sheet 'queue' cell [A-Z]+\d: the number 1\.23456789\d*e\+19 .* already lost"),
    "xlsx with two sheets": (_xlsx_two_sheets, r"2 sheets have data \('queue', 'Notes'\); choose one as .*q\.xlsx#queue"),
    "csv in cp1258": (_cp1258("q.csv", _csv_text), _byte_error),
    "jsonl in cp1258": (_cp1258("q.jsonl", lambda p: "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                             for r in _filled_jsonl(p))), _byte_error),
    "labelstudio in cp1258": (_cp1258("q.labelstudio.json",
                                      lambda p: json.dumps(_filled_tasks(p), ensure_ascii=False)), _byte_error),
    "argilla in cp1258": (_cp1258("q.argilla.json",
                                  lambda p: json.dumps(_filled_records(p), ensure_ascii=False)), _byte_error),
    "blank line in a wide csv": (_csv_blank_line, r"data row 2 \(line 3\) has 0"),
}



@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_review_table_is_one_line_error_and_nothing_stored(tmp_path, case):
    make, expected = REFUSED[case]
    path = make(tmp_path)
    expected = expected(path) if callable(expected) else expected
    with pytest.raises(VnflagError) as caught:
        read_reviews(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: "), message
    assert re.search(expected, message), message

    store = tmp_path / "labels.sqlite"
    status, out, err = run_cli("labels", "import", path, "--store", store)
    assert status == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("vnflag: error: ") and re.search(expected, err), err
    assert not store.exists(), "nothing stored"


# -- hostile but readable: every row, exactly ----------------------------------------------------

def _jsonl_numeric_ids(folder: Path) -> Path:
    path = _export(folder, "q.jsonl")
    lines = [json.dumps(r, ensure_ascii=False) for r in _filled_jsonl(path)]
    path.write_text("\n".join(line.replace(f'"id": "{BIG_ID}"', f'"id": {BIG_ID}') for line in lines) + "\n",
                    encoding="utf-8")
    assert f'"id": {BIG_ID},' in path.read_text(encoding="utf-8")
    return path


def _labelstudio_numeric_ids(folder: Path) -> Path:
    path = _export(folder, "q.labelstudio.json")
    text = json.dumps(_filled_tasks(path), ensure_ascii=False)
    path.write_text(text.replace(f'"id": "{BIG_ID}"', f'"id": {BIG_ID}'), encoding="utf-8")
    assert f'"id": {BIG_ID},' in path.read_text(encoding="utf-8")
    return path


def _argilla_numeric_ids(folder: Path) -> Path:
    path = _export(folder, "q.argilla.json")
    text = json.dumps(_filled_records(path), ensure_ascii=False)
    path.write_text(text.replace(f'"id": "{BIG_ID}"', f'"id": {BIG_ID}'), encoding="utf-8")
    assert f'"id": {BIG_ID},' in path.read_text(encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [_jsonl_numeric_ids, _labelstudio_numeric_ids, _argilla_numeric_ids])
def test_ids_written_as_big_json_numbers_keep_every_digit(tmp_path, make):
    path = make(tmp_path)
    assert sorted(read_reviews(path)["id"]) == sorted(IDS)
    store = tmp_path / "labels.sqlite"
    status, _, err = run_cli("labels", "import", path, "--store", store, "--strict")
    assert status == 0, err
    assert sorted(LabelStore(store).reviews()["post_id"]) == sorted(IDS)


def test_a_sheet_chosen_by_name_is_read(tmp_path):
    path = _xlsx_two_sheets(tmp_path)
    back = read_reviews(f"{path}#queue")
    assert back["id"].tolist() == IDS and back["decision"].tolist() == ["misleading"] * 3
    assert read_reviews(f"{path}#Notes", fmt="xlsx").empty
    with pytest.raises(VnflagError, match=r"no sheet named 'Nope'; sheets are: queue, Notes"):
        read_reviews(f"{path}#Nope")
    store = tmp_path / "labels.sqlite"  # the command finds the file (and the record beside it) under the sheet name
    status, _, err = run_cli("labels", "import", f"{path}#queue", "--store", store, "--strict")
    assert status == 0, err
    assert sorted(LabelStore(store).reviews()["post_id"]) == sorted(IDS)


def test_blank_line_of_a_one_column_csv_is_a_row_not_dropped(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_bytes(b"id\np1\n\np3\n")
    back = read_reviews(path)
    assert back["id"].tolist() == ["p1", "", "p3"] and back["source_row"].tolist() == [2, 3, 4]  # header = row 1
    report = LabelStore(tmp_path / "labels.sqlite").import_reviews(path, queue=_export(tmp_path, "q.csv"))
    assert report.rows == 3 and report.not_reviewed == 3, "the empty row is counted, not lost"
