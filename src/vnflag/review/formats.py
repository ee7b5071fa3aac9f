"""Review files: a queue exported for reviewers, and the reviewed file read back.

Formats: CSV, XLSX (a drop-down for the decision), JSONL, Label Studio tasks and Argilla
records. Every export carries ``queue_id``, ``item_id`` and ``member_ids`` in every row and is
written with its queue record beside it; :func:`read_reviews` reads any of them back into one
table, one row per reviewer decision.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.files import atomic_path, write_json_atomic
from ..artifacts.tables import read_table, write_table
from ..exceptions import VnflagError
from ..model.inputs import check_columns
from .ids import is_blank
from .queues import DECISIONS, QUEUE_COLUMNS, queue_record, record_path

__all__ = ["REVIEW_FORMATS", "LABEL_STUDIO_CONFIG", "review_format", "export_queue", "read_reviews"]

#: Review file formats, as ``--format`` names them.
REVIEW_FORMATS = ("csv", "xlsx", "jsonl", "labelstudio", "argilla")
_REVIEW_FIELDS = ("decision", "reviewer", "note")

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
    """The review format of a file: ``fmt`` if given, else from its name.

    >>> review_format("review/today.labelstudio.json")
    'labelstudio'
    """
    if fmt:
        if fmt not in REVIEW_FORMATS:
            raise VnflagError(f"unknown review format {fmt!r}; use csv, xlsx, jsonl, labelstudio or argilla")
        return fmt
    name = str(path).lower()
    if name.endswith(".labelstudio.json"):
        return "labelstudio"
    if name.endswith(".argilla.json"):
        return "argilla"
    suffix = Path(name).suffix
    if suffix in (".csv", ".xlsx", ".jsonl"):
        return suffix[1:]
    raise VnflagError(f"{path}: review files are .csv, .xlsx, .jsonl, .labelstudio.json or .argilla.json")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = float(value)
        out[key] = value
    return out


def _write_xlsx(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "queue"
    columns = list(frame.columns)
    sheet.append(columns)
    for row in frame.itertuples(index=False):
        sheet.append([v.item() if hasattr(v, "item") else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"text": 80, "reasons": 30, "note": 30, "decision": 12, "member_ids": 20}
    for position, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(name, 14)
    text_letter = get_column_letter(columns.index("text") + 1)
    for cell in sheet[text_letter][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    letter = get_column_letter(columns.index("decision") + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="decision",
                                error="Choose misleading, ok or unsure")
    validation.add(f"{letter}2:{letter}{max(len(frame) + 1, 2)}")
    sheet.add_data_validation(validation)
    with atomic_path(path, suffix=".xlsx") as tmp:
        book.save(tmp)


def export_queue(queue: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write a queue for reviewers, in the format its name says, and its record beside it.

    Formats: ``.csv``, ``.xlsx`` (drop-down for ``decision``), ``.jsonl``, ``.labelstudio.json``
    (Label Studio tasks with the score and model version as predictions; labelling config in
    :data:`LABEL_STUDIO_CONFIG`) and ``.argilla.json`` (Argilla records: field ``text``,
    questions ``decision`` and ``note``, the score as a suggestion). Returns the record's path.

    >>> export_queue(queue, "review/today.xlsx")   # doctest: +SKIP
    PosixPath('review/today.vnflag-queue.json')
    """
    fmt = review_format(path, fmt)
    check_columns(queue, list(QUEUE_COLUMNS), "queue")
    record = queue_record(queue)
    frame = queue[list(QUEUE_COLUMNS)].copy()
    rows = [_plain(r) for r in frame.to_dict("records")]
    if fmt in ("csv", "xlsx"):
        flat = frame.copy()
        flat["member_ids"] = [json.dumps(list(m), ensure_ascii=False) for m in frame["member_ids"]]
        if fmt == "csv":
            write_table(flat, path)
        else:
            _write_xlsx(flat, path)
    elif fmt == "jsonl":
        with atomic_path(path, suffix=".jsonl") as tmp:
            tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "labelstudio":
        tasks = []
        for r in rows:
            data = {k: v for k, v in r.items() if k not in _REVIEW_FIELDS}
            tasks.append({"data": data, "predictions": [{
                "model_version": r["model_version"], "score": r["score"],
                "result": [{"from_name": "decision", "to_name": "text", "type": "choices",
                            "value": {"choices": ["misleading" if r["score"] >= 0.5 else "ok"]}}],
            }]})
        write_json_atomic(tasks, path)
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
        write_json_atomic(records, path)
    target = record_path(path)
    write_json_atomic(record, target)
    return target


def _member_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    if is_blank(value):
        return []
    text = str(value).strip()
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, list):
        return [str(v) for v in parsed]
    return [text]


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value).strip() if not isinstance(value, str) else value


def _ls_rows(tasks: list) -> list[dict]:
    rows = []
    for number, task in enumerate(tasks, start=1):
        data = dict(task.get("data", {})) if isinstance(task, dict) else {}
        annotations = [a for a in (task.get("annotations") or []) if not a.get("was_cancelled")] \
            if isinstance(task, dict) else []
        if not annotations:
            rows.append({**data, "source_row": number})
            continue
        for annotation in annotations:
            row = {**data, "source_row": number, "decision": "", "note": ""}
            for result in annotation.get("result") or []:
                value = result.get("value", {})
                if result.get("from_name") == "decision":
                    choices = value.get("choices") or []
                    row["decision"] = choices[0] if choices else ""
                elif result.get("from_name") == "note":
                    text = value.get("text") or []
                    row["note"] = text[0] if isinstance(text, list) and text else str(text or "")
            who = annotation.get("completed_by", annotation.get("reviewer", ""))
            if isinstance(who, dict):
                who = who.get("email") or who.get("username") or who.get("id", "")
            row["reviewer"] = "" if who is None else str(who)
            row["reviewed_at"] = annotation.get("updated_at") or annotation.get("created_at") or ""
            rows.append(row)
    return rows


def _argilla_responses(record: dict) -> list[dict]:
    """Responses per user from Argilla v2 (list or per-question dict) or v1 (``values``)."""
    raw = record.get("responses") or []
    by_user: dict[str, dict] = {}
    if isinstance(raw, dict):  # {"decision": [{"value": .., "user_id": ..}], "note": [...]}
        for question, answers in raw.items():
            for answer in answers or []:
                user = str(answer.get("user_id", ""))
                by_user.setdefault(user, {"status": answer.get("status", "submitted")})[question] = answer.get("value")
    else:
        for answer in raw:
            user = str(answer.get("user_id", ""))
            entry = by_user.setdefault(user, {"status": answer.get("status", "submitted")})
            if "values" in answer:  # Argilla 1.x
                for question, value in (answer.get("values") or {}).items():
                    entry[question] = value.get("value") if isinstance(value, dict) else value
            else:
                entry[answer.get("question_name", "")] = answer.get("value")
            if answer.get("updated_at"):
                entry["reviewed_at"] = answer["updated_at"]
    return [{"reviewer": user, **entry} for user, entry in by_user.items()
            if entry.get("status", "submitted") == "submitted"]


def _argilla_rows(records: list) -> list[dict]:
    rows = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            rows.append({"source_row": number})
            continue
        base = {**(record.get("metadata") or {}), **(record.get("fields") or {}), "source_row": number}
        responses = _argilla_responses(record)
        if not responses:
            rows.append(base)
        for response in responses:
            rows.append({**base, "decision": response.get("decision") or "", "note": response.get("note") or "",
                         "reviewer": response["reviewer"], "reviewed_at": response.get("reviewed_at", "")})
    return rows


def read_reviews(path: str | os.PathLike, fmt: str | None = None) -> pd.DataFrame:
    """Read a (reviewed) queue export back: the queue columns plus ``reviewed_at`` and
    ``source_row`` (the 1-based data row, task or record each row came from).

    Label Studio tasks with several annotations, and Argilla records with several responses,
    give one row per reviewer.

    >>> reviews = read_reviews("review/today.xlsx")    # doctest: +SKIP
    >>> reviews[["id", "decision", "reviewer"]]        # doctest: +SKIP
    """
    fmt = review_format(path, fmt)
    if not Path(path).is_file():
        raise VnflagError(f"{path}: no such file")
    if fmt in ("csv", "xlsx"):
        frame = read_table(path)
        frame["source_row"] = np.arange(1, len(frame) + 1)
    else:
        try:
            if fmt == "jsonl":
                with open(path, encoding="utf-8") as handle:
                    payload = [json.loads(line) for line in handle if line.strip()]
            else:
                payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise VnflagError(f"{path}: cannot read as {fmt}: {exc}") from exc
        if not isinstance(payload, list):
            raise VnflagError(f"{path}: expected a list of {'tasks' if fmt == 'labelstudio' else 'records'}")
        if fmt == "jsonl":
            rows = [{**(r if isinstance(r, dict) else {}), "source_row": n} for n, r in enumerate(payload, start=1)]
        elif fmt == "labelstudio":
            rows = _ls_rows(payload)
        else:
            rows = _argilla_rows(payload)
        frame = pd.DataFrame(rows)
    for column in (*QUEUE_COLUMNS, "reviewed_at"):
        if column not in frame.columns:
            frame[column] = ""
    frame["member_ids"] = [_member_list(v) for v in frame["member_ids"]]
    for column in ("item_id", "id", "why", "reasons", "model_version", "text", "decision", "reviewer", "note",
                   "queue_id", "reviewed_at"):
        frame[column] = [_text(v) for v in frame[column]]
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    for column in ("rank", "group_size"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame[[*QUEUE_COLUMNS, "reviewed_at", "source_row"]].reset_index(drop=True)
