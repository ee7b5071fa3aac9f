"""The one exception vnflag raises for a user's mistake, and the exit statuses of the ``vnflag``
command, at the bottom of the package so every layer can use them."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["VnflagError", "ExitStatus"]


class VnflagError(ValueError):
    """A mistake in the user's input (a missing column, a bad label, an unreadable file).

    The command line prints its message as one line, without a traceback.

    >>> raise VnflagError("input: column 'body' not found")   # doctest: +SKIP
    """


class ExitStatus(IntEnum):
    """How the ``vnflag`` command ended, as its exit status.

    >>> int(ExitStatus.USER_ERROR)
    2
    """

    #: Done.
    OK = 0
    #: A fault inside vnflag (a bug), said in one line; ``VNFLAG_TRACEBACK=1`` shows the traceback.
    ERROR = 1
    #: A user mistake or an unusable input (:class:`VnflagError`, a missing file, a bad argument).
    USER_ERROR = 2
    #: Done, but some input rows were refused (named on stderr; the others were kept), e.g.
    #: ``vnflag labels import`` of a file with rows it could not match to their queue.
    ROWS_REFUSED = 3
    #: Interrupted (Ctrl-C), as a shell reports SIGINT: 128 + 2.
    INTERRUPTED = 130
