"""Reviewer files that read well and keep ids (issue 19): the XLSX queue wraps the post, its
reasons and the note, makes each row tall enough for its post (capped at 15 lines), freezes the
header, keeps the decision drop-down, and formats ids as text cells; a reviewer's own leading
``'`` survives the CSV and XLSX queues. LibreOffice itself: tests/review/test_libreoffice.py."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, build_queue, export_queue, read_reviews
from vnflag.io.xlsx import LINE_POINTS, SheetLayout, wrapped_lines, write_xlsx_frame

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LONG = "Khẩn cấp: Bộ Y tế khuyến cáo uống nước chanh nóng mỗi sáng để diệt virus, chia sẻ ngay! " * 12


def _queue(texts: list[str], ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [f"{i:03d}" for i in range(len(texts))]
    scored = pd.DataFrame({"id": ids, "text": texts, "score": [0.9 - i / 100 for i in range(len(texts))],
                           "model_version": "m1"})
    return build_queue(scored, budget=len(texts), similarity=1.0)


def _sheet(path: Path):
    sheet = openpyxl.load_workbook(path).active
    return sheet, [c.value for c in sheet[1]]


def test_xlsx_queue_reads_well_in_a_spreadsheet(tmp_path):
    texts = ["ngắn", LONG, "dòng 1\ndòng 2\ndòng 3", "x" * 20_000]
    export_queue(_queue(texts), tmp_path / "q.xlsx")
    sheet, header = _sheet(tmp_path / "q.xlsx")
    column = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions[column["text"]].width == 80 and sheet.column_dimensions[column["note"]].width >= 30
    rows = {sheet[f"{column['text']}{r}"].value: r for r in range(2, sheet.max_row + 1)}
    assert sheet.row_dimensions[rows["ngắn"]].height is None  # one line: the default height
    assert sheet.row_dimensions[rows[LONG]].height == wrapped_lines(LONG, 80) * LINE_POINTS > LINE_POINTS * 10
    assert sheet.row_dimensions[rows["dòng 1\ndòng 2\ndòng 3"]].height == 3 * LINE_POINTS
    assert sheet.row_dimensions[rows["x" * 20_000]].height == 15 * LINE_POINTS  # capped
    for r in range(2, sheet.max_row + 1):
        for name in ("text", "reasons", "note"):
            cell = sheet[f"{column[name]}{r}"]
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top", (name, r)
        for name in ("id", "item_id", "member_ids", "queue_id", "note", "reviewer"):
            cell = sheet[f"{column[name]}{r}"]
            assert cell.number_format == "@" and (cell.value is None or cell.data_type == "s"), (name, r)
    validation, = sheet.data_validations.dataValidation
    assert validation.formula1 == '"misleading,ok,unsure"'
    assert f"{column['decision']}2:{column['decision']}5" in str(validation.sqref)
    back = read_reviews(tmp_path / "q.xlsx")
    assert sorted(back["id"]) == ["000", "001", "002", "003"] and sorted(back["text"]) == sorted(texts)


def test_layout_of_an_empty_frame_and_a_frame_without_wrapped_columns(tmp_path):
    layout = SheetLayout("queue", wrapped=("text",), text_columns=("id",))
    write_xlsx_frame(pd.DataFrame({"id": pd.Series([], dtype=object), "text": pd.Series([], dtype=object)}),
                     tmp_path / "e.xlsx", layout)
    sheet, header = _sheet(tmp_path / "e.xlsx")
    assert header == ["id", "text"] and sheet.max_row == 1
    write_xlsx_frame(pd.DataFrame({"id": ["007"], "text": [LONG]}), tmp_path / "n.xlsx", SheetLayout())
    sheet, _ = _sheet(tmp_path / "n.xlsx")
    assert sheet.row_dimensions[2].height is None and sheet["A2"].number_format == "General"


def test_a_reviewers_own_leading_apostrophe_is_kept_in_csv_and_xlsx(tmp_path):
    # In a CSV cell, ``''x`` and ``'=x`` are what the writer makes of ``'x`` and ``=x`` (README, "Spreadsheets"):
    # a reviewer's own apostrophe before anything else is kept; in XLSX every note is kept as typed.
    spreadsheet_notes = {"csv": ["'tin đồn' là sai", "'Huế' không mưa", "'", "bình thường"],
                         "xlsx": ["'tin đồn' là sai", "'=1+1 không phải công thức", "''hai dấu", "'"]}
    for ext, notes in spreadsheet_notes.items():
        path = tmp_path / f"q.{ext}"
        export_queue(_queue(["mưa lớn ở Huế", "giá xăng tuần này", "lịch thi học kỳ", "vé tàu Tết"]), path)
        if ext == "csv":  # the reviewer edits the file as text, as a CSV editor would
            with path.open(encoding="utf-8", newline="") as source:
                rows = list(csv.reader(source))
            header = rows[0]
            for row, note in zip(rows[1:], notes, strict=True):
                row[header.index("decision")], row[header.index("note")] = "ok", note
            with path.open("w", encoding="utf-8", newline="") as target:
                csv.writer(target).writerows(rows)
        else:
            book = openpyxl.load_workbook(path)
            sheet = book.active
            header = [c.value for c in sheet[1]]
            for r, note in enumerate(notes, start=2):
                sheet.cell(r, header.index("decision") + 1).value = "ok"
                sheet.cell(r, header.index("note") + 1).value = note
            book.save(path)
        store = LabelStore(tmp_path / f"{ext}.sqlite")
        store.import_reviews(path)
        assert sorted(store.reviews()["note"]) == sorted(notes), ext


@SETTINGS
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000),
       width=st.integers(5, 120))
def test_any_text_gets_a_row_height_between_one_and_the_cap(tmp_path_factory, text, width):
    path = tmp_path_factory.mktemp("h") / "h.xlsx"
    frame = pd.DataFrame({"id": ["1"], "text": [text]})
    write_xlsx_frame(frame, path, SheetLayout(widths={"text": width}, wrapped=("text",), max_lines=15))
    height = openpyxl.load_workbook(path).active.row_dimensions[2].height
    lines = wrapped_lines(text, width)
    assert lines >= max(1, text.count("\n") + 1) and lines * (width - 1) >= len(text) - text.count("\n")
    assert height == (None if lines == 1 else min(lines, 15) * LINE_POINTS)
