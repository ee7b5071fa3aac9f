"""Griffe extension for the API reference: docstring examples (``>>>``) render as Python code.

vnflag's docstrings put their doctest examples where they explain something, not only in an ``Examples``
section, and griffe's numpy parser reads ``>>>`` as code only inside that section; elsewhere Markdown would
take ``>>>`` for a quotation and ``x[0]["a"]`` for a link. This wraps each run of example lines (``>>>``,
``...`` and the expected output up to a blank line) in a ``pycon`` fence, with the doctest directives
(``# doctest: +SKIP``) removed, before griffe parses the docstring; Sphinx roles (``:func:`f```) become
code. The docstrings themselves, which
``pytest --doctest-modules`` runs, are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")
#: A Sphinx cross-reference role (:func:`~vnflag.x.f`, :class:`Flagger`): shown as the code it names.
_ROLE = re.compile(r":(?:func|class|meth|data|attr|mod|exc|obj):`(~?)([^`]+)`")


def _role_as_code(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


def fence_examples(text: str) -> str:
    """``text`` with each run of doctest lines wrapped in a ```` ```pycon ```` fence (existing fences kept)."""
    out: list[str] = []
    in_fence = in_example = False
    indent = ""
    for line in text.split("\n"):
        stripped = line.strip()
        if in_example and (not stripped or not line.startswith(indent)):
            out.append(f"{indent}```")
            in_example = False
        if not in_example and stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_example and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_example = True
        out.append(_DIRECTIVE.sub("", line) if in_example else line)
    if in_example:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every object's docstring as soon as griffe has read it, and show
    Sphinx roles (which the docstrings use for ``help()`` readers) as code."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_role_as_code, fence_examples(obj.docstring.value))
