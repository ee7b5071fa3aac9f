"""The appendable Parquet file: an ordinary Parquet file that any reader reads whole, each chunk
written once, cut back to a recorded chunk and continued after a crash, its Thrift footer read and
written back byte for byte."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vnflag.pipelines.parquet_append import AppendableParquet, _footer, decode_struct, encode_struct


def chunk(number: int, rows: int = 7) -> pd.DataFrame:
    ids = range(number * rows, (number + 1) * rows)
    return pd.DataFrame({"id": [str(10**20 + i) for i in ids], "text": [f"bài {i} " + "ạ" * i for i in ids],
                         "score": [np.nan if i % 5 == 0 else i / 100 for i in ids],
                         "flagged": [i % 2 == 0 for i in ids],
                         "count": np.arange(number * rows, (number + 1) * rows, dtype="int64")})


def table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_a_footer_is_written_back_byte_for_byte():
    buffer = io.BytesIO()
    pq.write_table(table(chunk(0)), buffer)
    footer, _ = _footer(buffer.getvalue())
    assert encode_struct(decode_struct(footer)[0]) == footer


def test_chunks_appended_read_back_as_one_table_with_row_groups_and_statistics(tmp_path):
    parquet = AppendableParquet(tmp_path / "out", {})
    frames = [chunk(n) for n in range(4)]
    for frame in frames:
        parquet.write(table(frame))
    path = parquet.close()
    pd.testing.assert_frame_equal(pd.read_parquet(path), pd.concat(frames, ignore_index=True))
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 28 and meta.num_row_groups == 4
    assert [meta.row_group(i).column(4).statistics.min for i in range(4)] == [0, 7, 14, 21]
    filtered = pq.read_table(path, filters=[("count", ">=", 21)]).to_pandas()
    assert filtered["count"].tolist() == list(range(21, 28))
    assert not (tmp_path / "out.meta").exists()


def test_cut_back_to_a_recorded_chunk_and_continued_is_the_same_file(tmp_path):
    whole = AppendableParquet(tmp_path / "whole", {})
    for n in range(3):
        whole.write(table(chunk(n)))
    expected = whole.close().read_bytes()
    parquet = AppendableParquet(tmp_path / "out", {})
    parquet.write(table(chunk(0)))
    recorded = parquet.state()
    parquet.write(table(chunk(1)))  # written, not recorded: then a crash
    resumed = AppendableParquet(tmp_path / "out", recorded)
    for n in (1, 2):
        resumed.write(table(chunk(n)))
    assert resumed.close().read_bytes() == expected


def test_later_chunks_take_the_first_chunks_types(tmp_path):
    parquet = AppendableParquet(tmp_path / "out", {})
    parquet.write(table(chunk(0)))
    later = chunk(1).assign(score=np.nan)  # all missing: float64 still, but text all None would be null
    later["text"] = None
    parquet.write(table(later))
    back = pq.read_table(parquet.close())
    assert back.schema.field("text").type == table(chunk(0)).schema.field("text").type and back.num_rows == 14
    assert back.column("text").to_pylist()[7:] == [None] * 7


def test_a_recorded_length_past_the_file_is_refused(tmp_path):
    parquet = AppendableParquet(tmp_path / "out", {})
    parquet.write(table(chunk(0)))
    state = parquet.state()
    with pytest.raises(ValueError, match="records"):
        AppendableParquet(tmp_path / "out", {**state, "bytes": state["bytes"] + 100})
