"""Spreadsheet cells: formula neutralising and OOXML escapes are exact inverses; XLSX tables never crash."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
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


SPLITS = re.compile("[,;\t\r\n]")
SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Texts made of the characters that matter to the CSV codec: separators, formula signs, quotes.
SEPARATED = st.lists(st.sampled_from(list("=+-@'\" ,;\t\r\nab") + ["\uff1d", "\u3000", "\x0b", "\ud800", "_x005F_"]),
                     max_size=30).map("".join)


def split_pieces(cell: str) -> list[str]:
    """Every piece a spreadsheet can make of a written cell by splitting it at , ; tab or a line break."""
    return SPLITS.split(cell)


def starts_like_formula(piece: str) -> bool:
    return piece.lstrip().lstrip('"').lstrip()[:1] in SIGNS


@settings(max_examples=200, deadline=None)
@given(st.one_of(ANY, SEPARATED))
def test_csv_escape_is_exact_and_no_split_piece_starts_like_a_formula(text):
    escaped = escape_csv_text(text)
    assert unescape_csv_text(escaped) == text
    assert not looks_like_formula(escaped)
    assert not [piece for piece in split_pieces(escaped) if starts_like_formula(piece)], escaped
    escaped.encode("utf-8")  # lone surrogates escaped too


@settings(max_examples=200, deadline=None)
@given(SEPARATED)
def test_csv_unescape_keeps_text_the_writer_did_not_write(text):
    """A ' is removed only where the writer put one: text with no piece starting with ' (as a
    reviewer types it) is kept byte for byte, and unescaping is the exact inverse on what was written."""
    if "_x" not in text and not any(piece.startswith("'") for piece in split_pieces(text)):
        assert unescape_csv_text(text) == text


@pytest.mark.parametrize("text, escaped", [("Tin nóng;=1+1", "Tin nóng;'=1+1"), ("a\t@b", "a\t'@b"),
                                           ("a,+1", "a,'+1"), ("a\n-1", "a\n'-1"), ("a\r\n=1", "a\r\n'=1"),
                                           ("a; \"=1\"", "a;' \"=1\""), ("a;'b", "a;''b"), ("x;\uff1d1", "x;'\uff1d1"),
                                           ("a=b;c+d", "a=b;c+d"), (" \n=1", "' \n'=1")])
def test_csv_escape_marks_every_split_piece(text, escaped):
    assert escape_csv_text(text) == escaped and unescape_csv_text(escaped) == text


@pytest.mark.parametrize("note", ["'tin đồn' là sai", "'", "a;'b'", "'nguồn: VTV'", "'x\n'y"])
def test_a_reviewers_own_leading_quote_is_kept(note):
    assert unescape_csv_text(note) == note


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


def test_scored_csv_is_data_written_exactly(tmp_path, text_model_dir):
    """A scored table is data for pandas and analysts: ids and texts exactly as they came, formula-like
    or not (files for people, the review queues, are the neutralised ones)."""
    import csv

    from conftest import run_cli

    rows = [["=1+1", '=HYPERLINK("http://x.vn","bấm")'], ["'007", "Tin nóng;=1+1"], ["@x", "'tin đồn' là sai"]]
    posts = tmp_path / "posts.csv"
    write_table(pd.DataFrame(rows, columns=["id", "text"]), posts)
    assert run_cli("score", "--model", text_model_dir, posts, "-o", tmp_path / "scored.csv", "-q")[0] == 0
    with open(tmp_path / "scored.csv", encoding="utf-8", newline="") as handle:
        written = [row[:2] for row in csv.reader(handle)][1:]
    assert written == rows
