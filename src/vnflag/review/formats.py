"""Review files: a queue exported for reviewers, and the reviewed file read back.

Formats: CSV, XLSX (a drop-down for the decision), JSONL, Label Studio tasks and Argilla
records. Every export carries ``queue_id``, ``item_id`` and ``member_ids`` in every row and is
written with its queue record beside it; :func:`read_reviews` reads any of them back into one
table, one row per reviewer decision.

Every file is read and written by :mod:`vnflag.io` (its readers' guarantees hold here too:
duplicate columns or keys refused, big ids exact, undecodable bytes named by offset and line,
``book.xlsx#Sheet`` for a workbook with several sheets); :mod:`.labelstudio` and
:mod:`.argilla` are adapters between their JSON shape and queue rows. Post texts are written by
strangers, so the spreadsheet exports go through the cell codec :mod:`vnflag.io.cells`: no cell
is ever a formula (XLSX cells are strings; in a CSV cell, every piece a spreadsheet may split off
at ``,`` ``;`` tab or a line break that looks like a formula, or starts with ``'``, gets a ``'``
in front), characters XLSX cannot hold are escaped as ``_xHHHH_``, and :func:`read_reviews`
undoes exactly that, so ids, texts and notes come back exactly. Numbers (``rank``,
``group_size``, ``score``) stay numbers. A queue that a format cannot hold exactly (an XLSX
cell's size) is refused before any of its files is written.

Reviewer identity: a Label Studio reviewer is ``labelstudio:<user id>`` (see
:mod:`.labelstudio`), an Argilla reviewer ``argilla:<user_id>``. A ``reviewer_map`` (``{1: "anh"}``, or a
CSV/JSON file of ``id,name``) names them. An annotation or response without a user is kept apart
as ``labelstudio:anonymous-<n>`` / ``argilla:anonymous-<n>`` (the n-th one of its task or record),
never merged with another. Every name, from any source, goes through
:func:`~vnflag.review.names.reviewer_name` (NFC; control and bidi characters and null words
refused, naming the row) and names differing only in case are refused together.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import VnflagError
from ..io.files import check_output_paths
from ..io.jsonl import (
    JsonNumber,
    check_text,
    load_json,
    parse_json_text,
    write_json_document,
)
from ..io.tables import check_writable, read_table, shown_row, table_source, write_table
from ..io.xlsx import SheetLayout
from ..model.inputs import check_columns
from . import argilla, labelstudio
from .ids import is_blank, is_encodable
from .json_fields import id_text, kind
from .labelstudio import LABEL_STUDIO_CONFIG
from .names import canonical_name, check_distinct_reviewers, reviewer_name
from .queues import (
    DECISIONS,
    QUEUE_COLUMNS,
    assign_reviewers,
    check_reviewers,
    queue_paths,
    queue_record,
)
from .suggestions import queue_model_threshold

__all__ = ["REVIEW_FORMATS", "IDENTITY_COLUMNS", "LABEL_STUDIO_CONFIG", "review_format", "export_queue", "read_reviews",
           "read_reviewer_map", "member_list"]

#: Review file formats, as ``--format`` names them.
REVIEW_FORMATS = ("csv", "xlsx", "jsonl", "labelstudio", "argilla")
#: Where a decision came from, beside the queue columns (the label store's identity contract):
#: ``origin`` is unique per decision (``labelstudio:<project or ->:<task id>:<annotation id>``,
#: ``argilla:<dataset or ->:<record id>:<user>``; empty for vnflag's own files, which keep the store's
#: older uniqueness), ``tool_user`` the tool's user id or e-mail as the export gives it.
IDENTITY_COLUMNS = ("origin", "tool_user")
_TEXT_COLUMNS = ("item_id", "id", "why", "reasons", "model_version", "text", "decision", "reviewer", "note",
                 "queue_id", "reviewed_at", *IDENTITY_COLUMNS)
ReviewerMap = Mapping[Any, str] | str | os.PathLike | None
#: What a row of each review format is called in messages.
_ROW_UNIT = {"labelstudio": "task", "argilla": "record", "labelstudio-min": "object", "labelstudio-csv": "row"}

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


#: The XLSX queue sheet, laid out for reading: the post, its reasons and the note wrapped in wide
#: columns, each row as tall as its post (up to 15 lines), the header frozen, a drop-down for
#: ``decision``, and the ids and what reviewers type as text cells (``@``), which no spreadsheet
#: turns into numbers (``012`` stays ``012``).
_QUEUE_SHEET = SheetLayout(title="queue", widths={"text": 80, "reasons": 30, "note": 40, "decision": 12,
                                                  "member_ids": 20, "rank": 6, "group_size": 8, "score": 8},
                           default_width=14, wrapped=("text", "reasons", "note"), choices={"decision": DECISIONS},
                           text_columns=("item_id", "id", "member_ids", "queue_id", "model_version", "reviewer",
                                         "note"), max_lines=15)


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
    ``today.xlsx.vnflag-queue.json``, says who was given what (``assigned_to``) and is found from
    every reviewer's file. The queue frame itself is not changed: register the returned record
    (``LabelStore(..).register_queue(record_path)``) to keep the assignments in a store. Every
    path is checked before anything is written (:func:`~vnflag.review.queues.queue_paths`): no
    two may be one file, even ignoring case, and no review file may be named like a side file.

    >>> export_queue(queue, "review/today.xlsx")   # doctest: +SKIP
    PosixPath('review/today.xlsx.vnflag-queue.json')
    >>> export_queue(queue, "review/today.xlsx", reviewers=["anh", "binh"], overlap=0.2)  # doctest: +SKIP
    PosixPath('review/today.xlsx.vnflag-queue.json')
    """
    fmt = review_format(path, fmt)
    check_columns(queue, list(QUEUE_COLUMNS), "queue")
    names = check_reviewers(reviewers, overlap)
    outputs, record_file = queue_paths(path, names)
    check_output_paths(outputs, side_files=[(record_file, "queue record")])
    record = queue_record(queue)
    frame = queue[list(QUEUE_COLUMNS)].copy()
    files: list[tuple[str | os.PathLike, pd.DataFrame]] = [(path, frame)]
    if names:
        assigned = dict(zip(frame["item_id"], assign_reviewers(len(frame), names, overlap, random_state), strict=True))
        record = {**record, "reviewers": names, "overlap": float(overlap),
                  "items": [{**item, "assigned_to": assigned.get(item["item_id"], [])} for item in record["items"]]}
        files = []
        for name, (reviewer_file, _) in zip(names, outputs, strict=True):
            mine = frame[[name in assigned[i] for i in frame["item_id"]]].copy()
            mine["reviewer"] = name
            files.append((reviewer_file, mine))
    threshold = queue_model_threshold(record)
    documents: list[Any] = []  # a tool's tasks or records, built (and so checked) before anything is written
    for target, rows in files:  # every file checked before the first is written: all of them, or none
        if fmt in ("csv", "xlsx"):
            check_writable(_spreadsheet_rows(rows), target, advice="write this queue as CSV or JSONL")
        documents.append(_tool_document(rows, fmt, threshold))
    for (target, rows), document in zip(files, documents, strict=True):
        if document is None:
            _write_export(rows, target, fmt)
        else:
            write_json_document(document, target)
    return write_json_document(record, record_file)


def _spreadsheet_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Queue rows as a CSV or XLSX file holds them: ``member_ids`` as a JSON list."""
    flat = frame.copy()
    flat["member_ids"] = [json.dumps(list(m), ensure_ascii=False) for m in frame["member_ids"]]
    return flat


def _tool_document(frame: pd.DataFrame, fmt: str, threshold: float) -> list[dict[str, Any]] | None:
    """Queue rows as Label Studio tasks or Argilla records (``None`` for the table formats); tools'
    suggestions say ``misleading`` at and above ``threshold`` (the model's,
    :func:`~.suggestions.queue_model_threshold`)."""
    if fmt not in ("labelstudio", "argilla"):
        return None
    adapter = labelstudio.tasks if fmt == "labelstudio" else argilla.records
    document = []
    for row in (_plain(r) for r in frame.to_dict("records")):
        try:  # one row at a time, so that a refused suggestion names its item
            document += adapter([row], threshold)
        except VnflagError as exc:
            raise VnflagError(f"queue item {row['item_id']} (post {row['id']}): {exc}") from None
    return document


def _write_export(frame: pd.DataFrame, path: str | os.PathLike, fmt: str) -> None:
    """Write queue rows (:data:`QUEUE_COLUMNS`) to one review table of format ``fmt`` (CSV, XLSX, JSONL)."""
    if fmt in ("csv", "xlsx"):
        flat = _spreadsheet_rows(frame)
        if fmt == "csv":
            write_table(flat, path, spreadsheet_safe=True)
        else:
            write_table(flat, path, layout=_QUEUE_SHEET)
        return
    write_table(frame, path)


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
            pairs = list(zip(table["id"], table["name"], strict=True))
    mapping: dict[str, str] = {}
    named: list[tuple[str, str]] = []
    for number, (key, name) in enumerate(pairs, start=1):
        if (isinstance(key, (dict, list)) or is_blank(key) or not isinstance(name, str) or isinstance(name, JsonNumber)
                or not name.strip()):
            raise VnflagError(f"{where}: entry {number}: each entry needs an id and a non-empty name, "
                              f"got {key!r}: {name!r}")
        key = canonical_name(id_text(key))  # an e-mail typed in NFD is the NFC one (see json_fields.named)
        mapping[key] = reviewer_name(name, f"{where}: entry {number} (id {key!r})")
        named.append((mapping[key], f"{where}: entry {number}"))
    check_distinct_reviewers(named)
    return mapping


# ----------------------------------------------------------------------------- reading JSON exports
#: The kinds of JSON review export, recognised by content: Label Studio tasks (JSON, snapshot), Label
#: Studio JSON_MIN rows, Argilla records; the first that fits decides. Argilla before JSON_MIN: the
#: SDK's flat export (``to_list(flatten=True)``) also has ``item_id`` and ``queue_id`` at the top, beside
#: its ``_server_id`` and ``<question>.responses``, which no JSON_MIN row has.
_JSON_KINDS = {"labelstudio": labelstudio.is_task, "argilla": argilla.is_record,
               "labelstudio-min": labelstudio.is_min_row}


def _detect_json_format(payload: Any, path: str | os.PathLike, named: str | None = None) -> str:
    """Which tool's export a JSON file is, by its content (a name or ``--format`` cannot make one
    kind read as another): every item of one kind of :data:`_JSON_KINDS`. Items of no one kind are
    read as the tool ``named`` says (its reader names the malformed task or record), else refused."""
    kinds = {next((k for k, test in _JSON_KINDS.items() if test(item)), None) for item in payload}
    if len(kinds) == 1 and None not in kinds:
        return str(kinds.pop())
    if named is not None:
        return named
    raise VnflagError(f"{path}: not a Label Studio export (JSON or snapshot: a list of tasks with 'data' and "
                      "'annotations'; JSON_MIN: a list of objects with the queue's 'item_id' and 'queue_id') nor an "
                      "Argilla export (a list of records with 'fields', 'responses' and 'metadata')")


def _read_json_export(path: str | os.PathLike, fmt: str, encoding: str) -> list:
    """A Label Studio or Argilla export's list of tasks/records, read by :func:`~vnflag.io.jsonl.load_json`."""
    payload = load_json(path, encoding)
    if fmt in ("argilla", "json") and not isinstance(payload, list):  # the SDK's records.to_dict(orient=...)
        payload = argilla.record_list(payload) or payload
    if not isinstance(payload, list):
        what = {"labelstudio": "Label Studio tasks", "argilla": "Argilla records"}.get(fmt, "tasks or records")
        raise VnflagError(f"{path}: expected a list of {what} (a JSON array), got {kind(payload)}")
    return payload


def _tool_rows(path: str | os.PathLike, kind_: str, payload: list, names: dict[str, str],
               skipped: dict[str, int] | None = None) -> list[dict]:
    """Review rows of a tool's export of kind ``kind_``; an error names the file. Responses that
    were not decisions (Argilla drafts, discarded ones) are counted by status into ``skipped``."""
    try:
        if kind_ == "labelstudio-csv":
            return labelstudio.min_rows(payload, names, csv=True)
        if kind_ == "labelstudio-min":
            return labelstudio.min_rows(payload, names)
        if kind_ == "labelstudio":
            return labelstudio.review_rows(payload, names)
        rows, found = argilla.review_rows(payload, names)
        if skipped is not None:
            skipped.update(found)
        return rows
    except VnflagError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise VnflagError(f"{path}: {exc}") from exc


# ----------------------------------------------------------------------------- read_reviews
def member_list(value: object) -> list[str]:
    """A ``member_ids`` cell as a list of ids: a list as is, JSON list text parsed, other text one id."""
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
    """Read a (reviewed) queue export back: the queue columns plus ``reviewed_at``, ``source_row``
    (where each row came from: for CSV and XLSX the row a spreadsheet shows, header = row 1,
    :func:`~vnflag.io.tables.shown_row`; else the 1-based JSONL record, task or record) and
    :data:`IDENTITY_COLUMNS`.
    ``frame.attrs["skipped"]`` counts the responses that were not decisions, by status (Argilla
    drafts and discarded ones: ``{"draft": 1}``).

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
        raise VnflagError(f"{path}: no such file or directory")
    names = read_reviewer_map(reviewer_map)
    skipped: dict[str, int] = {}
    frame = read_table(path, encoding=encoding) if fmt == "csv" else None
    if frame is not None and labelstudio.is_csv_export(frame.columns):  # Label Studio's CSV export, by its columns
        fmt = "labelstudio-csv"
        rows = _tool_rows(path, fmt, frame.to_dict("records"), names)
    elif fmt in ("csv", "xlsx", "jsonl"):  # vnflag's own tables: one row per data row
        frame = read_table(path, encoding=encoding, **({"spreadsheet_safe": True} if fmt == "csv" else {}))
        frame["source_row"] = shown_row(np.arange(len(frame))) if fmt != "jsonl" else np.arange(1, len(frame) + 1)
        # a column named like an identity column is a reviewer's, never an origin
        rows = [{**row, "origin": "", "tool_user": ""} for row in frame.to_dict("records")]
    else:
        payload = _read_json_export(path, fmt or "json", encoding)
        fmt = _detect_json_format(payload, path, fmt) if payload or fmt is None else fmt  # content decides
        unit = _ROW_UNIT.get(fmt, "object")
        for number, item in enumerate(payload, start=1):
            check_text(item, f"{path}: {unit} {number}")
        rows = _tool_rows(path, fmt, payload, names, skipped)
    columns: dict[str, list] = {}
    for column in _TEXT_COLUMNS:
        columns[column] = [_text(row.get(column)) for row in rows]
        for row, value in zip(rows, columns[column], strict=True):
            if not is_encodable(value):
                raise VnflagError(f"{path}: row {row['source_row']}: '{column}' holds text that is not valid Unicode "
                                  "(an unpaired surrogate)")
    where = [f"{path}: {_ROW_UNIT.get(fmt or '', 'row')} {row['source_row']}" for row in rows]
    columns["reviewer"] = [reviewer_name(who, here) if not is_blank(who) else ""
                           for who, here in zip(columns["reviewer"], where, strict=True)]
    check_distinct_reviewers((who, here) for who, here in zip(columns["reviewer"], where, strict=True) if who)
    columns["member_ids"] = [member_list(row.get("member_ids")) for row in rows]
    columns["score"] = [_number(row.get("score")) for row in rows]
    columns["source_row"] = [int(row["source_row"]) for row in rows]
    frame = pd.DataFrame({
        **{c: pd.Series(v, dtype=object) for c, v in columns.items() if c not in ("score", "source_row")},
        "score": pd.Series(columns["score"], dtype=float),
        **{c: pd.Series([_whole(row.get(c)) for row in rows], dtype="Int64") for c in ("rank", "group_size")},
        "source_row": pd.Series(columns["source_row"], dtype=int),
    }, index=pd.RangeIndex(len(rows)))
    frame = frame[[*QUEUE_COLUMNS, "reviewed_at", "source_row", *IDENTITY_COLUMNS]]
    frame.attrs["skipped"] = {status: count for status, count in skipped.items() if count}
    return frame
