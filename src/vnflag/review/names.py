"""Reviewer identity: one rule for every place a reviewer's name enters vnflag (``--reviewers``,
``--reviewer``, reviewed files, Label Studio and Argilla exports, reviewer maps, the label store).

A name is kept in Unicode NFC, so "bình" typed on two keyboards (NFC and NFD) is one reviewer,
and names are compared for collisions after case folding (:func:`reviewer_key`): ``Anh`` and
``anh`` would be one file on macOS and Windows and look like one person, so they are refused
together rather than silently split or merged. Control characters, bidi controls and other
invisible formatting characters, and words that mean "no value" (``nan``, ``none``, ``null``)
are refused with an error naming where the name came from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..exceptions import VnflagError

__all__ = ["NULL_NAMES", "canonical_name", "reviewer_name", "reviewer_key", "check_distinct_reviewers"]

#: Names that mean "no value" in spreadsheets, pandas and JSON: never a reviewer.
NULL_NAMES = frozenset({"nan", "none", "null", "<na>"})
#: Unicode categories refused in a name: controls, formatting (bidi controls U+202A–U+202E,
#: U+2066–U+2069, U+200E/F, U+061C, zero-width characters), surrogates, private use, unassigned,
#: line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def canonical_name(name: str) -> str:
    """A reviewer name as one identity: its NFC form (names stored by earlier versions are read
    through it too, so an NFD "bình" in the store is the NFC one).

    >>> canonical_name("bi\u0300nh") == "b\u00ecnh"
    True
    """
    return unicodedata.normalize("NFC", name)


def reviewer_name(value: object, where: str) -> str:
    """A reviewer's name as vnflag keeps it: spaces stripped, NFC-normalised; a one-line
    :class:`~vnflag.VnflagError` naming ``where`` (the file and row, the option, the map entry)
    if it is empty, a null word, or holds a control or invisible formatting character.

    >>> reviewer_name(" bi\\u0300nh ", "--reviewer") == "b\\u00ecnh"
    True
    >>> reviewer_name("anh\\u202e", "row 3")
    Traceback (most recent call last):
    vnflag.exceptions.VnflagError: row 3: reviewer name 'anh\\u202e' holds U+202E, a control or invisible \
formatting character; write the name without it
    """
    if not isinstance(value, str):
        raise VnflagError(f"{where}: a reviewer name must be text, got {value!r}")
    for char in value:  # before stripping: "anh\n" is refused too, not quietly cut
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise VnflagError(f"{where}: reviewer name {value!r} holds U+{ord(char):04X}, a control or invisible "
                              "formatting character; write the name without it")
    name = canonical_name(value.strip())
    if name.casefold() in NULL_NAMES or not name:
        raise VnflagError(f"{where}: reviewer name {value!r} is empty or means no value (nan, none, null); "
                          "give the reviewer's name")
    return name


def reviewer_key(name: str) -> str:
    """What two reviewer names are compared by: NFC, then case folded.

    >>> reviewer_key("Bi\\u0300nh") == reviewer_key("b\\u00ecnh")
    True
    """
    return canonical_name(name).casefold()


def check_distinct_reviewers(named: Iterable[tuple[str, str]]) -> None:
    """Refuse two different names of one identity: ``named`` gives ``(name, where)`` pairs (names
    already through :func:`reviewer_name`); the same name twice is fine, ``Anh`` and ``anh`` are not.

    >>> check_distinct_reviewers([("anh", "row 1"), ("Anh", "row 2")])
    Traceback (most recent call last):
    vnflag.exceptions.VnflagError: row 2: reviewer 'Anh' differs only in case from 'anh' (row 1); one person \
needs one spelling (names that differ only in case collide on macOS and Windows)
    """
    first: dict[str, tuple[str, str]] = {}
    for name, where in named:
        seen = first.setdefault(reviewer_key(name), (name, where))
        if seen[0] != name:
            raise VnflagError(f"{where}: reviewer {name!r} differs only in case from {seen[0]!r} ({seen[1]}); one "
                              "person needs one spelling (names that differ only in case collide on macOS and Windows)")
