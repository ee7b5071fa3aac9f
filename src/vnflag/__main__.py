"""``python -m vnflag``: the ``vnflag`` command, through the one entry point in :mod:`vnflag.cli.__main__`."""

from .cli import __main__  # noqa: F401  (runs the command and exits)
