"""Argilla: queue rows ↔ Argilla records, in the shapes the argilla 2.x SDK writes and reads. A thin
adapter: the file itself is read and written by :mod:`vnflag.io.jsonl`.

Written (:func:`records`): ``rg.Record.to_dict`` shape, so ``rg.Record.from_dict`` reads it and
``dataset.records.log([...])`` logs it with its text: the field ``text``, every other queue column
as ``metadata``, and the model's suggestion for ``decision`` keyed by question
(:func:`~vnflag.review.suggestions.suggested_decision`). :func:`argilla_settings` is the dataset
they fit (the SDK imported only then; optional extra ``vnflag[argilla]``).

Read (:func:`review_rows`), recognised by content: the SDK's nested export
(``dataset.records.to_json``, ``to_list(flatten=False)``, ``to_dict(orient=...)``: responses keyed by
question), its flat one (``to_list(flatten=True)``: ``decision.responses`` with ``.users`` and
``.status``), the API's list of responses (``Record.serialize``) and Argilla 1.x ``values``.
Only ``submitted`` responses are decisions; drafts and discarded ones are skipped and counted. A
response whose status the file does not say (the SDK's nested export leaves it out) is refused:
it may be a draft, and a draft stored as a decision is a wrong label.

Identity: a reviewer is ``argilla:<user_id>``; answers without a user are never merged: the n-th
anonymous answer to each question is reviewer ``argilla:anonymous-<n>``. Each decision's
``origin`` is ``argilla:-:<record>:<user_id or anonymous-n>`` (the record's server id, else the
queue item, else its own id; the exports do not name the dataset) and ``tool_user`` its user id.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..exceptions import VnflagError
from .json_fields import REVIEW_FIELDS, expect, id_text, named, queue_fields, scalar_text
from .names import reviewer_name
from .queues import DECISIONS
from .suggestions import DEFAULT_SUGGESTION_THRESHOLD, suggested_decision

__all__ = ["RESPONSE_STATUSES", "ArgillaReviews", "is_record", "record_list", "records", "review_rows",
           "argilla_settings"]

#: An Argilla response's statuses; only ``submitted`` is a decision.
RESPONSE_STATUSES = ("submitted", "draft", "discarded")
#: The keys ``to_list(flatten=True)`` writes for a question's responses, after ``<question>``.
_FLAT = ".responses"
_RECORD_KEYS = ("fields", "responses", "metadata", "suggestions", "_server_id")
_EXTRA_MESSAGE = 'Argilla datasets need the optional extra: pip install "vnflag[argilla]" (the argilla SDK 2.x)'


def _argilla() -> Any:
    """The argilla SDK, imported only when asked for, with a clear error if it is absent."""
    try:
        import argilla
    except ImportError as exc:
        raise VnflagError(_EXTRA_MESSAGE) from exc
    return argilla


def argilla_settings(guidelines: str | None = None) -> Any:
    """The ``rg.Settings`` of a dataset for vnflag's records: field ``text``, questions ``decision``
    (misleading/ok/unsure) and ``note``, the queue's metadata; needs the argilla SDK.

    >>> dataset = rg.Dataset(name="queue-2024-06", settings=argilla_settings())   # doctest: +SKIP
    """
    rg = _argilla()
    return rg.Settings(
        guidelines=guidelines or ("Is the post misleading? A score is a request to look, not a verdict: decide "
                                  "from the text. 'unsure' when you cannot tell; a note says why."),
        fields=[rg.TextField(name="text", title="Post", use_markdown=False)],
        questions=[rg.LabelQuestion(name="decision", labels=list(DECISIONS), title="Decision"),
                   rg.TextQuestion(name="note", title="Note (optional)", required=False, use_markdown=False)],
        metadata=[rg.FloatMetadataProperty(name="score", min=0.0, max=1.0),
                  rg.IntegerMetadataProperty(name="rank"), rg.IntegerMetadataProperty(name="group_size"),
                  rg.TermsMetadataProperty(name="why"), rg.TermsMetadataProperty(name="model_version"),
                  rg.TermsMetadataProperty(name="queue_id")],
        allow_extra_metadata=True,
    )


def is_record(item: Any) -> bool:
    """Whether a JSON value looks like an Argilla record: no ``data``, and ``fields``, ``responses``,
    ``metadata``, ``suggestions`` or ``_server_id``, or a flat export's ``<question>.responses``."""
    return isinstance(item, dict) and "data" not in item and (
        any(k in item for k in _RECORD_KEYS) or any(isinstance(k, str) and k.endswith(_FLAT) for k in item))


def record_list(payload: Any) -> list | None:
    """The records of an SDK ``to_dict`` export (``orient="index"``: records by id; ``orient="names"``:
    columns of equal length), or ``None`` if ``payload`` is neither."""
    if not isinstance(payload, dict) or not payload:
        return None
    values = list(payload.values())
    if all(is_record(v) for v in values):
        return values
    if all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
        rows = [dict(zip(payload, column, strict=True)) for column in zip(*values, strict=True)]
        if rows and all(is_record(r) for r in rows):
            return rows
    return None


def records(rows: list[dict[str, Any]], threshold: float = DEFAULT_SUGGESTION_THRESHOLD) -> list[dict[str, Any]]:
    """Argilla records (``rg.Record.to_dict`` shape) for queue rows: ``text`` as the field, the
    other queue columns as metadata, the model's decision at its ``threshold`` as the suggestion."""
    out = []
    for r in rows:
        metadata = {k: v for k, v in r.items() if k not in ("text", *REVIEW_FIELDS)}
        value, confidence = suggested_decision(r["score"], threshold)
        out.append({
            "id": r["item_id"], "fields": {"text": r["text"]}, "metadata": metadata,
            "suggestions": {"decision": {"value": value, "score": confidence, "agent": f"vnflag {r['model_version']}"}},
            "responses": {},
        })
    return out


class ArgillaReviews(NamedTuple):
    """What an export holds: one row per submitted response (or per record without any), and how
    many responses were skipped by status (``{"draft": 1, "discarded": 2}``)."""
    rows: list[dict]
    skipped: dict[str, int]


def _flat_answers(record: dict, where: str) -> list[tuple[str, dict]]:
    """A flat export's responses: per question, ``q.responses`` values beside ``q.responses.users``
    and ``q.responses.status``."""
    answers = []
    for key in record:
        if not (isinstance(key, str) and key.endswith(_FLAT)):  # not q.responses.users / .status either
            continue
        question = key[:-len(_FLAT)]
        values = expect(record[key], list, where, key, "a list")
        users = expect(record.get(f"{key}.users"), list, where, f"{key}.users", "a list")
        statuses = expect(record.get(f"{key}.status"), list, where, f"{key}.status", "a list")
        if not len(values) == len(users) == len(statuses):
            raise VnflagError(f"{where}: '{key}', '{key}.users' and '{key}.status' must be lists of one length, "
                              f"got {len(values)}, {len(users)} and {len(statuses)}")
        answers += [(question, {"value": v, "user_id": u, "status": s})
                    for v, u, s in zip(values, users, statuses, strict=True)]
    return answers


def _answers(record: dict, where: str) -> list[tuple[str, dict]]:
    """Every answer of a record as (question, answer): per-question (nested export), flat export,
    or a list of responses (API, Argilla 1.x; question ``""``: the answer names it)."""
    if "responses" not in record:
        return _flat_answers(record, where)
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
    return answers


def _user(answer: dict, where: str) -> tuple[str, list[str]]:
    """An Argilla response's user: its ``user_id`` (or a ``user`` object's id), and names to map by."""
    user = answer.get("user")
    user_id = answer.get("user_id")
    if user_id is None and isinstance(user, dict):
        user_id = user.get("id")
    aliases = [user[k] for k in ("username", "email") if isinstance(user, dict) and isinstance(user.get(k), str)]
    if isinstance(user, str):
        aliases.append(user)
    user_text = scalar_text(user_id, where, "user_id")
    if user_text:  # refused as a name would be: "None", "nan" or a control character is no user
        reviewer_name(user_text, f"{where}: user_id")
    return user_text, aliases


def _questions(question: str, answer: dict, where: str) -> list[str]:
    """The questions one answer answers: its question (per-question layout), its ``values`` (Argilla
    1.x) or its ``question_name``."""
    if question:
        return [question]
    if "values" in answer:
        return list(expect(answer.get("values"), dict, where, "values", "an object")) or [""]
    return [scalar_text(answer.get("question_name"), where, "question_name")]


def _status(answer: dict, where: str) -> str:
    """An answer's status; one the file does not give is refused (it may be a draft)."""
    status = answer.get("status")
    if status is None:
        raise VnflagError(f"{where}: a response does not say whether it was submitted, a draft or discarded (the SDK's "
                          "records.to_json and to_list(flatten=False) leave the status out); export with "
                          "dataset.records.to_list(flatten=True) and save that as JSON "
                          "(see docs/guide/review-tools.md)")
    text = scalar_text(status, where, "status")
    if text not in RESPONSE_STATUSES:
        raise VnflagError(f"{where}: unknown response status {text!r} (Argilla's are {', '.join(RESPONSE_STATUSES)})")
    return text


def _record_key(record: dict, base: dict, number: int, where: str) -> str:
    """The record in an ``origin``: its server id, else its queue item, else its own id, else its number."""
    for value in (record.get("_server_id"), base.get("item_id"), record.get("id")):
        text = scalar_text(value, where, "id") if not isinstance(value, (dict, list)) else ""
        if text and text != "None":
            return text
    return f"record-{number}"


def _responses(record: dict, where: str, names: dict[str, str], skipped: dict[str, int]) -> list[dict]:
    """Responses per user, submitted ones only (the others counted in ``skipped``)."""
    by_user: dict[str, dict] = {}
    anonymous: dict[str, int] = {}  # answers without a user so far, by question
    for question, answer in _answers(record, where):
        user_id, aliases = _user(answer, where)
        key = user_id or (aliases[0] if aliases else "")
        if not key:  # no user: the n-th anonymous answer to each question is one anonymous reviewer
            asked = _questions(question, answer, where)
            n = 1 + max((anonymous.get(q, 0) for q in asked), default=0)
            anonymous.update(dict.fromkeys(asked, n))
            key = f"anonymous-{n}"
        status = _status(answer, where)
        entry = by_user.setdefault(key, {"status": status, "answers": {}, "user": user_id, "key": key,
                                         "reviewer": named(names, [user_id, f"argilla:{user_id}", *aliases],
                                                           f"argilla:{key}")})
        if status != "submitted":  # one user's response has one status; a part not submitted makes it not
            entry["status"] = status
        if question:
            given = {question: answer.get("value")}
        elif "values" in answer:  # Argilla 1.x
            given = {name: value.get("value") if isinstance(value, dict) else value
                     for name, value in expect(answer.get("values"), dict, where, "values", "an object").items()}
        else:
            given = {scalar_text(answer.get("question_name"), where, "question_name"): answer.get("value")}
        twice = sorted(set(given) & set(entry["answers"]))
        if twice:  # Argilla keeps one answer per user and question: two are a damaged file, not two decisions
            raise VnflagError(f"{where}: user {key!r} answers {twice[0]!r} twice; Argilla keeps one answer per user "
                              "and question")
        entry["answers"].update(given)
        if answer.get("updated_at"):
            entry["reviewed_at"] = scalar_text(answer["updated_at"], where, "updated_at")
    for entry in by_user.values():
        if entry["status"] != "submitted":
            skipped[entry["status"]] = skipped.get(entry["status"], 0) + 1
    return [entry for entry in by_user.values() if entry["status"] == "submitted"]


def _fields(record: dict, where: str) -> dict:
    """The queue columns a record carries: in ``metadata`` and ``fields``, or at the top of a flat export."""
    if not any(k in record for k in ("fields", "metadata")) and any(k in record for k in ("text", "item_id")):
        return queue_fields(record)  # to_list(flatten=True): fields and metadata are the record's own keys
    metadata = expect(record.get("metadata"), dict, where, "metadata", "an object")
    fields = expect(record.get("fields"), dict, where, "fields", "an object")
    return {**queue_fields(metadata), **queue_fields(fields)}


def review_rows(exported: list, names: dict[str, str]) -> ArgillaReviews:
    """One row per submitted response (a record without any: one row without a decision), with
    ``source_row`` the record number, ``origin`` and ``tool_user``; ``names`` maps user ids or names
    to reviewer names. Drafts and discarded responses are counted, not returned."""
    rows = []
    skipped = dict.fromkeys(RESPONSE_STATUSES[1:], 0)
    for number, record in enumerate(exported, start=1):
        where = f"record {number}"
        record = expect(record, dict, where, "record", "an object with 'fields' and 'responses'")
        base = {**_fields(record, where), "source_row": number}
        responses = _responses(record, where, names, skipped)
        if not responses:
            rows.append(base)
        record_key = _record_key(record, base, number, where) if responses else ""
        for response in responses:
            note = response["answers"].get("note")
            rows.append({**base, "decision": scalar_text(response["answers"].get("decision"), where, "decision"),
                         "note": "\n".join(scalar_text(n, where, "note") for n in note) if isinstance(note, list)
                         else scalar_text(note, where, "note"),
                         "reviewer": response["reviewer"], "reviewed_at": response.get("reviewed_at", ""),
                         "origin": f"argilla:-:{record_key}:{response['key']}",
                         "tool_user": id_text(response["user"]) if response["user"] else ""})
    return ArgillaReviews(rows, skipped)
