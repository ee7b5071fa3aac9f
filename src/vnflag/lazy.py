"""Lazy public names for vnflag's packages (PEP 562), as scikit-learn does: ``import vnflag`` loads
no submodule, and ``vnflag.Flagger`` imports only the modules that define it, when first used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["attach"]


def attach(package: str, names: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``, whose public ``names`` live in
    the given submodules (relative to the package).

    >>> __getattr__, __dir__, __all__ = attach(__name__, {"normalize_text": ".normalization"})  # doctest: +SKIP
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name], package), name)
        importlib.import_module(package).__dict__[name] = value  # found directly next time
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__, sorted(names)
