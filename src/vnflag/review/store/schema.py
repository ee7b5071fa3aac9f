"""The label store's tables, their version and the migrations between versions.

A store is a SQLite file marked as vnflag's by ``PRAGMA application_id`` and versioned by
``PRAGMA user_version`` (:data:`VERSION`). Opening one checks the mark before anything is
written: another program's database is refused untouched, a store written by a newer vnflag is
refused, and one written by an older vnflag is migrated in place, in one transaction. Every table
is append-only: triggers refuse ``UPDATE`` and ``DELETE``.

Versions:

* 0 — the store as vnflag wrote it before versions (no mark; the two design tables appeared
  later, so they may be missing).
* 1 — the same tables, all present, with the application id and the version set.
* 2 — a review's identity is where it came from: ``reviews`` gains ``origin`` (tool, project,
  task and annotation: unique per decision, see :mod:`vnflag.review.formats`) and ``tool_user``
  (the tool's user id or e-mail); a review with a stored origin, decision and note is already
  stored whatever its reviewer is called (an annotation edited in the tool to another decision or
  note is a newer decision, stored), and the table-wide ``UNIQUE (queue_id, post_id, reviewer, decision, note)``
  now holds only for reviews without an origin (two partial unique indexes). ``reviewer_names``
  keeps the reviewer maps given to imports (append-only, the latest entry of a key wins): names
  are applied when the store is read, never stored in a review. ``tool_users`` keeps every tool
  user id or e-mail seen with a reviewer, even from an import that stored nothing new (a snapshot
  export's e-mails name the reviewers of an earlier JSON export).
* 3 — a post is its id together with its text's fingerprint (real exports repeat ids for
  unrelated posts): ``queue_members`` holds each (queue, id, fingerprint) once instead of each
  (queue, id), and the uniqueness of reviews counts the fingerprint, so two posts sharing an id in
  one queue are both stored and each decision lands on its own post. Stored rows are unchanged.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path

from ...exceptions import VnflagError

__all__ = ["VERSION", "APPLICATION_ID", "TABLES", "ADJUDICATION", "open_store", "transaction", "store_version"]

#: The schema version this code writes and reads.
VERSION = 3
#: ``PRAGMA application_id`` of a vnflag label store: "vnfl" in ASCII.
APPLICATION_ID = 0x766E666C
#: The ``purpose`` of a conflicts queue: decisions imported into it are adjudications.
ADJUDICATION = "adjudication"

#: Every table and its columns, in order (the typed rows of :mod:`.importer` use these names).
TABLES: dict[str, str] = {
    "queues": "queue_id TEXT PRIMARY KEY, created_at TEXT, policy TEXT, budget INTEGER, explore REAL, "
              "redacted INTEGER, registered_at TEXT NOT NULL, source TEXT",
    "queue_members": "queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT, "
                     "text TEXT, score REAL, model_version TEXT, meta TEXT",
    "reviews": "review_id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT, "
               "decision TEXT NOT NULL CHECK (decision IN ('misleading', 'ok', 'unsure')), "
               "reviewer TEXT NOT NULL, note TEXT NOT NULL, reviewed_at TEXT NOT NULL, imported_at TEXT NOT NULL, "
               "model_version TEXT, score REAL, source_file TEXT, source_sha256 TEXT, source_row INTEGER, "
               "origin TEXT, tool_user TEXT",
    "imports": "import_id INTEGER PRIMARY KEY AUTOINCREMENT, source_file TEXT, source_sha256 TEXT, "
               "imported_at TEXT NOT NULL, rows INTEGER, stored INTEGER, already INTEGER, rejected INTEGER",
    "queue_design": "queue_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, scored_posts INTEGER, scored_groups INTEGER, "
                    "reviewers TEXT, overlap REAL",
    "queue_items": "queue_id TEXT NOT NULL, item_id TEXT NOT NULL, why TEXT, inclusion_probability REAL, "
                   "flagged INTEGER, group_size INTEGER, assigned_to TEXT, PRIMARY KEY (queue_id, item_id)",
    "reviewer_names": "name_id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, name TEXT NOT NULL, "
                      "set_at TEXT NOT NULL, source TEXT",
    "tool_users": "reviewer TEXT NOT NULL, tool_user TEXT NOT NULL, PRIMARY KEY (reviewer, tool_user)",
}
#: Where ``reviews.origin`` is empty, a review is the same review if its post, reviewer, decision and note are.
NO_ORIGIN = "(origin IS NULL OR origin = '')"
#: A stored fingerprint as part of a post's identity (a missing one is the empty text's key).
FINGERPRINT = "IFNULL(fingerprint, '')"
_INDEXES = {
    # one post (id and text) once per queue; before version 3, one id once per queue
    "queue_members_post": "CREATE UNIQUE INDEX IF NOT EXISTS queue_members_post ON queue_members "
                          f"(queue_id, post_id, {FINGERPRINT})",
    "reviews_post": "CREATE INDEX IF NOT EXISTS reviews_post ON reviews (post_id)",
    # one decision (one origin) applies to every member of its item: unique per post; an annotation
    # edited in the tool keeps its origin and is a newer decision
    "reviews_origin": "CREATE UNIQUE INDEX IF NOT EXISTS reviews_origin ON reviews "
                      f"(origin, post_id, {FINGERPRINT}, decision, note) WHERE NOT {NO_ORIGIN}",
    "reviews_same": "CREATE UNIQUE INDEX IF NOT EXISTS reviews_same ON reviews "
                    f"(queue_id, post_id, {FINGERPRINT}, reviewer, decision, note) WHERE {NO_ORIGIN}",
}
#: The columns of ``reviews`` before version 2 (a version-0 store is recognised by them).
_V1_REVIEWS = ("review_id INTEGER PRIMARY KEY AUTOINCREMENT, queue_id TEXT NOT NULL, item_id TEXT NOT NULL, "
               "post_id TEXT NOT NULL, fingerprint TEXT, "
               "decision TEXT NOT NULL CHECK (decision IN ('misleading', 'ok', 'unsure')), "
               "reviewer TEXT NOT NULL, note TEXT NOT NULL, reviewed_at TEXT NOT NULL, imported_at TEXT NOT NULL, "
               "model_version TEXT, score REAL, source_file TEXT, source_sha256 TEXT, source_row INTEGER, "
               "UNIQUE (queue_id, post_id, reviewer, decision, note)")
#: ``queue_members`` before version 3: one member per queue and post id.
_V2_MEMBERS = ("queue_id TEXT NOT NULL, item_id TEXT NOT NULL, post_id TEXT NOT NULL, fingerprint TEXT, "
               "text TEXT, score REAL, model_version TEXT, meta TEXT, PRIMARY KEY (queue_id, post_id)")
_TRIGGERS = {
    f"{table}_no_{action.lower()}": f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
                                    f"ON {table} BEGIN SELECT RAISE(ABORT, 'the label store is append-only'); END"
    for table in TABLES for action in ("UPDATE", "DELETE")
}
#: The tables of a version-0 or 1 store (``reviewer_names`` came with version 2).
_V1_TABLES = {**{t: c for t, c in TABLES.items() if t not in ("reviewer_names", "tool_users")}, "reviews": _V1_REVIEWS,
              "queue_members": _V2_MEMBERS}
#: The tables a version-0 store always has (the design tables came later).
_VERSION_0_CORE = ("queues", "queue_members", "reviews", "imports")


@lru_cache(maxsize=1)
def _v1_columns() -> dict[str, list[str]]:
    """Each version-0/1 table's column names (read back from SQLite itself)."""
    with closing(sqlite3.connect(":memory:")) as db:
        for table, columns in _V1_TABLES.items():
            db.execute(f"CREATE TABLE {table} ({columns})")
        return {table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")] for table in _V1_TABLES}


def _create_all(db: sqlite3.Connection) -> None:
    """Every table, index and trigger that is missing (the whole schema of a new store)."""
    for table, columns in TABLES.items():
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    for statement in (*_INDEXES.values(), *_TRIGGERS.values()):
        db.execute(statement)


def _design_tables(db: sqlite3.Connection) -> None:
    """Version 0 → 1: the design tables, if the store predates them (in their version-1 form)."""
    for table, columns in _V1_TABLES.items():
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")


def _origins(db: sqlite3.Connection) -> None:
    """Version 1 → 2: ``reviews`` rebuilt with ``origin`` and ``tool_user`` (empty for every stored
    review: they keep today's uniqueness) and the old table-wide UNIQUE turned into a partial
    index; every review id, and so every view and ``as_of`` snapshot, unchanged."""
    old = [row[1] for row in db.execute("PRAGMA table_info(reviews)")]
    db.execute(f"CREATE TABLE reviews_v2 ({TABLES['reviews']})")
    db.execute(f"INSERT INTO reviews_v2 ({', '.join(old)}) SELECT {', '.join(old)} FROM reviews ORDER BY review_id")
    db.execute("DROP TABLE reviews")  # its triggers and index go with it; created again below
    db.execute("ALTER TABLE reviews_v2 RENAME TO reviews")
    _create_all(db)


def _post_keys(db: sqlite3.Connection) -> None:
    """Version 2 → 3: ``queue_members`` rebuilt without its (queue, post id) key, every row and
    rowid kept (the order of registration, which the views read), and the uniqueness of members and
    reviews counting the fingerprint (the indexes made again; no stored review changes)."""
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(queue_members)"))
    db.execute(f"CREATE TABLE queue_members_v3 ({TABLES['queue_members']})")
    db.execute(f"INSERT INTO queue_members_v3 (rowid, {columns}) SELECT rowid, {columns} FROM queue_members "
               "ORDER BY rowid")
    db.execute("DROP TABLE queue_members")  # its triggers go with it; created again below
    db.execute("ALTER TABLE queue_members_v3 RENAME TO queue_members")
    for index in ("reviews_origin", "reviews_same"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    _create_all(db)


#: ``MIGRATIONS[v]`` brings a store of version ``v`` to version ``v + 1``, inside the caller's transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _design_tables,  # the version and mark are set after the last step
    1: _origins,
    2: _post_keys,
}


def store_version(db: sqlite3.Connection, path: str | os.PathLike) -> int | None:
    """The schema version of the store open in ``db``; ``None`` for a database with nothing in it.

    Reads only. Raises a one-line :class:`~vnflag.VnflagError` for a database that is not a
    vnflag label store (another mark, another version scheme, or tables vnflag did not make) and
    for a store of a newer version than :data:`VERSION`."""
    application = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    objects = {name: kind for kind, name in db.execute(
        "SELECT type, name FROM sqlite_master WHERE substr(name, 1, 7) != 'sqlite_'")}  # SQLite's own objects
    if application == APPLICATION_ID:
        if version > VERSION:
            raise VnflagError(f"{path}: label store of schema version {version}, written by a newer vnflag "
                              f"(this one reads versions up to {VERSION}); upgrade vnflag to use it")
        if version < 1:
            raise VnflagError(f"{path}: not a usable vnflag label store (marked as one, but schema version {version})")
        return version
    if application == 0 and version == 0 and not objects:
        return None
    if application == 0 and version == 0 and _is_version_0(db, objects):
        return 0
    tables = ", ".join(sorted(n for n, k in objects.items() if k == "table")) or "none"
    raise VnflagError(f"{path}: not a vnflag label store (a SQLite database of another program; "
                      f"application id {application}, user version {version}, tables: {tables}); "
                      "refusing to touch it: choose another --store file")


def _is_version_0(db: sqlite3.Connection, objects: dict[str, str]) -> bool:
    """Whether a database without a mark is a store written before versions: only vnflag's
    tables, indexes and triggers, the core tables present, every table with vnflag's columns."""
    known = {**{t: "table" for t in _V1_TABLES}, "reviews_post": "index",
             **{t: "trigger" for t in _TRIGGERS if not t.startswith(("reviewer_names_", "tool_users_"))}}
    if any(known.get(name) != kind for name, kind in objects.items()):
        return False
    if any(objects.get(table) != "table" for table in _VERSION_0_CORE):
        return False
    expected = _v1_columns()
    return all([row[1] for row in db.execute(f"PRAGMA table_info({table})")] == expected[table]
               for table, kind in objects.items() if kind == "table")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on a connection in autocommit mode; rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _bring_up_to_date(db: sqlite3.Connection, path: str | os.PathLike) -> None:
    """Create the schema of an empty database, or migrate an older store, in one transaction;
    the version is read again inside it (another process may have done it meanwhile)."""
    with transaction(db):
        version = store_version(db, path)
        if version == VERSION:
            return
        if version is None:
            _create_all(db)
        else:
            for step in range(version, VERSION):
                MIGRATIONS[step](db)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {VERSION}")


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit: :func:`transaction`)."""
    return sqlite3.connect(target, uri=uri, timeout=60, isolation_level=None)


#: The first bytes of every SQLite database; bytes 18 and 19 are 2 in WAL mode.
_SQLITE_HEADER = b"SQLite format 3\x00"


def _probe_uri(path: Path, read_only: str) -> str:
    """The URI that checks an existing file without changing anything beside it: a database in
    WAL mode with no ``-wal`` file (nobody has it open) is read ``immutable``, as SQLite would
    otherwise create its ``-wal`` and ``-shm`` side files even to read it. vnflag's stores are
    not in WAL mode, so a store being written concurrently is always read with SQLite's locks."""
    with open(path, "rb") as handle:
        header = handle.read(20)
    wal = len(header) == 20 and header.startswith(_SQLITE_HEADER) and header[18] == 2
    return read_only + "&immutable=1" if wal and not Path(f"{path}-wal").exists() else read_only


@contextmanager
def open_store(path: str | os.PathLike, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to the store at ``path`` (autocommit mode: writers use :func:`transaction`),
    always closed.

    Writing creates the file and its schema if needed. Reading never creates anything: a
    missing (or empty) store is read as an empty one, in memory. Either way an existing file is
    first checked read-only (:func:`store_version`): a foreign or newer one is refused before
    anything is written to it, an older one is migrated in place."""
    path = Path(path)
    read_only = path.resolve().as_uri() + "?mode=ro"
    exists = path.is_file() and path.stat().st_size > 0
    db = None
    try:
        version = None
        if exists:
            with closing(_connect(_probe_uri(path, read_only), uri=True)) as probe:
                version = store_version(probe, path)
        if write or (version is not None and version < VERSION):
            path.parent.mkdir(parents=True, exist_ok=True)
            db = _connect(str(path))
            if version != VERSION:
                _bring_up_to_date(db, path)
            if not write:
                db.close()
                db = None
        if db is None and version is not None:
            db = _connect(read_only, uri=True)
        elif db is None:
            db = _connect(":memory:")
            _create_all(db)
    except BaseException as exc:
        if db is not None:
            db.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise VnflagError(f"{path}: cannot open the label store: {exc}") from exc
        if isinstance(exc, OSError):
            raise VnflagError(f"{path}: cannot open the label store: {exc.strerror or exc}") from exc
        raise
    try:
        yield db
    except sqlite3.DatabaseError as exc:
        raise VnflagError(f"{path}: not a usable vnflag label store: {exc}") from exc
    finally:
        db.close()
