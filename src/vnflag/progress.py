"""Progress bars on standard error: one small API for every long-running step.

A bar is a `tqdm <https://tqdm.github.io/>`_ bar writing to ``sys.stderr`` (rows done, rate,
ETA when the total is known) from ``tqdm.auto``: in a terminal the text bar, in a Jupyter notebook
a widget (with ipywidgets installed; tqdm warns and draws text without it) or, when progress is
off, a do-nothing object with the same methods, so callers never branch. tqdm is imported only
when a bar is actually shown: ``import vnflag`` and ``vnflag --help`` stay fast.

Who decides whether a bar is shown: the Python API takes ``progress=True/False`` (default
``False``: a notebook or a script stays quiet unless asked); the command line passes ``None``,
which :func:`wanted` resolves to "standard error is a terminal", or ``False`` with ``--quiet``.
Progress bars never go to standard output, so piping a command's output is unaffected.

>>> with progress_bar(3, desc="score", enabled=False) as bar:
...     bar.update(3)
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["NoProgress", "progress_bar", "wanted"]


def wanted(progress: bool | None) -> bool:
    """Whether to show progress: ``True``/``False`` as given; ``None`` means "standard error is
    a terminal" (the command line's default: a bar in a terminal, nothing when piped or logged).

    >>> wanted(False), wanted(True)
    (False, True)
    """
    if progress is None:
        stream = sys.stderr
        try:
            return bool(stream is not None and stream.isatty())
        except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
            return False
    return bool(progress)


class NoProgress:
    """What :func:`progress_bar` returns when progress is off: every bar method, doing nothing.

    >>> with NoProgress() as bar:
    ...     bar.update(10); bar.set_postfix_str("fit")
    >>> bar.n
    10
    """

    def __init__(self, total: float | None = None) -> None:
        self.total = total
        self.n: float = 0

    def update(self, n: float = 1) -> None:
        """Count ``n`` more units done (kept in ``n``, shown nowhere)."""
        self.n += n

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        """Ignored: tqdm's ``set_postfix``."""

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Ignored: tqdm's ``set_postfix_str``."""

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        """Ignored: tqdm's ``set_description``."""

    def refresh(self) -> None:
        """Ignored: tqdm's ``refresh``."""

    def close(self) -> None:
        """Ignored: tqdm's ``close``."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: float | None = None, *, desc: str, unit: str = "posts", enabled: bool = False,
                 leave: bool = True) -> Any:
    """A progress bar on standard error counting ``unit`` (``posts``, ``stages``...; ``"B"``: bytes
    of the input read, shown as kB/MB) up to ``total`` (``None``: unknown, then the bar shows the
    count and the rate but no ETA), or a
    :class:`NoProgress` when ``enabled`` is false. Use it as a context manager, and
    ``update(n)`` as work is done; ``set_postfix_str`` names the current stage.

    ``enabled`` is a decision already made (pass ``wanted(progress)`` for the command line's
    "only in a terminal" rule).

    >>> with progress_bar(100, desc="queue", enabled=False) as bar:
    ...     for _ in range(4):
    ...         bar.update(25)
    """
    if not enabled:
        return NoProgress(total)
    from tqdm.auto import tqdm  # lazily: ``import vnflag`` and ``vnflag --help`` must not load it

    scale = {"unit_scale": True, "unit_divisor": 1024} if unit == "B" else {}
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave, dynamic_ncols=True,
                mininterval=0.2, smoothing=0.1, **scale)
