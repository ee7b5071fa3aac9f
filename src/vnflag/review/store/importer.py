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
from ..ids import ChangedIds, is_blank, is_encodable, spreadsheet_changed, text_fingerprint
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
from .schema import FINGERPRINT, NO_ORIGIN

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
    """What one import did, in rows and in reviews, each adding up.

    Rows (of the file, or decisions of a tool's export): ``rows`` = ``new_rows`` (a decision stored
    for the first time) + ``already_rows`` (every review it makes already stored) + rejected
    (``bad_rows``, by row number) + ``not_reviewed``; ``reviewed`` = ``new_rows`` + ``already_rows``.
    Reviews (a decision on an item is one review per post of the item): ``reviews`` = ``stored`` +
    ``already``. ``skipped`` counts a tool's responses that were not decisions (not rows)."""

    source: str
    rows: int = 0
    reviewed: int = 0
    not_reviewed: int = 0
    new_rows: int = 0
    already_rows: int = 0
    reviews: int = 0
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
        """One line for the command line, rows and reviews each adding up (see the class)."""
        ids = f", {len(self.recovered)} with ids recovered" if self.recovered else ""
        skipped = " and ".join(f"{count} {status}" for status, count in self.skipped.items() if count)
        return (f"{self.source}: {self.rows} rows: {self.new_rows} new, {self.already_rows} already stored, "
                f"{len(self.bad_rows)} rejected, {self.not_reviewed} not yet reviewed{ids}; "
                f"{self.reviews} reviews (a decision is one review per post of its item): {self.stored} new, "
                f"{self.already} already stored; {self.conflicts} posts with conflicting decisions in the store"
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


class QueueIndex(NamedTuple):
    """A queue's members for checking reviews: each item's members, and each post id's items
    (more than one when the queue shows one id with different texts)."""
    items: dict[str, list[Member]]
    post_items: dict[str, list[str]]


def _index_members(members: Sequence[Member]) -> QueueIndex:
    """Members → each item's members and each post id's items."""
    items: dict[str, list[Member]] = {}
    post_items: dict[str, list[str]] = {}
    for member in members:
        items.setdefault(member.item_id, []).append(member)
        mine = post_items.setdefault(member.post_id, [])
        if member.item_id not in mine:
            mine.append(member.item_id)
    return QueueIndex(items, post_items)


def _members(db: sqlite3.Connection, queue_id: str, given: QueueRows | None) -> QueueIndex | None:
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
                  imported_at: str, store: str | os.PathLike) -> tuple[ImportReport, list[list[ReviewRow]]]:
    """Check every reviewed row against its queue's members (stored, or the ``given`` queue);
    returns the report (bad rows by number) and, per reviewed row, the reviews to store: one per
    member of its item. Reads only."""
    frame, name = reviewed.frame, reviewed.name
    default_queue = given.queue.queue_id if given is not None else None
    report = ImportReport(source=name, rows=len(frame), skipped=dict(frame.attrs.get("skipped") or {}))
    pending: list[list[ReviewRow]] = []
    default_reviewer = reviewer_name(reviewer, "--reviewer (reviewer)") if reviewer is not None else "unknown"
    named: list[tuple[str, str]] = []
    moved: list[str] = []
    origins: dict[str, tuple[int, int]] = {}  # origin → (position, source row): one decision is one row of its export
    members_of: dict[str, QueueIndex | None] = {}
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
        if queue_id not in changed_of:
            changed_of[queue_id] = ChangedIds(members.post_items)
        found = _resolve_id(row, post_id, queue_id, members, changed_of[queue_id])
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
        pending.append([ReviewRow(queue_id, m.item_id, m.post_id, m.fingerprint, decision, who, note, when,
                                  imported_at, m.model_version, m.score, name, reviewed.sha256, number, origin,
                                  tool_user) for m in members.items[found.item_id]])
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
    """What a reviewed row's ``id`` cell, checked against its queue, says: the item and post it is
    about, or why the row is refused (``refusal``), or why the whole file is (``contradiction``)."""
    post_id: str
    item_id: str = ""
    refusal: str = ""
    contradiction: str = ""


def _by_text(row: Any, post_id: str, candidates: Sequence[str], index: QueueIndex) -> str | None:
    """Of the items showing ``post_id`` (one id, different texts), the one whose post with that id
    has the row's text (by fingerprint), if exactly one has; ``None`` otherwise."""
    text = getattr(row, "text", None)
    if not isinstance(text, str) or not text.strip():
        return None
    fingerprint = text_fingerprint(text)
    hits = [item for item in candidates
            if any(m.post_id == post_id and m.fingerprint == fingerprint for m in index.items[item])]
    return hits[0] if len(hits) == 1 else None


def _resolve_id(row: Any, post_id: str, queue_id: str, index: QueueIndex, changed_ids: ChangedIds) -> FoundId:
    """The item and post a reviewed row is about, checked against the queue record (``index``:
    each item's members and each post id's items; ``changed_ids``: the post ids by what a
    spreadsheet makes of them) through the row's ``item_id`` and ``member_ids``.

    An id cell that a spreadsheet changed (``012``→``12``, ``1.50``→``1.5``, an 18-digit id →
    ``1.00012345678901E+017``: :func:`~vnflag.review.ids.spreadsheet_changed`) is recovered from
    the item the row names, even when the changed id is another post of the queue; a row naming no
    item has nothing to recover from and is refused unless its id is in the queue as it is and no
    other item's id could have become it (``12`` when the queue holds ``012`` too). An id the
    queue shows with different texts (real exports repeat ids) needs the row's ``item_id`` (or, without
    it, the text the queue showed) to say which post was reviewed; otherwise the row is refused. An id
    of another item (cells moved or edited), or ``item_id`` and ``member_ids`` naming different
    items, contradict the record: the caller refuses the whole file. (A ``member_ids`` cell naming
    no post of the queue, e.g. a list rewritten as Python text by a script, is unreadable rather
    than contradictory.)"""
    items, post_items = index.items, index.post_items
    item_id = _text(getattr(row, "item_id", ""))
    shown = member_list(getattr(row, "member_ids", None))
    known = [m for m in shown if m in post_items]
    listed = [i for i in post_items[known[0]] if set(shown) == {m.post_id for m in items[i]}] if known else []
    if known and not listed:
        names = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
        return FoundId(post_id, contradiction=f"member_ids [{names}] are not the members of one item of queue "
                       f"{queue_id} (id {post_id!r})")
    if item_id and listed and item_id not in listed:
        return FoundId(post_id, contradiction=f"item_id {item_id} and member_ids name different items")
    claimed = item_id or (listed[0] if len(listed) == 1 else _by_text(row, post_id, listed, index) or "")
    ambiguous = (f"id {post_id!r} is shown with different texts in queue {queue_id} (different posts sharing an "
                 "id): keep the row's item_id (or its text) so that vnflag knows which post was reviewed")
    if listed and not claimed:
        return FoundId(post_id, refusal=ambiguous)
    if not claimed or claimed not in items:
        if claimed and post_id in post_items:
            return FoundId(post_id, contradiction=f"id {post_id!r} is in item {post_items[post_id][0]}, "
                           f"not in the row's item_id {claimed}")
        mine = set(post_items.get(post_id, []))
        changed = [p for p in changed_ids.candidates(post_id) if set(post_items[p]) != mine]
        hint = (f"a spreadsheet may have changed {' or '.join(repr(p) for p in changed[:3])}; keep the row's item_id "
                "and member_ids so that vnflag can recover it")
        if post_id in post_items:
            if changed:
                return FoundId(post_id, refusal=f"id {post_id!r} is ambiguous: {hint}")
            if len(mine) > 1:
                found = _by_text(row, post_id, post_items[post_id], index)
                return FoundId(post_id, found) if found else FoundId(post_id, refusal=ambiguous)
            return FoundId(post_id, post_items[post_id][0])
        return FoundId(post_id, refusal=f"id {post_id!r} is not in queue {queue_id}"
                       + (f" ({hint})" if changed else ""))
    posts = list(dict.fromkeys(m.post_id for m in items[claimed]))
    if post_id in posts:
        return FoundId(post_id, claimed)
    changed = [p for p in posts if spreadsheet_changed(post_id, p)]
    if changed:  # every post of an item gets the item's decision: any of them is the same review
        return FoundId(changed[0], claimed)
    if post_id in post_items:
        return FoundId(post_id, contradiction=f"id {post_id!r} is in item {post_items[post_id][0]}, not in the "
                       f"row's item_id {claimed}")
    return FoundId(post_id, refusal=f"id {post_id!r} is not in queue {queue_id} nor a spreadsheet's rendering of "
                   f"its item {claimed}'s id(s) {', '.join(repr(p) for p in posts[:3])}")


def _stored_before_origins(db: sqlite3.Connection, review: ReviewRow) -> bool:
    """Whether a review with an origin was stored without one, by a vnflag before schema version 2
    (same post, reviewer, decision and note): it is already stored, not a new decision."""
    return bool(review.origin) and db.execute(
        f"SELECT 1 FROM reviews WHERE {NO_ORIGIN} AND queue_id = ? AND post_id = ? AND {FINGERPRINT} = ? "
        "AND reviewer = ? AND decision = ? AND note = ? LIMIT 1",
        (review.queue_id, review.post_id, review.fingerprint or "", review.reviewer, review.decision, review.note),
    ).fetchone() is not None


def store_names(db: sqlite3.Connection, names: Mapping[str, str], set_at: str, source: str) -> None:
    """Keep a reviewer map's entries (inside the caller's transaction), as the newest: the map given
    last names a reviewer, even when an older entry names them by another key."""
    _insert(db, "reviewer_names", [NameRow(key, name, set_at, source) for key, name in names.items()])


def store_import(db: sqlite3.Connection, report: ImportReport, pending: list[list[ReviewRow]], sha256: str,
                 imported_at: str, given: QueueRows | None) -> None:
    """Store the given queue (if any), the checked reviews (``pending``: per reviewed row) and the
    import's record (inside the caller's transaction); duplicates are ignored and counted as
    ``already``, in reviews and in rows (a row is new when any of its reviews is)."""
    if given is not None:
        store_queue(db, given)
    for reviews in pending:
        new = sum(_insert(db, "reviews", [r]) for r in reviews if not _stored_before_origins(db, r))
        report.stored += new
        report.reviews += len(reviews)
        report.new_rows += bool(new)
    report.already = report.reviews - report.stored
    report.already_rows = len(pending) - report.new_rows
    every = [r for reviews in pending for r in reviews]
    _insert(db, "tool_users", list(dict.fromkeys(ToolUserRow(r.reviewer, r.tool_user) for r in every if r.tool_user)))
    _insert(db, "imports", [ImportRow(report.source, sha256, imported_at, report.rows, report.stored, report.already,
                                      len(report.bad_rows))])
