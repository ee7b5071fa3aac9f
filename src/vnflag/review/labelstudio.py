"""Label Studio: queue rows ↔ Label Studio tasks. A thin adapter: the file itself is read and
written by :mod:`vnflag.io.jsonl`.

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
from ..io.jsonl import JsonNumber
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

__all__ = ["LABEL_STUDIO_CONFIG", "is_task", "tasks", "review_rows"]

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


def _reviewer(who: Any, where: str, names: dict[str, str]) -> str:
    """A Label Studio annotator: ``labelstudio:<id>`` whenever the id is known, whatever the
    export kind (a number, a digit string, or ``{"id": .., "email": ..}``); else the e-mail or
    user name; a name from ``names`` (by id, ``labelstudio:<id>``, e-mail or user name) first."""
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
    return named(names, keys, f"labelstudio:{user_id}" if user_id else (aliases[0] if aliases else ""))


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
            who = _reviewer(annotation.get("completed_by", annotation.get("reviewer")), here, names)
            if not who:  # no user: kept apart from every other annotation, never merged
                anonymous += 1
                who = f"labelstudio:anonymous-{anonymous}"
            rows.append({
                **data, "source_row": number,
                "decision": ",".join(dict.fromkeys(decisions)),  # several choices: reported as an unknown decision
                "note": "\n".join(notes),
                "reviewer": who,
                "reviewed_at": scalar_text(annotation.get("updated_at") or annotation.get("created_at"), here,
                                            "updated_at"),
            })
    return rows
