"""JSON tables: JSONL (one object per line) and JSON (a list of objects); the one JSON parser for
files that come from outside vnflag (tables, Label Studio and Argilla exports, reviewer maps).

Parsing is strict and literal everywhere: a duplicated key is an error, a number is kept as the
text it was written with (:class:`JsonNumber`, a ``str``: ``123456789012345678901`` keeps every
digit), bytes that do not decode stop with the byte offset, the line and the likely encoding
(:mod:`vnflag.io.decoding`), and a lone surrogate escape (``\\ud800``) is refused as not text.

As a table, values are cells of text: ``true`` is ``"true"``, ``null`` and a missing key are
``""``, nested values are compact JSON text. Columns are the keys in order of first appearance in
the whole file. A malformed line or a line that is not an object is an error naming the line.
Every line holding an object is one row; a blank (or white-space) line holds no object, so it is
no row (JSON Lines writers may end a file with one): an empty post is ``{"text": ""}``, a row.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ..exceptions import VnflagError
from .decoding import DEFAULT_ENCODING, decode_lines
from .files import atomic_path, check_json_depth, json_text
from .frames import duplicates, note_bytes_read, text_frame

__all__ = ["JsonNumber", "read_chunks", "Writer", "load_json", "iter_json_lines", "parse_json_text",
           "write_json_document", "check_text"]


class JsonNumber(str):
    """A JSON number, kept as the literal text it was written with."""


class _DuplicateKeys(ValueError):
    """An object with a key twice: a reader could not tell which value is meant."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise _DuplicateKeys(f"duplicate key(s) {', '.join(repr(k) for k in duplicates(k for k, _ in pairs))}")
    return record


def parse_json_text(text: str) -> Any:
    """Parse JSON text the strict, literal way (numbers as :class:`JsonNumber`, duplicate keys
    refused); raises ``ValueError`` (or ``RecursionError`` for absurd nesting).

    >>> parse_json_text('[12345678901234567890, "a"]')
    ['12345678901234567890', 'a']
    """
    return json.loads(text, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber,
                      object_pairs_hook=_unique_keys, strict=False)


def _locate_duplicate_keys(text: str) -> json.JSONDecodeError | None:
    """Parse ``text`` again with the pure-Python scanner, whose objects know where they start, to
    give a duplicate key a line and column (the fast C parser cannot tell; only failures pay)."""
    import json.decoder
    import json.scanner

    decoder = json.JSONDecoder(parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber,
                               object_pairs_hook=_unique_keys, strict=False)

    def parse_object(s_and_end, *args, **kwargs):
        try:
            return json.decoder.JSONObject(s_and_end, *args, **kwargs)
        except _DuplicateKeys as exc:
            raise json.JSONDecodeError(str(exc), s_and_end[0], s_and_end[1] - 1) from None

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except json.JSONDecodeError as exc:
        return exc
    except (ValueError, RecursionError):
        return None
    return None


def check_text(value: Any, where: str) -> None:
    """Refuse a lone surrogate (a ``\\ud800`` escape) anywhere in a parsed value: it is not text."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise VnflagError(f"{where} holds a lone surrogate escape (such as \\ud800), "
                                  "which is not text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, where)
    elif isinstance(value, list):
        for item in value:
            check_text(item, where)


def _read_text(path: str | os.PathLike, encoding: str) -> str:
    try:
        with open(path, "rb") as stream:
            return "".join(decode_lines(stream, encoding, str(path)))
    except OSError as exc:
        raise VnflagError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def load_json(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> Any:
    """A whole JSON file, parsed strictly and literally (see the module docstring); any problem
    is a one-line :class:`~vnflag.VnflagError` naming the file and the line.

    >>> load_json("review/project-1-at-2026-12-01.json")[0]["data"]["id"]   # doctest: +SKIP
    '123456789012345678901'
    """
    text = _read_text(path, encoding)
    if not text.strip():
        raise VnflagError(f"{path}: the file is empty")
    check_json_depth(text, path, "JSON file")
    try:
        payload = parse_json_text(text)
    except json.JSONDecodeError as exc:
        raise VnflagError(f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except _DuplicateKeys as exc:
        located = _locate_duplicate_keys(text)
        where = f"line {located.lineno}, column {located.colno}: " if located is not None else ""
        raise VnflagError(f"{path}: {where}not valid JSON ({exc})") from None
    except ValueError as exc:
        raise VnflagError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise VnflagError(f"{path}: not valid JSON (nested too deeply)") from None
    return payload


def iter_json_lines(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for every non-blank line of a JSONL file; a line that is not a
    JSON object is an error naming it."""
    with open(path, "rb") as stream:
        yield from _json_lines(stream, path, encoding)


def _json_lines(stream: BinaryIO, path: str | os.PathLike, encoding: str) -> Iterator[tuple[int, dict]]:
    number = 0
    for block in decode_lines(stream, encoding, str(path)):
        for line in block.split("\n"):  # not splitlines(): \x85 and \u2028 are text
            number += 1
            if not line.strip():
                continue
            try:
                record = parse_json_text(line)
            except (ValueError, RecursionError) as exc:
                detail = f"column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else (
                    str(exc) if isinstance(exc, ValueError) else "nested too deeply")
                raise VnflagError(f"{path}: line {number}: not valid JSON ({detail})") from None
            if not isinstance(record, dict):
                raise VnflagError(f"{path}: line {number}: expected a JSON object {{...}}, got "
                                  f"{type(record).__name__ if not isinstance(record, str) else 'a value'}")
            yield number, record
        number -= 1  # the piece after a block's last line break is not a line


# -- as a table ----------------------------------------------------------------------------------

def _literal_text(value: Any) -> str:
    """Compact JSON text of a parsed value, its numbers exactly as written."""
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_literal_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_literal_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)  # a JsonNumber becomes plain text
    return _literal_text(value)


def _rows(records: list[tuple[int, dict]], columns: list[str], name: str, unit: str) -> list[list[str]]:
    rows = [[_cell(record.get(c)) for c in columns] for _, record in records]
    for (number, _), row in zip(records, rows, strict=True):
        for column, cell in zip(columns, row, strict=True):
            check_text(cell, f"{name}: {unit} {number}: key {column!r}")
    return rows


def read_chunks(path: str | os.PathLike, name: str, fmt: str, chunksize: int | None,
                encoding: str) -> Iterator[pd.DataFrame]:
    """The rows of a JSONL (``fmt="jsonl"``) or JSON file in chunks; a JSON list is one chunk."""
    if fmt == "json":
        yield note_bytes_read(_document_frame(path, encoding), os.path.getsize(path))  # the whole file was read
        return
    if chunksize is None:
        records = list(iter_json_lines(path, encoding))
        columns = list(dict.fromkeys(k for _, r in records for k in r))
    else:  # a first pass finds every key so that all chunks share columns
        records = None
        columns = list(dict.fromkeys(k for _, r in iter_json_lines(path, encoding) for k in r))
    if not columns:
        raise VnflagError(f"{path}: the file is empty (no JSON objects with keys)")
    if records is not None:
        yield note_bytes_read(text_frame(columns, _rows(records, columns, name, "line"), 0), os.path.getsize(path))
        return
    batch: list[tuple[int, dict]] = []
    emitted = 0
    with open(path, "rb") as stream:
        for item in _json_lines(stream, path, encoding):
            batch.append(item)
            if len(batch) == chunksize:
                yield note_bytes_read(text_frame(columns, _rows(batch, columns, name, "line"), emitted), stream)
                emitted += len(batch)
                batch = []
        if batch or not emitted:
            yield note_bytes_read(text_frame(columns, _rows(batch, columns, name, "line"), emitted), stream)


def _document_frame(path: str | os.PathLike, encoding: str) -> pd.DataFrame:
    payload = load_json(path, encoding)
    if not isinstance(payload, list):
        raise VnflagError(f"{path}: expected a list of JSON objects (one per row), got {type(payload).__name__}")
    for number, record in enumerate(payload, start=1):
        if not isinstance(record, dict):
            raise VnflagError(f"{path}: record {number}: expected a JSON object {{...}}")
    columns = list(dict.fromkeys(k for r in payload for k in r))
    if not columns:
        raise VnflagError(f"{path}: the file is empty (no JSON objects with keys)")
    return text_frame(columns, _rows(list(enumerate(payload, start=1)), columns, str(path), "record"), 0)


# -- writing -------------------------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    """A frame cell as a JSON value: missing values and NaN are ``null``, dates ISO text."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()  # NumPy scalars
        except (ValueError, TypeError):
            pass
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row, written with :mod:`json` (pandas' writer cuts text at NUL characters)."""
    names = [str(c) for c in frame.columns]
    return [json.dumps(dict(zip(names, map(_json_value, row), strict=True)), ensure_ascii=False, default=str)
            for row in frame.itertuples(index=False, name=None)]


def _open_utf8(target: str | os.PathLike):
    """UTF-8 text out; a lone surrogate (not UTF-8) is written as its JSON escape ``\\udXXX``."""
    return open(target, "w", encoding="utf-8", errors="backslashreplace", newline="")


class Writer:
    """Stream chunks of rows to a JSONL file (one object per line) or a JSON file (a list of
    objects, ``fmt="json"``)."""

    def __init__(self, target: str | os.PathLike, fmt: str):
        self._lines = fmt == "jsonl"
        self._handle = _open_utf8(target)
        self._count = 0
        if not self._lines:
            self._handle.write("[\n")

    def write(self, frame: pd.DataFrame) -> None:
        for record in _records(frame):
            if self._lines:
                self._handle.write(record + "\n")
            else:
                self._handle.write((",\n" if self._count else "") + record)
            self._count += 1

    def close(self) -> None:
        if not self._lines:
            self._handle.write("\n]\n")
        self._handle.close()

    def abort(self) -> None:
        self._handle.close()


def write_json_document(payload: Any, path: str | os.PathLike) -> Path:
    """Write a JSON document (Label Studio tasks, Argilla records, a queue record) atomically in
    vnflag's layout (:func:`~vnflag.io.files.json_text`), a lone surrogate as its JSON escape."""
    with atomic_path(path, suffix=Path(str(path)).suffix) as tmp, _open_utf8(tmp) as handle:
        handle.write(json_text(payload))
    return Path(path)
