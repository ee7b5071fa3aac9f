"""Spreadsheet-safe cells: no formula injection, no write-time crash, and every text recoverable.

Reviewers open vnflag's CSV and XLSX files in Excel, LibreOffice or Google Sheets, and post texts
are written by strangers. Two hazards, each handled by a reversible escape:

**Formula injection** (OWASP "CSV injection"). A spreadsheet runs a cell starting with ``=``,
``+``, ``-``, ``@``, tab, CR or LF as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``).
vnflag also treats a cell as a formula when those signs follow leading white space (some
applications trim it before parsing) and for the full-width signs ``＝ ＋ － ＠`` (East Asian
input methods make them; some applications read them as formulas). Then:

* **XLSX**: text cells are always written as strings (``data_type "s"``, never a formula) with
  Excel's *quote prefix* style on formula-like ones, so that editing such a cell does not turn it
  into a formula either. The value itself is not changed.
* **CSV**: a formula-like text, *and* a text that already starts with ``'``, gets one leading
  ``'`` (the OWASP advice); :func:`unescape_csv_text` removes exactly one, so every text comes
  back as it was.

Only text is escaped: numbers (``score``, ``rank``, ``-0.5``) are data and stay numbers. In a
text column, a *string* such as ``"-5"`` is text and is escaped. The rule is per cell: ``str``
values are text, ``int``/``float`` (and NumPy numbers) are numbers.

**Characters XML cannot hold** (``\\x00-\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e-\\x1f``, lone
surrogates, ``U+FFFE``, ``U+FFFF``), and CR, which XML turns into LF. openpyxl refuses the first
kind (``IllegalCharacterError``) and loses CR. In XLSX they are written as OOXML escapes
``_xHHHH_``, as Excel itself does, so Excel shows the original character; an underscore that
would otherwise start such an escape (a literal ``_x001D_`` in a post) is written ``_x005F_``.
CSV holds every character except lone surrogates (not UTF-8), which get the same escape there.
:func:`unescape_xlsx_text` and :func:`unescape_csv_text` undo it exactly.

Read XLSX files with :func:`read_xlsx_frame` (or :func:`load_workbook_raw` and
:func:`unescape_xlsx_text`): openpyxl's default reader drops ``x005F_`` from
shared strings (those Excel writes), which would make a literal ``_x001D_`` indistinguishable
from an escaped control character.

>>> escape_csv_text("=1+1"), unescape_csv_text("'=1+1")
("'=1+1", '=1+1')
>>> escape_xlsx_text("a\\x1db_x0041_")
'a_x001D_b_x005F_x0041_'
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from datetime import date, datetime, time, timedelta
from numbers import Number
from typing import IO, Any, Callable

import pandas as pd

from ..exceptions import VnflagError

__all__ = ["FORMULA_SIGNS", "looks_like_formula", "escape_csv_text", "unescape_csv_text", "escape_xlsx_text",
           "unescape_xlsx_text", "neutralise_csv_frame", "restore_csv_frame", "fill_sheet", "write_xlsx_frame",
           "load_workbook_raw", "read_xlsx_frame"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Written before a formula-like (or ``'``-initial) CSV text.
CSV_ESCAPE = "'"

_XML_UNSAFE = "\x00-\x08\x0b\x0c\r\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_CSV_UNSAFE = "\ud800-\udfff"
_TOKEN = re.compile(r"_x([0-9A-Fa-f]{4})_")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet may read ``text`` as a formula: it starts with one of
    :data:`FORMULA_SIGNS`, possibly after white space.

    >>> looks_like_formula("  =SUM(A1)"), looks_like_formula("-0.5"), looks_like_formula("a=b")
    (True, True, False)
    """
    return text[:1] in FORMULA_SIGNS or text.lstrip()[:1] in FORMULA_SIGNS


def _escape_chars(text: str, unsafe: str, decodable: Callable[[int], bool]) -> str:
    """``text`` with each ``unsafe`` character as ``_xHHHH_``, and ``_x005F_`` for each underscore
    that would otherwise read back as the start of a decodable escape."""
    pattern = re.compile(f"[{unsafe}]|_(?=x([0-9A-Fa-f]{{4}})(?:_|[{unsafe}]))")

    def replace(match: re.Match) -> str:
        if match.group(0) != "_":
            return f"_x{ord(match.group(0)):04X}_"
        return "_x005F_" if decodable(int(match.group(1), 16)) else "_"

    return pattern.sub(replace, text)


def _unescape_chars(text: str, decodable: Callable[[int], bool]) -> str:
    """Inverse of :func:`_escape_chars`: decodable ``_xHHHH_`` escapes back to their character."""
    if "_x" not in text:
        return text
    out, position = [], 0
    while (match := _TOKEN.search(text, position)) is not None:
        out.append(text[position:match.start()])
        code = int(match.group(1), 16)
        if decodable(code):
            out.append(chr(code))
            position = match.end()
        else:  # not an escape: keep the underscore, look again from the next character
            out.append("_")
            position = match.start() + 1
    out.append(text[position:])
    return "".join(out)


def _any_code(code: int) -> bool:
    return True


def _csv_code(code: int) -> bool:
    return code == 0x5F or 0xD800 <= code <= 0xDFFF


def escape_xlsx_text(text: str) -> str:
    """A text as an XLSX cell can hold it: OOXML ``_xHHHH_`` escapes for characters XML cannot
    hold and for CR, ``_x005F_`` for an underscore that would start an escape.

    >>> escape_xlsx_text("Tin\\x08 nóng\\r\\n")
    'Tin_x0008_ nóng_x000D_\\n'
    """
    return _escape_chars(text, _XML_UNSAFE, _any_code)


def unescape_xlsx_text(text: str) -> str:
    """The original text of an XLSX cell (Excel's reading of ``_xHHHH_``).

    >>> unescape_xlsx_text("Tin_x0008_ _x005F_x0041_")
    'Tin\\x08 _x0041_'
    """
    return _unescape_chars(text, _any_code)


def escape_csv_text(text: str) -> str:
    """A text as a CSV cell: a leading ``'`` if it looks like a formula or starts with ``'``;
    lone surrogates (not UTF-8) as ``_xHHHH_``.

    >>> escape_csv_text("@cmd"), escape_csv_text("'quoted"), escape_csv_text("tin thật")
    ("'@cmd", "''quoted", 'tin thật')
    """
    text = _escape_chars(text, _CSV_UNSAFE, _csv_code)
    return CSV_ESCAPE + text if text.startswith(CSV_ESCAPE) or looks_like_formula(text) else text


def unescape_csv_text(text: str) -> str:
    """The original text of a CSV cell written by :func:`escape_csv_text`.

    >>> unescape_csv_text("''quoted"), unescape_csv_text("tin thật")
    ("'quoted", 'tin thật')
    """
    if text.startswith(CSV_ESCAPE):
        text = text[len(CSV_ESCAPE):]
    return _unescape_chars(text, _csv_code)


def _map_text_cells(frame: pd.DataFrame, function: Callable[[str], str]) -> pd.DataFrame:
    """``function`` applied to every ``str`` cell and column name; text columns come back as
    ``object`` columns (an unescaped lone surrogate cannot live in a pandas string column)."""
    out = frame.copy()
    out.columns = [function(c) if isinstance(c, str) else c for c in frame.columns]
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            values = [function(v) if isinstance(v, str) else v for v in column.tolist()]
            out.isetitem(position, pd.Series(values, index=frame.index, dtype=object))
    return out


def neutralise_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are :func:`escape_csv_text`-ed;
    numbers are left as numbers. Write it with any CSV writer.

    >>> neutralise_csv_frame(pd.DataFrame({"text": ["=1+1"], "score": [-0.5]})).to_dict("records")
    [{'text': "'=1+1", 'score': -0.5}]
    """
    return _map_text_cells(frame, escape_csv_text)


def restore_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_csv_frame` on a CSV read back as text.

    >>> restore_csv_frame(pd.DataFrame({"text": ["'=1+1"]}))["text"].tolist()
    ['=1+1']
    """
    return _map_text_cells(frame, unescape_csv_text)


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
        number = float(value) if not isinstance(value, int) else value
        if isinstance(number, float) and not math.isfinite(number):
            return None if math.isnan(number) else ("inf" if number > 0 else "-inf")
        return number
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()  # openpyxl cannot write time zones
    if isinstance(value, (datetime, date, time, timedelta)):
        return value
    return str(value)


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


def write_xlsx_frame(frame: pd.DataFrame, target: str | os.PathLike | IO[bytes], sheet_title: str = "Sheet1") -> None:
    """Write ``frame`` as a one-sheet XLSX workbook through :func:`fill_sheet` (header in bold,
    first row frozen). Not atomic by itself: write to :func:`~vnflag.io.files.atomic_path`.

    >>> write_xlsx_frame(pd.DataFrame({"text": ["=HYPERLINK(1)"]}), "out/scored.xlsx")   # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    fill_sheet(sheet, frame)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    book.save(target)


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
            strings, tag = [], "{%s}si" % SHEET_MAIN_NS
            with self.archive.open(part.PartName[1:]) as source:
                for _, node in iterparse(source):
                    if node.tag == tag:
                        strings.append(Text.from_tree(node).content)
                        node.clear()
            self.shared_strings = strings

    reader = RawStringsReader(path, read_only=True, data_only=False)
    reader.read()
    return reader.wb


def _cell_text(value: Any) -> str:
    """A cell as text, as ``pandas.read_excel(dtype=str)`` gives it, with escapes undone."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_xlsx_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_frame(path: str | os.PathLike) -> pd.DataFrame:
    """Read the first sheet of an XLSX file as text (header row = column names, empty cells
    ``""``, trailing empty rows dropped), undoing :func:`escape_xlsx_text`; a formula a reviewer
    typed is read as its text (``=1+1``), never evaluated.

    >>> read_xlsx_frame("review/today.xlsx").columns[:2].tolist()   # doctest: +SKIP
    ['rank', 'item_id']
    """
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook_raw(path)
        try:
            rows = [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    except (OSError, zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, InvalidFileException) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise VnflagError(f"{path}: cannot read as xlsx: {detail}") from exc
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    header, seen = [], {}
    for number, name in enumerate(rows[0] + [""] * (width - len(rows[0]))):
        name = name or f"Unnamed: {number}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        header.append(name if count == 0 else f"{name}.{count}")
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)
