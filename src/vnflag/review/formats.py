"""Review files: a queue exported for reviewers, and the reviewed file read back.

Formats: CSV, XLSX (a drop-down for the decision), JSONL, Label Studio tasks and Argilla
records. Every export carries ``queue_id``, ``item_id`` and ``member_ids`` in every row and is
written with its queue record beside it; :func:`read_reviews` reads any of them back into one
table, one row per reviewer decision.

Every file is read and written by :mod:`vnflag.io` (its readers' guarantees hold here too:
duplicate columns or keys refused, big ids exact, undecodable bytes named by offset and line,
``book.xlsx#Sheet`` for a workbook with several sheets); Label Studio and Argilla are adapters
between their JSON shape and queue rows. Post texts are written by strangers, so the spreadsheet
exports go through the cell codec :mod:`vnflag.io.cells`: no cell is ever a formula (XLSX cells are strings; a CSV
cell that looks like a formula, or starts with ``'``, gets a leading ``'``), characters XLSX
cannot hold are escaped as ``_xHHHH_``, and :func:`read_reviews` undoes both, so ids, texts and
notes come back exactly. Numbers (``rank``, ``group_size``, ``score``) stay numbers.

Reviewer identity: a Label Studio reviewer is ``labelstudio:<user id>`` whenever the export
gives the id (a number in the standard export, ``{"id": .., "email": ..}`` in a snapshot), so
both exports of one annotation store it once; an Argilla reviewer is its ``user_id``. A
``reviewer_map`` (``{1: "anh"}``, or a CSV/JSON file of ``id,name``) names them.
"""

from __future__ import annotations

import json
import math
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..exceptions import VnflagError
from ..io.jsonl import (
    JsonNumber,
    check_text,
    load_json,
    parse_json_text,
    write_json_document,
)
from ..io.tables import read_table, table_source, write_table
from ..io.xlsx import SheetLayout
from ..model.inputs import check_columns
from .ids import is_blank, is_encodable
from .queues import (
    DECISIONS,
    QUEUE_COLUMNS,
    assign_reviewers,
    check_reviewers,
    own_record_path,
    queue_record,
    reviewer_path,
)

__all__ = ["REVIEW_FORMATS", "LABEL_STUDIO_CONFIG", "review_format", "export_queue", "read_reviews",
           "read_reviewer_map"]

#: Review file formats, as ``--format`` names them.
REVIEW_FORMATS = ("csv", "xlsx", "jsonl", "labelstudio", "argilla")
_REVIEW_FIELDS = ("decision", "reviewer", "note")
_TEXT_COLUMNS = ("item_id", "id", "why", "reasons", "model_version", "text", "decision", "reviewer", "note",
                 "queue_id", "reviewed_at")
ReviewerMap = Mapping[Any, str] | str | os.PathLike | None

#: Label Studio labelling config matching :func:`export_queue`'s ``.labelstudio.json`` tasks.
LABEL_STUDIO_CONFIG = """<View>
  <Header value="Score $score (model $model_version), $group_size cop(ies), in queue because: $why"/>
  <Text name="text" value="$text"/>
  <Header value="Words that raised the score: $reasons"/>
  <Choices name="decision" toName="text" choice="single" required="true">
    <Choice value="misleading"/>
    <Choice value="ok"/>
    <Choice value="unsure"/>
  </Choices>
  <TextArea name="note" toName="text" rows="2" placeholder="why (optional)"/>
</View>"""


def review_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The review format of a file: ``fmt`` if given, else from its name (a plain ``.json``
    file is recognised by its content in :func:`read_reviews`).

    >>> review_format("review/today.labelstudio.json")
    'labelstudio'
    """
    if fmt:
        if fmt not in REVIEW_FORMATS:
            raise VnflagError(f"unknown review format {fmt!r}; use csv, xlsx, jsonl, labelstudio or argilla")
        return fmt
    name = str(table_source(path)).lower()
    if name.endswith(".labelstudio.json"):
        return "labelstudio"
    if name.endswith(".argilla.json"):
        return "argilla"
    suffix = Path(name).suffix
    if suffix in (".csv", ".xlsx", ".jsonl"):
        return suffix[1:]
    raise VnflagError(f"{path}: review files are .csv, .xlsx, .jsonl, .labelstudio.json or .argilla.json "
                      "(a Label Studio or Argilla export named .json is recognised by its content when read)")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = float(value)
        out[key] = value
    return out


#: The XLSX queue sheet: wide text, a drop-down for ``decision``.
_QUEUE_SHEET = SheetLayout(title="queue", widths={"text": 80, "reasons": 30, "note": 30, "decision": 12,
                                                  "member_ids": 20},
                           default_width=14, wrapped=("text",), choices={"decision": DECISIONS})


def export_queue(queue: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None,
                 reviewers: Sequence[str] = (), overlap: float = 0.0, random_state: int = 0) -> Path:
    """Write a queue for reviewers, in the format its name says, and its record beside it.

    Formats: ``.csv``, ``.xlsx`` (drop-down for ``decision``), ``.jsonl``, ``.labelstudio.json``
    (Label Studio tasks with the score and model version as predictions; labelling config in
    :data:`LABEL_STUDIO_CONFIG`) and ``.argilla.json`` (Argilla records: field ``text``,
    questions ``decision`` and ``note``, the score as a suggestion). Returns the record's path.
    CSV and XLSX cells are never formulas (see the module docstring).

    With ``reviewers``, the items are shared out (:func:`~vnflag.review.queues.assign_reviewers`:
    evenly, ``overlap`` of them to two reviewers, fixed by ``random_state``) and each reviewer
    gets a file of their own, ``today.anh.xlsx`` for ``today.xlsx``, with their name in the
    ``reviewer`` cells and nothing about who else has an item; the one record of the whole queue,
    ``today.vnflag-queue.json``, says who was given what (``assigned_to``) and is found from
    every reviewer's file. The queue frame itself is not changed: register the returned record
    (``LabelStore(..).register_queue(record_path)``) to keep the assignments in a store.

    >>> export_queue(queue, "review/today.xlsx")   # doctest: +SKIP
    PosixPath('review/today.vnflag-queue.json')
    >>> export_queue(queue, "review/today.xlsx", reviewers=["anh", "binh"], overlap=0.2)  # doctest: +SKIP
    PosixPath('review/today.vnflag-queue.json')
    """
    fmt = review_format(path, fmt)
    check_columns(queue, list(QUEUE_COLUMNS), "queue")
    names = check_reviewers(reviewers, overlap)
    record = queue_record(queue)
    frame = queue[list(QUEUE_COLUMNS)].copy()
    if not names:
        _write_export(frame, path, fmt)
    else:
        assigned = dict(zip(frame["item_id"], assign_reviewers(len(frame), names, overlap, random_state)))
        record = {**record, "reviewers": names, "overlap": float(overlap),
                  "items": [{**item, "assigned_to": assigned.get(item["item_id"], [])} for item in record["items"]]}
        for name in names:
            mine = frame[[name in assigned[i] for i in frame["item_id"]]].copy()
            mine["reviewer"] = name
            _write_export(mine, reviewer_path(path, name), fmt)
    return write_json_document(record, own_record_path(path))


def _write_export(frame: pd.DataFrame, path: str | os.PathLike, fmt: str) -> None:
    """Write queue rows (:data:`QUEUE_COLUMNS`) to one review file of format ``fmt``."""
    if fmt in ("csv", "xlsx"):
        flat = frame.copy()
        flat["member_ids"] = [json.dumps(list(m), ensure_ascii=False) for m in frame["member_ids"]]
        if fmt == "csv":
            write_table(flat, path, spreadsheet_safe=True)
        else:
            write_table(flat, path, layout=_QUEUE_SHEET)
        return
    if fmt == "jsonl":
        write_table(frame, path)
        return
    rows = [_plain(r) for r in frame.to_dict("records")]
    if fmt == "labelstudio":
        tasks = []
        for r in rows:
            data = {k: v for k, v in r.items() if k not in _REVIEW_FIELDS}
            tasks.append({"data": data, "predictions": [{
                "model_version": r["model_version"], "score": r["score"],
                "result": [{"from_name": "decision", "to_name": "text", "type": "choices",
                            "value": {"choices": ["misleading" if r["score"] >= 0.5 else "ok"]}}],
            }]})
        write_json_document(tasks, path)
    else:
        records = []
        for r in rows:
            metadata = {k: v for k, v in r.items() if k not in ("text", *_REVIEW_FIELDS)}
            records.append({
                "id": r["item_id"], "fields": {"text": r["text"]}, "metadata": metadata,
                "suggestions": [{"question_name": "decision", "value": "misleading" if r["score"] >= 0.5 else "ok",
                                 "score": r["score"], "agent": f"vnflag {r['model_version']}"}],
                "responses": [],
            })
        write_json_document(records, path)


# ----------------------------------------------------------------------------- reviewer names
def read_reviewer_map(source: ReviewerMap) -> dict[str, str]:
    """Reviewer names by user id (or e-mail): a mapping, or a CSV/JSON file with ``id`` and
    ``name`` (JSON: ``{"1": "anh"}`` or ``[{"id": 1, "name": "anh"}]``). Keys are compared as text.

    >>> read_reviewer_map({1: "anh", "b@x.vn": "bình"})
    {'1': 'anh', 'b@x.vn': 'bình'}
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        pairs = list(source.items())
        where = "reviewer map"
    else:
        where = str(source)
        path = Path(source)
        if not path.is_file():
            raise VnflagError(f"{source}: no such reviewer map file")
        if path.suffix.lower() == ".json":
            payload = load_json(path)
            if isinstance(payload, dict):
                pairs = list(payload.items())
            elif isinstance(payload, list) and all(isinstance(p, dict) and {"id", "name"} <= set(p) for p in payload):
                pairs = [(p["id"], p["name"]) for p in payload]
            else:
                raise VnflagError(f"{source}: a reviewer map is a JSON object {{id: name}} or a list of "
                                  "{\"id\": .., \"name\": ..} objects")
        else:
            table = read_table(path)
            check_columns(table, ["id", "name"], str(source))
            pairs = list(zip(table["id"], table["name"]))
    mapping: dict[str, str] = {}
    for key, name in pairs:
        if (isinstance(key, (dict, list)) or is_blank(key) or not isinstance(name, str) or isinstance(name, JsonNumber)
                or not name.strip()):
            raise VnflagError(f"{where}: each entry needs an id and a non-empty name, got {key!r}: {name!r}")
        mapping[_id_text(key)] = name.strip()
    return mapping


def _id_text(value: Any) -> str:
    """A user id as text: ``1``, ``1.0`` and ``"1"`` are all ``"1"`` (a JSON number keeps every digit)."""
    if isinstance(value, JsonNumber):
        try:
            number = Decimal(value)
        except InvalidOperation:  # NaN or Infinity written in the file
            return str(value)
        return str(int(number)) if number.is_finite() and number == number.to_integral_value() else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _named(mapping: dict[str, str], keys: list[str], default: str) -> str:
    for key in keys:
        if key and key in mapping:
            return mapping[key]
    return default


# ----------------------------------------------------------------------------- reading JSON exports
def _kind(value: Any) -> str:
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


def _expect(value: Any, kind: type | tuple[type, ...], where: str, field: str, what: str) -> Any:
    """``value`` if it is ``kind`` (``None`` counts as empty for lists and objects), else a clean error."""
    if value is None and kind in (list, dict):
        return kind()
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise VnflagError(f"{where}: '{field}' must be {what}, got {_kind(value)}")
    return value


def _scalar_text(value: Any, where: str, field: str) -> str:
    """A text field: text as is, a number as its digits, null as empty; lists and objects are errors."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise VnflagError(f"{where}: '{field}' must be text, got {_kind(value)}")
    return value if isinstance(value, str) and not isinstance(value, JsonNumber) else _id_text(value)


def _queue_fields(values: dict) -> dict:
    """The queue columns a task's ``data`` or a record's fields/metadata carry; review fields
    come only from annotations and responses."""
    return {k: v for k, v in values.items() if k in QUEUE_COLUMNS and k not in _REVIEW_FIELDS}


def _ls_reviewer(who: Any, where: str, names: dict[str, str]) -> str:
    """A Label Studio annotator: ``labelstudio:<id>`` whenever the id is known, whatever the
    export kind (a number, a digit string, or ``{"id": .., "email": ..}``); else the e-mail or
    user name; a name from ``names`` (by id, ``labelstudio:<id>``, e-mail or user name) first."""
    user_id, aliases = "", []
    if isinstance(who, dict):
        raw = who.get("id")
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) and _id_text(raw):
            user_id = _id_text(raw)
        aliases = [who[k].strip() for k in ("email", "username") if isinstance(who.get(k), str) and who[k].strip()]
    elif isinstance(who, (int, float, JsonNumber)) and not isinstance(who, bool):
        user_id = _id_text(who)
    elif isinstance(who, str):
        if who.strip().isdigit():
            user_id = who.strip()
        elif who.strip():
            aliases = [who.strip()]
    elif who is not None:
        raise VnflagError(f"{where}: 'completed_by' must be a user id, an e-mail or a user object, got {_kind(who)}")
    keys = ([user_id, f"labelstudio:{user_id}"] if user_id else []) + aliases
    return _named(names, keys, f"labelstudio:{user_id}" if user_id else (aliases[0] if aliases else ""))


def _ls_rows(tasks: list, names: dict[str, str]) -> list[dict]:
    rows = []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        task = _expect(task, dict, where, "task", "an object with 'data' and 'annotations'")
        if not isinstance(task.get("data"), dict):
            raise VnflagError(f"{where}: 'data' must be an object (the queue row), got {_kind(task.get('data'))}")
        data = _queue_fields(task["data"])
        annotations = _expect(task.get("annotations"), list, where, "annotations", "a list")
        kept = []
        for position, annotation in enumerate(annotations, start=1):
            annotation = _expect(annotation, dict, f"{where} annotation {position}", "annotation", "an object")
            if not annotation.get("was_cancelled"):
                kept.append((position, annotation))
        if not kept:
            rows.append({**data, "source_row": number})
            continue
        for position, annotation in kept:
            here = f"{where} annotation {position}"
            decisions, notes = [], []
            results = _expect(annotation.get("result"), list, here, "result", "a list")
            for index, result in enumerate(results, start=1):
                spot = f"{here} result {index}"
                result = _expect(result, dict, spot, "result", "an object")
                value = _expect(result.get("value"), dict, spot, "value", "an object")
                if result.get("from_name") == "decision":
                    choices = _expect(value.get("choices"), list, spot, "choices", "a list of choices")
                    decisions += [_scalar_text(c, spot, "choices") for c in choices]
                elif result.get("from_name") == "note":
                    text = value.get("text")
                    entries = text if isinstance(text, list) else [text]
                    notes += [_scalar_text(t, spot, "text") for t in entries if t is not None]
            who = annotation.get("completed_by", annotation.get("reviewer"))
            rows.append({
                **data, "source_row": number,
                "decision": ",".join(dict.fromkeys(decisions)),  # several choices: reported as an unknown decision
                "note": "\n".join(notes),
                "reviewer": _ls_reviewer(who, here, names),
                "reviewed_at": _scalar_text(annotation.get("updated_at") or annotation.get("created_at"), here,
                                            "updated_at"),
            })
    return rows


def _argilla_user(answer: dict, where: str) -> tuple[str, list[str]]:
    """An Argilla response's user: its ``user_id`` (or a ``user`` object's id), and names to map by."""
    user = answer.get("user")
    user_id = answer.get("user_id")
    if user_id is None and isinstance(user, dict):
        user_id = user.get("id")
    aliases = [user[k] for k in ("username", "email") if isinstance(user, dict) and isinstance(user.get(k), str)]
    if isinstance(user, str):
        aliases.append(user)
    return _scalar_text(user_id, where, "user_id"), aliases


def _argilla_responses(record: dict, where: str, names: dict[str, str]) -> list[dict]:
    """Responses per user from Argilla v2 (list or per-question dict) or v1 (``values``)."""
    raw = record.get("responses")
    answers: list[tuple[str, dict]] = []
    if isinstance(raw, dict):  # {"decision": [{"value": .., "user_id": ..}], "note": [...]}
        for question, listed in raw.items():
            for position, answer in enumerate(_expect(listed, list, where, f"responses.{question}", "a list"), 1):
                answer = _expect(answer, dict, f"{where} response {position}", f"responses.{question}", "an object")
                answers.append((question, answer))
    else:
        for position, answer in enumerate(_expect(raw, list, where, "responses", "a list or an object"), start=1):
            answers.append(("", _expect(answer, dict, f"{where} response {position}", "response", "an object")))
    by_user: dict[str, dict] = {}
    for question, answer in answers:
        user_id, aliases = _argilla_user(answer, where)
        key = user_id or (aliases[0] if aliases else "")
        status = answer.get("status", "submitted")
        entry = by_user.setdefault(key, {"status": _scalar_text(status, where, "status"), "answers": {},
                                         "reviewer": _named(names, [user_id, f"argilla:{user_id}", *aliases], key)})
        if question:
            entry["answers"][question] = answer.get("value")
        elif "values" in answer:  # Argilla 1.x
            for name, value in _expect(answer.get("values"), dict, where, "values", "an object").items():
                entry["answers"][name] = value.get("value") if isinstance(value, dict) else value
        else:
            entry["answers"][_scalar_text(answer.get("question_name"), where, "question_name")] = answer.get("value")
        if answer.get("updated_at"):
            entry["reviewed_at"] = _scalar_text(answer["updated_at"], where, "updated_at")
    return [entry for entry in by_user.values() if entry["status"] == "submitted"]


def _argilla_rows(records: list, names: dict[str, str]) -> list[dict]:
    rows = []
    for number, record in enumerate(records, start=1):
        where = f"record {number}"
        record = _expect(record, dict, where, "record", "an object with 'fields' and 'responses'")
        metadata = _expect(record.get("metadata"), dict, where, "metadata", "an object")
        fields = _expect(record.get("fields"), dict, where, "fields", "an object")
        base = {**_queue_fields(metadata), **_queue_fields(fields), "source_row": number}
        responses = _argilla_responses(record, where, names)
        if not responses:
            rows.append(base)
        for response in responses:
            note = response["answers"].get("note")
            rows.append({**base, "decision": _scalar_text(response["answers"].get("decision"), where, "decision"),
                         "note": "\n".join(_scalar_text(n, where, "note") for n in note) if isinstance(note, list)
                         else _scalar_text(note, where, "note"),
                         "reviewer": response["reviewer"], "reviewed_at": response.get("reviewed_at", "")})
    return rows


def _json_review_kind(item: Any) -> str | None:
    """``labelstudio`` for a task (``data`` with ``annotations`` or ``predictions``), ``argilla``
    for a record (``fields``, ``responses`` or ``metadata``, no ``data``), else ``None``."""
    if not isinstance(item, dict):
        return None
    if "data" in item and ("annotations" in item or "predictions" in item):
        return "labelstudio"
    if "data" not in item and any(k in item for k in ("fields", "responses", "metadata")):
        return "argilla"
    return None


def _detect_json_format(payload: Any, path: str | os.PathLike) -> str:
    """Whether a ``.json`` file is a Label Studio or an Argilla export, by its content."""
    kinds = {_json_review_kind(item) for item in payload} - {None} if isinstance(payload, list) else set()
    if len(kinds) == 1:
        return str(kinds.pop())
    raise VnflagError(f"{path}: not a Label Studio export (a list of tasks with 'data' and 'annotations') nor an "
                      "Argilla export (a list of records with 'fields', 'responses' and 'metadata'); pass --format "
                      "if it is one")


def _read_json_export(path: str | os.PathLike, fmt: str, encoding: str) -> list:
    """A Label Studio or Argilla export's list of tasks/records, read by :func:`~vnflag.io.jsonl.load_json`
    and checked to be valid Unicode."""
    payload = load_json(path, encoding)
    if not isinstance(payload, list):
        what = {"labelstudio": "Label Studio tasks", "argilla": "Argilla records"}.get(fmt, "tasks or records")
        raise VnflagError(f"{path}: expected a list of {what} (a JSON array), got {_kind(payload)}")
    return payload


# ----------------------------------------------------------------------------- read_reviews
def _member_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    if is_blank(value):
        return []
    text = str(value).strip()
    try:
        parsed = parse_json_text(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, list):
        return [str(v) for v in parsed]
    return [text]


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value).strip() if not isinstance(value, str) else value


def _number(value: object) -> float:
    """A cell as a number, NaN when it is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.number)):
        return math.nan
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan


def _whole(value: object) -> int | None:
    number = _number(value)
    return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 2 ** 63 else None


def read_reviews(path: str | os.PathLike, fmt: str | None = None, encoding: str = "utf-8",
                 reviewer_map: ReviewerMap = None) -> pd.DataFrame:
    """Read a (reviewed) queue export back: the queue columns plus ``reviewed_at`` and
    ``source_row`` (the 1-based data row, task or record each row came from).

    Label Studio tasks with several annotations, and Argilla records with several responses,
    give one row per reviewer (see the module docstring for reviewer names and ``reviewer_map``).
    A Label Studio or Argilla export named plain ``.json`` is recognised by its content.
    ``encoding`` applies to CSV, JSONL and JSON files. A malformed file is one
    :class:`~vnflag.VnflagError` naming the task, record or line and the field.

    >>> reviews = read_reviews("review/today.xlsx")    # doctest: +SKIP
    >>> reviews[["id", "decision", "reviewer"]]        # doctest: +SKIP
    """
    plain_json = fmt is None and Path(str(path)).suffix.lower() == ".json" and not str(path).lower().endswith(
        (".labelstudio.json", ".argilla.json"))
    fmt = fmt if plain_json else review_format(path, fmt)
    if not Path(table_source(path)).is_file():
        raise VnflagError(f"{path}: no such file")
    names = read_reviewer_map(reviewer_map)
    if fmt in ("csv", "xlsx", "jsonl"):  # tables: one row per data row
        frame = read_table(path, encoding=encoding, **({"spreadsheet_safe": True} if fmt == "csv" else {}))
        frame["source_row"] = np.arange(1, len(frame) + 1)
        rows = frame.to_dict("records")
    else:
        payload = _read_json_export(path, fmt or "json", encoding)
        fmt = fmt or _detect_json_format(payload, path)
        unit = "task" if fmt == "labelstudio" else "record"
        for number, item in enumerate(payload, start=1):
            check_text(item, f"{path}: {unit} {number}")
        rows = _ls_rows(payload, names) if fmt == "labelstudio" else _argilla_rows(payload, names)
    columns: dict[str, list] = {}
    for column in _TEXT_COLUMNS:
        columns[column] = [_text(row.get(column)) for row in rows]
        for row, value in zip(rows, columns[column]):
            if not is_encodable(value):
                raise VnflagError(f"{path}: row {row['source_row']}: '{column}' holds text that is not valid Unicode "
                                  "(an unpaired surrogate)")
    columns["member_ids"] = [_member_list(row.get("member_ids")) for row in rows]
    columns["score"] = [_number(row.get("score")) for row in rows]
    columns["source_row"] = [int(row["source_row"]) for row in rows]
    frame = pd.DataFrame({
        **{c: pd.Series(v, dtype=object) for c, v in columns.items() if c not in ("score", "source_row")},
        "score": pd.Series(columns["score"], dtype=float),
        **{c: pd.Series([_whole(row.get(c)) for row in rows], dtype="Int64") for c in ("rank", "group_size")},
        "source_row": pd.Series(columns["source_row"], dtype=int),
    }, index=pd.RangeIndex(len(rows)))
    return frame[[*QUEUE_COLUMNS, "reviewed_at", "source_row"]]
