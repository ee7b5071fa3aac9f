"""Redaction: reviewers judge content and need no contact details."""

from __future__ import annotations

from ..text.normalization import EMAIL_PATTERN, PHONE_PATTERN

__all__ = ["redact_text"]


def redact_text(text: object) -> str:
    """Replace phone numbers and e-mail addresses by ``[số điện thoại]`` / ``[email]``:
    reviewers judge content and need no contact details.

    >>> redact_text("Gọi 0900 000 123 hoặc mail a.b@example.com")
    'Gọi [số điện thoại] hoặc mail [email]'
    """
    if not isinstance(text, str):
        return ""
    return PHONE_PATTERN.sub("[số điện thoại]", EMAIL_PATTERN.sub("[email]", text))
