"""Reading and writing tables: CSV, TSV, JSONL, JSON, Parquet and XLSX, chosen by file extension.

Every cell of a text table is read as the text it holds, and every row comes out once, in order,
or reading stops with a one-line :class:`~vnflag.VnflagError` naming the file and the row, line or
cell at fault. The rules, format by format:

- **CSV/TSV**: a data row must have as many fields as the header; extra fields are accepted only
  when all of them are empty (trailing delimiters), any other mismatch, longer or shorter, is an
  error naming the data rows (1-based) and their field counts. Blank lines are skipped. vnflag's
  own CSV/TSV output quotes every field that needs it (line breaks, bare ``\\r``, delimiters,
  quotes), so it always reads back unchanged.
- **JSONL/JSON**: one JSON object per line (JSONL) or a list of objects (JSON). Values are kept
  as their literal JSON text: the number ``123456789012345678901`` is the cell
  ``"123456789012345678901"`` (like ``007`` in a CSV), ``true`` is ``"true"``, ``null`` and a missing
  key are ``""``, nested values are compact JSON text. Columns are the keys in order of first
  appearance in the whole file. A duplicated key, a malformed line or a line that is not an object
  is an error naming the line.
- **XLSX**: the one sheet that has data (several → an error naming them; choose one with
  ``book.xlsx#SheetName``). Whole numbers are read without ``.0``, dates as ISO text
  (``2020-03-01``, ``2020-03-01T08:30:00``), formulas as their text (``=1+1``), never computed. A
  number too large for a spreadsheet to hold exactly (an 18-digit id stored as a number has already
  lost its last digits) is an error naming the cell. Entirely empty rows are skipped.
- **Parquet**: columns keep their stored types.

Duplicate column names are an error in every format; a file with a header (or a schema) but no rows
gives zero rows with those columns, a file with nothing at all is an error. Text files are UTF-8
(a byte-order mark is dropped) unless ``encoding`` names another codec (see
:mod:`vnflag.io.decoding`); ``-`` means standard input or output as CSV, and every write is
atomic: the file appears whole under its final name or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

import pandas as pd

from ..exceptions import VnflagError
from .decoding import DEFAULT_ENCODING, decode_lines
from .files import atomic_path
from .spreadsheet import load_workbook_raw, unescape_xlsx_text

__all__ = ["read_table", "iter_table", "write_table", "table_format", "TableWriter", "FORMATS", "known_rows", "table_source"]

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "json", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}

_DELIMITERS = {"csv": ",", "tsv": "\t"}
_MAX_LISTED = 5  # rows or cells named in one error message
# Whole numbers from this size on are not all representable as floats, which spreadsheets store.
_EXACT_FLOAT_LIMIT = 2 ** 53


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


def _split_sheet(path: str | os.PathLike) -> tuple[str | os.PathLike, str | None]:
    """``book.xlsx#Posts`` → (``book.xlsx``, ``Posts``), unless a file is really named so."""
    text = str(path)
    base, mark, sheet = text.rpartition("#")
    if mark and base.lower().endswith(".xlsx") and not Path(text).exists():
        return base, sheet
    return path, None


def read_table(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> pd.DataFrame:
    """Read a whole table; text formats are read as strings so nothing is reinterpreted.

    ``encoding`` applies to CSV, TSV, JSONL and JSON (e.g. ``"cp1258"`` for old Windows exports).

    >>> read_table("data/posts_labelled.csv").columns[:2].tolist()   # doctest: +SKIP
    ['id', 'text']
    """
    return pd.concat(list(iter_table(path, chunksize=None, encoding=encoding)), ignore_index=True)


def iter_table(path: str | os.PathLike, chunksize: int | None = 50_000,
               encoding: str = DEFAULT_ENCODING) -> Iterator[pd.DataFrame]:
    """Read a table in chunks of ``chunksize`` rows (one chunk when ``None``), so that files with
    millions of posts never need to fit in memory at once. Row order is kept; a table with a
    header but no rows gives one empty chunk.

    >>> sum(len(chunk) for chunk in iter_table("data/posts_unlabelled.csv", 100))   # doctest: +SKIP
    """
    path, sheet = _split_sheet(path)
    fmt = table_format(path)
    _check_readable(path)
    if chunksize is not None and chunksize < 1:
        raise VnflagError(f"chunksize must be 1 or more, got {chunksize}")
    name = "standard input" if str(path) == "-" else str(path)
    try:
        if fmt in _DELIMITERS:
            if str(path) == "-":
                yield from _csv_chunks(sys.stdin.buffer, name, _DELIMITERS[fmt], chunksize, encoding)
            else:
                with open(path, "rb") as stream:
                    yield from _csv_chunks(stream, name, _DELIMITERS[fmt], chunksize, encoding)
        elif fmt == "jsonl":
            yield from _jsonl_chunks(path, chunksize, encoding)
        elif fmt == "json":
            yield _json_frame(path, encoding)
        elif fmt == "parquet":
            yield from _parquet_chunks(path, chunksize)
        else:
            yield _xlsx_frame(path, sheet)
    except OSError as exc:
        raise VnflagError(f"{name}: cannot read: {exc.strerror or exc}") from exc


def table_source(path: str | os.PathLike) -> str | os.PathLike:
    """The file a table path names: ``book.xlsx#Sheet`` is ``book.xlsx``.

    >>> table_source("book.xlsx#Posts")
    'book.xlsx'
    """
    return _split_sheet(path)[0]


def known_rows(path: str | os.PathLike) -> int | None:
    """The number of rows of a table when it can be known without reading it (a Parquet
    footer), else ``None``.

    >>> known_rows("posts.csv") is None   # doctest: +SKIP
    True
    """
    try:
        if str(path) == "-" or table_format(_split_sheet(path)[0]) != "parquet":
            return None
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # unknown or unreadable here: iter_table reports why
        return None


def _check_unique(columns: Iterable[Any], name: str) -> None:
    seen: set = set()
    duplicated = [c for c in columns if c in seen or seen.add(c)]
    if duplicated:
        listed = ", ".join(repr(c) for c in dict.fromkeys(duplicated))
        raise VnflagError(f"{name}: duplicate column name(s) {listed}; every column needs its own name")


def _text_frame(columns: list[str], rows: list[list[str]], start: int) -> pd.DataFrame:
    """A frame of text cells, its index continuing from ``start`` (the rows of earlier chunks)."""
    values = list(zip(*rows)) if rows else [()] * len(columns)
    frame = pd.DataFrame({c: list(v) for c, v in zip(columns, values)}, dtype=str)
    frame.index = pd.RangeIndex(start, start + len(rows))
    return frame


def _listed(items: list[str], total: int) -> str:
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return "; ".join(items) + more


# -- CSV and TSV ---------------------------------------------------------------------------------

def _csv_lines(blocks: Iterable[str]) -> Iterator[str]:
    """Lines with their endings (``\\n``, ``\\r\\n`` or a bare ``\\r``), as ``csv`` expects them."""
    for block in blocks:
        yield from io.StringIO(block, newline="")


def _csv_chunks(stream: BinaryIO, name: str, delimiter: str, chunksize: int | None,
                encoding: str) -> Iterator[pd.DataFrame]:
    csv.field_size_limit(max(csv.field_size_limit(), 2 ** 31 - 1))  # posts can be long; no silent cap
    reader = csv.reader(_csv_lines(decode_lines(stream, encoding, name)), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    bad: list[str] = []
    bad_total, data_row, emitted = 0, 0, 0
    while True:
        start_line = reader.line_num + 1
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            where = "the header" if header is None else f"data row {data_row + 1}"
            if "unexpected end of data" in str(exc):
                raise VnflagError(f"{name}: {where} (from line {start_line}): a quoted field is never closed") from None
            raise VnflagError(f"{name}: {where} (line {reader.line_num}): {exc}") from None
        if fields is None:
            break
        if not fields:
            continue  # a blank line
        if header is None:
            header = fields
            _check_unique(header, name)
            continue
        data_row += 1
        if len(fields) > len(header) and not any(fields[len(header):]):
            fields = fields[:len(header)]  # trailing delimiters: the extra fields are all empty
        if len(fields) != len(header):
            bad_total += 1
            if len(bad) < _MAX_LISTED:
                bad.append(f"data row {data_row} (line {reader.line_num}) has {len(fields)}")
        rows.append(fields)
        if chunksize is not None and len(rows) == chunksize:
            _check_field_counts(name, bad, bad_total, len(header))
            yield _text_frame(header, rows, emitted)
            emitted += len(rows)
            rows = []
    if header is None:
        raise VnflagError(f"{name}: the file is empty (no header row)")
    _check_field_counts(name, bad, bad_total, len(header))
    if rows or not emitted:
        yield _text_frame(header, rows, emitted)


def _check_field_counts(name: str, bad: list[str], bad_total: int, expected: int) -> None:
    if bad:
        raise VnflagError(
            f"{name}: the header has {expected} fields but {_listed(bad, bad_total)}; "
            "quote fields that contain the delimiter, quotes or line breaks"
        )


# -- JSONL and JSON ------------------------------------------------------------------------------

class _JsonNumber(str):
    """A JSON number, kept as the literal text it was written with."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set = set()
        duplicated = [k for k, _ in pairs if k in seen or seen.add(k)]
        raise ValueError(f"duplicate key(s) {', '.join(repr(k) for k in dict.fromkeys(duplicated))}")
    return record


_JSON_LITERALS = {"parse_int": _JsonNumber, "parse_float": _JsonNumber, "parse_constant": _JsonNumber,
                  "object_pairs_hook": _unique_keys, "strict": False}


def _json_text(value: Any) -> str:
    """Compact JSON text of a parsed value, its numbers exactly as written."""
    if isinstance(value, _JsonNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)  # a _JsonNumber becomes plain text
    return _json_text(value)


def _json_rows(records: list[tuple[int, dict]], columns: list[str], name: str, unit: str) -> list[list[str]]:
    rows = [[_json_cell(record.get(c)) for c in columns] for _, record in records]
    for (number, _), row in zip(records, rows):
        for column, cell in zip(columns, row):
            if not cell.isascii():
                try:
                    cell.encode("utf-8")
                except UnicodeEncodeError:
                    raise VnflagError(f"{name}: {unit} {number}: key {column!r} holds a lone surrogate "
                                      "escape (such as \\ud800), which is not text") from None
    return rows


def _jsonl_records(path: str | os.PathLike, encoding: str) -> Iterator[tuple[int, dict]]:
    number = 0
    with open(path, "rb") as stream:
        for block in decode_lines(stream, encoding, str(path)):
            for line in block.split("\n"):
                number += 1
                if not line.strip():
                    continue
                try:
                    record = json.loads(line, **_JSON_LITERALS)
                except ValueError as exc:
                    detail = f"column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else str(exc)
                    raise VnflagError(f"{path}: line {number}: not valid JSON ({detail})") from None
                if not isinstance(record, dict):
                    raise VnflagError(f"{path}: line {number}: expected a JSON object {{...}}, got "
                                      f"{type(record).__name__ if not isinstance(record, str) else 'a value'}")
                yield number, record
            number -= 1  # the piece after a block's last line break is not a line


def _jsonl_chunks(path: str | os.PathLike, chunksize: int | None, encoding: str) -> Iterator[pd.DataFrame]:
    """Records in chunks; with chunks, a first pass finds every key so that all chunks share columns."""
    if chunksize is None:
        records = list(_jsonl_records(path, encoding))
        columns = list(dict.fromkeys(k for _, r in records for k in r))
    else:
        records = None
        columns = list(dict.fromkeys(k for _, r in _jsonl_records(path, encoding) for k in r))
    if not columns:
        raise VnflagError(f"{path}: the file is empty (no JSON objects with keys)")
    if records is not None:
        yield _text_frame(columns, _json_rows(records, columns, str(path), "line"), 0)
        return
    batch: list[tuple[int, dict]] = []
    emitted = 0
    for item in _jsonl_records(path, encoding):
        batch.append(item)
        if len(batch) == chunksize:
            yield _text_frame(columns, _json_rows(batch, columns, str(path), "line"), emitted)
            emitted += len(batch)
            batch = []
    if batch or not emitted:
        yield _text_frame(columns, _json_rows(batch, columns, str(path), "line"), emitted)


def _json_frame(path: str | os.PathLike, encoding: str) -> pd.DataFrame:
    with open(path, "rb") as stream:
        text = "".join(decode_lines(stream, encoding, str(path)))
    if not text.strip():
        raise VnflagError(f"{path}: the file is empty")
    try:
        payload = json.loads(text, **_JSON_LITERALS)
    except json.JSONDecodeError as exc:
        raise VnflagError(f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except ValueError as exc:
        raise VnflagError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(payload, list):
        raise VnflagError(f"{path}: expected a list of JSON objects (one per row), got {type(payload).__name__}")
    for number, record in enumerate(payload, start=1):
        if not isinstance(record, dict):
            raise VnflagError(f"{path}: record {number}: expected a JSON object {{...}}")
    records = list(enumerate(payload, start=1))
    columns = list(dict.fromkeys(k for r in payload for k in r))
    if not columns:
        raise VnflagError(f"{path}: the file is empty (no JSON objects with keys)")
    return _text_frame(columns, _json_rows(records, columns, str(path), "record"), 0)


# -- Parquet -------------------------------------------------------------------------------------

def _parquet_chunks(path: str | os.PathLike, chunksize: int | None) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, ValueError) as exc:
        raise VnflagError(f"{path}: cannot read as parquet: {_first_line(exc)}") from exc
    _check_unique(parquet.schema_arrow.names, str(path))
    if not parquet.schema_arrow.names:
        raise VnflagError(f"{path}: the file has no columns")
    try:
        if chunksize is None or parquet.metadata.num_rows == 0:
            yield parquet.read().to_pandas()
            return
        for batch in parquet.iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    except (pa.ArrowException, ValueError) as exc:
        raise VnflagError(f"{path}: cannot read as parquet: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- XLSX ----------------------------------------------------------------------------------------

def _xlsx_cell(value: Any, where: str) -> str:
    """A cell as the text a reader sees: whole numbers without ``.0``, dates in ISO, formulas as text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_xlsx_text(value)  # OOXML _xHHHH_ escapes, as Excel shows them
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= _EXACT_FLOAT_LIMIT:
            raise VnflagError(
                f"{where}: the number {value!r} has more digits than a spreadsheet number keeps exactly, so its "
                "last digits are already lost (ids stored as numbers do this); store the column as text and export again")
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if hasattr(value, "text"):  # an array formula
        return str(value.text)
    return str(value)


def _has_values(sheet) -> bool:
    return any(v is not None for row in sheet.iter_rows(values_only=True) for v in row)


def _xlsx_frame(path: str | os.PathLike, sheet_name: str | None) -> pd.DataFrame:
    import zipfile

    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, SyntaxError, EOFError)
    try:
        book = load_workbook_raw(path)  # formulas as their text, shared strings as written
    except unreadable as exc:
        raise VnflagError(f"{path}: cannot read as xlsx: {_first_line(exc)}") from exc
    try:
        names = book.sheetnames
        if sheet_name is not None:
            if sheet_name not in names:
                raise VnflagError(f"{path}: no sheet named {sheet_name!r}; sheets are: {', '.join(names)}")
            chosen = sheet_name
        else:
            filled = [n for n in names if _has_values(book[n])]
            if len(filled) > 1:
                raise VnflagError(f"{path}: {len(filled)} sheets have data ({', '.join(repr(n) for n in filled)}); "
                                  f"choose one as {path}#{filled[0]}")
            chosen = filled[0] if filled else names[0]
        sheet = book[chosen]
        sheet.reset_dimensions()  # stored dimensions can be wrong; never cut rows or columns short
        header: list[str] | None = None
        rows: list[list[str]] = []
        beyond: list[str] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(v is None or v == "" for v in values):
                continue
            cells = [_xlsx_cell(v, f"{path}: sheet {chosen!r} cell {get_column_letter(i)}{number}")
                     for i, v in enumerate(values, start=1)]
            if header is None:
                while cells and cells[-1] == "":
                    cells.pop()
                header = cells
                _check_unique(header, f"{path}: sheet {chosen!r}")
                continue
            extra = [f"{get_column_letter(i)}{number}" for i, c in enumerate(cells, start=1) if i > len(header) and c]
            beyond += extra
            rows.append((cells + [""] * len(header))[:len(header)])
    except VnflagError:
        raise
    except unreadable as exc:
        raise VnflagError(f"{path}: cannot read as xlsx: {_first_line(exc)}") from exc
    finally:
        book.close()
    if header is None:
        raise VnflagError(f"{path}: sheet {chosen!r} is empty (no header row)")
    if beyond:
        raise VnflagError(f"{path}: sheet {chosen!r}: cell(s) {_listed(beyond[:_MAX_LISTED], len(beyond))} hold "
                          "values in columns without a header name")
    return _text_frame(header, rows, 0)


# -- Writing -------------------------------------------------------------------------------------

def _csv_quoting(frame: pd.DataFrame) -> int:
    """Quote every field when a cell or column name holds a bare ``\\r``: the minimal style quotes
    only ``\\n``, the delimiter and quotes, and a bare ``\\r`` would read back as a line break."""
    cells = (v for column in frame.columns for v in frame[column].array if isinstance(v, str))
    names = (str(c) for c in frame.columns)
    return csv.QUOTE_ALL if any("\r" in v for v in names) or any("\r" in v for v in cells) else csv.QUOTE_MINIMAL


def _write_csv(frame: pd.DataFrame, target, fmt: str, header: bool = True, mode: str = "w") -> None:
    frame.to_csv(target, sep=_DELIMITERS[fmt], index=False, header=header, mode=mode,
                 quoting=_csv_quoting(frame), lineterminator="\n")


def _json_value(value: Any) -> Any:
    """A frame cell as a JSON value: missing values and NaN are ``null``, dates ISO text."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (list, dict, str)):
        value = value.item()  # NumPy scalars
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row, written with :mod:`json` (pandas' writer cuts text at NUL characters)."""
    names = [str(c) for c in frame.columns]
    return [json.dumps(dict(zip(names, map(_json_value, row))), ensure_ascii=False, default=str)
            for row in frame.itertuples(index=False, name=None)]


def _write_json(frame: pd.DataFrame, target, lines: bool, mode: str = "w") -> None:
    records = _json_lines(frame)
    text = "".join(r + "\n" for r in records) if lines else "[\n" + ",\n".join(records) + "\n]\n"
    with open(target, mode, encoding="utf-8", newline="") as handle:
        handle.write(text)


def _write_frame(frame: pd.DataFrame, target, fmt: str) -> None:
    if fmt in _DELIMITERS:
        _write_csv(frame, target, fmt)
    elif fmt in ("jsonl", "json"):
        _write_json(frame, target, lines=fmt == "jsonl")
    elif fmt == "parquet":
        frame.to_parquet(target, index=False)
    else:  # text as strings, never formulas; control characters escaped (see .spreadsheet)
        from .spreadsheet import write_xlsx_frame

        write_xlsx_frame(frame, target)


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

    >>> writer = TableWriter("out/scored.csv")   # doctest: +SKIP
    >>> writer.write(chunk); writer.close()      # doctest: +SKIP
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
        """Append rows: a DataFrame, or for a Parquet output also a pyarrow Table."""
        first = self._rows == 0
        self._rows += len(frame)
        if self._stdout:
            buffer = io.StringIO()
            _write_csv(frame, buffer, "csv", header=first)
            sys.stdout.write(buffer.getvalue())
        elif self.format in _DELIMITERS:
            _write_csv(frame, self._tmp, self.format, header=first, mode="w" if first else "a")
        elif self.format == "jsonl":
            _write_json(frame, self._tmp, lines=True, mode="w" if first else "a")
        elif self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
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
