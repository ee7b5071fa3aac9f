"""The spreadsheet cell codec: no formula injection, no write-time crash, and every text recoverable.

One codec for both spreadsheet formats: :mod:`vnflag.io.xlsx` writes and reads every XLSX text
cell through it, :mod:`vnflag.io.delimited` does so for CSV written or read with ``spreadsheet_safe=True``
(the review exports).

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
* **CSV** (files for people: review queues and adjudication sheets): a spreadsheet may split a
  CSV line on ``,``, ``;`` (Excel's list separator in Vietnamese and other decimal-comma
  locales), tab or a line break whatever the quoting, so *every piece* of a text between such
  separators counts, not just its start: a piece that looks like a formula (its first character
  after white space and ``"`` is a formula sign), *and* a piece that already starts with ``'``,
  gets one ``'`` in front (the OWASP advice; ``Tin nóng;=1+1`` is written ``Tin nóng;'=1+1``).
  :func:`unescape_csv_text` removes a ``'`` only where the writer put one (a piece starting with
  ``'`` whose rest the writer would have marked), so every text comes back as it was and a
  reviewer's own ``'tin đồn' là sai`` keeps its quote. Tables that are *data*
  (``vnflag score -o scored.csv``) are written exactly, without this codec.

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

XLSX files are read by :mod:`vnflag.io.xlsx`, whose reader keeps shared strings as written:
openpyxl's default reader drops ``x005F_`` from them (those Excel writes), which would make a
literal ``_x001D_`` indistinguishable from an escaped control character.

>>> escape_csv_text("=1+1"), unescape_csv_text("'=1+1")
("'=1+1", '=1+1')
>>> escape_xlsx_text("a\\x1db_x0041_")
'a_x001D_b_x005F_x0041_'
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

__all__ = ["FORMULA_SIGNS", "looks_like_formula", "escape_csv_text", "unescape_csv_text", "escape_xlsx_text",
           "unescape_xlsx_text", "neutralise_csv_frame", "restore_csv_frame", "CSV_SPLITS"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Written before a formula-like (or ``'``-initial) piece of a CSV text.
CSV_ESCAPE = "'"
#: Where a spreadsheet may split a CSV line, whatever its quoting: the comma, Excel's list
#: separator ``;`` of decimal-comma locales, tab, and line breaks.
CSV_SPLITS = ",;\t\r\n"
_SPLIT = re.compile("([,;\t\r\n])")
_PIECE_HEAD = re.compile('[\\s"]*')  # white space and quotes a spreadsheet may skip before a formula sign

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


def _pieces(text: str) -> list[tuple[str, str]]:
    """``text`` as (piece, separator after it) pairs, cut at every :data:`CSV_SPLITS` character; the
    last separator is ``""``. Joining them all gives ``text`` back."""
    parts = _SPLIT.split(text)
    return list(zip(parts[::2], [*parts[1::2], ""], strict=True))


def _marked(piece: str, first: bool, separator: str) -> bool:
    """Whether the CSV writer puts :data:`CSV_ESCAPE` before ``piece`` (a :func:`_pieces` piece):
    it starts with ``'`` or like a formula (after white space and ``"``), or it is the cell's first
    piece, blank, and followed by tab or a line break (OWASP: a cell starting with tab or CR)."""
    if piece.startswith(CSV_ESCAPE):
        return True
    head = _PIECE_HEAD.match(piece)
    assert head is not None  # the pattern matches the empty string
    rest = piece[head.end():]
    return rest[:1] in FORMULA_SIGNS if rest else first and separator not in ("", ",", ";")


def escape_csv_text(text: str) -> str:
    """A text as a CSV cell for people: one ``'`` before each piece between :data:`CSV_SPLITS`
    separators that looks like a formula or starts with ``'`` (see the module docstring); lone
    surrogates (not UTF-8) as ``_xHHHH_``.

    >>> escape_csv_text("@cmd"), escape_csv_text("'quoted"), escape_csv_text("Tin nóng;=1+1")
    ("'@cmd", "''quoted", "Tin nóng;'=1+1")
    """
    text = _escape_chars(text, _CSV_UNSAFE, _csv_code)
    pieces = _pieces(text)
    return "".join((CSV_ESCAPE if _marked(piece, number == 0, separator) else "") + piece + separator
                   for number, (piece, separator) in enumerate(pieces))


def unescape_csv_text(text: str) -> str:
    """The original text of a CSV cell written by :func:`escape_csv_text`: a ``'`` is removed only
    where that function put one, so text it did not write (a reviewer's note) is kept as it is.

    >>> unescape_csv_text("''quoted"), unescape_csv_text("Tin nóng;'=1+1"), unescape_csv_text("'tin' là sai")
    ("'quoted", 'Tin nóng;=1+1', "'tin' là sai")
    """
    pieces = _pieces(text)
    text = "".join(
        (piece[len(CSV_ESCAPE):] if piece.startswith(CSV_ESCAPE) and _marked(piece[len(CSV_ESCAPE):], number == 0,
                                                                            separator) else piece) + separator
        for number, (piece, separator) in enumerate(pieces))
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
