"""Parquet tables: columns keep their stored types; read in record batches, written through one
``pyarrow`` writer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..exceptions import VnflagError
from .frames import check_unique, first_line

__all__ = ["read_chunks", "Writer", "row_count"]


def row_count(path: str | os.PathLike) -> int:
    """The number of rows, from the file's footer (nothing else is read)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def read_chunks(path: str | os.PathLike, name: str, fmt: str, chunksize: int | None,
                encoding: str) -> Iterator[pd.DataFrame]:
    """The rows in chunks of ``chunksize`` (all at once when ``None``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, ValueError) as exc:
        raise VnflagError(f"{name}: cannot read as parquet: {first_line(exc)}") from exc
    check_unique(parquet.schema_arrow.names, name)
    if not parquet.schema_arrow.names:
        raise VnflagError(f"{name}: the file has no columns")
    try:
        if chunksize is None or parquet.metadata.num_rows == 0:
            yield parquet.read().to_pandas()
            return
        for batch in parquet.iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    except (pa.ArrowException, ValueError) as exc:
        raise VnflagError(f"{name}: cannot read as parquet: {first_line(exc)}") from exc


class Writer:
    """Stream chunks (DataFrames or pyarrow Tables) through one ``pyarrow`` writer; every chunk
    is cast to the first chunk's schema."""

    def __init__(self, target: str | os.PathLike, fmt: str):
        self._target = target
        self._writer: Any = None

    def write(self, frame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._target, table.schema)
        self._writer.write_table(table.cast(self._writer.schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    abort = close
