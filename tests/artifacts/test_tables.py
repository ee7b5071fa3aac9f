"""Tables in every supported format, read as text, written atomically."""

import pandas as pd
import pytest

from vnflag import VnflagError
from vnflag.artifacts.tables import TableWriter, iter_table, read_table, table_format, write_table

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
