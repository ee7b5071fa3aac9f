"""CSV and TSV tables: a chunked reader and a streaming writer.

Separators: a ``.csv`` file may be separated by ``,``, ``;`` (Excel in a Vietnamese or European
locale) or a tab, a ``.tsv``/``.txt`` file likewise. Unless ``sep`` names one (``--sep`` on the
command line, set for the whole command by :func:`using_separator`), it is sniffed from the first
64 KB (:func:`sniff_separator`): the one of the three that splits the header line, if only one
does; if several do, :class:`csv.Sniffer`'s pick among them, else the format's own (``,`` for CSV,
tab for TSV); if none does (a one-column table), the format's own.

Reading: every cell is the text it holds. A data row must have as many fields as the header;
extra fields are accepted only when all of them are empty (trailing delimiters), any other
mismatch is an error naming the data rows (1-based), their lines and field counts. A blank line
is a row like any other: in a one-column table it is a row with an empty cell, in a wider table
it is a row with too few fields (an error), never silently dropped. Blank lines before the
header are skipped. Writing quotes every field that needs it (line breaks, bare ``\\r``,
delimiters, quotes), so vnflag's own output always reads back unchanged.

With ``spreadsheet_safe=True`` (files for people: review queues) the cells go through the
spreadsheet codec (:mod:`vnflag.io.cells`): each piece of a text that a spreadsheet splitting at
``,`` ``;`` tab or a line break would run as a formula gets a ``'`` in front on writing, and
reading removes exactly those again. Without it (data: scored tables) every cell is written as it is.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import IO, BinaryIO

import pandas as pd

from ..exceptions import VnflagError
from .cells import neutralise_csv_frame, restore_csv_frame
from .decoding import decode_lines
from .frames import MAX_LISTED, check_unique, listed, note_bytes_read, text_frame

__all__ = ["DELIMITERS", "SEPARATORS", "read_chunks", "Writer", "header_length", "parse_separator",
           "sniff_separator", "using_separator"]

#: Each format's own separator: the one vnflag writes, and the one read unless another is sniffed or given.
DELIMITERS = {"csv": ",", "tsv": "\t"}
#: Separators sniffed in files read (``--sep`` may name any other single character).
SEPARATORS = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024
_SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
_given_separator: ContextVar[str | None] = ContextVar("vnflag_separator", default=None)


def parse_separator(value: str) -> str:
    """The separator ``value`` names: one character (not a quote or a line break), or ``tab``/``\\t``,
    ``comma``, ``semicolon``; anything else is a :class:`~vnflag.VnflagError`.

    >>> parse_separator(";"), parse_separator("tab")
    (';', '\\t')
    """
    sep = _SEPARATOR_NAMES.get(value.lower(), value)
    if len(sep) != 1 or sep in "\"\r\n":
        raise VnflagError(f"separator must be one character (not a quote or a line break) or tab, got {value!r}")
    return sep


@contextlib.contextmanager
def using_separator(sep: str | None) -> Iterator[None]:
    """Within the block, CSV/TSV files are read with ``sep`` instead of a sniffed separator (``None``:
    sniff): how ``--sep`` reaches every table a command reads, through any pipeline."""
    token = _given_separator.set(None if sep is None else parse_separator(sep))
    try:
        yield
    finally:
        _given_separator.reset(token)


def sniff_separator(sample: str, default: str) -> str:
    """The separator of a CSV/TSV text that starts with ``sample``, by its header (first non-blank
    line): the one of :data:`SEPARATORS` that splits it, if only one does; when several do,
    :class:`csv.Sniffer`'s pick among those (on the sample), else ``default`` if it is one of them,
    else the one giving most fields; when none does (one column), ``default``.

    >>> sniff_separator('id;text\\n1;"Tin, nóng"\\n', ","), sniff_separator("text\\nA, b; c\\n", ",")
    (';', ',')
    """
    whole = len(sample)
    cut = sample.rfind("\n", 0, _SNIFF_CHARS)
    sample = sample[:cut + 1] if cut >= 0 else sample[:_SNIFF_CHARS]
    header = next((line for line in io.StringIO(sample, newline="") if line.strip()), "")

    def fields(sep: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=sep), []))
        except csv.Error:
            return 0

    splitting = [sep for sep in SEPARATORS if fields(sep) > 1]
    if len(splitting) <= 1:
        return splitting[0] if splitting else default
    # Several split the header (a column named "," in a TSV file, "Tin, nóng" in a ;-file): keep those that
    # give every complete record of the sample the header's field count, the format's own first.
    consistent = [sep for sep in splitting if _consistent(sample, sep, fields(sep), len(sample) < whole)]
    if default in consistent:
        return default
    if len(consistent) == 1:
        return consistent[0]
    splitting = consistent or splitting
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(splitting)).delimiter
    except csv.Error:  # the sniffer cannot tell
        sniffed = ""
    if sniffed in splitting:
        return sniffed
    return default if default in splitting else max(splitting, key=fields)


def _consistent(sample: str, sep: str, expected: int, cut: bool) -> bool:
    """Whether every non-blank record of ``sample`` has ``expected`` fields with ``sep`` (the last
    record is left out when ``cut``: the sample may end inside it)."""
    try:
        records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if r]
    except csv.Error:
        return False
    if cut and len(records) > 1:
        records = records[:-1]
    return all(len(r) == expected for r in records)


def read_chunks(path: str | os.PathLike, name: str, fmt: str, chunksize: int | None, encoding: str,
                spreadsheet_safe: bool = False, sep: str | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a CSV/TSV file (``-``: standard input) in chunks of ``chunksize`` (all at once
    when ``None``); a header without rows gives one empty chunk. ``sep``: the separator (default:
    the one :func:`using_separator` gives, else sniffed)."""
    sep = parse_separator(sep) if sep is not None else _given_separator.get()
    chunks = _chunks_of_stdin if str(path) == "-" else _chunks_of_file
    for chunk in chunks(path, name, (DELIMITERS[fmt], sep), chunksize, encoding):
        yield restore_csv_frame(chunk) if spreadsheet_safe else chunk


def _chunks_of_stdin(path, name, delimiter, chunksize, encoding) -> Iterator[pd.DataFrame]:
    yield from _chunks(sys.stdin.buffer, name, delimiter, chunksize, encoding)


def _chunks_of_file(path, name, delimiter, chunksize, encoding) -> Iterator[pd.DataFrame]:
    with open(path, "rb") as stream:
        yield from _chunks(stream, name, delimiter, chunksize, encoding)


def _lines(blocks: Iterable[str]) -> Iterator[str]:
    """Lines with their endings (``\\n``, ``\\r\\n`` or a bare ``\\r``), as ``csv`` expects them."""
    for block in blocks:
        yield from io.StringIO(block, newline="")


def _separated(blocks: Iterator[str], default: str, given: str | None) -> tuple[Iterator[str], str]:
    """The text blocks again, and the separator: ``given``, else sniffed from the first 64 KB."""
    if given is not None:
        return blocks, given
    head: list[str] = []
    size = 0
    for block in blocks:
        head.append(block)
        size += len(block)
        if size >= _SNIFF_CHARS:
            break
    return itertools.chain(head, blocks), sniff_separator("".join(head)[:_SNIFF_CHARS * 2], default)


def _chunks(stream: BinaryIO, name: str, separators: tuple[str, str | None], chunksize: int | None,
            encoding: str) -> Iterator[pd.DataFrame]:
    csv.field_size_limit(max(csv.field_size_limit(), 2 ** 31 - 1))  # posts can be long; no silent cap
    blocks, delimiter = _separated(decode_lines(stream, encoding, name), *separators)
    reader = csv.reader(_lines(blocks), delimiter=delimiter, strict=True)
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
            raise VnflagError(f"{name}: {where} (line {reader.line_num}): {exc} (read with separator "
                              f"{_shown(delimiter)}; name another with --sep, sep=... in Python)") from None
        if fields is None:
            break
        if header is None:
            if fields:  # blank lines before the header are no rows
                header = fields
                check_unique(header, name)
            continue
        data_row += 1
        if not fields and len(header) == 1:
            fields = [""]  # a blank line of a one-column table: an empty cell
        if len(fields) > len(header) and not any(fields[len(header):]):
            fields = fields[:len(header)]  # trailing delimiters: the extra fields are all empty
        if len(fields) != len(header):
            bad_total += 1
            if len(bad) < MAX_LISTED:
                bad.append(f"data row {data_row} (line {reader.line_num}) has {len(fields)}")
        rows.append(fields)
        if chunksize is not None and len(rows) == chunksize:
            _check_field_counts(name, bad, bad_total, len(header), delimiter)
            yield note_bytes_read(text_frame(header, rows, emitted), stream)
            emitted += len(rows)
            rows = []
    if header is None:
        raise VnflagError(f"{name}: the file is empty (no header row)")
    _check_field_counts(name, bad, bad_total, len(header), delimiter)
    if rows or not emitted:
        yield note_bytes_read(text_frame(header, rows, emitted), stream)


def _shown(sep: str) -> str:
    return "tab" if sep == "\t" else repr(sep)


def _check_field_counts(name: str, bad: list[str], bad_total: int, expected: int, delimiter: str) -> None:
    if bad:
        raise VnflagError(
            f"{name}: the header has {expected} fields but {listed(bad, bad_total)}; "
            "quote fields that contain the delimiter, quotes or line breaks (a blank line has 0); "
            f"the separator read is {_shown(delimiter)} (name another with --sep, sep=... in Python)"
        )


def _quoting(frame: pd.DataFrame) -> int:
    """Quote every field when a cell or column name holds a bare ``\\r``: the minimal style quotes
    only ``\\n``, the delimiter and quotes, and a bare ``\\r`` would read back as a line break."""
    cells = (v for column in frame.columns for v in frame[column].array if isinstance(v, str))
    names = (str(c) for c in frame.columns)
    return csv.QUOTE_ALL if any("\r" in v for v in names) or any("\r" in v for v in cells) else csv.QUOTE_MINIMAL


class Writer:
    """Stream chunks of rows to a CSV/TSV file (or a text stream such as standard output), the
    header once; a one-column row with an empty cell is written ``""`` so it reads back as a row."""

    def __init__(self, target: str | os.PathLike | IO[str], fmt: str, spreadsheet_safe: bool = False):
        self._delimiter = DELIMITERS[fmt]
        self._safe = spreadsheet_safe
        self._own = isinstance(target, (str, os.PathLike))  # a file this writer opens and closes
        self._stream: IO[str] = (open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close)
                                 if isinstance(target, (str, os.PathLike)) else target)
        self._first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self._safe:
            frame = neutralise_csv_frame(frame)
        buffer = io.StringIO()
        frame.to_csv(buffer, sep=self._delimiter, index=False, header=self._first, quoting=_quoting(frame),
                     lineterminator="\n")
        self._first = False
        self._stream.write(buffer.getvalue())
        if not self._own:
            self._stream.flush()  # standard output: each chunk as it comes

    def close(self) -> None:
        if self._own:
            self._stream.close()

    abort = close


def header_length(data: bytes, delimiter: str) -> int:
    """Length in bytes of the header record at the start of UTF-8 CSV/TSV ``data`` (a quoted name
    may hold a line break): what a writer appending chunk after chunk leaves out after the first.

    >>> header_length(b'"a\\nb",c\\r\\n1,2\\r\\n', ",")
    9
    """
    text = data.decode("utf-8")
    stream = io.StringIO(text, newline="")
    next(csv.reader(stream, delimiter=delimiter))
    return len(text[:stream.tell()].encode("utf-8"))
