"""Hostile tables: whatever the cells hold and however ragged the rows, reading either stops with
a clean one-line VnflagError naming the file and the row, line or cell, or gives every row once,
in order, ids byte for byte and every other cell unchanged."""

import csv
import io
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import VnflagError
from vnflag.io.tables import iter_table, read_table, write_table

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CHUNK_SIZES = (None, 1, 3)
XLSX_CELL_LIMIT = 32_767  # characters in one Excel cell

# Any character a UTF-8 file can hold (no lone surrogates), with the troublesome ones made likely.
SPECIAL = ["\r", "\n", '"', ",", "\t", ";", "'", "=", "\x00", "\x01", "\x0b", "\x1f", "\x7f", "\u2028",
           "\ufeff", "ô", "ộ", "đ", "\u0301", "😂", " "]
characters = st.one_of(st.sampled_from(SPECIAL), st.characters(blacklist_categories=("Cs",)))
cells = st.one_of(st.text(characters, max_size=12), st.sampled_from(["", " ", "NA", "null", "007", "=1+1", "-5"]),
                  st.builds(lambda n: "x" * n, st.integers(1000, 200_000)))
ids = st.one_of(st.from_regex(r"\A0{0,3}[0-9]{1,25}\Z"), st.sampled_from(["=1+1", " 42 ", "+84 912", "١٢٣", "𝟙𝟚"]),
                st.text(characters, min_size=1, max_size=8))


@st.composite
def frames(draw):
    names = draw(st.lists(st.text(characters, min_size=1, max_size=6), min_size=0, max_size=3, unique=True))
    names = ["id"] + [n for n in names if n != "id"]
    n_rows = draw(st.integers(0, 6))
    data = {"id": draw(st.lists(ids, min_size=n_rows, max_size=n_rows))}
    for name in names[1:]:
        data[name] = draw(st.lists(cells, min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(data, dtype=object)


def assert_clean_error(error: VnflagError, path) -> None:
    message = str(error)
    assert "\n" not in message and "\r" not in message, "one line"
    assert str(path) in message, "names the file"
    assert any(word in message for word in ("row", "line", "cell", "empty", "column", "record")), message


def assert_same_rows(path, expected: pd.DataFrame) -> None:
    """Every row once, in order, cells unchanged, whatever the chunk size."""
    for chunksize in CHUNK_SIZES:
        chunks = list(iter_table(path, chunksize=chunksize))
        back = pd.concat(chunks, ignore_index=True)
        assert list(back.columns) == list(expected.columns)
        assert back.astype(object).values.tolist() == expected.astype(object).values.tolist()
        assert back.index.tolist() == list(range(len(expected)))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".parquet", ".xlsx"])
@SETTINGS
@given(frame=frames())
def test_own_output_reads_back_identically(tmp_path, suffix, frame):
    if suffix == ".xlsx" and len(frame):
        frame = frame.assign(id=["id" + i for i in frame["id"]])  # an all-empty spreadsheet row is no row
        frame = frame.map(lambda cell: cell[:XLSX_CELL_LIMIT])  # a spreadsheet cell holds no more
    path = tmp_path / f"posts{suffix}"
    write_table(frame, path)
    if suffix in (".jsonl", ".json") and frame.empty:  # no records, so no column names either
        with pytest.raises(VnflagError, match="no JSON objects") as caught:
            read_table(path)
        return assert_clean_error(caught.value, path)
    assert_same_rows(path, frame)
    assert read_table(path)["id"].tolist() == frame["id"].tolist(), "ids byte for byte"


# -- CSV and TSV written by other tools: ragged rows ----------------------------------------------

@st.composite
def ragged_files(draw):
    width = draw(st.integers(1, 4))
    header = [f"c{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(cells.filter(lambda c: len(c) < 50), min_size=1, max_size=width + 2),
                         max_size=6))
    trailing = draw(st.booleans())
    if trailing:  # a tool that ends every line with the delimiter
        rows = [r + [""] for r in rows]
    return header, rows, draw(st.sampled_from(["\n", "\r\n"])), draw(st.sampled_from([",", "\t"]))


@SETTINGS
@given(case=ragged_files())
def test_ragged_csv_is_read_exactly_or_refused_naming_the_row(tmp_path, case):
    header, rows, ending, delimiter = case
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending,
                        quoting=csv.QUOTE_ALL if ending == "\n" else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / ("posts.csv" if delimiter == "," else "posts.tsv")
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    width = len(header)
    acceptable = [len(r) == width or (len(r) > width and not any(r[width:])) for r in rows]
    readable = [r[:width] for r, ok in zip(rows, acceptable) if ok]
    for chunksize in CHUNK_SIZES:
        try:
            back = pd.concat(list(iter_table(path, chunksize=chunksize)), ignore_index=True)
        except VnflagError as error:
            assert_clean_error(error, path)
            assert not all(acceptable), "only ragged rows are refused"
            assert f"data row {acceptable.index(False) + 1} " in str(error), "names the first ragged row"
        else:
            assert all(acceptable), "a ragged row was read without an error"
            assert back.values.tolist() == readable


@SETTINGS
@given(case=ragged_files(), cut=st.integers(0, 400))
def test_truncated_or_broken_csv_never_loses_rows_silently(tmp_path, case, cut):
    header, rows, ending, delimiter = case
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=ending, quoting=csv.QUOTE_ALL).writerows([header, *rows])
    raw = buffer.getvalue().encode("utf-8")
    path = tmp_path / "cut.csv"
    path.write_bytes(raw[:cut] + raw[cut + 1:])  # one byte gone: maybe a quote, a delimiter or half a letter
    try:
        back = read_table(path)
    except VnflagError as error:
        assert_clean_error(error, path)
    else:
        assert len(back) <= len(rows) and len(back.columns) <= len(header)


# -- JSONL written by other tools ----------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False, allow_infinity=False),
              st.text(characters, max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=5)
records = st.dictionaries(st.text(characters, min_size=1, max_size=5), json_values, min_size=1, max_size=4)
lines = st.one_of(records.map(lambda r: ("ok", r)),
                  st.sampled_from(['[1, 2]', '"text"', '{"a": 1,', '{"a": 1, "a": 2}', "NaN", "{'a': 1}"]).map(
                      lambda text: ("bad", text)))


def expected_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@SETTINGS
@given(items=st.lists(lines, min_size=1, max_size=6), bom=st.booleans())
def test_jsonl_is_read_literally_or_refused_naming_the_line(tmp_path, items, bom):
    text = "".join((json.dumps(v, ensure_ascii=False) if kind == "ok" else v) + "\n" for kind, v in items)
    path = tmp_path / "posts.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    bad = [n for n, (kind, _) in enumerate(items, start=1) if kind == "bad"]
    good = [v for kind, v in items if kind == "ok"]
    columns = list(dict.fromkeys(k for r in good for k in r))
    for chunksize in CHUNK_SIZES:
        try:
            back = pd.concat(list(iter_table(path, chunksize=chunksize)), ignore_index=True)
        except VnflagError as error:
            assert_clean_error(error, path)
            assert bad and f"line {bad[0]}:" in str(error)
        else:
            assert not bad
            assert list(back.columns) == columns
            assert back.values.tolist() == [[expected_cell(r.get(c)) for c in columns] for r in good]
