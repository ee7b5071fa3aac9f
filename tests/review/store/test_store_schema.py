"""The label store's schema: a store written before versions (commit ec0cc15) is migrated in
place and reads as before; another program's database and a newer store are refused untouched."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from vnflag import LabelStore, VnflagError, build_queue
from vnflag.review.store import schema
from vnflag.review.store.schema import APPLICATION_ID, VERSION

DATA = Path(__file__).parent / "data"
#: A store written by the code of commit ec0cc15 (its DDL and rows, as ``sqlite3 .dump`` gives them) ...
OLD_DUMP = DATA / "store_ec0cc15.sql"
#: ... and what that code's views said of it (status, conflicts, training frame, history ...).
OLD_VIEWS = json.loads((DATA / "store_ec0cc15_views.json").read_text(encoding="utf-8"))


def _old_store(path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(OLD_DUMP.read_text(encoding="utf-8"))
    return path


def _pragmas(path: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return (db.execute("PRAGMA user_version").fetchone()[0], db.execute("PRAGMA application_id").fetchone()[0])


def _objects(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE substr(name, 1, 7) != 'sqlite_'")}


def _records(frame: pd.DataFrame) -> list[dict]:
    """A frame as JSON-like records (NaN → None), the way the views file keeps them."""
    return json.loads(json.dumps(frame.astype(object).where(frame.notna(), None).to_dict("records"),
                                 ensure_ascii=False, default=str))



@pytest.fixture()
def queue() -> pd.DataFrame:
    scored = pd.DataFrame({"id": ["a", "b", "c"], "text": ["một hai ba bốn", "năm sáu bảy tám", "chín mười mười một"],
                           "score": [0.9, 0.5, 0.1], "model_version": "m1"})
    return build_queue(scored, budget=3)


def test_a_store_written_by_ec0cc15_is_migrated_in_place_and_reads_as_before(tmp_path):
    path = _old_store(tmp_path / "labels.sqlite")
    assert _pragmas(path) == (0, 0)
    store = LabelStore(path)
    view = store.view()
    assert _pragmas(path) == (VERSION, APPLICATION_ID)  # migrated by the first open
    status = view.status()
    assert status.pop("store") == str(path)
    expected = {k: v for k, v in OLD_VIEWS["status"].items() if k != "store"}
    assert json.loads(json.dumps(status)) == expected
    assert _records(view.conflicts()) == OLD_VIEWS["conflicts"]
    assert _records(view.training_frame()) == OLD_VIEWS["training_frame"]
    assert _records(store.training_frame(as_of=12)) == OLD_VIEWS["training_frame_as_of_12"]
    assert _records(view.item_labels()) == OLD_VIEWS["item_labels"]
    assert json.loads(json.dumps(view.agreement())) == OLD_VIEWS["agreement"]
    snapshot = store.snapshot()
    assert snapshot.pop("store") == str(path.resolve()) and snapshot == OLD_VIEWS["snapshot"]
    assert [_records(f) for f in store.design()] == OLD_VIEWS["design"]
    assert store.history() == OLD_VIEWS["history"]
    assert _records(store.members()) == OLD_VIEWS["members"]
    # still append-only after the migration
    with contextlib.closing(sqlite3.connect(path)) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM reviews")


def test_the_migration_is_one_transaction(tmp_path, monkeypatch):
    """A migration that fails half-way leaves the old store exactly as it was."""
    path = _old_store(tmp_path / "labels.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript("DROP TABLE queue_items; DROP TABLE queue_design;")  # a store from before the design
    before = path.read_bytes()

    migrate = schema.MIGRATIONS[0]

    def half_way(db):
        migrate(db)  # the design tables are created, then the disk fails
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(schema.MIGRATIONS, 0, half_way)
    with pytest.raises(VnflagError, match="disk I/O error"):
        LabelStore(path).status()
    assert path.read_bytes() == before and "queue_design" not in _objects(path) and _pragmas(path) == (0, 0)
    monkeypatch.undo()
    assert LabelStore(path).status()["posts"] == 8 and {"queue_design", "queue_items"} <= _objects(path)


def _foreign(path: Path) -> Path:
    """Another program's database that happens to have a ``queues`` table."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript("CREATE TABLE queues (id INTEGER PRIMARY KEY, name TEXT, depth INTEGER);"
                         "INSERT INTO queues (name, depth) VALUES ('mail', 3), ('print', 0);"
                         "CREATE TABLE jobs (id INTEGER PRIMARY KEY, queue INTEGER, payload BLOB);")
        db.commit()
    return path


def _lookalike(path: Path) -> Path:
    """vnflag's old tables exactly, plus one table vnflag never made."""
    _old_store(path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript("CREATE TABLE accounts (id INTEGER PRIMARY KEY, password TEXT);")
    return path


def _renamed_columns(path: Path) -> Path:
    """vnflag's table names with other columns."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript("CREATE TABLE queues (queue_id TEXT, owner TEXT); CREATE TABLE queue_members (x);"
                         "CREATE TABLE reviews (y); CREATE TABLE imports (z);")
    return path


@pytest.mark.parametrize("make", [_foreign, _lookalike, _renamed_columns])
def test_another_programs_database_is_refused_untouched(make, queue, tmp_path):
    path = make(tmp_path / "other.db")
    before, objects = path.read_bytes(), _objects(path)
    store = LabelStore(path)
    for attempt in (store.status, lambda: store.register_queue(queue), store.training_frame, store.history,
                    lambda: store.import_reviews(queue.assign(decision="ok", reviewer="lan"), queue=queue)):
        with pytest.raises(VnflagError, match="not a vnflag label store") as error:
            attempt()
        assert "\n" not in str(error.value) and str(path) in str(error.value)
    filled = queue.assign(decision="ok", reviewer="lan")
    filled.to_csv(tmp_path / "q.csv", index=False)
    code, out, err = run_cli("labels", "import", tmp_path / "q.csv", "--store", path,
                             "--queue", _record(queue, tmp_path))
    assert code == 2 and err.count("\n") == 1 and "not a vnflag label store" in err
    for command in ("status", "history"):
        code, _, err = run_cli("labels", command, "--store", path)
        assert code == 2 and err.count("\n") == 1 and "not a vnflag label store" in err
    assert path.read_bytes() == before and _objects(path) == objects
    assert not any(p.name.startswith(path.name + "-") for p in tmp_path.iterdir())  # no journal left behind


def test_another_programs_database_in_wal_mode_gets_no_side_files(queue, tmp_path):
    """Reading a WAL-mode database makes SQLite create ``-wal`` and ``-shm`` beside it; the check
    that refuses another program's database must leave its directory as it was."""
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript("CREATE TABLE queues (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO queues (name) "
                         "VALUES ('mail');")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    filled = queue.assign(decision="ok", reviewer="lan")
    filled.to_csv(tmp_path / "q.csv", index=False)
    record = _record(queue, tmp_path)
    for argv in (("import", tmp_path / "q.csv", "--store", path, "--queue", record), ("status", "--store", path),
                 ("history", "--store", path)):
        code, _, err = run_cli("labels", *argv)
        assert code == 2 and err.count("\n") == 1 and "not a vnflag label store" in err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db", "q.csv", "q.csv.vnflag-queue.json"]


def _record(queue: pd.DataFrame, tmp_path: Path) -> Path:
    target = tmp_path / "q.csv.vnflag-queue.json"
    target.write_text(json.dumps(queue.attrs["vnflag_queue"]), encoding="utf-8")
    return target


def test_a_store_of_a_newer_version_is_refused(queue, tmp_path):
    path = tmp_path / "labels.sqlite"
    LabelStore(path).register_queue(queue)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(VnflagError, match=f"schema version {VERSION + 1}, written by a newer vnflag") as error:
        LabelStore(path).status()
    assert "\n" not in str(error.value)
    with pytest.raises(VnflagError, match="newer vnflag"):
        LabelStore(path).register_queue(queue)
    code, _, err = run_cli("labels", "status", "--store", path)
    assert code == 2 and err.count("\n") == 1 and "newer vnflag" in err
    assert path.read_bytes() == before


def test_a_new_store_is_marked_and_versioned(queue, tmp_path):
    path = tmp_path / "labels.sqlite"
    LabelStore(path).register_queue(queue)
    assert _pragmas(path) == (VERSION, APPLICATION_ID)
    assert {"queues", "queue_members", "reviews", "imports", "queue_design", "queue_items"} <= _objects(path)


def test_an_empty_database_becomes_a_store_and_a_text_file_is_refused(queue, tmp_path):
    empty = tmp_path / "empty.sqlite"
    with contextlib.closing(sqlite3.connect(empty)) as db:
        db.execute("PRAGMA page_size = 4096")
        db.execute("VACUUM")  # a database file with nothing in it
    assert empty.stat().st_size > 0
    assert LabelStore(empty).status()["reviews"] == 0 and not _objects(empty)  # reading writes nothing
    LabelStore(empty).register_queue(queue)
    assert _pragmas(empty) == (VERSION, APPLICATION_ID)
    text = tmp_path / "labels.csv"
    text.write_text("id,text\n1,hello\n" * 100, encoding="utf-8")
    before = text.read_bytes()
    with pytest.raises(VnflagError, match="cannot open the label store"):
        LabelStore(text).register_queue(queue)
    assert text.read_bytes() == before


def test_views_come_from_one_read(tmp_path, monkeypatch):
    """status(), conflicts, agreement and the training frame of one view read the reviews once."""
    from vnflag.review.store import views

    path = _old_store(tmp_path / "labels.sqlite")
    store = LabelStore(path)
    store.view()  # migrate first
    queries: list[str] = []
    real = views.read_frame
    monkeypatch.setattr(views, "read_frame", lambda db, sql, params=(): queries.append(sql) or real(db, sql, params))
    view = store.view()
    view.status(), view.conflicts(), view.agreement(), view.training_frame(), view.item_labels(), view.snapshot("x")
    assert sum("FROM reviews" in q for q in queries) == 1 and len(queries) == 2
    assert np.array_equal(view.conflicts()["post_id"], [c["post_id"] for c in OLD_VIEWS["conflicts"]])


def test_an_old_store_holding_what_records_now_refuse_still_estimates_and_trains(tmp_path):
    """Rows stored before queue records were checked (text in a probability, a text ``meta``,
    an absurd probability) make figures unknown, not commands fail for ever."""
    path = _old_store(tmp_path / "labels.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript("""
            INSERT INTO queues VALUES ('qbad', NULL, 'top', 2, 0.5, 0, '2026-12-07T00:00:00+00:00', '');
            INSERT INTO queue_design VALUES ('qbad', 'review', 10, 10, '[]', 0.0);
            INSERT INTO queue_items VALUES ('qbad', 'gx', 'top', 'abc', 1, 'many', '[]');
            INSERT INTO queue_items VALUES ('qbad', 'gy', 'random', 1e-300, 0, 1, '[]');
            INSERT INTO queue_members SELECT 'qbad', 'gx', 'p0', fingerprint, 'bài', 0.5, 'm1', '"x"'
                FROM queue_members WHERE post_id = 'p0' LIMIT 1;  -- the same post (id and fingerprint)
            INSERT INTO queue_members SELECT 'qbad', 'gy', 'p2', fingerprint, 'bài 2', 0.5, 'm1', '{"label": "1", "n": 3}'
                FROM queue_members WHERE post_id = 'p2' LIMIT 1;
        """)
    code, out, err = run_cli("labels", "estimate", "--store", path, "--bootstrap", 20, "--json")
    assert code == 0, err
    figures = json.loads(out)["queues"]["qbad"]["prevalence"]
    assert figures["estimate"] is None and "unknown" in figures["note"]
    frame = LabelStore(path).training_frame().set_index("id")
    assert frame.loc["p0", "text"] == "bài"  # the later queue's copy, its text meta ignored
    assert frame.loc["p2", "label"] == 0 and frame.loc["p2", "n"] == 3  # a meta "label" changes no label
    assert list(frame.columns) == ["text", "label", "fingerprint", "item_id", "reviewers", "num_like", "n"]


#: A version-1 store written by main at 1c26e16 (the ec0cc15 store migrated, plus a Label Studio JSON export
#: imported with a reviewer map, stored as mapped names then) ...
V1_DUMP = DATA / "store_v1_main1c26e16.sql"
#: ... and what that code's views said of it.
V1_VIEWS = json.loads((DATA / "store_v1_main1c26e16_views.json").read_text(encoding="utf-8"))


def _v1_store(path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(V1_DUMP.read_text(encoding="utf-8"))
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
    return path


def test_a_version_1_store_is_migrated_to_origins_and_every_view_stays_equal(tmp_path):
    path = _v1_store(tmp_path / "labels.sqlite")
    store = LabelStore(path)
    view = store.view()
    assert _pragmas(path) == (VERSION, APPLICATION_ID) == (3, APPLICATION_ID)
    status = view.status()
    assert status.pop("store") == str(path) and json.loads(json.dumps(status)) == V1_VIEWS["status"]
    assert _records(view.conflicts()) == V1_VIEWS["conflicts"]
    assert _records(view.training_frame()) == V1_VIEWS["training_frame"]
    assert _records(view.item_labels()) == V1_VIEWS["item_labels"]
    assert json.loads(json.dumps(view.agreement())) == V1_VIEWS["agreement"]
    snapshot = store.snapshot()
    assert snapshot.pop("store") == str(path.resolve()) and snapshot == V1_VIEWS["snapshot"]
    assert json.loads(json.dumps(store.history(), default=str)) == V1_VIEWS["history"]
    reviews = store.reviews()
    assert _records(reviews.drop(columns=["imported_at", "origin", "tool_user", "identity"])) == V1_VIEWS["reviews"]
    assert (reviews["origin"].isna() | (reviews["origin"] == "")).all()
    with contextlib.closing(sqlite3.connect(path)) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM reviews")
    with contextlib.closing(sqlite3.connect(path)) as db, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute("INSERT INTO reviews (queue_id, item_id, post_id, fingerprint, decision, reviewer, note, "
                   "reviewed_at, imported_at) SELECT queue_id, item_id, post_id, fingerprint, decision, reviewer, note, "
                   "reviewed_at, imported_at FROM reviews LIMIT 1")  # without an origin, the old uniqueness holds


def test_after_the_migration_a_re_import_with_origins_stores_nothing_new(tmp_path):
    """The v1 store holds a Label Studio import without origins; importing it again (now with
    origins, and reviewers no longer renamed by the map) finds the decisions already stored when
    they were stored under the tool's identity."""
    path = _v1_store(tmp_path / "labels.sqlite")
    before = LabelStore(path).status()["reviews"]
    rows = LabelStore(path).reviews()
    ls = rows[rows["reviewer"].str.startswith("labelstudio:")]
    assert len(ls) == 3  # user 2's reviews; user 1's were stored as "anh" by the old map
    export = tmp_path / "export.json"
    tasks = json.loads((DATA / "store_v1_export.json").read_text(encoding="utf-8"))
    export.write_text(json.dumps([{**t, "annotations": [a for a in t["annotations"] if a["completed_by"] == 2]}
                                  for t in tasks]), encoding="utf-8")
    report = LabelStore(path).import_reviews(export)
    assert report.stored == 0 and report.already == 3 and LabelStore(path).status()["reviews"] == before


#: A version-2 store written by main at b0b6e16 (the 1c26e16 store migrated, then its Label Studio export imported
#: again with origins and a reviewer map) ...
V2_DUMP = DATA / "store_v2_mainb0b6e16.sql"
#: ... and what that code's views said of it.
V2_VIEWS = json.loads((DATA / "store_v2_mainb0b6e16_views.json").read_text(encoding="utf-8"))


def test_a_version_2_store_is_migrated_to_post_keys_and_every_view_stays_equal(tmp_path):
    """Version 3 keys a post by its id and text fingerprint: an existing store says exactly what it said."""
    path = tmp_path / "labels.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(V2_DUMP.read_text(encoding="utf-8"))
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 2")
    store = LabelStore(path)
    view = store.view()
    assert _pragmas(path) == (VERSION, APPLICATION_ID) == (3, APPLICATION_ID)
    status = view.status()
    assert status.pop("store") == str(path) and json.loads(json.dumps(status)) == V2_VIEWS["status"]
    assert _records(view.conflicts()) == V2_VIEWS["conflicts"]
    assert _records(view.training_frame()) == V2_VIEWS["training_frame"]
    assert _records(view.item_labels()) == V2_VIEWS["item_labels"]
    assert json.loads(json.dumps(view.agreement())) == V2_VIEWS["agreement"]
    snapshot = store.snapshot()
    assert snapshot.pop("store") == str(path.resolve()) and snapshot == V2_VIEWS["snapshot"]
    assert json.loads(json.dumps(store.history(), default=str)) == V2_VIEWS["history"]
    assert _records(store.reviews().drop(columns=["imported_at"])) == V2_VIEWS["reviews"]
    assert _records(store.members()) == V2_VIEWS["members"]
    with contextlib.closing(sqlite3.connect(path)) as db:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # one post (id and text) once per queue
            db.execute("INSERT INTO queue_members SELECT * FROM queue_members LIMIT 1")
        db.execute("INSERT INTO queue_members (queue_id, item_id, post_id, fingerprint) SELECT queue_id, 'gnew', "
                   "post_id, 'another text' FROM queue_members LIMIT 1")  # the same id with another text: a post
