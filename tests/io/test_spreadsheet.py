"""Spreadsheet cells: formula neutralising and OOXML escapes are exact inverses; XLSX tables never crash."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vnflag import read_table, write_table
from vnflag.io.cells import (
    escape_csv_text,
    escape_xlsx_text,
    looks_like_formula,
    neutralise_csv_frame,
    restore_csv_frame,
    unescape_csv_text,
    unescape_xlsx_text,
)

TRICKY = st.text(st.sampled_from(list("_x0DdF5fA9'=+-@ \t\r\n") + ["\x00", "\x08", "\x0b", "\x1d", "\ud800",
                                                                    "\udfff", "\ufffe", "\uffff", "\uff1d", "ữ"]),
                 max_size=24)
ANY = st.one_of(TRICKY, st.text())
XML_ILLEGAL = set(chr(c) for c in [*range(0, 9), 11, 12, 13, *range(14, 32), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)])


@given(ANY)
def test_xlsx_escape_is_exact_and_leaves_only_legal_characters(text):
    escaped = escape_xlsx_text(text)
    assert unescape_xlsx_text(escaped) == text
    assert not set(escaped) & XML_ILLEGAL


@given(ANY)
def test_csv_escape_is_exact_and_never_starts_like_a_formula(text):
    escaped = escape_csv_text(text)
    assert unescape_csv_text(escaped) == text
    assert not looks_like_formula(escaped)
    escaped.encode("utf-8")  # lone surrogates escaped too


@pytest.mark.parametrize("text, escaped", [("=1+1", "'=1+1"), ("  @x", "'  @x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                           ("'a", "''a"), ("\uff0bx", "'\uff0bx"), ("a=b", "a=b"), ("", "")])
def test_csv_escape_examples(text, escaped):
    assert escape_csv_text(text) == escaped


def test_literal_escape_sequences_survive():
    assert escape_xlsx_text("_x001D_") == "_x005F_x001D_"
    assert unescape_xlsx_text("_x005F_x001D_") == "_x001D_" and unescape_xlsx_text("_x001D_") == "\x1d"
    assert unescape_xlsx_text(escape_xlsx_text("_x0041\x01")) == "_x0041\x01"


def test_csv_frames_escape_text_only():
    frame = pd.DataFrame({"text": ["=1", "-0.5", "tin"], "score": [-0.5, 0.1, 0.2]})
    neutral = neutralise_csv_frame(frame)
    assert neutral["text"].tolist() == ["'=1", "'-0.5", "tin"] and neutral["score"].tolist() == [-0.5, 0.1, 0.2]
    assert restore_csv_frame(neutral.astype(str))["text"].tolist() == frame["text"].tolist()


def test_scored_xlsx_tables_never_crash_and_never_hold_formulas(tmp_path):
    from openpyxl import load_workbook

    texts = ["Tin\x08\x0b\x1d khẩn", "=HYPERLINK(\"http://x.vn\",\"bấm\")", "=cmd|' /C calc'!A0", "a\r\nb _x001D_",
             "-5", "\x00"]
    frame = pd.DataFrame({"id": [f"+{i}" for i in range(6)], "text": texts, "score": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5]})
    write_table(frame, tmp_path / "scored.xlsx")
    sheet = load_workbook(tmp_path / "scored.xlsx").active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert [c.data_type for c in sheet["C"][1:]] == ["n"] * 6  # scores stay numbers, -0.5 included
    back = read_table(tmp_path / "scored.xlsx")
    assert back["text"].tolist() == texts and back["id"].tolist() == frame["id"].tolist()
    assert back["score"].tolist() == ["-0.5", "0.1", "0.2", "0.3", "0.4", "0.5"]
