"""Label Studio: queue rows ↔ Label Studio tasks. A thin adapter: the file itself is read and
written by :mod:`vnflag.io.jsonl` (JSON) or :mod:`vnflag.io.tables` (CSV).

Every export Label Studio makes is recognised by its content: JSON and the snapshot export
(tasks with ``data`` and ``annotations``), JSON_MIN (one flat object per annotation: the task's
data, ``annotator``, ``annotation_id``, the choice as ``decision``; its ``id`` is Label Studio's
task id, so the post is recovered from vnflag's own ``member_ids``/``item_id``) and CSV (the same
columns; :func:`is_csv_export`). A decision's ``origin`` is ``labelstudio:-:<item_id>:<annotation
id>``: the annotation id is the one every export kind carries (the project and Label Studio's task
id are missing from CSV and JSON_MIN; vnflag's ``item_id`` names the task), so every export of one
annotation is stored once, whatever its reviewer is called. ``tool_user`` is the user's e-mail when
the export gives it (snapshot), else their id.

A task's ``data`` holds the queue row, its ``predictions`` the score and model version; each
annotation that was not cancelled is one reviewer's decision. A reviewer is
``labelstudio:<user id>`` whenever the export gives the id (a number in the standard export,
``{"id": .., "email": ..}`` in a snapshot), so both exports of one annotation store it once.
An annotation without any user is ``labelstudio:anonymous-<n>``, the n-th such annotation of its
task: two of them are two decisions, never merged into one.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import VnflagError
from ..io.jsonl import JsonNumber, parse_json_text
from .json_fields import (
    REVIEW_FIELDS,
    expect,
    id_text,
    kind,
    named,
    queue_fields,
    scalar_text,
)
from .suggestions import DEFAULT_SUGGESTION_THRESHOLD, suggested_decision

__all__ = ["LABEL_STUDIO_CONFIG", "CSV_COLUMNS", "is_task", "is_min_row", "is_csv_export", "tasks", "review_rows",
           "min_rows"]

#: The columns by which a CSV (or JSON_MIN) file is a Label Studio export, not a vnflag review file.
CSV_COLUMNS = ("annotator", "annotation_id")

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


def is_task(item: Any) -> bool:
    """Whether a JSON value looks like a Label Studio task (``data`` with ``annotations`` or ``predictions``)."""
    return isinstance(item, dict) and "data" in item and ("annotations" in item or "predictions" in item)


def is_min_row(item: Any) -> bool:
    """Whether a JSON value looks like a row of a JSON_MIN export of vnflag tasks: a flat object
    with vnflag's ``item_id`` and ``queue_id`` (the task data), and no ``data``, ``fields`` or ``responses``."""
    return (isinstance(item, dict) and {"item_id", "queue_id"} <= set(item)
            and not {"data", "annotations", "fields", "responses"} & set(item))


def is_csv_export(columns: Any) -> bool:
    """Whether a table's columns are those of a Label Studio CSV export (:data:`CSV_COLUMNS`)."""
    return set(CSV_COLUMNS) <= {str(c) for c in columns}


def tasks(rows: list[dict[str, Any]], threshold: float = DEFAULT_SUGGESTION_THRESHOLD) -> list[dict[str, Any]]:
    """Label Studio tasks for queue rows: the row as ``data``, the model's choice at ``threshold``
    (its own, :func:`~.suggestions.queue_model_threshold`) as a prediction scored with that
    choice's confidence."""
    out = []
    for r in rows:
        data = {k: v for k, v in r.items() if k not in REVIEW_FIELDS}
        choice, confidence = suggested_decision(r["score"], threshold)
        out.append({"data": data, "predictions": [{
            "model_version": r["model_version"], "score": confidence,
            "result": [{"from_name": "decision", "to_name": "text", "type": "choices",
                        "value": {"choices": [choice]}}],
        }]})
    return out


def _reviewer(who: Any, where: str, names: dict[str, str]) -> tuple[str, str]:
    """A Label Studio annotator: ``labelstudio:<id>`` whenever the id is known, whatever the
    export kind (a number, a digit string, or ``{"id": .., "email": ..}``); else the e-mail or
    user name; a name from ``names`` (by id, ``labelstudio:<id>``, e-mail or user name) first.
    With it, the tool's user as the export gives it: the e-mail if any, else the id."""
    user_id, aliases = "", []
    if isinstance(who, dict):
        raw = who.get("id")
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool) and id_text(raw):
            user_id = id_text(raw)
        aliases = [who[k] for k in ("email", "username") if isinstance(who.get(k), str) and who[k].strip()]
    elif isinstance(who, (int, float, JsonNumber)) and not isinstance(who, bool):
        user_id = id_text(who)
    elif isinstance(who, str):
        if who.strip().isdigit():
            user_id = who.strip()
        elif who.strip():
            aliases = [who]  # as written: a name with a control character is refused, not cut
    elif who is not None:
        raise VnflagError(f"{where}: 'completed_by' must be a user id, an e-mail or a user object, got {kind(who)}")
    keys = ([user_id, f"labelstudio:{user_id}"] if user_id else []) + aliases
    tool_user = aliases[0] if aliases else user_id
    return named(names, keys, f"labelstudio:{user_id}" if user_id else (aliases[0] if aliases else "")), tool_user


def _origin(item_id: Any, annotation_id: Any, where: str) -> str:
    """``labelstudio:-:<item_id>:<annotation id>``, or "" when the export gives no annotation id."""
    if annotation_id is None or annotation_id == "":
        return ""
    if isinstance(annotation_id, bool) or not isinstance(annotation_id, (int, float, str)):
        raise VnflagError(f"{where}: 'annotation_id' must be a number, got {kind(annotation_id)}")
    return f"labelstudio:-:{id_text(item_id) if item_id is not None else ''}:{id_text(annotation_id)}"


def _note_text(value: Any, where: str) -> str:
    """A note as JSON_MIN or CSV gives it: plain text, a list of texts, or ``{"text": [..]}`` (as
    JSON or as its text): the texts, one per line."""
    if isinstance(value, str) and not isinstance(value, JsonNumber) and value.lstrip().startswith("{"):
        try:
            parsed = parse_json_text(value)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict) and set(parsed) == {"text"}:
            value = parsed
    if isinstance(value, dict) and set(value) == {"text"}:
        value = value["text"]
    entries = value if isinstance(value, list) else [value]
    return "\n".join(scalar_text(t, where, "note") for t in entries if t is not None)


def min_rows(exported: list, names: dict[str, str], csv: bool = False) -> list[dict]:
    """Rows of a JSON_MIN or CSV export (one per annotation; a task without any: one row without
    a decision), ``source_row`` their number. Label Studio's own task ``id`` is dropped: the post is
    the first of the row's ``member_ids`` (any member stands for its item; the import checks
    ``item_id`` and ``member_ids`` against the queue record), or the ``id`` a CSV export keeps."""
    rows = []
    unit = "row" if csv else "object"
    for number, row in enumerate(exported, start=1):
        where = f"{unit} {number}"
        row = expect(row, dict, where, unit, "an object")
        data = queue_fields(row)
        members = row.get("member_ids")
        if isinstance(members, str) and members.strip().startswith("["):
            try:
                members = parse_json_text(members)
            except (ValueError, RecursionError):
                members = None
        shown = [id_text(m) for m in members if isinstance(m, (str, int))] if isinstance(members, list) else []
        if not csv or str(data.get("id", "")) not in shown:  # JSON_MIN: 'id' is Label Studio's task id
            data["id"] = shown[0] if shown else ""
        out = {**data, "member_ids": members if isinstance(members, list) else data.get("member_ids"),
               "source_row": number}
        if any(row.get(k) not in (None, "") for k in CSV_COLUMNS) or row.get("decision") not in (None, ""):
            who, tool_user = _reviewer(_user_cell(row.get("annotator")), where, names)
            decision = row.get("decision")
            out.update({
                "decision": ",".join(scalar_text(d, where, "decision") for d in decision)
                if isinstance(decision, list) else scalar_text(decision, where, "decision"),
                "note": _note_text(row.get("note"), where),
                "reviewer": who, "tool_user": tool_user,
                "origin": _origin(row.get("item_id"), row.get("annotation_id"), where),
                "reviewed_at": scalar_text(row.get("updated_at") or row.get("created_at"), where, "updated_at"),
            })
        rows.append(out)
    return rows


def _user_cell(value: Any) -> Any:
    """An ``annotator`` cell: a JSON number, a digit string, an e-mail, or empty (no user)."""
    return None if value is None or value == "" else value


def review_rows(exported: list, names: dict[str, str]) -> list[dict]:
    """One row per annotation (a task without any: one row without a decision), with ``source_row``
    the task number; ``names`` maps user ids or e-mails to reviewer names."""
    rows = []
    for number, task in enumerate(exported, start=1):
        where = f"task {number}"
        task = expect(task, dict, where, "task", "an object with 'data' and 'annotations'")
        if not isinstance(task.get("data"), dict):
            raise VnflagError(f"{where}: 'data' must be an object (the queue row), got {kind(task.get('data'))}")
        data = queue_fields(task["data"])
        annotations = expect(task.get("annotations"), list, where, "annotations", "a list")
        kept = []
        for position, annotation in enumerate(annotations, start=1):
            annotation = expect(annotation, dict, f"{where} annotation {position}", "annotation", "an object")
            if not annotation.get("was_cancelled"):
                kept.append((position, annotation))
        if not kept:
            rows.append({**data, "source_row": number})
            continue
        anonymous = 0
        for position, annotation in kept:
            here = f"{where} annotation {position}"
            decisions, notes = [], []
            results = expect(annotation.get("result"), list, here, "result", "a list")
            for index, result in enumerate(results, start=1):
                spot = f"{here} result {index}"
                result = expect(result, dict, spot, "result", "an object")
                value = expect(result.get("value"), dict, spot, "value", "an object")
                if result.get("from_name") == "decision":
                    choices = expect(value.get("choices"), list, spot, "choices", "a list of choices")
                    decisions += [scalar_text(c, spot, "choices") for c in choices]
                elif result.get("from_name") == "note":
                    text = value.get("text")
                    entries = text if isinstance(text, list) else [text]
                    notes += [scalar_text(t, spot, "text") for t in entries if t is not None]
            who, tool_user = _reviewer(annotation.get("completed_by", annotation.get("reviewer")), here, names)
            if not who:  # no user: kept apart from every other annotation, never merged
                anonymous += 1
                who = f"labelstudio:anonymous-{anonymous}"
            rows.append({
                **data, "source_row": number,
                "decision": ",".join(dict.fromkeys(decisions)),  # several choices: reported as an unknown decision
                "note": "\n".join(notes),
                "reviewer": who, "tool_user": tool_user,
                "origin": _origin(data.get("item_id"), annotation.get("id"), here),
                "reviewed_at": scalar_text(annotation.get("updated_at") or annotation.get("created_at"), here,
                                            "updated_at"),
            })
    return rows
