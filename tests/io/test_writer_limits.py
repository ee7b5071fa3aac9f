"""Issue 18 class 1, writers that silently cut: every writer keeps every cell exactly or refuses the
table before writing anything, naming the rows and columns (XLSX: 32,767 characters per cell as
written, escapes included; 1,048,576 rows; 16,384 columns; whole numbers a spreadsheet keeps exactly)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import VnflagError, read_table, write_table
from vnflag.io.tables import TableWriter, check_writable

LIMIT = 32_767
#: Texts of every length around the XLSX limit, control characters (7 characters each when written) included.
LONG_TEXTS = st.builds(lambda piece, times: piece * times,
                       st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6),
                       st.integers(1, 12_000))


def _refused(frame: pd.DataFrame, path, *needles: str) -> None:
    with pytest.raises(VnflagError) as raised:
        write_table(frame, path)
    message = str(raised.value)
    assert "\n" not in message and "use Parquet or CSV" in message
    for needle in needles:
        assert needle in message, message
    assert not path.exists() and not list(path.parent.iterdir())  # nothing written, no temporary left


def test_a_40007_character_post_is_refused_not_cut(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["ngắn", "x" * 40_007]})
    _refused(frame, tmp_path / "out.xlsx", "data row 2 (sheet row 3)", "column 'text'", "40,007 characters")


def test_control_characters_count_as_their_escapes(tmp_path):
    frame = pd.DataFrame({"text": ["\x01" * 5000 + "END"]})
    _refused(frame, tmp_path / "out.xlsx", "data row 1", "35,003 characters")


# A literal "_x0041_" is written "_x005F_x0041_" (13 characters): 2,520 of them and 7 more make 32,767.
@pytest.mark.parametrize("text", ["x" * LIMIT, "\x01" * (LIMIT // 7), "_x0041_" * 2520 + "x" * 7])
def test_cells_at_the_limit_are_written_exactly(tmp_path, text):
    write_table(pd.DataFrame({"id": ["1"], "text": [text]}), tmp_path / "out.xlsx")
    assert read_table(tmp_path / "out.xlsx")["text"].tolist() == [text]


@pytest.mark.parametrize("text", ["x" * (LIMIT + 1), "\x01" * (LIMIT // 7 + 1), "_x0041_" * 2520 + "x" * 8])
def test_cells_one_past_the_limit_are_refused(tmp_path, text):
    _refused(pd.DataFrame({"text": [text]}), tmp_path / "out.xlsx", "column 'text'")


def test_a_column_name_past_the_limit_is_refused(tmp_path):
    _refused(pd.DataFrame({"n" * (LIMIT + 1): ["a"]}), tmp_path / "out.xlsx", "the name of column 1")


def test_rows_and_columns_past_the_sheet_are_refused():
    check_writable(pd.DataFrame({"a": ["x"]}), "out.xlsx", start=1_048_574)  # the sheet's last row
    with pytest.raises(VnflagError, match="1,048,576 data rows, more than the 1,048,575"):
        check_writable(pd.DataFrame({"a": ["x"]}), "out.xlsx", start=1_048_575)
    with pytest.raises(VnflagError, match="16,385 columns, more than the 16,384"):
        check_writable(pd.DataFrame([range(16_385)]), "out.xlsx")
    check_writable(pd.DataFrame([range(16_385)]), "out.csv")


def test_whole_numbers_a_spreadsheet_cannot_keep_are_refused(tmp_path):
    _refused(pd.DataFrame({"id": [2 ** 53]}), tmp_path / "out.xlsx", "column 'id'", "whole number 9007199254740992")
    write_table(pd.DataFrame({"id": [2 ** 53 - 1]}), tmp_path / "ok.xlsx")
    assert read_table(tmp_path / "ok.xlsx")["id"].tolist() == [str(2 ** 53 - 1)]


def test_a_later_chunk_is_named_by_its_row_in_the_whole_table(tmp_path):
    path = tmp_path / "out.xlsx"
    with pytest.raises(VnflagError, match=r"data row 5 \(sheet row 6\)"):
        with TableWriter(path) as writer:
            writer.write(pd.DataFrame({"text": ["a", "b", "c"]}))
            writer.write(pd.DataFrame({"text": ["d", "x" * 40_000]}))
    assert not list(tmp_path.iterdir())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(LONG_TEXTS, min_size=1, max_size=3))
def test_any_text_is_written_exactly_or_refused(tmp_path, texts):
    frame = pd.DataFrame({"id": [str(n) for n in range(len(texts))], "text": texts})
    for extension in ("xlsx", "csv", "tsv", "jsonl", "json", "parquet"):
        path = tmp_path / f"out.{extension}"
        path.unlink(missing_ok=True)
        try:
            write_table(frame, path)
        except VnflagError as exc:
            assert extension == "xlsx" and "use Parquet or CSV" in str(exc)
            assert not path.exists()
            continue
        assert read_table(path)["text"].tolist() == texts, extension


def test_score_to_xlsx_refuses_a_post_it_would_cut(tmp_path, text_model_dir):
    posts = tmp_path / "posts.csv"
    write_table(pd.DataFrame({"id": ["1", "2"], "text": ["tin thường", "x" * 40_007]}), posts)
    status, _, err = run_cli("score", "--model", text_model_dir, posts, "-o", tmp_path / "scored.xlsx", "-q")
    assert status == 2 and "data row 2" in err and "column 'text'" in err and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["posts.csv"]  # no output, drift file or checkpoint
    status, _, err = run_cli("score", "--model", text_model_dir, posts, "-o", tmp_path / "scored.csv", "-q")
    assert status == 0 and read_table(tmp_path / "scored.csv")["text"].tolist() == ["tin thường", "x" * 40_007]


@pytest.mark.parametrize("reviewers", [(), ("anh", "binh")])
def test_queue_to_xlsx_refuses_a_post_it_would_cut_and_writes_no_file(tmp_path, text_model_dir, reviewers):
    posts = tmp_path / "posts.csv"
    write_table(pd.DataFrame({"id": ["1", "2", "3"], "text": ["tin", "\x01" * 5000 + "END", "tin nữa"]}), posts)
    assert run_cli("score", "--model", text_model_dir, posts, "-o", tmp_path / "scored.parquet", "-q")[0] == 0
    out = tmp_path / "review"
    out.mkdir()
    argv = ["queue", tmp_path / "scored.parquet", "-o", out / "q.xlsx", "--policy", "threshold", "--threshold", "0"]
    status, _, err = run_cli(*argv, *(["--reviewers", ",".join(reviewers)] if reviewers else []))
    assert status == 2 and "35,003 characters" in err and "write this queue as CSV or JSONL" in err
    assert err.count("\n") == 1
    assert not list(out.iterdir())  # neither a reviewer's file nor the queue record


def test_a_resumed_xlsx_run_names_the_row_in_the_whole_table(tmp_path, text_flagger, monkeypatch):
    """After --resume the XLSX sink counts the rows of the parts already kept, so a refusal names the
    row of the whole table; the refusal leaves no checkpoint (no retry of that output can succeed)."""
    from pipelines.test_resume import interrupted
    from vnflag import score_file
    from vnflag.pipelines.checkpoint import ScoreCheckpoint

    texts = [f"bài {n}" for n in range(150)]
    texts[129] = "x" * 40_000
    posts = tmp_path / "posts.csv"
    write_table(pd.DataFrame({"id": [str(n) for n in range(150)], "text": texts}), posts)
    output = tmp_path / "scored.xlsx"
    interrupted(text_flagger, posts, output, after=1, monkeypatch=monkeypatch, chunksize=50)
    with pytest.raises(VnflagError, match=r"data row 130 \(sheet row 131\), column 'text': 40,000 characters"):
        score_file(text_flagger, posts, output, chunksize=50, n_jobs=1, resume=True)
    assert not output.exists() and not ScoreCheckpoint.location(output).exists()
