"""Tables in every supported format, read as text, written atomically."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import VnflagError
from vnflag.io.tables import TableWriter, iter_table, read_table, table_format, write_table

FRAME = pd.DataFrame({"id": ["007", "8"], "text": ["Tin nóng, \"thật\"\nkhông?", "NA"], "likes": ["1", ""],
                      "created_at": ["2020-03-01", "hôm qua"]})


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".xlsx"])
def test_round_trip_keeps_ids_and_text(tmp_path, suffix):
    path = tmp_path / f"posts{suffix}"
    write_table(FRAME, path)
    back = read_table(path)
    assert back["id"].astype(str).tolist() == ["007", "8"]
    assert back["text"].tolist() == FRAME["text"].tolist()
    assert list(back.columns) == ["id", "text", "likes", "created_at"]
    assert back["created_at"].tolist() == ["2020-03-01", "hôm qua"], "no date guessing"


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(VnflagError, match="unknown file type"):
        table_format(tmp_path / "posts.docx")
    with pytest.raises(VnflagError, match="no such file"):
        read_table(tmp_path / "missing.csv")


def test_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(VnflagError, match="cannot read as parquet"):
        read_table(path)


def test_chunks_keep_order(tmp_path):
    frame = pd.DataFrame({"id": [str(i) for i in range(25)], "text": ["x"] * 25})
    path = tmp_path / "many.csv"
    write_table(frame, path)
    chunks = list(iter_table(path, chunksize=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert pd.concat(chunks)["id"].tolist() == frame["id"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_table_writer_appends_chunks(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    writer = TableWriter(path)
    writer.write(FRAME)
    writer.write(FRAME)
    assert not path.exists(), "nothing appears before close"
    writer.close()
    back = read_table(path)
    assert len(back) == 4 and back["text"].tolist() == FRAME["text"].tolist() * 2


def test_aborted_writer_leaves_previous_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    writer = TableWriter(path)
    writer.write(FRAME)
    writer.abort()
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_written_files_follow_the_umask_not_private(tmp_path):
    import os

    path = tmp_path / "shared.csv"
    old = os.umask(0o022)
    try:
        write_table(FRAME, path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


# -- Hardening: rows and ids are never silently damaged ---------------------------------------

import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402


def _raw(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bundled_data_reads_exactly_as_pandas_text_reading(labelled):
    plain = pd.read_csv("data/posts_labelled.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(read_table("data/posts_labelled.csv"), plain, check_exact=True)
    chunks = list(iter_table("data/posts_labelled.csv", chunksize=100))
    assert [c.index[0] for c in chunks] == [0, 100, 200, 300, 400], "chunk indexes continue as pandas' did"


@pytest.mark.parametrize("sep,suffix", [(",", ".csv"), ("\t", ".tsv")])
def test_trailing_delimiters_never_shift_ids(tmp_path, sep, suffix):
    path = _raw(tmp_path, f"t{suffix}", f"id{sep}text\n007{sep}xin chào{sep}\n8{sep}hi{sep}{sep}\n".encode())
    back = read_table(path)
    assert back.to_dict("list") == {"id": ["007", "8"], "text": ["xin chào", "hi"]}


@pytest.mark.parametrize("body,counts", [("1,a,b\n2,c\n", "data row 1 (line 2) has 3"),
                                         ("1,a\n2\n3,x,y\n", "data row 2 (line 3) has 1; data row 3 (line 4) has 3")])
def test_ragged_rows_are_an_error_naming_rows_and_counts(tmp_path, body, counts):
    import re

    path = _raw(tmp_path, "ragged.csv", ("id,text\n" + body).encode())
    with pytest.raises(VnflagError, match=re.escape(f"ragged.csv: the header has 2 fields but {counts};")):
        read_table(path)
    for chunksize in (1, 2):  # in chunks, the error comes with the chunk holding the first bad row
        with pytest.raises(VnflagError, match=re.escape(f"the header has 2 fields but {counts.split(';')[0]}")):
            list(iter_table(path, chunksize=chunksize))


def test_unclosed_quote_is_an_error_not_a_swallowed_file(tmp_path):
    path = _raw(tmp_path, "open.csv", b'id,text\n1,"never closed\n2,b\n3,c\n')
    with pytest.raises(VnflagError, match=r"data row 1 \(from line 2\): a quoted field is never closed"):
        read_table(path)


HOSTILE_TEXT = ["bare\rcr", "crlf\r\nin", "lf\nin", 'quote "x"', "comma, tab\there", "\x01\x07\x1b ctl", ""]
HOSTILE = pd.DataFrame({"id": ["007", "=1+1", " 8 ", "123456789012345678901", "9", "10", "11"], "text": HOSTILE_TEXT})


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_own_csv_output_reads_back_identically(tmp_path, suffix):
    path = tmp_path / f"h{suffix}"
    write_table(HOSTILE, path)
    pd.testing.assert_frame_equal(read_table(path), HOSTILE, check_dtype=False)
    writer = TableWriter(tmp_path / f"w{suffix}")
    writer.write(HOSTILE.iloc[:1])  # a first chunk without a bare CR, then one with
    writer.write(HOSTILE.iloc[1:])
    writer.close()
    pd.testing.assert_frame_equal(read_table(tmp_path / f"w{suffix}"), HOSTILE, check_dtype=False)


def test_stdout_csv_reads_back_identically(capsys, monkeypatch):
    write_table(HOSTILE, "-")
    out = capsys.readouterr().out
    writer = TableWriter("-")
    writer.write(HOSTILE)
    writer.close()
    assert capsys.readouterr().out == out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(out.encode())))
    pd.testing.assert_frame_equal(read_table("-"), HOSTILE, check_dtype=False)


def test_json_numbers_keep_their_literal_text_and_bom_is_accepted(tmp_path):
    lines = ['{"id": 123456789012345678901, "likes": 1.50, "ok": true, "none": null, "deep": {"n": 10}}',
             '{"id": "007", "extra": -0}']
    path = _raw(tmp_path, "n.jsonl", b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    back = read_table(path)
    assert back.to_dict("records") == [
        {"id": "123456789012345678901", "likes": "1.50", "ok": "true", "none": "", "deep": '{"n":10}', "extra": ""},
        {"id": "007", "likes": "", "ok": "", "none": "", "deep": "", "extra": "-0"}]
    assert [list(c.columns) for c in iter_table(path, chunksize=1)] == [list(back.columns)] * 2
    write_table(back, tmp_path / "again.jsonl")
    assert json.loads((tmp_path / "again.jsonl").read_text().splitlines()[0])["id"] == "123456789012345678901"
    assert read_table(tmp_path / "again.jsonl").equals(back)
    whole = _raw(tmp_path, "n.json", b"\xef\xbb\xbf[" + b",".join(line.encode() for line in lines) + b"]")
    assert read_table(whole).equals(back)


@pytest.mark.parametrize("content,message", [
    ('{"id": 1}\n\n{"id": 2,\n', r"line 3: not valid JSON"),
    ('{"id": 1}\n[1, 2]\n', r"line 2: expected a JSON object"),
    ('{"id": 1}\n"text"\n', r"line 2: expected a JSON object"),
    ('{"id": 1, "id": 2}\n', r"line 1: not valid JSON \(duplicate key\(s\) 'id'\)"),
    ('\n\n', r"the file is empty"),
])
def test_bad_jsonl_lines_are_named(tmp_path, content, message):
    path = _raw(tmp_path, "bad.jsonl", content.encode())
    with pytest.raises(VnflagError, match=message):
        read_table(path)
    with pytest.raises(VnflagError, match=message):
        list(iter_table(path, chunksize=1))


def _book(tmp_path, sheets: dict[str, list[list]], name: str = "b.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_cells_read_as_the_text_a_reader_sees(tmp_path):
    import datetime as dt

    path = _book(tmp_path, {"Posts": [["id", "formula", "when", "likes", "ratio"],
                                      [1234567890123456, "=1+1", dt.datetime(2020, 3, 1), 12.0, 0.5],
                                      [7, None, dt.datetime(2020, 3, 1, 8, 30), None, None]]})
    assert read_table(path).to_dict("records") == [
        {"id": "1234567890123456", "formula": "=1+1", "when": "2020-03-01", "likes": "12", "ratio": "0.5"},
        {"id": "7", "formula": "", "when": "2020-03-01T08:30:00", "likes": "", "ratio": ""}]


def test_xlsx_number_that_lost_digits_is_an_error_naming_the_cell(tmp_path):
    path = _book(tmp_path, {"Posts": [["id", "text"], [123456789012345678, "a"]]})
    with pytest.raises(VnflagError, match=r"sheet 'Posts' cell A2: the number .* already lost"):
        read_table(path)


def test_xlsx_with_several_sheets_must_name_one(tmp_path):
    path = _book(tmp_path, {"Posts": [["id"], ["1"]], "Empty": [], "Notes": [["note"], ["x"]]})
    with pytest.raises(VnflagError, match=r"2 sheets have data \('Posts', 'Notes'\); choose one as .*b.xlsx#Posts"):
        read_table(path)
    assert read_table(f"{path}#Notes").to_dict("list") == {"note": ["x"]}
    with pytest.raises(VnflagError, match="no sheet named 'Nope'; sheets are: Posts, Empty, Notes"):
        read_table(f"{path}#Nope")


def test_xlsx_values_beyond_the_header_are_an_error(tmp_path):
    path = _book(tmp_path, {"Posts": [["id", "text"], ["1", "a", "stray"]]})
    with pytest.raises(VnflagError, match=r"cell\(s\) C2 hold values in columns without a header"):
        read_table(path)


def test_duplicate_column_names_are_an_error_in_every_format(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = [_raw(tmp_path, "d.csv", b"id,text,text\n1,a,b\n"), _raw(tmp_path, "d.tsv", b"id\tid\n1\t2\n"),
             _book(tmp_path, {"S": [["id", "text", "text"], ["1", "a", "b"]]}, "d.xlsx")]
    pq.write_table(pa.Table.from_arrays([pa.array(["1"]), pa.array(["a"])], names=["text", "text"]), tmp_path / "d.parquet")
    for path in [*paths, tmp_path / "d.parquet"]:
        with pytest.raises(VnflagError, match=r"duplicate column name\(s\) '(text|id)'"):
            read_table(path)


@pytest.mark.parametrize("name,data", [("e.csv", b""), ("e.csv", b"\xef\xbb\xbf\n\n"), ("e.jsonl", b""),
                                       ("e.json", b"  "), ("e.json", b"[]")])
def test_truly_empty_files_are_a_clear_error(tmp_path, name, data):
    with pytest.raises(VnflagError, match="empty|no JSON objects"):
        read_table(_raw(tmp_path, name, data))


def test_empty_xlsx_is_a_clear_error(tmp_path):
    with pytest.raises(VnflagError, match="is empty"):
        read_table(_book(tmp_path, {"Posts": []}))


@pytest.mark.parametrize("name,data", [("h.csv", b"id,text\n"), ("h.tsv", b"id\ttext")])
def test_header_only_gives_zero_rows_with_columns(tmp_path, name, data):
    path = _raw(tmp_path, name, data)
    chunks = list(iter_table(path, chunksize=10))
    assert len(chunks) == 1 and chunks[0].empty and list(chunks[0].columns) == ["id", "text"]
    assert list(read_table(path).columns) == ["id", "text"]
    xlsx = _book(tmp_path, {"Posts": [["id", "text"]]})
    assert list(read_table(xlsx).columns) == ["id", "text"] and read_table(xlsx).empty


def test_huge_cells_are_read_whole(tmp_path):
    frame = pd.DataFrame({"id": ["1"], "text": ["x" * 300_000]})
    write_table(frame, tmp_path / "big.csv")
    assert read_table(tmp_path / "big.csv")["text"].tolist() == frame["text"].tolist()


# -- Blank lines are rows, never skipped -----------------------------------------------------------

def test_blank_line_of_a_one_column_csv_is_an_empty_cell(tmp_path):
    path = _raw(tmp_path, "ids.csv", b"id\n007\n\n8\n")
    for chunksize in (None, 1, 2):
        back = pd.concat(list(iter_table(path, chunksize=chunksize)), ignore_index=True)
        assert back["id"].tolist() == ["007", "", "8"]
    write_table(pd.DataFrame({"id": ["007", "", "8"]}), tmp_path / "again.csv")
    assert read_table(tmp_path / "again.csv")["id"].tolist() == ["007", "", "8"], "written as \"\", read back"


@pytest.mark.parametrize("body,where", [(b"id,text\n1,a\n\n2,b\n", "data row 2 (line 3) has 0"),
                                        (b"id,text\r\n1,a\r\n2,b\r\n\r\n", "data row 3 (line 4) has 0")])
def test_blank_line_of_a_wider_csv_is_a_field_count_error(tmp_path, body, where):
    path = _raw(tmp_path, "blank.csv", body)
    with pytest.raises(VnflagError, match=re.escape(f"blank.csv: the header has 2 fields but {where};")):
        read_table(path)


def test_empty_row_of_a_one_column_xlsx_is_an_empty_post(tmp_path):
    path = _book(tmp_path, {"Sheet": [[None], ["text"], ["a"], [None], ["b"], [None]]}, "one.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.cell(9, 1).style = "Good"  # an empty but formatted row below the table, as spreadsheets leave them
    book.save(path)
    assert read_table(path)["text"].tolist() == ["a", "", "b"]  # the rows after the last value are no rows


@pytest.mark.parametrize("rows,where", [([["id", "text"], ["1", "a"], [None], ["2", "b"]], "row(s) 3 of the sheet"),
                                        ([["id", "text"], ["1", "a"], [None], [None, None], ["2", "b"], [None]],
                                         "row(s) 3; 4 of the sheet")])
def test_empty_row_inside_a_wider_xlsx_is_an_error_naming_it(tmp_path, rows, where):
    with pytest.raises(VnflagError, match=re.escape(f"wide.xlsx: sheet 'Sheet': {where} are empty inside")):
        read_table(_book(tmp_path, {"Sheet": rows}, "wide.xlsx"))


@pytest.mark.parametrize("frame", [pd.DataFrame({"text": ["a", "", ""]}), pd.DataFrame({"text": ["", ""]}),
                                   pd.DataFrame({"id": ["", "1", ""], "text": ["", "a", ""]})])
def test_own_xlsx_keeps_empty_posts_even_last(tmp_path, frame):
    write_table(frame, tmp_path / "own.xlsx")
    assert read_table(tmp_path / "own.xlsx").to_dict("records") == frame.to_dict("records")


def test_jsonl_blank_lines_are_no_rows_and_every_object_is_one(tmp_path):
    path = _raw(tmp_path, "p.jsonl", b'{"text": "a"}\n\n  \n{"text": ""}\n{"text": "b"}\n\n')
    assert read_table(path)["text"].tolist() == ["a", "", "b"]


TEXTS = st.lists(st.text(st.sampled_from(list("ab ,;=\"'\t")), max_size=4), min_size=1, max_size=12)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=TEXTS)
def test_row_counts_in_equal_out(tmp_path, texts):
    """One-column files as people make them (CSV lines, spreadsheet rows with empty cells left
    empty) and as vnflag writes them: every row in is a row out."""
    plain = [t.replace('"', "").replace(",", "").replace("\t", "") for t in texts]
    csv_path = _raw(tmp_path, "people.csv", ("text\n" + "".join(t + "\n" for t in plain)).encode())
    assert read_table(csv_path)["text"].tolist() == plain
    last = max((n for n, t in enumerate(texts) if t), default=-1)  # a sheet's trailing empty rows are no rows
    sheet = _book(tmp_path, {"Sheet": [["text"], *[[t or None] for t in texts]]}, "people.xlsx")
    assert read_table(sheet)["text"].tolist() == texts[:last + 1]
    for suffix in (".csv", ".tsv", ".xlsx", ".jsonl", ".parquet"):
        write_table(pd.DataFrame({"text": texts}, dtype=object), tmp_path / f"own{suffix}")
        assert read_table(tmp_path / f"own{suffix}")["text"].tolist() == texts, suffix


# -- Writers as context managers, options for the format ----------------------------------------

import re  # noqa: E402


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet", ".xlsx"])
def test_table_writer_as_context_manager_publishes_or_aborts(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with TableWriter(path) as writer:
        writer.write(FRAME)
        writer.write(FRAME)
        assert not path.exists(), "nothing appears before the block ends"
    assert read_table(path)["text"].tolist() == FRAME["text"].tolist() * 2
    before = path.read_bytes()
    with pytest.raises(KeyError):
        with TableWriter(path) as writer:
            writer.write(FRAME.iloc[:1])
            raise KeyError("a failure half way")
    assert path.read_bytes() == before, "the old file stays"
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary left"


def test_json_writer_streams_the_same_document(tmp_path):
    with TableWriter(tmp_path / "a.json") as writer:
        writer.write(FRAME.iloc[:1])
        writer.write(FRAME.iloc[1:])
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    assert text.startswith("[\n{") and text.endswith("}\n]\n") and json.loads(text) == FRAME.to_dict("records")
    write_table(FRAME.iloc[:0], tmp_path / "empty.json")
    assert json.loads((tmp_path / "empty.json").read_text()) == []


def test_spreadsheet_safe_csv_neutralises_and_restores(tmp_path):
    frame = pd.DataFrame({"text": ["=1+1", "'trích", "an toàn"], "score": [-0.5, 0.25, 1.0]})
    write_table(frame, tmp_path / "q.csv", spreadsheet_safe=True)
    assert (tmp_path / "q.csv").read_text(encoding="utf-8").splitlines()[1:] == ["'=1+1,-0.5", "''trích,0.25",
                                                                                 "an toàn,1.0"]
    assert read_table(tmp_path / "q.csv", spreadsheet_safe=True)["text"].tolist() == frame["text"].tolist()
    assert read_table(tmp_path / "q.csv")["text"].tolist() == ["'=1+1", "''trích", "an toàn"]
    with pytest.raises(TypeError):
        write_table(frame, tmp_path / "q.parquet", spreadsheet_safe=True)  # an option of another format
    assert not (tmp_path / "q.parquet").exists()


def test_xlsx_layout_sets_title_widths_and_choices(tmp_path):
    from vnflag.io.xlsx import SheetLayout

    layout = SheetLayout("queue", widths={"text": 80}, default_width=14, wrapped=("text",),
                         choices={"likes": ("1", "2")})
    write_table(FRAME, tmp_path / "l.xlsx", layout=layout)
    sheet = openpyxl.load_workbook(tmp_path / "l.xlsx")["queue"]
    assert sheet.column_dimensions["B"].width == 80 and sheet.column_dimensions["A"].width == 14
    assert sheet["B2"].alignment.wrap_text and sheet.freeze_panes == "A2"
    assert sheet.data_validations.dataValidation[0].formula1 == '"1,2"'
    assert read_table(tmp_path / "l.xlsx").equals(FRAME)


def test_xlsx_writes_dates_and_times_as_spreadsheet_dates(tmp_path):
    import datetime as dt

    frame = pd.DataFrame({"id": ["1", "2"], "when": [pd.Timestamp("2020-03-01"), pd.Timestamp("2020-03-01 08:30")],
                          "zoned": [pd.Timestamp("2020-03-01 08:30", tz="Asia/Ho_Chi_Minh")] * 2,
                          "day": [dt.date(2020, 3, 1)] * 2})
    write_table(frame, tmp_path / "d.xlsx")
    assert read_table(tmp_path / "d.xlsx").to_dict("list") == {
        "id": ["1", "2"], "when": ["2020-03-01", "2020-03-01T08:30:00"],
        "zoned": ["2020-03-01T08:30:00+07:00"] * 2, "day": ["2020-03-01"] * 2}


def test_duplicate_key_in_a_json_document_is_named_with_line_and_column(tmp_path):
    path = _raw(tmp_path, "d.json", '[{"id": 1},\n {"id": 2, "deep": {"a": 1, "a": 2}}]'.encode())
    with pytest.raises(VnflagError, match=re.escape("d.json: line 2, column 20: not valid JSON (duplicate key(s) 'a')")):
        read_table(path)


@pytest.mark.parametrize("name", ["posts.csv", "posts.xlsx"])
def test_score_gives_every_row_of_a_one_column_file_with_an_empty_post(tmp_path, text_model_dir, name):
    from conftest import run_cli

    path = (_raw(tmp_path, name, b"text\nTin n\xc3\xb3ng\n\nb\xc3\xa0i hai\n") if name.endswith(".csv")
            else _book(tmp_path, {"Sheet": [["text"], ["Tin nóng"], [None], ["bài hai"]]}, name))
    status, _, err = run_cli("score", "--model", text_model_dir, path, "-o", tmp_path / "scored.csv", "-q")
    assert status == 0, err
    scored = read_table(tmp_path / "scored.csv")
    assert scored["text"].tolist() == ["Tin nóng", "", "bài hai"] and scored["error"].tolist()[1] != ""
