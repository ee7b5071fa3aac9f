"""Office files as they come (issue 20, item 6): `;`/tab-separated CSV sniffed or named with
``--sep``, UTF-16/UTF-32 files recognised by their byte-order mark."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag.exceptions import VnflagError
from vnflag.io.delimited import parse_separator, sniff_separator, using_separator
from vnflag.io.tables import read_table

ROWS = [{"id": "007", "text": "Tin nóng, chia sẻ ngay", "num_like": "3"},
        {"id": "8", "text": "Bình thường; không sao", "num_like": "12"}]


def _csv(sep: str) -> str:
    lines = [sep.join(ROWS[0])]
    for row in ROWS:
        lines.append(sep.join(f'"{v}"' if ("," in v or ";" in v) else v for v in row.values()))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_each_separator_is_sniffed(tmp_path, sep):
    path = tmp_path / "posts.csv"
    path.write_bytes(_csv(sep).encode("utf-8-sig"))
    assert read_table(path).to_dict("records") == ROWS


def test_the_issue_semicolon_file_no_longer_fails(tmp_path):
    # Excel (Vietnamese locale) "CSV": `;` separated, a quoted text with a comma; was `',' expected after '"'`
    path = tmp_path / "excel.csv"
    path.write_bytes('id;text\r\n1;"Tin ""nóng"", chia sẻ"\r\n'.encode())
    assert read_table(path).to_dict("records") == [{"id": "1", "text": 'Tin "nóng", chia sẻ'}]


def test_a_one_column_file_with_separators_in_its_texts_stays_one_column(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("text\nA; b; c\nd; e; f\n", encoding="utf-8")
    assert read_table(path)["text"].tolist() == ["A; b; c", "d; e; f"]


def test_sep_names_the_separator_and_a_wrong_one_says_which_was_read(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(_csv(";"), encoding="utf-8")
    assert read_table(path, sep=";").to_dict("records") == ROWS
    with pytest.raises(VnflagError, match=r"separator read is ',' \(name another with --sep"):
        read_table(path, sep=",")
    with using_separator("tab"):  # the whole command's separator: every line is one field
        assert read_table(path).columns.tolist() == ["id;text;num_like"]
    assert read_table(path).to_dict("records") == ROWS  # and sniffing again after the block


def test_sep_is_for_csv_and_tsv_only(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text('{"id": "1", "text": "a;b"}\n', encoding="utf-8")
    assert read_table(path, sep=";").to_dict("records") == [{"id": "1", "text": "a;b"}]


def test_parse_separator_refuses_what_cannot_separate():
    assert parse_separator("semicolon") == ";" and parse_separator("\\t") == "\t"
    for bad in ["", ";;", '"', "\n"]:
        with pytest.raises(VnflagError, match="separator must be one character"):
            parse_separator(bad)


def test_cli_sep_reaches_the_reader(tmp_path, text_model_dir):
    posts = tmp_path / "posts.csv"
    posts.write_text(_csv(";"), encoding="utf-8")
    out = tmp_path / "scored.csv"
    status, _, err = run_cli("score", posts, "--model", text_model_dir, "-o", out, "--sep", ";", "-q")
    assert status == 0, err
    assert read_table(out)[["id", "text", "num_like"]].to_dict("records") == ROWS
    status, _, err = run_cli("score", posts, "--model", text_model_dir, "-o", tmp_path / "x.csv", "--sep", ",")
    assert status == 2 and "separator read is ','" in err and not (tmp_path / "x.csv").exists()
    status, _, err = run_cli("score", posts, "--model", text_model_dir, "-o", tmp_path / "y.csv", "--sep", ";;")
    assert status == 2 and "separator must be one character" in err


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_are_read_by_their_byte_order_mark(tmp_path, codec):
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(codec, b"")
    path = tmp_path / "unicode.txt"  # Excel's "Unicode text": UTF-16, tab-separated, .txt
    path.write_bytes(bom + _csv("\t").encode(codec))
    assert read_table(path).to_dict("records") == ROWS


def test_utf16_without_its_mark_is_still_an_error_naming_the_byte(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes("id,text\n1,ạ\n".encode("utf-16-le"))
    with pytest.raises(VnflagError, match=r"not valid utf-8: .*it looks like utf_16_le"):
        read_table(path)


def test_an_explicit_non_unicode_encoding_is_not_overridden(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"\xff\xfeid\n1\n")  # cp1252 text that happens to start like a UTF-16-LE mark
    assert read_table(path, encoding="cp1252").columns.tolist() == ["ÿþid"]


_cell = st.text(alphabet=st.sampled_from(list("abcạđ ,;\"'\t0")), max_size=8)


@settings(max_examples=50, deadline=None)
@given(sep=st.sampled_from([",", ";", "\t"]), codec=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
       rows=st.lists(st.tuples(_cell, _cell), min_size=1, max_size=5))
def test_any_written_table_reads_back_by_sniffing(tmp_path_factory, sep, codec, rows):
    frame = pd.DataFrame(rows, columns=["id", "text"])
    path = tmp_path_factory.mktemp("sniff") / "t.csv"
    path.write_bytes(frame.to_csv(sep=sep, index=False, lineterminator="\n").encode(codec))
    assert read_table(path).values.tolist() == frame.values.tolist()


def test_sniff_separator_rule_when_the_sniffer_cannot_tell():
    assert sniff_separator("id\n1\n", ";") == ";"  # nothing to sniff: the format's own
    assert sniff_separator("", ",") == ","


def test_sniff_separator_rule_when_the_header_decides():
    assert sniff_separator('id\ttext\n""";"\t\n', ",") == "\t"  # only a tab splits the header
    assert sniff_separator("id,a;b\n1,x;y\n2,z;w\n", ";") in {",", ";"}  # both split it: the sniffer picks
    assert sniff_separator("id,a;b\n", ",") == ","  # both split it and nothing to sniff: the format's own


def test_the_formats_own_separator_wins_when_it_reads_every_record():
    # a TSV file vnflag wrote with a column named "," and no rows (found by test_hostile_tables)
    assert sniff_separator("id\t,\n", "\t") == "\t"
    # and with rows whose cells hold commas: both read every record the same width; the format's own wins
    assert sniff_separator("id\t,\n1\ta,b\n", "\t") == "\t"


def test_a_separator_that_breaks_the_records_is_not_chosen():
    # a ;-export named .csv whose header has a comma: the comma splits the header but not the rows
    assert sniff_separator("id;Tin, nóng\n1;a\n2;b\n", ",") == ";"
    assert sniff_separator("id,a\tb\n1,x\n", "\t") == ","
