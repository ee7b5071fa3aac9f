"""Import into the label store: queue records and reviewed rows, checked and turned into typed
rows (one ``NamedTuple`` per table, its fields named as the table's columns) before anything is
written. Nothing here writes except :func:`store_queue` and :func:`store_import`, which the
caller runs inside one transaction."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ...exceptions import VnflagError
from ...io.files import file_sha256, utc_now
from ...io.tables import table_source
from ..formats import IDENTITY_COLUMNS, member_list, read_reviewer_map, read_reviews
from ..ids import ChangedIds, is_blank, is_encodable, spreadsheet_changed
from ..names import canonical_name, check_distinct_reviewers, reviewer_key, reviewer_name
from ..queues import (
    DECISIONS,
    QUEUE_COLUMNS,
    RECORD_SUFFIX,
    check_queue_record,
    queue_record,
    read_queue_record,
    record_path,
)
from .schema import NO_ORIGIN

__all__ = ["ImportReport", "QueueRow", "MemberRow", "DesignRow", "ItemRow", "ReviewRow", "ImportRow", "QueueRows",
           "Member", "NameRow", "queue_rows", "design_rows", "store_queue", "reviewed_frame", "check_reviews",
           "store_import", "store_names"]


class QueueRow(NamedTuple):
    """A row of ``queues``: a registered queue."""
    queue_id: str
    created_at: str | None
    policy: str | None
    budget: int | None
    explore: float | None
    redacted: int
    registered_at: str
    source: str


class MemberRow(NamedTuple):
    """A row of ``queue_members``: one post of a queue item, as the queue showed it."""
    queue_id: str
    item_id: str
    post_id: str
    fingerprint: str | None
    text: str | None
    score: float | None
    model_version: str | None
    meta: str  # a JSON object


class DesignRow(NamedTuple):
    """A row of ``queue_design``: how a queue was drawn from its batch."""
    queue_id: str
    purpose: str
    scored_posts: int | None
    scored_groups: int | None
    reviewers: str  # a JSON list
    overlap: float | None


class ItemRow(NamedTuple):
    """A row of ``queue_items``: one item of a queue and the probability it was drawn with."""
    queue_id: str
    item_id: str
    why: str | None
    inclusion_probability: float | None
    flagged: int | None
    group_size: int
    assigned_to: str  # a JSON list


class ReviewRow(NamedTuple):
    """A row of ``reviews`` (without its ``review_id``): one decision on one post."""
    queue_id: str
    item_id: str
    post_id: str
    fingerprint: str | None
    decision: str
    reviewer: str
    note: str
    reviewed_at: str
    imported_at: str
    model_version: str | None
    score: float | None
    source_file: str
    source_sha256: str
    source_row: int
    origin: str  # where the decision came from (tool, project, task, annotation); "" for vnflag's own files
    tool_user: str  # the tool's user id or e-mail, as the export gives it


class NameRow(NamedTuple):
    """A row of ``reviewer_names`` (without its ``name_id``): one entry of a reviewer map."""
    key: str
    name: str
    set_at: str
    source: str


class ToolUserRow(NamedTuple):
    """A row of ``tool_users``: a tool's user id or e-mail seen with a stored reviewer."""
    reviewer: str
    tool_user: str


class ImportRow(NamedTuple):
    """A row of ``imports`` (without its ``import_id``): what one import did."""
    source_file: str
    source_sha256: str
    imported_at: str
    rows: int
    stored: int
    already: int
    rejected: int


class QueueRows(NamedTuple):
    """Everything a queue record puts in the store."""
    queue: QueueRow
    members: list[MemberRow]
    design: DesignRow
    items: list[ItemRow]


class Member(NamedTuple):
    """What a review of a post needs from its queue: the post's item and how it was shown."""
    item_id: str
    post_id: str
    fingerprint: str | None
    score: float | None
    model_version: str | None


@dataclass
class ImportReport:
    """What one import did: rows read, reviews stored, rows rejected (by row number)."""

    source: str
    rows: int = 0
    reviewed: int = 0
    not_reviewed: int = 0
    stored: int = 0
    already: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    conflicts: int = 0
    #: Rows whose id a spreadsheet changed, recovered from their item: (row, id as read, post id).
    recovered: list[tuple[int, str, str]] = field(default_factory=list)
    #: Responses that were not decisions, by status (Argilla drafts and discarded ones), never stored.
    skipped: dict[str, int] = field(default_factory=dict)
    unused_names: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the command line: ``rows`` = reviewed + not yet reviewed + rejected."""
        ids = f" ({len(self.recovered)} with ids recovered)" if self.recovered else ""
        skipped = " and ".join(f"{count} {status}" for status, count in self.skipped.items() if count)
        return (f"{self.source}: {self.rows} rows, {self.reviewed} reviewed{ids}, "
                f"{self.not_reviewed} not yet reviewed; "
                f"stored {self.stored} new reviews ({self.already} already stored), "
                f"rejected {len(self.bad_rows)} rows; {self.conflicts} posts with conflicting decisions in the store"
                + (f"; skipped {skipped} responses (only submitted ones are decisions)" if skipped else ""))


def _insert(db: sqlite3.Connection, table: str, rows: Sequence[NamedTuple]) -> int:
    """``INSERT OR IGNORE`` typed rows by column name; returns how many were new."""
    if not rows:
        return 0
    fields = type(rows[0])._fields
    before = db.total_changes
    db.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                   rows)
    return db.total_changes - before


def _real(value: Any) -> float | None:
    """A checked record's number for a REAL column, as a float: JSON may write ``1e30`` as a whole
    number, which SQLite cannot bind as an INTEGER (its schema bounds every number already)."""
    return None if value is None else float(value)


def design_rows(record: dict[str, Any]) -> tuple[DesignRow, list[ItemRow]]:
    """The ``queue_design`` row and ``queue_items`` rows of a checked queue record.

    Fields missing from older records get defaults: ``scored_rows``/``groups`` for the batch
    size, inclusion probability 1 for the deterministic parts (``top``, ``uncertain``) and
    n/N for the random part (N: the groups not chosen by the other parts), when known."""
    queue_id = record["queue_id"]
    items = record["items"]
    groups = record.get("scored_groups", record.get("groups"))
    n_random = sum(item.get("why") == "random" for item in items)
    rest = None if groups is None else int(groups) - (len(items) - n_random)
    default_random = n_random / rest if rest and rest >= n_random else None
    design = DesignRow(queue_id, record.get("purpose") or "review",
                       record.get("scored_posts", record.get("scored_rows")),
                       groups, json.dumps(list(record.get("reviewers") or []), ensure_ascii=False),
                       _real(record.get("overlap")))
    rows = []
    for item in items:
        why = item.get("why")
        flagged = item.get("flagged")
        rows.append(ItemRow(queue_id, item["item_id"], why,
                            _real(item.get("inclusion_probability", default_random if why == "random" else 1.0)),
                            None if flagged is None else int(bool(flagged)),
                            int(item.get("group_size", len(item["members"]))),
                            json.dumps(list(item.get("assigned_to") or []), ensure_ascii=False)))
    return design, rows


def queue_rows(queue: pd.DataFrame | dict | str | os.PathLike, source: str = "") -> QueueRows:
    """The rows of a queue frame, record or export path, its record checked first
    (:func:`~vnflag.review.queues.check_queue_record`)."""
    if isinstance(queue, pd.DataFrame):
        record = check_queue_record(queue_record(queue), "the queue's record")
    elif isinstance(queue, dict):
        record = check_queue_record(queue, "the queue record")
    else:
        record = read_queue_record(queue)
        source = source or str(record_path(queue) if not str(queue).endswith(RECORD_SUFFIX) else queue)
    queue_id = record["queue_id"]
    queue_row = QueueRow(queue_id, record.get("created_at"), record.get("policy"), record.get("budget"),
                         _real(record.get("explore")), int(bool(record.get("redacted"))), utc_now(), source)
    members = [MemberRow(queue_id, item["item_id"], m["id"], m.get("fingerprint"), m.get("text"), _real(m.get("score")),
                         m.get("model_version"), json.dumps(m.get("meta") or {}, ensure_ascii=False))
               for item in record["items"] for m in item["members"]]
    return QueueRows(queue_row, members, *design_rows(record))


def store_queue(db: sqlite3.Connection, rows: QueueRows) -> None:
    """Insert a queue's rows (those already stored are left as they are)."""
    _insert(db, "queues", [rows.queue])
    _insert(db, "queue_members", rows.members)
    _insert(db, "queue_design", [rows.design])
    _insert(db, "queue_items", rows.items)


def _index_members(members: Sequence[Member]) -> dict[str, list[Member]]:
    """Members → every member of each post's item, by post id."""
    items: dict[str, list[Member]] = {}
    for member in members:
        items.setdefault(member.item_id, []).append(member)
    return {member.post_id: items[member.item_id] for member in members}


def _members(db: sqlite3.Connection, queue_id: str, given: QueueRows | None) -> dict[str, list[Member]] | None:
    """The members of a stored queue, or of the ``given`` (not yet stored) one; ``None`` if unknown."""
    if db.execute("SELECT 1 FROM queues WHERE queue_id = ?", (queue_id,)).fetchone() is not None:
        rows = db.execute(f"SELECT {', '.join(Member._fields)} FROM queue_members WHERE queue_id = ?", (queue_id,))
        return _index_members([Member._make(row) for row in rows])
    if given is not None and given.queue.queue_id == queue_id:
        return _index_members([Member(m.item_id, m.post_id, m.fingerprint, m.score, m.model_version)
                               for m in given.members])
    return None


class Reviewed(NamedTuple):
    """A reviewed file read for import: its rows (reviewers as the file or tool names them), name,
    SHA-256, the queue to check it against and the reviewer map given with it (applied when read)."""
    frame: pd.DataFrame
    name: str
    sha256: str
    queue: pd.DataFrame | dict | str | os.PathLike | None
    names: dict[str, str]


def reviewed_frame(source: pd.DataFrame | str | os.PathLike, queue: Any, fmt: str | None, source_name: str | None,
                   reviewer_map: Mapping[Any, str] | str | os.PathLike | None, encoding: str) -> Reviewed:
    """Read reviewed rows (a file, or a frame like :func:`~vnflag.read_reviews` returns) with every
    queue column and ``origin``/``tool_user`` present; the queue defaults to the record beside a
    file. Reviewers are kept as the file names them: the map is stored apart and applied when the
    store is read, so changing it never makes a decision look new."""
    names = read_reviewer_map(reviewer_map)
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        if "source_row" not in frame.columns:  # a frame has no header row: its rows are numbered from 1
            frame["source_row"] = np.arange(1, len(frame) + 1)
        for column in (*QUEUE_COLUMNS, *IDENTITY_COLUMNS, "reviewed_at"):
            if column not in frame.columns:
                frame[column] = ""
        return Reviewed(frame, source_name or "<DataFrame>", "", queue, names)
    path = Path(table_source(source))  # the file itself: ``book.xlsx#Sheet`` names a sheet of book.xlsx
    frame = read_reviews(source, fmt, encoding=encoding)
    if queue is None and record_path(path).is_file():
        queue = path
    return Reviewed(frame, source_name or str(source), file_sha256(path), queue, names)


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value).strip()


def check_reviews(db: sqlite3.Connection, reviewed: Reviewed, given: QueueRows | None, reviewer: str | None,
                  imported_at: str, store: str | os.PathLike) -> tuple[ImportReport, list[ReviewRow]]:
    """Check every reviewed row against its queue's members (stored, or the ``given`` queue);
    returns the report (bad rows by number) and the reviews to store, one per member of each
    reviewed item. Reads only."""
    frame, name = reviewed.frame, reviewed.name
    default_queue = given.queue.queue_id if given is not None else None
    report = ImportReport(source=name, rows=len(frame), skipped=dict(frame.attrs.get("skipped") or {}))
    pending: list[ReviewRow] = []
    default_reviewer = reviewer_name(reviewer, "--reviewer (reviewer)") if reviewer is not None else "unknown"
    named: list[tuple[str, str]] = []
    moved: list[str] = []
    origins: dict[str, tuple[int, int]] = {}  # origin → (position, source row): one decision is one row of its export
    members_of: dict[str, dict[str, list[Member]] | None] = {}
    items_of: dict[str, dict[str, list[str]]] = {}  # each queue's items: their posts, by item id
    changed_of: dict[str, ChangedIds] = {}  # each queue's posts by what a spreadsheet makes of their ids
    # A whole file from an unregistered queue is one mistake, not a bad row per line.
    for number, queue_id, decision in zip(frame["source_row"], frame["queue_id"], frame["decision"], strict=True):
        queue_id = _text(queue_id)
        if not is_blank(decision) and queue_id and queue_id not in members_of:
            members_of[queue_id] = _members(db, queue_id, given)
            if members_of[queue_id] is None:
                raise VnflagError(
                    f"{name}: row {number}: queue {queue_id} is unknown to the store {store}; pass the "
                    f"queue export or its .vnflag-queue.json record (--queue), written by vnflag queue")
    for position, row in enumerate(frame.itertuples(index=False)):
        number = int(row.source_row)
        decision = _text(row.decision).lower()
        post_id = "" if is_blank(row.id) else str(row.id)  # exactly as in the queue record
        if not decision:
            report.not_reviewed += 1
            continue
        if not post_id:
            report.bad_rows.append((number, "missing id"))
            continue
        if decision not in DECISIONS:
            report.bad_rows.append((number, f"unknown decision {row.decision!r} (use {', '.join(DECISIONS)})"))
            continue
        queue_id = _text(row.queue_id) or default_queue
        if not queue_id:
            report.bad_rows.append((number, "missing queue_id; pass the queue the file came from"))
            continue
        if queue_id not in members_of:
            members_of[queue_id] = _members(db, queue_id, given)
        members = members_of[queue_id]
        if members is None:
            report.bad_rows.append((number, f"queue {queue_id} is unknown to this store"))
            continue
        if queue_id not in items_of:
            items_of[queue_id] = {posts[0].item_id: [m.post_id for m in posts] for posts in members.values()}
            changed_of[queue_id] = ChangedIds(members)
        found = _resolve_id(row, post_id, queue_id, members, items_of[queue_id], changed_of[queue_id])
        if found.contradiction:
            moved.append(f"row {number}: {found.contradiction}")
            continue
        if found.refusal:
            report.bad_rows.append((number, found.refusal))
            continue
        if found.post_id != post_id:
            report.recovered.append((number, post_id, found.post_id))
            post_id = found.post_id
        note = "" if is_blank(row.note) else str(row.note)
        if not is_encodable(note) or not is_encodable(_text(row.reviewer)):
            report.bad_rows.append((number, "reviewer or note holds text that is not valid Unicode"))
            continue
        origin, tool_user = _text(row.origin), _text(row.tool_user)
        if not is_encodable(origin) or not is_encodable(tool_user):
            report.bad_rows.append((number, "origin or tool_user holds text that is not valid Unicode"))
            continue
        raw = row.reviewer if isinstance(row.reviewer, str) else _text(row.reviewer)  # a number: its digits
        who = default_reviewer if is_blank(raw) else reviewer_name(raw, f"{name}: row {number}")
        named.append((who, f"{name}: row {number}"))
        report.reviewed += 1
        when = _text(row.reviewed_at) or imported_at
        if origin and origins.setdefault(origin, (position, number)) != (position, number):
            raise VnflagError(f"{name}: nothing imported: row/task {origins[origin][1]} and row/task {number} hold one "
                              f"decision ({origin}) twice; an export lists each annotation once")
        pending.extend(ReviewRow(queue_id, m.item_id, m.post_id, m.fingerprint, decision, who, note, when, imported_at,
                                 m.model_version, m.score, name, reviewed.sha256, number, origin, tool_user)
                       for m in members[post_id])
    if moved:
        raise VnflagError(f"{name}: nothing imported: {len(moved)} row(s) contradict the queue record, so a decision "
                          "would be stored on a post its reviewer never saw (id cells moved or edited?): "
                          + "; ".join(moved[:5]) + (" ..." if len(moved) > 5 else ""))
    _check_new_names(db, named, store)
    return report, pending


def _check_new_names(db: sqlite3.Connection, named: list[tuple[str, str]], store: str | os.PathLike) -> None:
    """Refuse reviewer names (``(name, where)``) that differ only in case from each other or from a
    name already in the store (read after NFC); a name stored exactly is that reviewer."""
    exact: set[str] = set()
    stored: dict[str, str] = {}
    for (who,) in db.execute("SELECT DISTINCT reviewer FROM reviews"):
        exact.add(canonical_name(who))
        stored.setdefault(reviewer_key(who), canonical_name(who))
    clashes = [(stored[reviewer_key(who)], f"{store}: in the store") for who, _ in named
               if who not in exact and reviewer_key(who) in stored]
    check_distinct_reviewers([*clashes[:1], *named])


class FoundId(NamedTuple):
    """What a reviewed row's ``id`` cell, checked against its queue, says: the post it is about, or
    why the row is refused (``refusal``), or why the whole file is (``contradiction``)."""
    post_id: str
    refusal: str = ""
    contradiction: str = ""


def _resolve_id(row: Any, post_id: str, queue_id: str, members: dict[str, list[Member]],
                items: dict[str, list[str]], changed_ids: ChangedIds) -> FoundId:
    """The post a reviewed row is about, checked against the queue record (``members``: each
    post's item; ``items``: each item's posts; ``changed_ids``: the posts by what a spreadsheet
    makes of their ids) through the row's ``item_id`` and ``member_ids``.

    An id cell that a spreadsheet changed (``012``→``12``, ``1.50``→``1.5``, an 18-digit id →
    ``1.00012345678901E+017``: :func:`~vnflag.review.ids.spreadsheet_changed`) is recovered from
    the item the row names, even when the changed id is another post of the queue; a row naming no
    item has nothing to recover from and is refused unless its id is in the queue as it is and no
    other item's id could have become it (``12`` when the queue holds ``012`` too). An id
    of another item (cells moved or edited), or ``item_id`` and ``member_ids`` naming different
    items, contradict the record: the caller refuses the whole file. (A ``member_ids`` cell naming
    no post of the queue, e.g. a list rewritten as Python text by a script, is unreadable rather
    than contradictory.)"""
    item_id = _text(getattr(row, "item_id", ""))
    shown = member_list(getattr(row, "member_ids", None))
    known = [m for m in shown if m in members]
    if known and set(shown) != {m.post_id for m in members[known[0]]}:
        listed = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
        return FoundId(post_id, contradiction=f"member_ids [{listed}] are not the members of one item of queue "
                       f"{queue_id} (id {post_id!r})")
    named = members[known[0]][0].item_id if known else None
    if item_id and named and item_id != named:
        return FoundId(post_id, contradiction=f"item_id {item_id} and member_ids name different items")
    claimed = item_id or named
    if not claimed or claimed not in items:
        if claimed and post_id in members:
            return FoundId(post_id, contradiction=f"id {post_id!r} is in item {members[post_id][0].item_id}, "
                           f"not in the row's item_id {claimed}")
        changed = [p for p in changed_ids.candidates(post_id) if members[p] is not members.get(post_id)]
        hint = (f"a spreadsheet may have changed {' or '.join(repr(p) for p in changed[:3])}; keep the row's item_id "
                "and member_ids so that vnflag can recover it")
        if post_id in members:
            return FoundId(post_id, refusal=f"id {post_id!r} is ambiguous: {hint}") if changed else FoundId(post_id)
        return FoundId(post_id, refusal=f"id {post_id!r} is not in queue {queue_id}"
                       + (f" ({hint})" if changed else ""))
    posts = items[claimed]
    if post_id in posts:
        return FoundId(post_id)
    changed = [p for p in posts if spreadsheet_changed(post_id, p)]
    if changed:  # every post of an item gets the item's decision: any of them is the same review
        return FoundId(changed[0])
    if post_id in members:
        return FoundId(post_id, contradiction=f"id {post_id!r} is in item {members[post_id][0].item_id}, not in the "
                       f"row's item_id {claimed}")
    return FoundId(post_id, refusal=f"id {post_id!r} is not in queue {queue_id} nor a spreadsheet's rendering of "
                   f"its item {claimed}'s id(s) {', '.join(repr(p) for p in posts[:3])}")


def _stored_before_origins(db: sqlite3.Connection, review: ReviewRow) -> bool:
    """Whether a review with an origin was stored without one, by a vnflag before schema version 2
    (same post, reviewer, decision and note): it is already stored, not a new decision."""
    return bool(review.origin) and db.execute(
        f"SELECT 1 FROM reviews WHERE {NO_ORIGIN} AND queue_id = ? AND post_id = ? AND reviewer = ? AND decision = ? "
        "AND note = ? LIMIT 1", (review.queue_id, review.post_id, review.reviewer, review.decision, review.note),
    ).fetchone() is not None


def store_names(db: sqlite3.Connection, names: Mapping[str, str], set_at: str, source: str) -> None:
    """Keep a reviewer map's entries (inside the caller's transaction), as the newest: the map given
    last names a reviewer, even when an older entry names them by another key."""
    _insert(db, "reviewer_names", [NameRow(key, name, set_at, source) for key, name in names.items()])


def store_import(db: sqlite3.Connection, report: ImportReport, pending: list[ReviewRow], sha256: str,
                 imported_at: str, given: QueueRows | None) -> None:
    """Store the given queue (if any), the checked reviews and the import's record (inside the
    caller's transaction); duplicates are ignored and counted as ``already``."""
    if given is not None:
        store_queue(db, given)
    report.stored = _insert(db, "reviews", [r for r in pending if not _stored_before_origins(db, r)])
    _insert(db, "tool_users", list(dict.fromkeys(ToolUserRow(r.reviewer, r.tool_user) for r in pending if r.tool_user)))
    report.already = len(pending) - report.stored
    _insert(db, "imports", [ImportRow(report.source, sha256, imported_at, report.rows, report.stored, report.already,
                                      len(report.bad_rows))])
