"""The label store: reviewers' decisions, kept append-only in one SQLite file.

Each stored review says which post (id and text fingerprint), which decision, by whom, with what
note, when, which model version and score the reviewer saw, and which file (name, SHA-256 and
row) it came from. Nothing is ever updated or deleted (SQLite triggers refuse it): a reviewer
who changes their mind adds a newer review, and two reviewers who disagree are both kept and
reported as a conflict. Importing the same reviews again stores nothing new.

Why SQLite rather than Parquet: imports are small appends that must be all-or-nothing and
idempotent; SQLite gives transactions, unique keys and append-only triggers in the standard
library, in one file, safe for concurrent readers, without rewriting the file on every import.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from ..io.files import file_sha256, utc_now
from ..artifacts.registry import Registry
from ..exceptions import VnflagError
from .agreement import agreement_summary, reliability_matrix
from .formats import read_reviewer_map, read_reviews
from .ids import is_blank, is_encodable
from .queues import DECISIONS, QUEUE_COLUMNS, RECORD_SUFFIX, queue_record, read_queue_record, record_path

__all__ = ["LabelStore", "ImportReport", "import_reviews", "ADJUDICATION"]

#: The ``purpose`` of a conflicts queue: decisions imported into it are adjudications.
ADJUDICATION = "adjudication"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    queue_id TEXT PRIMARY KEY, created_at TEXT, policy TEXT, budget INTEGER, explore REAL,
    redacted INTEGER, registered_at TEXT NOT NULL, source TEXT
);
CREATE TABLE IF NOT EXISTS queue_members (
    queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT,
    text TEXT, score REAL, model_version TEXT, meta TEXT, PRIMARY KEY (queue_id, post_id)
);
CREATE TABLE IF NOT EXISTS reviews (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('misleading', 'ok', 'unsure')),
    reviewer TEXT NOT NULL, note TEXT NOT NULL, reviewed_at TEXT NOT NULL, imported_at TEXT NOT NULL,
    model_version TEXT, score REAL, source_file TEXT, source_sha256 TEXT, source_row INTEGER,
    UNIQUE (queue_id, post_id, reviewer, decision, note)
);
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY AUTOINCREMENT, source_file TEXT, source_sha256 TEXT,
    imported_at TEXT NOT NULL, rows INTEGER, stored INTEGER, already INTEGER, rejected INTEGER
);
CREATE TABLE IF NOT EXISTS queue_design (
    queue_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, scored_posts INTEGER, scored_groups INTEGER,
    reviewers TEXT, overlap REAL
);
CREATE TABLE IF NOT EXISTS queue_items (
    queue_id TEXT NOT NULL, item_id TEXT NOT NULL, why TEXT, inclusion_probability REAL, flagged INTEGER,
    group_size INTEGER, assigned_to TEXT, PRIMARY KEY (queue_id, item_id)
);
CREATE INDEX IF NOT EXISTS reviews_post ON reviews (post_id);
"""
_DESIGN_COLUMNS = ["queue_id", "purpose", "scored_posts", "scored_groups", "reviewers", "overlap"]
_ITEM_COLUMNS = ["queue_id", "item_id", "why", "inclusion_probability", "flagged", "group_size", "assigned_to"]
_APPEND_ONLY = "".join(
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END;\n"
    for table in ("reviews", "queue_members", "queues", "imports", "queue_design", "queue_items")
    for action in ("UPDATE", "DELETE")
)


def _mapped_reviewer(who: object, names: dict[str, str]) -> object:
    """A reviewer cell renamed by a reviewer map: by the whole name, or by the id in ``labelstudio:<id>``."""
    if is_blank(who):
        return who
    text = str(who).strip()
    return names.get(text) or names.get(text.partition(":")[2] if text.startswith(("labelstudio:", "argilla:"))
                                        else "", text)


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

    def summary(self) -> str:
        """One line for the command line."""
        return (f"{self.source}: {self.rows} rows, {self.reviewed} reviewed, {self.not_reviewed} not yet reviewed; "
                f"stored {self.stored} new reviews ({self.already} already stored), "
                f"rejected {len(self.bad_rows)} rows; {self.conflicts} posts with conflicting decisions in the store")


class LabelStore:
    """An append-only store of review decisions in one SQLite file, created by the first
    successful write (registering a queue, or an import that is not refused). Reading a store
    that does not exist yet gives an empty store and creates nothing.

    >>> store = LabelStore("labels.sqlite")                          # doctest: +SKIP
    >>> store.import_reviews("review/today.xlsx").summary()         # doctest: +SKIP
    >>> store.training_frame().head()                                # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.is_dir():
            raise VnflagError(f"{path}: is a directory; the label store is one file (e.g. labels.sqlite)")

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, rolls back on error, and is always closed.

        Writing creates the file (and its tables) if needed; reading never creates it: a missing
        (or empty) store is read as an empty one, in memory."""
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=60)
            elif self.path.is_file() and self.path.stat().st_size > 0:
                db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
            else:
                db = sqlite3.connect(":memory:")
                write = True  # the schema, in memory
        except (sqlite3.DatabaseError, OSError) as exc:
            raise VnflagError(f"{self.path}: cannot open the label store: {exc}") from exc
        try:
            with db:
                if write:
                    db.executescript(_SCHEMA + _APPEND_ONLY)
                yield db
        except sqlite3.DatabaseError as exc:
            raise VnflagError(f"{self.path}: not a usable vnflag label store: {exc}") from exc
        finally:
            db.close()

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._connect() as db:
            try:
                return pd.read_sql_query(sql, db, params=list(params))
            except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
                raise VnflagError(f"{self.path}: not a vnflag label store: {exc}") from exc

    def _design_frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """:meth:`_frame` over the design tables, which a store written by an older vnflag lacks
        until its next write: read as empty then."""
        with self._connect() as db:
            found = db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                               "('queue_design', 'queue_items')").fetchone()[0]
        if found < 2:
            return pd.DataFrame(columns=_ITEM_COLUMNS if "queue_items" in sql else _DESIGN_COLUMNS)
        return self._frame(sql, params)

    # ----------------------------------------------------------------- queues
    @staticmethod
    def _design_rows(record: dict) -> tuple[tuple, list[tuple]]:
        """The ``queue_design`` row and ``queue_items`` rows of a queue record.

        Fields missing from older records get defaults: ``scored_rows``/``groups`` for the batch
        size, inclusion probability 1 for the deterministic parts (``top``, ``uncertain``) and
        n/N for the random part (N: the groups not chosen by the other parts), when known."""
        queue_id = record.get("queue_id")
        items = record.get("items", [])
        groups = record.get("scored_groups", record.get("groups"))
        n_random = sum(item.get("why") == "random" for item in items)
        rest = None if groups is None else int(groups) - (len(items) - n_random)
        default_random = n_random / rest if rest and rest >= n_random else None
        design = (queue_id, record.get("purpose") or "review", record.get("scored_posts", record.get("scored_rows")),
                  groups, json.dumps(list(record.get("reviewers") or []), ensure_ascii=False), record.get("overlap"))
        rows = []
        for item in items:
            why = item.get("why")
            probability = item.get("inclusion_probability", default_random if why == "random" else 1.0)
            flagged = item.get("flagged")
            rows.append((queue_id, item["item_id"], why, probability, None if flagged is None else int(bool(flagged)),
                         int(item.get("group_size", len(item.get("members", [])))),
                         json.dumps(list(item.get("assigned_to") or []), ensure_ascii=False)))
        return design, rows

    @staticmethod
    def _queue_rows(queue: pd.DataFrame | dict | str | os.PathLike, source: str = "") -> tuple:
        """The ``queues`` row and ``queue_members`` rows of a queue frame, record or export path,
        then its ``queue_design`` row and ``queue_items`` rows."""
        if isinstance(queue, pd.DataFrame):
            record = queue_record(queue)
        elif isinstance(queue, dict):
            record = queue
        else:
            record = read_queue_record(queue)
            source = source or str(record_path(queue) if not str(queue).endswith(RECORD_SUFFIX) else queue)
        queue_id = record.get("queue_id")
        if not queue_id:
            raise VnflagError("the queue has no queue_id")
        queue_row = (queue_id, record.get("created_at"), record.get("policy"), record.get("budget"),
                     record.get("explore"), int(bool(record.get("redacted"))), utc_now(), source)
        members = [(queue_id, item["item_id"], str(m["id"]), m.get("fingerprint"), m.get("text"), m.get("score"),
                    m.get("model_version"), json.dumps(m.get("meta") or {}, ensure_ascii=False))
                   for item in record.get("items", []) for m in item.get("members", [])]
        return (queue_row, members, *LabelStore._design_rows(record))

    @staticmethod
    def _store_queue(db: sqlite3.Connection, queue_rows: tuple) -> None:
        queue_row, members, design, items = queue_rows
        db.execute("INSERT OR IGNORE INTO queues VALUES (?, ?, ?, ?, ?, ?, ?, ?)", queue_row)
        db.executemany("INSERT OR IGNORE INTO queue_members VALUES (?, ?, ?, ?, ?, ?, ?, ?)", members)
        db.execute("INSERT OR IGNORE INTO queue_design VALUES (?, ?, ?, ?, ?, ?)", design)
        db.executemany("INSERT OR IGNORE INTO queue_items VALUES (?, ?, ?, ?, ?, ?, ?)", items)

    def register_queue(self, queue: pd.DataFrame | dict | str | os.PathLike, source: str = "") -> str:
        """Remember which posts a queue holds (from a queue frame, record, or export path), so
        that imports can refuse ids that were never in it. Returns the queue id; idempotent."""
        queue_rows = self._queue_rows(queue, source)
        with self._connect(write=True) as db:
            self._store_queue(db, queue_rows)
        return queue_rows[0][0]

    @staticmethod
    def _index_members(rows: Sequence[tuple]) -> dict[str, list[tuple]]:
        """``(item_id, post_id, fingerprint, score, model_version)`` rows → every member of each post's item."""
        items: dict[str, list[tuple]] = {}
        for row in rows:
            items.setdefault(row[0], []).append(tuple(row))
        return {post_id: items[item_id] for item_id, post_id, *_ in rows}

    def _members(self, db: sqlite3.Connection, queue_id: str,
                 given: tuple | None = None) -> dict[str, list[tuple]] | None:
        """The members of a stored queue, or of the ``given`` (not yet stored) one; ``None`` if unknown."""
        if db.execute("SELECT 1 FROM queues WHERE queue_id = ?", (queue_id,)).fetchone() is not None:
            return self._index_members(db.execute(
                "SELECT item_id, post_id, fingerprint, score, model_version FROM queue_members WHERE queue_id = ?",
                (queue_id,)).fetchall())
        if given is not None and given[0][0] == queue_id:
            return self._index_members([(m[1], m[2], m[3], m[5], m[6]) for m in given[1]])
        return None

    # ----------------------------------------------------------------- import
    def import_reviews(
        self,
        source: pd.DataFrame | str | os.PathLike,
        queue: pd.DataFrame | dict | str | os.PathLike | None = None,
        reviewer: str | None = None,
        fmt: str | None = None,
        strict: bool = False,
        source_name: str | None = None,
        reviewer_map: Mapping[Any, str] | str | os.PathLike | None = None,
        encoding: str = "utf-8",
    ) -> ImportReport:
        """Import reviewed rows; a decision on an item applies to every member of its group.

        ``source`` is a reviewed export (any :func:`~vnflag.export_queue` format, or a Label
        Studio / Argilla export named ``.json``) or a frame like :func:`~vnflag.read_reviews`
        returns. The queue is looked up by each row's ``queue_id``: given as ``queue``,
        registered before, or the record beside ``source``. Rows with an unknown decision, no id,
        or an id not in the queue are reported by row number and not stored (with ``strict``,
        nothing is stored). Empty ``reviewer`` cells take ``reviewer`` (default ``unknown``);
        ``reviewer_map`` (``{1: "anh"}`` or a CSV/JSON file of ``id,name``) names Label Studio
        and Argilla users. A refused import (unreadable file, unknown queue, strict failure)
        writes nothing, and creates no store file. Notes are stored exactly as written.
        ``encoding`` is the text encoding of a CSV or JSONL ``source``.

        >>> report = LabelStore("labels.sqlite").import_reviews("review/today.xlsx")   # doctest: +SKIP
        >>> report.bad_rows                                                              # doctest: +SKIP
        [(7, "unknown decision 'fake' (use misleading, ok or unsure)")]
        """
        names = read_reviewer_map(reviewer_map)
        if isinstance(source, pd.DataFrame):
            frame = source.copy()
            name = source_name or "<DataFrame>"
            digest = ""
            if "source_row" not in frame.columns:
                frame["source_row"] = np.arange(1, len(frame) + 1)
            for column in (*QUEUE_COLUMNS, "reviewed_at"):
                if column not in frame.columns:
                    frame[column] = ""
            if names:
                frame["reviewer"] = [_mapped_reviewer(who, names) for who in frame["reviewer"]]
        else:
            path = Path(source)
            frame = read_reviews(path, fmt, reviewer_map=names, encoding=encoding)
            name = source_name or str(source)
            digest = file_sha256(path)
            if queue is None and record_path(path).is_file():
                queue = path
        queue_rows = self._queue_rows(queue) if queue is not None else None
        default_queue = queue_rows[0][0] if queue_rows is not None else None
        imported_at = utc_now()
        report, pending = self._check_reviews(frame, name, digest, default_queue, reviewer, imported_at, queue_rows)
        if strict and report.bad_rows:
            raise VnflagError(f"{name}: nothing imported; bad rows: " + "; ".join(
                f"row {n}: {why}" for n, why in report.bad_rows[:10]) + (" ..." if len(report.bad_rows) > 10 else ""))
        self._insert_reviews(report, pending, digest, imported_at, queue_rows)
        return report

    def _check_reviews(self, frame: pd.DataFrame, name: str, digest: str, default_queue: str | None,
                       reviewer: str | None, imported_at: str,
                       given: tuple | None = None) -> tuple[ImportReport, list[tuple]]:
        """Check every reviewed row against its queue's members (stored, or the ``given`` queue);
        returns the report (bad rows by number) and the reviews to store, one per member of each
        reviewed item. Stores nothing."""
        report = ImportReport(source=name, rows=len(frame))
        pending: list[tuple] = []
        members_cache: dict[str, dict | None] = {}
        with self._connect() as db:
            # A whole file from an unregistered queue is one mistake, not a bad row per line.
            for number, queue_id, decision in zip(frame["source_row"], frame["queue_id"], frame["decision"]):
                queue_id = "" if is_blank(queue_id) else str(queue_id).strip()
                if not is_blank(decision) and queue_id and queue_id not in members_cache:
                    members_cache[queue_id] = self._members(db, queue_id, given)
                    if members_cache[queue_id] is None:
                        raise VnflagError(
                            f"{name}: row {number}: queue {queue_id} is unknown to the store {self.path}; pass the "
                            f"queue export or its .vnflag-queue.json record (--queue), written by vnflag queue")
            for row in frame.itertuples(index=False):
                number = int(row.source_row)
                decision = "" if is_blank(row.decision) else str(row.decision).strip().lower()
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
                queue_id = ("" if is_blank(row.queue_id) else str(row.queue_id).strip()) or default_queue
                if not queue_id:
                    report.bad_rows.append((number, "missing queue_id; pass the queue the file came from"))
                    continue
                if queue_id not in members_cache:
                    members_cache[queue_id] = self._members(db, queue_id, given)
                members = members_cache[queue_id]
                if members is None:
                    report.bad_rows.append((number, f"queue {queue_id} is unknown to this store"))
                    continue
                if post_id not in members:
                    report.bad_rows.append((number, f"id {post_id!r} is not in queue {queue_id}"))
                    continue
                who = ("" if is_blank(row.reviewer) else str(row.reviewer).strip()) or reviewer or "unknown"
                note = "" if is_blank(row.note) else str(row.note)
                if not is_encodable(who) or not is_encodable(note):
                    report.bad_rows.append((number, "reviewer or note holds text that is not valid Unicode"))
                    continue
                report.reviewed += 1
                when = ("" if is_blank(row.reviewed_at) else str(row.reviewed_at).strip()) or imported_at
                for item_id, member_id, fingerprint, score, version in members[post_id]:
                    pending.append((queue_id, item_id, member_id, fingerprint, decision, who, note, when, imported_at,
                                    version, score, name, digest, number))
        return report, pending

    def _insert_reviews(self, report: ImportReport, pending: list[tuple], digest: str, imported_at: str,
                        queue_rows: tuple | None = None) -> None:
        """Store the given queue (if any), checked reviews and the import's record in one
        transaction (duplicates ignored)."""
        name = report.source
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            if queue_rows is not None:
                self._store_queue(db, queue_rows)
            for values in pending:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO reviews (queue_id, item_id, post_id, fingerprint, decision, reviewer, note, "
                    "reviewed_at, imported_at, model_version, score, source_file, source_sha256, source_row) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
                report.stored += cursor.rowcount
            report.already = len(pending) - report.stored
            db.execute("INSERT INTO imports (source_file, source_sha256, imported_at, rows, stored, already, rejected) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (name, digest, imported_at, report.rows, report.stored, report.already, len(report.bad_rows)))
        report.conflicts = len(self.conflicts())

    # ----------------------------------------------------------------- reading
    def reviews(self, as_of: int | None = None) -> pd.DataFrame:
        """Every stored review (one row per post and reviewer decision), oldest first."""
        sql = "SELECT * FROM reviews" + (" WHERE review_id <= ?" if as_of is not None else "") + " ORDER BY review_id"
        return self._frame(sql, [as_of] if as_of is not None else [])

    def adjudication_queues(self) -> set[str]:
        """The ids of the conflicts queues (see :mod:`~vnflag.review.adjudication`).

        >>> LabelStore("labels.sqlite").adjudication_queues()   # doctest: +SKIP
        {'a3f09c1d2e4b5'}
        """
        return set(self._design_frame("SELECT queue_id FROM queue_design WHERE purpose = ?", [ADJUDICATION])["queue_id"])

    def _posts(self, as_of: int | None = None) -> pd.DataFrame:
        """One row per reviewed post: each reviewer's latest decision, and the post's status.

        Decisions imported into a conflicts queue are adjudications: the latest firm one
        (``misleading`` or ``ok``) settles the post's status; ``conflict`` tells whether the
        reviewers disagreed, ``adjudication`` the settling decision (or "")."""
        reviews = self.reviews(as_of)
        columns = ["post_id", "item_id", "fingerprint", "status", "decisions", "reviewers", "last_review_id",
                   "conflict", "adjudication"]
        if reviews.empty:
            return pd.DataFrame(columns=columns)
        adjudicating = reviews["queue_id"].isin(self.adjudication_queues())
        settling = reviews[adjudicating & reviews["decision"].isin(["misleading", "ok"])]
        settled = dict(zip(settling["post_id"], settling["decision"]))  # oldest first: the latest wins
        latest = reviews[~adjudicating].groupby(["post_id", "reviewer"], sort=False).tail(1)
        last_ids = reviews.groupby("post_id")["review_id"].max()
        rows = []
        for post_id, group in latest.groupby("post_id", sort=False):
            decisions = set(group["decision"])
            firm = decisions - {"unsure"}
            status = "conflict" if len(firm) > 1 else (firm.pop() if firm else "unsure")
            rows.append({
                "post_id": post_id, "item_id": group["item_id"].iloc[-1], "fingerprint": group["fingerprint"].iloc[-1],
                "status": settled.get(post_id, status),
                "decisions": "; ".join(f"{r}: {d}" for r, d in zip(group["reviewer"], group["decision"])),
                "reviewers": "; ".join(group["reviewer"]),
                "last_review_id": int(last_ids[post_id]),
                "conflict": status == "conflict", "adjudication": settled.get(post_id, ""),
            })
        return pd.DataFrame(rows, columns=columns)

    def conflicts(self) -> pd.DataFrame:
        """Posts on which reviewers' latest decisions disagree (``misleading`` vs ``ok``) and no
        adjudication has settled them, with every reviewer's decision; they are kept, never
        overwritten, and left out of training."""
        posts = self._posts()
        return posts[posts["status"] == "conflict"].drop(columns=["status", "adjudication"]).reset_index(drop=True)

    def agreement(self) -> dict[str, Any]:
        """Agreement between reviewers over the items decided (``misleading``/``ok``) by two or
        more of them, each reviewer's latest decision per item; adjudications are not counted.
        See :func:`~vnflag.review.agreement.agreement_summary`.

        >>> LabelStore("labels.sqlite").agreement()["krippendorff_alpha"]   # doctest: +SKIP
        {'alpha': 0.81, 'n': 40, 'values': 80}
        """
        reviews = self.reviews()
        reviews = reviews[~reviews["queue_id"].isin(self.adjudication_queues())]
        latest = reviews.groupby(["item_id", "reviewer"], sort=False).tail(1)
        firm = latest[latest["decision"].isin(["misleading", "ok"])]
        return agreement_summary(reliability_matrix(firm["item_id"], firm["reviewer"], firm["decision"]))

    def status(self) -> dict[str, Any]:
        """Counts for a summary: reviews, posts by decision, conflicts (resolved by adjudication
        or not), reviewers, queues, imports, and reviewer agreement (:meth:`agreement`).

        >>> LabelStore("labels.sqlite").status()["conflicts"]   # doctest: +SKIP
        0
        """
        reviews = self.reviews()
        posts = self._posts()
        with self._connect() as db:
            queues = db.execute("SELECT COUNT(*) FROM queues").fetchone()[0]
            imports = db.execute("SELECT COUNT(*), MAX(imported_at) FROM imports").fetchone()
        by_status = posts["status"].value_counts().to_dict() if len(posts) else {}
        unresolved = int(by_status.get("conflict", 0))
        return {
            "store": str(self.path),
            "reviews": int(len(reviews)),
            "posts": int(len(posts)),
            "decisions": {k: int(by_status.get(k, 0)) for k in (*DECISIONS, "conflict")},
            "conflicts": unresolved,
            "conflicts_resolved": int(posts["conflict"].astype(bool).sum()) - unresolved,
            "conflicts_unresolved": unresolved,
            "reviewers": {str(k): int(v) for k, v in reviews["reviewer"].value_counts().items()} if len(reviews) else {},
            "queues": int(queues),
            "imports": int(imports[0]),
            "last_import": imports[1],
            "agreement": self.agreement(),
        }

    def item_labels(self) -> pd.DataFrame:
        """One row per item of every queue: ``queue_id, item_id, status, label``. An item's label
        is its members' settled decision (1 misleading, 0 ok); ``NaN`` when it is unreviewed,
        unsure, in unresolved conflict, or its members disagree.

        >>> LabelStore("labels.sqlite").item_labels()["label"].mean()   # doctest: +SKIP
        """
        members = self._frame("SELECT queue_id, item_id, post_id FROM queue_members")
        status = self._posts().set_index("post_id")["status"]
        members["status"] = members["post_id"].map(status).fillna("unreviewed")
        rows = []
        for (queue_id, item_id), group in members.groupby(["queue_id", "item_id"], sort=False):
            firm = set(group["status"]) & {"misleading", "ok"}
            label = (1.0 if firm == {"misleading"} else 0.0) if len(firm) == 1 else np.nan
            rows.append({"queue_id": queue_id, "item_id": item_id, "label": label,
                         "status": firm.pop() if len(firm) == 1 else "; ".join(sorted(set(group["status"])))})
        return pd.DataFrame(rows, columns=["queue_id", "item_id", "status", "label"])

    def design(self, queue_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """How the stored review queues were drawn: ``(queues, items)`` from the ``queue_design``
        and ``queue_items`` tables (conflicts queues left out), for ``queue_ids`` or all of them.

        >>> queues, items = LabelStore("labels.sqlite").design()   # doctest: +SKIP
        """
        queues = self._design_frame("SELECT * FROM queue_design WHERE purpose != ?", [ADJUDICATION])
        items = self._design_frame("SELECT * FROM queue_items")
        if queue_ids is not None:
            unknown = sorted(set(queue_ids) - set(queues["queue_id"]))
            if unknown:
                raise VnflagError(f"{self.path}: no design of queue(s) {', '.join(unknown)} in the store; "
                                  "pass the queue's .vnflag-queue.json record instead")
            queues = queues[queues["queue_id"].isin(list(queue_ids))]
        return queues.reset_index(drop=True), items[items["queue_id"].isin(queues["queue_id"])].reset_index(drop=True)

    @staticmethod
    def record_design(record: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:meth:`design` of a queue record that need not be in the store."""
        design, items = LabelStore._design_rows(record)
        return (pd.DataFrame([design], columns=_DESIGN_COLUMNS),
                pd.DataFrame(items, columns=_ITEM_COLUMNS))

    def history(self, registry: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Every import, adjudication (an import into a conflicts queue) and conflicts queue,
        merged with the model ``registry``'s retrains (versions added), promotions and rollbacks
        when given; newest first. Each: ``at, event, who, file, sha256, details``; a registry
        event's file is the version's manifest.

        >>> LabelStore("labels.sqlite").history("models")[0]["event"]   # doctest: +SKIP
        'promotion'
        """
        adjudication = self.adjudication_queues()
        imports = self._frame("SELECT * FROM imports ORDER BY import_id")
        reviews = self._frame("SELECT DISTINCT queue_id, reviewer, source_file, source_sha256, imported_at FROM reviews")
        events = []
        for row in imports.itertuples(index=False):
            mine = reviews[(reviews["imported_at"] == row.imported_at) & (reviews["source_file"] == row.source_file)]
            if mine.empty and row.source_sha256:  # a re-import stores nothing: its first import's reviewers
                mine = reviews[reviews["source_sha256"] == row.source_sha256]
            events.append({"at": row.imported_at,
                           "event": "adjudication" if mine["queue_id"].isin(adjudication).any() else "import",
                           "who": "; ".join(sorted(set(mine["reviewer"]))), "file": row.source_file,
                           "sha256": row.source_sha256 or "",
                           "details": f"{row.rows} rows, {row.stored} reviews stored ({row.already} already), "
                                      f"{row.rejected} rejected"})
        queues = self._design_frame("SELECT q.queue_id, q.registered_at, q.source FROM queues q JOIN queue_design d "
                             "ON d.queue_id = q.queue_id WHERE d.purpose = ?", [ADJUDICATION])
        for row in queues.itertuples(index=False):
            events.append({"at": row.registered_at, "event": "conflicts queue", "who": "", "file": row.source or "",
                           "sha256": file_sha256(row.source) if row.source and Path(row.source).is_file() else "",
                           "details": f"queue {row.queue_id}"})
        if registry is not None:
            events += _registry_events(registry)
        order = sorted(range(len(events)), key=lambda i: (events[i]["at"] or "", i), reverse=True)
        return [events[i] for i in order]

    def members(self) -> pd.DataFrame:
        """Every queued post's latest stored copy: ``post_id, item_id, queue_id, fingerprint, text,
        score, model_version, meta`` (``meta`` as a dict), from the most recently registered queue."""
        members = self._frame("SELECT m.* FROM queue_members m JOIN queues q ON q.queue_id = m.queue_id "
                              "ORDER BY q.registered_at, m.rowid")
        members = members.drop_duplicates("post_id", keep="last").reset_index(drop=True)
        members["meta"] = [json.loads(m or "{}") for m in members["meta"]]
        return members

    def training_frame(self, as_of: int | None = None) -> pd.DataFrame:
        """Reviewed posts usable for training: ``id, text, label`` (1 = misleading, 0 = ok),
        plus ``fingerprint``, ``item_id``, ``reviewers`` and any kept engagement columns.
        ``unsure`` posts and conflicts are left out. ``as_of`` (a review id, see :meth:`snapshot`)
        gives the store as it was then.

        >>> LabelStore("labels.sqlite").training_frame()[["id", "label"]]   # doctest: +SKIP
        """
        posts = self._posts(as_of)
        posts = posts[posts["status"].isin(["misleading", "ok"])]
        members = self._frame("SELECT m.post_id, m.text, m.meta FROM queue_members m JOIN queues q "
                              "ON q.queue_id = m.queue_id ORDER BY q.registered_at, m.rowid")
        latest = members.drop_duplicates("post_id", keep="last").set_index("post_id")
        rows = []
        for post in posts.itertuples(index=False):
            text, meta = ("", "{}") if post.post_id not in latest.index else latest.loc[post.post_id, ["text", "meta"]]
            rows.append({"id": post.post_id, "text": text, "label": int(post.status == "misleading"),
                         "fingerprint": post.fingerprint, "item_id": post.item_id, "reviewers": post.reviewers,
                         **json.loads(meta or "{}")})
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=["id", "text", "label", "fingerprint", "item_id", "reviewers"])
        return frame

    def snapshot(self) -> dict[str, Any]:
        """An identity of the store's current state for lineage: the last review id (the store
        is append-only, so ``training_frame(as_of=review_id)`` rebuilds it) and a hash of the labels."""
        with self._connect() as db:
            last = db.execute("SELECT MAX(review_id), COUNT(*) FROM reviews").fetchone()
        frame = self.training_frame()
        digest = hashlib.sha256()
        for post_id, fingerprint, label in sorted(zip(frame["id"], frame["fingerprint"], frame["label"])):
            digest.update(f"{post_id}\x1f{fingerprint}\x1f{label}\x1e".encode("utf-8"))
        return {"store": str(self.path.resolve()), "review_id": last[0] or 0, "reviews": int(last[1]),
                "labels": int(len(frame)), "positive": int(frame["label"].sum()) if len(frame) else 0,
                "sha256": digest.hexdigest()}


_EVENTS = {"add": "retrain", "promote": "promotion", "rollback": "rollback"}


def _registry_events(path: str | os.PathLike) -> list[dict[str, Any]]:
    """A model registry's history as label-store history events (oldest first)."""
    registry = Registry(path, create=False)
    events = []
    for event in registry.history():
        version = event.get("version", "")
        manifest = registry.path / "versions" / str(version) / "manifest.json"
        details = f"version {version}" + (f" (was {event['from']})" if event.get("from") else "")
        events.append({"at": event.get("at"), "event": _EVENTS.get(event.get("action"), str(event.get("action"))),
                       "who": "", "file": str(manifest) if manifest.is_file() else "",
                       "sha256": file_sha256(manifest) if manifest.is_file() else "", "details": details})
    return events


def import_reviews(source, store: str | os.PathLike, **kwargs: Any) -> ImportReport:
    """Shortcut: ``LabelStore(store).import_reviews(source, **kwargs)``.

    >>> import_reviews("review/today.csv", "labels.sqlite").stored   # doctest: +SKIP
    """
    return LabelStore(store).import_reviews(source, **kwargs)
