"""How vnflag's results look to a person: figures rounded, and small HTML tables for notebooks and reports.

Result objects with a ``to_frame()`` give Jupyter a ``_repr_html_`` built by :func:`html_table` (as pandas
and scikit-learn objects do) and the terminal a short ``__repr__``. Every header and value of a table is
HTML-escaped: a post's text or a reviewer's name is shown, never run. Imports nothing: tables are pandas
DataFrames the caller already has.

>>> format_value(0.98639), format_value(float("nan")), format_value(None), format_value(480)
('0.986', '–', '–', '480')
"""

from __future__ import annotations

import html
import numbers
from typing import Any

__all__ = ["format_value", "figure_text", "html_table", "figure_table", "text_table", "upright", "MAX_DISPLAY_ROWS"]

#: Rows a notebook table shows of a long listing (pandas' own display default): the first and last halves.
MAX_DISPLAY_ROWS = 60


def format_value(value: Any) -> str:
    """A value as shown in a table: a real number that is not whole to 3 decimals, a missing one
    (``None``, NaN) as ``–``, anything else as its text."""
    if value is None:
        return "–"
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return "–" if value != value else f"{value:.3f}"  # NaN is the one value unequal to itself
    return str(value)


def figure_text(value: Any, digits: int = 3, missing: str = "n/a") -> str:
    """A figure in a sentence (a summary line, never ``nan``): ``digits`` decimals, or ``missing``
    (say why, e.g. ``"n/a (no post flagged)"``) when it is undefined (``None``, NaN).

    >>> figure_text(0.98639), figure_text(float("nan"), missing="n/a (no post flagged)"), figure_text(None, 1)
    ('0.986', 'n/a (no post flagged)', 'n/a')
    """
    if value is None or (isinstance(value, numbers.Real) and value != value):
        return missing
    return f"{value:.{digits}f}"


def html_table(frame: Any, *, caption: str = "", index: bool = False, classes: str = "",
               max_rows: int | None = None) -> str:
    """``frame`` (a pandas DataFrame) as an HTML table, every header and value escaped, numbers
    by :func:`format_value`; ``caption`` (escaped too) above it; at most ``max_rows`` rows (pandas
    shows ``...`` between the first and the last ones).

    >>> import pandas as pd
    >>> print(html_table(pd.DataFrame({"text": ["<script>x</script>"]}), caption="a & b"))  # doctest: +ELLIPSIS
    <table class="dataframe">
    <caption>a &amp; b</caption>
    ...
          <td>&lt;script&gt;x&lt;/script&gt;</td>
    ...
    """
    table = frame.to_html(index=index, escape=True, border=0, na_rep="–", float_format=format_value,
                          classes=classes or None, max_rows=max_rows)
    if caption:
        start = table.index(">") + 1  # after the opening <table ...>
        table = f"{table[:start]}\n<caption>{html.escape(caption)}</caption>{table[start:]}"
    return table


def figure_table(figures: Any, *, caption: str, name: str = "figure") -> str:
    """A one-row ``to_frame()`` (a DataFrame) shown upright: one ``name | value`` row per column,
    values by :func:`format_value`, as :func:`html_table`."""
    return html_table(upright(figures, name=name), caption=caption)


def upright(figures: Any, *, name: str = "figure") -> Any:
    """A one-row ``to_frame()`` (a DataFrame) stood upright: one ``name | value`` row per column,
    values by :func:`format_value` (for :func:`figure_table` and :func:`text_table`)."""
    import pandas as pd  # only when a table is shown: this module imports nothing at start

    # Column by column: each value keeps its column's type (a whole row would turn counts into floats).
    values = [format_value(figures[column].iloc[0]) if len(figures) else "–" for column in figures.columns]
    return pd.DataFrame({name: [str(c) for c in figures.columns], "value": values})


def text_table(frame: Any, *, index: bool = False) -> str:
    """``frame`` (a pandas DataFrame) as a left-aligned plain-text table for a terminal, every value by
    :func:`format_value` (figures rounded, missing ones ``–``): what a command prints without ``--json``.

    >>> import pandas as pd
    >>> print(text_table(pd.DataFrame({"field": ["roc_auc", "rows"], "value": [0.98639280182, 480]}, dtype=object)))
    field    value
    roc_auc  0.986
    rows     480
    """
    shown = frame.reset_index() if index else frame
    columns = [[" ".join(str(cell).splitlines()) for cell in [name, *map(format_value, shown[name].tolist())]]
               for name in shown.columns]  # a line break inside a value would break the table
    widths = [max(len(cell) for cell in column) for column in columns]
    lines = ["  ".join(column[row].ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip()
             for row in range(len(shown) + 1)]
    return "\n".join(lines)
