"""The one exception vnflag raises for a user's mistake, at the bottom of the package so every layer can use it."""

from __future__ import annotations

__all__ = ["VnflagError"]


class VnflagError(ValueError):
    """A mistake in the user's input (a missing column, a bad label, an unreadable file).

    The command line prints its message as one line, without a traceback.

    >>> raise VnflagError("input: column 'body' not found")   # doctest: +SKIP
    """
