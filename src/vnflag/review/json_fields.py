"""Fields of review exports in JSON (Label Studio tasks, Argilla records, reviewer maps): typed
reads with a one-line :class:`~vnflag.VnflagError` naming the task or record and the field. Values
come from :func:`vnflag.io.jsonl.load_json`, so numbers are :class:`~vnflag.io.jsonl.JsonNumber`
text and keep every digit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..exceptions import VnflagError
from ..io.jsonl import JsonNumber
from .names import canonical_name
from .queues import QUEUE_COLUMNS

__all__ = ["REVIEW_FIELDS", "id_text", "named", "kind", "expect", "scalar_text", "queue_fields"]

#: The columns a reviewer fills; they come only from annotations and responses.
REVIEW_FIELDS = ("decision", "reviewer", "note")


def id_text(value: Any) -> str:
    """A user id as text: ``1``, ``1.0`` and ``"1"`` are all ``"1"`` (a JSON number keeps every digit)."""
    if isinstance(value, JsonNumber):
        try:
            number = Decimal(value)
        except InvalidOperation:  # NaN or Infinity written in the file
            return str(value)
        whole = number.is_finite() and number.adjusted() < 64 and number == number.to_integral_value()
        return str(int(number)) if whole else str(value)  # 1e999999999 stays as written
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def named(mapping: dict[str, str], keys: list[str], default: str) -> str:
    """The name ``mapping`` (keys in NFC, :func:`~vnflag.review.formats.read_reviewer_map`) gives the
    first of ``keys`` it knows, compared after NFC, else ``default``."""
    for key in keys:
        if key and canonical_name(key) in mapping:
            return mapping[canonical_name(key)]
    return default


def kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, JsonNumber):
        return "a number"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def expect(value: Any, expected: type, where: str, field: str, what: str) -> Any:
    """``value`` if it is an ``expected`` (``None`` counts as empty for lists and objects), else a
    clean error."""
    if value is None and expected in (list, dict):
        return expected()
    if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
        raise VnflagError(f"{where}: '{field}' must be {what}, got {kind(value)}")
    return value


def scalar_text(value: Any, where: str, field: str) -> str:
    """A text field: text as is, a number as its digits, null as empty; lists and objects are errors."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise VnflagError(f"{where}: '{field}' must be text, got {kind(value)}")
    return value if isinstance(value, str) and not isinstance(value, JsonNumber) else id_text(value)


def queue_fields(values: dict) -> dict:
    """The queue columns a task's ``data`` or a record's fields/metadata carry; review fields
    come only from annotations and responses."""
    return {k: v for k, v in values.items() if k in QUEUE_COLUMNS and k not in REVIEW_FIELDS}
