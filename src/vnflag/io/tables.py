"""Reading and writing tables, chosen by file extension through one registry.

Each format lives in one module with a chunked reader and a writer: :mod:`vnflag.io.delimited` (CSV,
TSV), :mod:`vnflag.io.jsonl` (JSONL, JSON), :mod:`vnflag.io.xlsx` and :mod:`vnflag.io.parquet`,
whose docstrings give each format's rules. What holds for all of them: every cell of a text
table is read as the text it holds, and every row comes out once, in order, or reading stops with
a one-line :class:`~vnflag.VnflagError` naming the file and the row, line or cell at fault.
Duplicate column names are an error in every format; a file with a header (or a schema) but no
rows gives zero rows with those columns, a file with nothing at all is an error. Text files are
UTF-8 (a byte-order mark is dropped) unless ``encoding`` names another codec (see
:mod:`vnflag.io.decoding`); ``-`` means standard input or output as CSV, and every write is
atomic: the file appears whole under its final name or not at all.

Every writer keeps every cell exactly or refuses the table before writing it: a format with
limits (XLSX: characters per cell, rows, columns) has a ``check_frame(frame, name, start)`` that
:func:`check_writable` and every :class:`TableWriter` call on each chunk first, and that names
the rows and columns a write would cut. CSV, TSV, JSONL, JSON and Parquet have no such limits.

Adding a format is one module (``read_chunks(path, name, fmt, chunksize, encoding, **options)``
and a ``Writer(target, fmt, **options)`` with ``write``, ``close`` and ``abort``; ``check_frame``
if it has limits) and one line of :data:`_REGISTRY`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from ..exceptions import VnflagError
from .decoding import DEFAULT_ENCODING
from .files import atomic_path
from .frames import BYTES_READ, TableLimitError

__all__ = ["read_table", "iter_table", "write_table", "table_format", "TableWriter", "FORMATS", "known_rows",
           "progress_total", "table_source", "check_writable", "TableLimitError", "check_table_input",
           "shown_row", "HEADER_ROW"]

# extension → (format name, module of vnflag.io that reads and writes it)
_REGISTRY = {
    ".csv": ("csv", "delimited"), ".tsv": ("tsv", "delimited"), ".txt": ("tsv", "delimited"),
    ".jsonl": ("jsonl", "jsonl"), ".ndjson": ("jsonl", "jsonl"), ".json": ("json", "jsonl"),
    ".parquet": ("parquet", "parquet"), ".pq": ("parquet", "parquet"),
    ".xlsx": ("xlsx", "xlsx"),
}
#: Table format by file extension.
FORMATS = {extension: fmt for extension, (fmt, _) in _REGISTRY.items()}
_MODULES = {fmt: module for fmt, module in _REGISTRY.values()}


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


def _module(fmt: str) -> ModuleType:
    return importlib.import_module(f"{__package__}.{_MODULES[fmt]}")


def _check_readable(path: str | os.PathLike) -> None:
    if str(path) == "-":
        return
    p = Path(path)
    if not p.exists():
        raise VnflagError(f"{path}: no such file or directory")
    if p.is_dir():
        raise VnflagError(f"{path}: is a directory, expected a table file")


#: The row a spreadsheet shows for a table's header; its first data row is the next one.
HEADER_ROW = 1


def shown_row(index: Any) -> Any:
    """The row number a person sees for the 0-based data row ``index`` (an int or an array of them)
    of a table with a header, as a spreadsheet shows it: header = row 1, first data row = row 2.
    Every "row N" of an error or warning about a table's rows says this number.

    >>> shown_row(0), shown_row(9)
    (2, 11)
    """
    return index + HEADER_ROW + 1


def check_table_input(path: str | os.PathLike, what: str = "input") -> None:
    """Refuse, before any work, a table input vnflag could not read: an unknown file type, a
    missing file, a directory or a file without read permission (``-``, standard input, passes).

    >>> check_table_input("missing.csv")
    Traceback (most recent call last):
    vnflag.exceptions.VnflagError: missing.csv: no such file or directory (the input)
    """
    source, _ = _split_sheet(path)
    table_format(source)
    try:
        _check_readable(source)
    except VnflagError as exc:
        raise VnflagError(f"{exc} (the {what})") from None
    if str(source) != "-" and not os.access(source, os.R_OK):
        raise VnflagError(f"{source}: cannot read: permission denied (the {what})")


def _split_sheet(path: str | os.PathLike) -> tuple[str | os.PathLike, str | None]:
    """``book.xlsx#Posts`` → (``book.xlsx``, ``Posts``), unless a file is really named so."""
    text = str(path)
    base, mark, sheet = text.rpartition("#")
    if mark and base.lower().endswith(".xlsx") and not Path(text).exists():
        return base, sheet
    return path, None


def table_source(path: str | os.PathLike) -> str | os.PathLike:
    """The file a table path names: ``book.xlsx#Sheet`` is ``book.xlsx``.

    >>> table_source("book.xlsx#Posts")
    'book.xlsx'
    """
    return _split_sheet(path)[0]


def read_table(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING, **options: Any) -> pd.DataFrame:
    """Read a whole table; text formats are read as strings so nothing is reinterpreted.

    ``encoding`` applies to CSV, TSV, JSONL and JSON (e.g. ``"cp1258"`` for old Windows exports);
    ``options`` go to the format's reader (``spreadsheet_safe=True`` for CSV reviewer files;
    ``sep=";"`` for CSV/TSV, ignored by the other formats).

    >>> read_table("data/posts_labelled.csv").columns[:2].tolist()   # doctest: +SKIP
    ['id', 'text']
    """
    return pd.concat(list(iter_table(path, chunksize=None, encoding=encoding, **options)), ignore_index=True)


def iter_table(path: str | os.PathLike, chunksize: int | None = 50_000,
               encoding: str = DEFAULT_ENCODING, *, with_bytes_read: bool = False,
               **options: Any) -> Iterator[pd.DataFrame]:
    """Read a table in chunks of ``chunksize`` rows (one chunk when ``None``), so that files with
    millions of posts never need to fit in memory at once. Row order is kept; a table with a
    header but no rows gives one empty chunk. ``with_bytes_read=True`` leaves on each chunk the
    bytes of the file read (take it with :func:`~vnflag.io.frames.bytes_read`; progress bars).

    >>> sum(len(chunk) for chunk in iter_table("data/posts_unlabelled.csv", 100))   # doctest: +SKIP
    """
    path, sheet = _split_sheet(path)
    fmt = table_format(path)
    _check_readable(path)
    if chunksize is not None and chunksize < 1:
        raise VnflagError(f"chunksize must be 1 or more, got {chunksize}")
    if sheet is not None:
        options["sheet"] = sheet
    if fmt not in ("csv", "tsv"):
        options.pop("sep", None)  # a separator is for CSV/TSV (as --sep): other formats have none
    name = "standard input" if str(path) == "-" else str(path)
    try:
        for chunk in _module(fmt).read_chunks(path, name, fmt, chunksize, encoding, **options):
            if not with_bytes_read:
                chunk.attrs.pop(BYTES_READ, None)  # Parquet would keep it in every file written from the frame
            yield chunk
    except OSError as exc:
        raise VnflagError(f"{name}: cannot read: {exc.strerror or exc}") from exc


def check_writable(frame: pd.DataFrame, path: str | os.PathLike, start: int = 0, advice: str | None = None) -> None:
    """Refuse ``frame`` (:class:`TableLimitError`) if the format of ``path`` cannot hold it exactly,
    before anything is written; ``start`` is the number of rows written before it to the same table
    (so errors name the right rows); ``advice`` replaces the error's last words (which formats to
    use instead). Call it on everything first when one step writes several files (a queue's
    reviewer files).

    >>> check_writable(pd.DataFrame({"text": ["x" * 40_000]}), "posts.csv")   # CSV holds any text
    """
    check = getattr(_module(table_format(path)), "check_frame", None)
    if check is not None:
        check(frame, "standard output" if str(path) == "-" else str(path), start,
              **({} if advice is None else {"advice": advice}))


def known_rows(path: str | os.PathLike) -> int | None:
    """The number of rows of a table when it can be known without reading it (a Parquet
    footer), else ``None``.

    >>> known_rows("posts.csv") is None   # doctest: +SKIP
    True
    """
    try:
        module = None if str(path) == "-" else _module(table_format(_split_sheet(path)[0]))
        count = getattr(module, "row_count", None)
        return None if count is None else count(path)
    except Exception:  # unknown or unreadable here: iter_table reports why
        return None


def progress_total(paths: list[str]) -> tuple[int | None, str]:
    """What a bar over reading ``paths`` counts, and up to what: ``(rows, "posts")`` when every file's
    row count is known without reading it (Parquet), else ``(bytes, "B")``: every other reader
    notes on each chunk the bytes of its file read (:func:`~vnflag.io.frames.bytes_read`), and the
    total is the files' size; standard input has no size and no position: ``(None, "posts")``.

    >>> progress_total(["-"])
    (None, 'posts')
    """
    if "-" in [str(path) for path in paths]:
        return None, "posts"
    rows = [known_rows(path) for path in paths]
    if all(count is not None for count in rows):
        return sum(count for count in rows if count is not None), "posts"
    try:
        return sum(os.path.getsize(table_source(path)) for path in paths), "B"
    except (OSError, TypeError, ValueError):  # a file iter_table will report
        return None, "posts"


class TableWriter:
    """Write chunks to one output table, published atomically on :meth:`close` (or when a
    ``with`` block ends without an exception; an exception aborts instead).

    CSV, TSV, JSONL and JSON stream to a temporary file, Parquet through one ``pyarrow`` writer;
    XLSX chunks are gathered and saved once. ``-`` streams CSV to standard output. ``options``
    go to the format's writer (``spreadsheet_safe=True`` for CSV, ``layout=`` for XLSX).

    >>> with TableWriter("out/scored.csv") as writer:   # doctest: +SKIP
    ...     writer.write(chunk)
    """

    def __init__(self, path: str | os.PathLike, **options: Any):
        self.path = path
        self.format = table_format(path)
        self._rows = 0
        if str(path) == "-":
            self._context = None
            self._writer = _module("csv").Writer(sys.stdout, "csv", **options)
            return
        self._context = atomic_path(path, suffix=Path(str(path)).suffix)
        tmp = self._context.__enter__()
        try:
            self._writer = _module(self.format).Writer(tmp, self.format, **options)
        except BaseException:
            self._context.__exit__(*sys.exc_info())
            raise

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows: a DataFrame, or for a Parquet output also a pyarrow Table; rows the format
        cannot hold exactly are refused (:func:`check_writable`) before any of them is written."""
        if isinstance(frame, pd.DataFrame):
            check_writable(frame, self.path, self._rows)
        self._rows += len(frame)
        self._writer.write(frame)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
        except BaseException:
            self._drop(*sys.exc_info())
            raise
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def abort(self) -> None:
        """Drop the partial output; the target path is left as it was."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.abort()
        finally:
            self._drop(RuntimeError, RuntimeError("aborted"), None)

    def _drop(self, kind, value, traceback) -> None:
        if self._context is not None:
            context, self._context = self._context, None
            try:
                context.__exit__(kind, value, traceback)
            except BaseException as exc:
                if exc is not value:
                    raise


def write_table(frame: pd.DataFrame, path: str | os.PathLike, **options: Any) -> None:
    """Write a table atomically in the format its extension names; ``-`` writes CSV to stdout.
    ``options`` go to the format's writer (see :class:`TableWriter`).

    >>> write_table(pd.DataFrame({"a": [1]}), "out/a.parquet")   # doctest: +SKIP
    """
    with TableWriter(path, **options) as writer:
        writer.write(frame)
