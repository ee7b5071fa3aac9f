"""What every table format module shares: text frames, the duplicate-column check and how an
error lists what it found, so that every format reports the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..exceptions import VnflagError

__all__ = ["MAX_LISTED", "BYTES_READ", "bytes_read", "note_bytes_read", "text_frame", "duplicates", "check_unique",
           "listed", "first_line", "TableLimitError"]

#: Rows or cells named in one error message.
MAX_LISTED = 5


#: ``frame.attrs`` key under which a text format's reader notes how many bytes of the file it had
#: read when it gave the chunk: what progress bars of text inputs count (their total: the file size).
BYTES_READ = "vnflag_bytes_read"


def note_bytes_read(frame: pd.DataFrame, stream: Any) -> pd.DataFrame:
    """Note on ``frame`` the bytes of ``stream`` read so far (a number: that many; nothing for a
    stream without a position, such as standard input); returns ``frame``."""
    try:
        frame.attrs[BYTES_READ] = stream if isinstance(stream, int) else int(stream.tell())
    except (AttributeError, OSError, ValueError):
        pass
    return frame


def bytes_read(frame: pd.DataFrame) -> int | None:
    """The bytes of its file read when ``frame`` was given (:func:`note_bytes_read`), or ``None``;
    the note is taken off ``frame``, so that it never reaches an output (Parquet keeps ``attrs``).

    >>> import io
    >>> bytes_read(note_bytes_read(text_frame(["id"], [["7"]], 0), io.BytesIO(b"id\\n7\\n")))
    0
    """
    value = frame.attrs.pop(BYTES_READ, None)
    return None if value is None else int(value)


class TableLimitError(VnflagError):
    """A table the output's format cannot hold exactly (an XLSX cell's size): refused before it is
    written, and no retry of the same output can succeed, so a resumable run drops its checkpoint."""


def text_frame(columns: list[str], rows: list[list[str]], start: int) -> pd.DataFrame:
    """A frame of text cells, its index continuing from ``start`` (the rows of earlier chunks).

    >>> text_frame(["id"], [["007"]], 10).to_dict("index")
    {10: {'id': '007'}}
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    frame = pd.DataFrame({c: list(v) for c, v in zip(columns, values, strict=True)}, dtype=str)
    frame.index = pd.RangeIndex(start, start + len(rows))
    return frame


def duplicates(items: Iterable[Any]) -> list[Any]:
    """The items that occur more than once, each once, in order of their second occurrence.

    >>> duplicates(["id", "text", "id"])
    ['id']
    """
    seen: set = set()
    repeated: dict[Any, None] = {}
    for item in items:
        if item in seen:
            repeated[item] = None
        seen.add(item)
    return list(repeated)


def check_unique(columns: Iterable[Any], name: str) -> None:
    """Refuse duplicate column names: a reader could not tell the columns apart."""
    duplicated = duplicates(columns)
    if duplicated:
        names = ", ".join(repr(c) for c in duplicated)
        raise VnflagError(f"{name}: duplicate column name(s) {names}; every column needs its own name")


def listed(items: list[str], total: int) -> str:
    """``items`` joined for a message, with how many more there are of ``total``."""
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return "; ".join(items) + more


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (a library's message can run over many lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
