"""Argilla: queue rows ↔ Argilla records. A thin adapter: the file itself is read and written by
:mod:`vnflag.io.jsonl`.

A record has the field ``text``, every other queue column as ``metadata`` and the score as a
``decision`` suggestion. Submitted responses (Argilla 2 list or per-question layout, or Argilla 1
``values``) are one row per user; a reviewer is the response's ``user_id``. Answers without a
user are never merged: the n-th anonymous answer to each question is reviewer
``argilla:anonymous-<n>``, so two anonymous decisions on a record stay two decisions.
"""

from __future__ import annotations

from typing import Any

from .json_fields import REVIEW_FIELDS, expect, named, queue_fields, scalar_text

__all__ = ["is_record", "records", "review_rows"]


def is_record(item: Any) -> bool:
    """Whether a JSON value looks like an Argilla record (``fields``, ``responses`` or ``metadata``, no ``data``)."""
    return isinstance(item, dict) and "data" not in item and any(k in item for k in ("fields", "responses", "metadata"))


def records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Argilla records for queue rows: ``text`` as the field, the score as a ``decision`` suggestion."""
    out = []
    for r in rows:
        metadata = {k: v for k, v in r.items() if k not in ("text", *REVIEW_FIELDS)}
        out.append({
            "id": r["item_id"], "fields": {"text": r["text"]}, "metadata": metadata,
            "suggestions": [{"question_name": "decision", "value": "misleading" if r["score"] >= 0.5 else "ok",
                             "score": r["score"], "agent": f"vnflag {r['model_version']}"}],
            "responses": [],
        })
    return out


def _user(answer: dict, where: str) -> tuple[str, list[str]]:
    """An Argilla response's user: its ``user_id`` (or a ``user`` object's id), and names to map by."""
    user = answer.get("user")
    user_id = answer.get("user_id")
    if user_id is None and isinstance(user, dict):
        user_id = user.get("id")
    aliases = [user[k] for k in ("username", "email") if isinstance(user, dict) and isinstance(user.get(k), str)]
    if isinstance(user, str):
        aliases.append(user)
    return scalar_text(user_id, where, "user_id"), aliases


def _questions(question: str, answer: dict, where: str) -> list[str]:
    """The questions one answer answers: its question (per-question layout), its ``values`` (Argilla
    1.x) or its ``question_name``."""
    if question:
        return [question]
    if "values" in answer:
        return list(expect(answer.get("values"), dict, where, "values", "an object")) or [""]
    return [scalar_text(answer.get("question_name"), where, "question_name")]


def _responses(record: dict, where: str, names: dict[str, str]) -> list[dict]:
    """Responses per user from Argilla v2 (list or per-question dict) or v1 (``values``)."""
    raw = record.get("responses")
    answers: list[tuple[str, dict]] = []
    if isinstance(raw, dict):  # {"decision": [{"value": .., "user_id": ..}], "note": [...]}
        for question, listed in raw.items():
            for position, answer in enumerate(expect(listed, list, where, f"responses.{question}", "a list"), 1):
                answer = expect(answer, dict, f"{where} response {position}", f"responses.{question}", "an object")
                answers.append((question, answer))
    else:
        for position, answer in enumerate(expect(raw, list, where, "responses", "a list or an object"), start=1):
            answers.append(("", expect(answer, dict, f"{where} response {position}", "response", "an object")))
    by_user: dict[str, dict] = {}
    anonymous: dict[str, int] = {}  # answers without a user so far, by question
    for question, answer in answers:
        user_id, aliases = _user(answer, where)
        key = user_id or (aliases[0] if aliases else "")
        if not key:  # no user: the n-th anonymous answer to each question is one anonymous reviewer
            asked = _questions(question, answer, where)
            n = 1 + max((anonymous.get(q, 0) for q in asked), default=0)
            anonymous.update(dict.fromkeys(asked, n))
            key = f"argilla:anonymous-{n}"
        status = answer.get("status", "submitted")
        entry = by_user.setdefault(key, {"status": scalar_text(status, where, "status"), "answers": {},
                                         "reviewer": named(names, [user_id, f"argilla:{user_id}", *aliases], key)})
        if question:
            entry["answers"][question] = answer.get("value")
        elif "values" in answer:  # Argilla 1.x
            for name, value in expect(answer.get("values"), dict, where, "values", "an object").items():
                entry["answers"][name] = value.get("value") if isinstance(value, dict) else value
        else:
            entry["answers"][scalar_text(answer.get("question_name"), where, "question_name")] = answer.get("value")
        if answer.get("updated_at"):
            entry["reviewed_at"] = scalar_text(answer["updated_at"], where, "updated_at")
    return [entry for entry in by_user.values() if entry["status"] == "submitted"]


def review_rows(exported: list, names: dict[str, str]) -> list[dict]:
    """One row per submitted response (a record without any: one row without a decision), with
    ``source_row`` the record number; ``names`` maps user ids or names to reviewer names."""
    rows = []
    for number, record in enumerate(exported, start=1):
        where = f"record {number}"
        record = expect(record, dict, where, "record", "an object with 'fields' and 'responses'")
        metadata = expect(record.get("metadata"), dict, where, "metadata", "an object")
        fields = expect(record.get("fields"), dict, where, "fields", "an object")
        base = {**queue_fields(metadata), **queue_fields(fields), "source_row": number}
        responses = _responses(record, where, names)
        if not responses:
            rows.append(base)
        for response in responses:
            note = response["answers"].get("note")
            rows.append({**base, "decision": scalar_text(response["answers"].get("decision"), where, "decision"),
                         "note": "\n".join(scalar_text(n, where, "note") for n in note) if isinstance(note, list)
                         else scalar_text(note, where, "note"),
                         "reviewer": response["reviewer"], "reviewed_at": response.get("reviewed_at", "")})
    return rows
