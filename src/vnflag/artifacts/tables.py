"""Reading and writing tables: CSV, TSV, JSONL, Parquet and XLSX, chosen by file extension.

Cells are read as text where the format allows (ids like ``007`` stay ``007``; ``NA`` stays a
word), ``-`` means standard input or output as CSV, and every write is atomic: the file appears
whole under its final name or not at all.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..exceptions import VnflagError
from .files import atomic_path

__all__ = ["read_table", "iter_table", "write_table", "table_format", "TableWriter", "FORMATS"]

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "json", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


# JSON values as written: no dtype guessing, no dates from columns named *_at or *_date
# (pandas 3 does both with dtype=False and deprecates convert_dates).
_JSON_AS_IS = {"dtype": False} if int(pd.__version__.split(".")[0]) >= 3 else {"dtype": False, "convert_dates": False}


def table_format(path: str | os.PathLike) -> str:
    """The table format implied by a path's extension; ``-`` is CSV.

    >>> table_format("posts.jsonl")
    'jsonl'
    """
    if str(path) == "-":
        return "csv"
    suffix = Path(str(path)).suffix.lower()
    if suffix not in FORMATS:
        raise VnflagError(
            f"{path}: unknown file type {suffix or '(none)'!r}; use one of {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def _check_readable(path: str | os.PathLike) -> None:
    if str(path) == "-":
        return
    p = Path(path)
    if not p.exists():
        raise VnflagError(f"{path}: no such file")
    if p.is_dir():
        raise VnflagError(f"{path}: is a directory, expected a table file")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a whole table; text formats are read as strings so nothing is reinterpreted.

    >>> read_table("data/posts_labelled.csv").columns[:2].tolist()   # doctest: +SKIP
    ['id', 'text']
    """
    return pd.concat(list(iter_table(path, chunksize=None)), ignore_index=True)


def iter_table(path: str | os.PathLike, chunksize: int | None = 50_000) -> Iterator[pd.DataFrame]:
    """Read a table in chunks of ``chunksize`` rows (one chunk when ``None``), so that files with
    millions of posts never need to fit in memory at once. Row order is kept."""
    fmt = table_format(path)
    _check_readable(path)
    source = sys.stdin.buffer if str(path) == "-" else path
    try:
        if fmt in ("csv", "tsv"):
            reader = pd.read_csv(source, sep="," if fmt == "csv" else "\t", dtype=str,
                                 keep_default_na=False, chunksize=chunksize, encoding="utf-8-sig")
            if chunksize is None:
                yield reader
            else:
                yield from reader
        elif fmt == "jsonl":
            reader = pd.read_json(source, lines=True, chunksize=chunksize, encoding="utf-8", **_JSON_AS_IS)
            if chunksize is None:
                yield reader
            else:
                yield from reader
        elif fmt == "json":
            yield pd.read_json(source, encoding="utf-8", **_JSON_AS_IS)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(source)
            if chunksize is None:
                yield parquet.read().to_pandas()
            else:
                for batch in parquet.iter_batches(batch_size=chunksize):
                    yield batch.to_pandas()
        else:  # xlsx
            yield pd.read_excel(source, dtype=str, keep_default_na=False, engine="openpyxl")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        if isinstance(exc, VnflagError):
            raise
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise VnflagError(f"{path}: cannot read as {fmt}: {first_line}") from exc


def _write_frame(frame: pd.DataFrame, target, fmt: str) -> None:
    if fmt in ("csv", "tsv"):
        frame.to_csv(target, sep="," if fmt == "csv" else "\t", index=False)
    elif fmt == "jsonl":
        frame.to_json(target, orient="records", lines=True, force_ascii=False)
    elif fmt == "json":
        frame.to_json(target, orient="records", force_ascii=False, indent=1)
    elif fmt == "parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_excel(target, index=False, engine="openpyxl")


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table atomically in the format its extension names; ``-`` writes CSV to stdout.

    >>> write_table(pd.DataFrame({"a": [1]}), "out/a.parquet")   # doctest: +SKIP
    """
    fmt = table_format(path)
    if str(path) == "-":
        buffer = io.StringIO()
        _write_frame(frame, buffer, "csv")
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    with atomic_path(path, suffix=Path(str(path)).suffix) as tmp:
        _write_frame(frame, tmp, fmt)


class TableWriter:
    """Append chunks to one output table and publish it atomically on :meth:`close`.

    CSV, TSV and JSONL chunks stream to a temporary file; Parquet chunks stream through one
    ``pyarrow`` writer; XLSX (and ``.json``) are gathered and written once, as those formats
    cannot be appended to.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self.format = table_format(path)
        self._stdout = str(path) == "-"
        self._pending: list[pd.DataFrame] = []
        self._parquet = None
        self._rows = 0
        self._context = None if self._stdout else atomic_path(path, suffix=Path(str(path)).suffix)
        self._tmp = None if self._context is None else self._context.__enter__()

    def write(self, frame: pd.DataFrame) -> None:
        first = self._rows == 0
        self._rows += len(frame)
        if self._stdout:
            sys.stdout.write(frame.to_csv(index=False, header=first))
        elif self.format in ("csv", "tsv"):
            frame.to_csv(self._tmp, sep="," if self.format == "csv" else "\t", index=False,
                         header=first, mode="w" if first else "a")
        elif self.format == "jsonl":
            with open(self._tmp, "w" if first else "a", encoding="utf-8") as handle:
                frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        elif self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._tmp, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        else:
            self._pending.append(frame)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._parquet is not None:
            self._parquet.close()
        if self._pending:
            _write_frame(pd.concat(self._pending, ignore_index=True), self._tmp, self.format)
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def abort(self) -> None:
        """Drop the partial output; the target path is left as it was."""
        if self._parquet is not None:
            self._parquet.close()
        if self._context is not None:
            try:
                self._context.__exit__(RuntimeError, RuntimeError("aborted"), None)
            except RuntimeError:
                pass
            self._context = None
