"""XLSX tables: the one module that uses openpyxl, for reading and for writing.

Reading: the one sheet that has data (several → an error naming them; choose one with
``book.xlsx#SheetName``). Text cells are read through the spreadsheet codec
(:func:`~vnflag.io.cells.unescape_xlsx_text`), whole numbers without ``.0``, dates as ISO text
(``2020-03-01``, ``2020-03-01T08:30:00``), formulas as their text (``=1+1``), never computed. A
number too large for a spreadsheet to hold exactly (an 18-digit id stored as a number has already
lost its last digits) is an error naming the cell, as are values in columns without a header.
Every row between the header and the last row with a value (an empty text cell, as vnflag writes
an empty post, is a value) is a row: an empty one is an empty post in a one-column sheet and an
error naming it in a wider sheet (as a blank line of a CSV file is). Empty rows before the header
or after the last value are no rows.

Writing: text cells are always strings, never formulas, with Excel's quote prefix on formula-like
ones and characters XML cannot hold escaped (:mod:`vnflag.io.cells`); numbers stay numbers. The
header row is bold and frozen. A :class:`SheetLayout` adds column widths, wrapped columns with rows
as tall as their text (capped), text-formatted columns (``@``: ids stay text when edited) and
drop-down lists (the review queue's ``decision``). XLSX cannot be appended to, so the writer
gathers its chunks and saves once.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Number
from typing import IO, Any

import pandas as pd

from ..exceptions import VnflagError
from .cells import escape_xlsx_text, looks_like_formula, unescape_xlsx_text
from .frames import MAX_LISTED, TableLimitError, check_unique, first_line, listed, note_bytes_read, text_frame

__all__ = ["SheetLayout", "wrapped_lines", "LINE_POINTS", "read_chunks", "Writer", "fill_sheet", "write_xlsx_frame",
           "load_workbook_raw", "check_frame", "MAX_CELL_CHARS", "MAX_ROWS", "MAX_COLUMNS", "USE_INSTEAD"]

# Whole numbers from this size on are not all representable as floats, which spreadsheets store.
_EXACT_FLOAT_LIMIT = 2 ** 53
#: The format's limits: characters in a cell (as written, ``_xHHHH_`` escapes included; openpyxl
#: and Excel cut longer text silently), rows of a sheet (the header included) and columns.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# An escape is at most 7 characters for 1, so shorter texts cannot pass the cell limit.
_SURELY_FITS = MAX_CELL_CHARS // 7
#: What a refusal advises unless the caller knows better (a review queue: CSV or JSONL).
USE_INSTEAD = "use Parquet or CSV for this table"


@dataclass(frozen=True)
class SheetLayout:
    """How a written sheet looks: its title, column widths (by column name; others get
    ``default_width``), columns whose text wraps (each row made tall enough for its longest
    wrapped text, up to ``max_lines`` lines), columns formatted as text (number format ``@``, so
    that what a reviewer types or pastes there, an id such as ``012``, stays text), and
    drop-down lists of allowed values.

    >>> SheetLayout("queue", choices={"decision": ("misleading", "ok", "unsure")}).title
    'queue'
    """

    title: str = "Sheet1"
    widths: Mapping[str, float] = field(default_factory=dict)
    default_width: float | None = None
    wrapped: Sequence[str] = ()
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    text_columns: Sequence[str] = ()
    max_lines: int = 15


#: Height of one line of text in points (Calibri 11, openpyxl's and Excel's default font), and the
#: column width (in characters) assumed when a wrapped column has none.
LINE_POINTS = 15.0
_DEFAULT_CHARS = 8.43


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` characters wide: each of its lines
    at least one, a long one as many as it fills (a close estimate: fonts differ).

    >>> wrapped_lines("a" * 100, 40), wrapped_lines("a\\nb", 40), wrapped_lines("", 40)
    (3, 2, 1)
    """
    per_line = max(1, int(width) - 1)  # a cell's padding takes about one character
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


# -- reading -------------------------------------------------------------------------------------

def load_workbook_raw(path: str | os.PathLike) -> Any:
    """An openpyxl read-only workbook (``data_only=False``: formulas as their text) whose shared
    strings are kept as written: openpyxl's own reader drops every ``x005F_``, so pass cell text
    from this one to :func:`unescape_xlsx_text`. Close it when done.

    >>> book = load_workbook_raw("review/today.xlsx")   # doctest: +SKIP
    """
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    class RawStringsReader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            strings, tag = [], f"{{{SHEET_MAIN_NS}}}si"
            with self.archive.open(part.PartName[1:]) as source:
                for _, node in iterparse(source):
                    if node.tag == tag:
                        strings.append(Text.from_tree(node).content)
                        node.clear()
            self.shared_strings = strings

    reader = RawStringsReader(path, read_only=True, data_only=False)
    reader.read()
    return reader.wb


def _cell(value: Any, where: str) -> str:
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
                "last digits are already lost (ids stored as numbers do this); store the column as text and "
                "export again")
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if hasattr(value, "text"):  # an array formula
        return str(value.text)
    return str(value)


def _holds_value(cell: Any) -> bool:
    """Whether a cell holds a value, an empty text included (vnflag writes an empty post as an
    empty text cell, so that a sheet's last rows can be empty posts)."""
    return cell.value is not None or getattr(cell, "data_type", None) in ("s", "inlineStr", "str")


def _has_values(sheet) -> bool:
    return any(v is not None for row in sheet.iter_rows(values_only=True) for v in row)


def read_chunks(path: str | os.PathLike, name: str, fmt: str, chunksize: int | None, encoding: str,
                sheet: str | None = None) -> Iterator[pd.DataFrame]:
    """The rows of one sheet (``sheet``, or the one that has data) as one chunk of text cells."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, SyntaxError, EOFError)
    try:
        book = load_workbook_raw(path)  # formulas as their text, shared strings as written
    except unreadable as exc:
        raise VnflagError(f"{name}: cannot read as xlsx: {first_line(exc)}") from exc
    try:
        names = book.sheetnames
        if sheet is not None:
            if sheet not in names:
                raise VnflagError(f"{name}: no sheet named {sheet!r}; sheets are: {', '.join(names)}")
            chosen = sheet
        else:
            filled = [n for n in names if _has_values(book[n])]
            if len(filled) > 1:
                raise VnflagError(f"{name}: {len(filled)} sheets have data ({', '.join(repr(n) for n in filled)}); "
                                  f"choose one as {name}#{filled[0]}")
            chosen = filled[0] if filled else names[0]
        where = f"{name}: sheet {chosen!r}"
        worksheet = book[chosen]
        worksheet.reset_dimensions()  # stored dimensions can be wrong; never cut rows or columns short
        header: list[str] | None = None
        rows: list[list[str]] = []
        beyond: list[str] = []
        empty: list[int] = []  # empty sheet rows since the last row with a value
        blank: list[str] = []  # empty sheet rows inside a table of several columns
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            values = [c.value for c in row]
            if header is None and all(v is None or v == "" for v in values):
                continue  # empty rows before the header
            if header is not None and not any(_holds_value(c) for c in row):
                empty.append(number)
                continue
            cells = [_cell(v, f"{where} cell {get_column_letter(i)}{number}") for i, v in enumerate(values, start=1)]
            if header is None:
                while cells and cells[-1] == "":
                    cells.pop()
                header = cells
                check_unique(header, where)
                continue
            if len(header) == 1:
                rows += [[""] for _ in empty]  # an empty row of a one-column sheet: an empty post
            else:
                blank += [str(n) for n in empty]
            empty = []
            beyond += [f"{get_column_letter(i)}{number}" for i, c in enumerate(cells, start=1) if i > len(header) and c]
            rows.append((cells + [""] * len(header))[:len(header)])
    except VnflagError:
        raise
    except unreadable as exc:
        raise VnflagError(f"{name}: cannot read as xlsx: {first_line(exc)}") from exc
    finally:
        book.close()
    if header is None:
        raise VnflagError(f"{where} is empty (no header row)")
    if beyond:
        raise VnflagError(f"{where}: cell(s) {listed(beyond[:MAX_LISTED], len(beyond))} hold "
                          "values in columns without a header name")
    if blank:
        raise VnflagError(f"{where}: row(s) {listed(blank[:MAX_LISTED], len(blank))} of the sheet are empty inside "
                          f"a table of {len(header)} columns; delete them or fill them in (no row is skipped)")
    yield note_bytes_read(text_frame(header, rows, 0), os.path.getsize(path))  # the whole file was read


# -- writing -------------------------------------------------------------------------------------

def _xlsx_value(value: Any) -> Any:
    """What a frame cell becomes in a sheet: text, a number, a boolean, a date, or empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)) and callable(value.item):
        try:
            value = value.item()  # NumPy scalars
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool):
        return value
    if isinstance(value, Number) and not isinstance(value, complex):
        number = value if isinstance(value, int) else float(value)  # type: ignore[arg-type]
        if isinstance(number, float) and not math.isfinite(number):
            return None if math.isnan(number) else ("inf" if number > 0 else "-inf")
        return number
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.isoformat()  # openpyxl cannot write time zones
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return value
    return str(value)


def _too_long(value: Any) -> int | None:
    """The written length of a text cell longer than :data:`MAX_CELL_CHARS`, else ``None``."""
    if not isinstance(value, str) or len(value) <= _SURELY_FITS:
        return None
    length = len(escape_xlsx_text(value))
    return length if length > MAX_CELL_CHARS else None


def _inexact(value: Any) -> bool:
    """A whole number a spreadsheet cannot keep exactly (it stores numbers as floats)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT_FLOAT_LIMIT


def check_frame(frame: pd.DataFrame, name: str, start: int = 0, advice: str = USE_INSTEAD) -> None:
    """Refuse, before anything is written, a table that an XLSX sheet cannot hold exactly: more
    than :data:`MAX_ROWS` rows (counting the header and ``start`` rows written before) or
    :data:`MAX_COLUMNS` columns, a cell longer than :data:`MAX_CELL_CHARS` characters as written
    (escapes included), or a whole number from 2**53 on. The error names the rows and columns and
    ends with ``advice``.

    >>> check_frame(pd.DataFrame({"text": ["x" * 40_000]}), "out.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    vnflag.io.frames.TableLimitError: out.xlsx: ... data row 1 (sheet row 2), column 'text': 40,000 characters; ...
    """
    if frame.shape[1] > MAX_COLUMNS:
        raise TableLimitError(f"{name}: {frame.shape[1]:,} columns, more than the {MAX_COLUMNS:,} an XLSX sheet "
                              f"holds; {advice}")
    if start + len(frame) + 1 > MAX_ROWS:
        raise TableLimitError(f"{name}: {start + len(frame):,} data rows, more than the {MAX_ROWS - 1:,} an XLSX "
                              f"sheet holds under its header; {advice}")
    found: list[str] = []
    total = 0
    for position, column in enumerate(frame.columns):
        header = _too_long(_xlsx_value(column))
        if header is not None:
            total += 1
            if len(found) < MAX_LISTED:
                found.append(f"the name of column {position + 1}: {header:,} characters")
        for number, raw in enumerate(frame.iloc[:, position].tolist(), start=start + 1):
            value = _xlsx_value(raw)
            length = _too_long(value)
            if length is None and not _inexact(value):
                continue
            total += 1
            if len(found) < MAX_LISTED:
                what = f"{length:,} characters" if length is not None else f"the whole number {value}"
                found.append(f"data row {number} (sheet row {number + 1}), column {column!r}: {what}")
    if found:
        limits = [f"an XLSX cell holds at most {MAX_CELL_CHARS:,} characters (as written: a control character "
                  "takes 7)" if any("characters" in f for f in found) else "",
                  "a spreadsheet number keeps about 15 digits" if any("whole number" in f for f in found) else ""]
        raise TableLimitError(f"{name}: {' and '.join(filter(None, limits))}, which would cut "
                              f"{listed(found, total)}; {advice}")


def fill_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    """Write ``frame`` (header, then rows) into an openpyxl sheet safely: text cells are strings
    (never formulas; quote prefix when formula-like; :func:`escape_xlsx_text`), numbers numbers.

    >>> from openpyxl import Workbook                                   # doctest: +SKIP
    >>> book = Workbook(); fill_sheet(book.active, frame); book.save("x.xlsx")   # doctest: +SKIP
    """
    rows = [list(frame.columns), *frame.itertuples(index=False, name=None)]
    for row_number, row in enumerate(rows, start=1):
        for column_number, raw in enumerate(row, start=1):
            value = _xlsx_value(raw)
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = escape_xlsx_text(value)
                cell.data_type = "s"
                if looks_like_formula(value):
                    cell.quotePrefix = True
            else:
                cell.value = value


def write_xlsx_frame(frame: pd.DataFrame, target: str | os.PathLike | IO[bytes],
                     layout: SheetLayout | None = None) -> None:
    """Write ``frame`` as a one-sheet XLSX workbook through :func:`fill_sheet` (header in bold,
    first row frozen, then ``layout``). Not atomic by itself: write to
    :func:`~vnflag.io.files.atomic_path` (or use :class:`~vnflag.io.tables.TableWriter`).

    >>> write_xlsx_frame(pd.DataFrame({"text": ["=HYPERLINK(1)"]}), "out/scored.xlsx")   # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    check_frame(frame, str(getattr(target, "name", target)))
    layout = layout or SheetLayout()
    book = Workbook()
    sheet = book.active
    sheet.title = layout.title
    fill_sheet(sheet, frame)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    letters = {name: get_column_letter(position) for position, name in enumerate(frame.columns, start=1)}
    for name, letter in letters.items():
        width = layout.widths.get(name, layout.default_width)
        if width is not None:
            sheet.column_dimensions[letter].width = width
    for name in layout.text_columns:
        for cell in sheet[letters[name]][1:]:
            cell.number_format = "@"
    _fit_rows(sheet, frame, layout, letters)
    for name, allowed in layout.choices.items():
        letter = letters[name]
        validation = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=name,
                                    error=f"Choose {', '.join(allowed[:-1])} or {allowed[-1]}"
                                    if len(allowed) > 1 else f"Choose {allowed[0]}")
        validation.add(f"{letter}2:{letter}{max(len(frame) + 1, 2)}")
        sheet.add_data_validation(validation)
    book.save(target)


def _fit_rows(sheet: Any, frame: pd.DataFrame, layout: SheetLayout, letters: Mapping[str, str]) -> None:
    """Wrap the ``layout.wrapped`` columns, align every data cell to the top, and make each data row
    tall enough for its longest wrapped text (at most ``layout.max_lines`` lines): LibreOffice and
    Excel otherwise show one line of a long post."""
    from openpyxl.styles import Alignment

    if not layout.wrapped:
        return
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    widths = {name: layout.widths.get(name) or layout.default_width or _DEFAULT_CHARS for name in layout.wrapped}
    columns = [frame.columns.get_loc(name) for name in layout.wrapped]
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_row=len(frame) + 1), start=0):
        for cell in row:
            cell.alignment = top
        lines = 1
        for name, position in zip(layout.wrapped, columns, strict=True):
            row[position].alignment = wrap
            value = frame.iat[number, position]
            if isinstance(value, str):
                lines = max(lines, wrapped_lines(value, widths[name]))
        if lines > 1:
            sheet.row_dimensions[number + 2].height = min(lines, layout.max_lines) * LINE_POINTS


class Writer:
    """Gather chunks of rows and save them as one XLSX sheet on :meth:`close` (an XLSX file
    cannot be appended to)."""

    def __init__(self, target: str | os.PathLike, fmt: str, layout: SheetLayout | None = None):
        self._target = target
        self._layout = layout
        self._frames: list[pd.DataFrame] = []

    def write(self, frame: pd.DataFrame) -> None:
        self._frames.append(frame)

    def close(self) -> None:
        if self._frames:
            write_xlsx_frame(pd.concat(self._frames, ignore_index=True), self._target, self._layout)

    def abort(self) -> None:
        self._frames = []
