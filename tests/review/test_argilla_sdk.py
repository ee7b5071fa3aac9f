"""Argilla as its SDK sees it (issue 19): vnflag's records read and logged by the argilla SDK with
their text, fields, metadata and the model's suggestion; the SDK's own exports of reviewed records
(nested ``to_json``, flat ``to_list(flatten=True)``, ``to_dict``) imported with only submitted
responses as decisions; the offline steps of the recipe in docs/guide/review-tools.md. Every reviewed
file here is built and serialised by the SDK itself (``rg.Record``, ``rg.Response(status=...)``); no server is needed.
Skipped when the argilla SDK is absent (``scripts/integration/argilla.sh`` installs it)."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import build_queue, export_queue, read_reviews
from vnflag.review import argilla_settings
from vnflag.review.argilla import records as argilla_records

rg = pytest.importorskip("argilla", reason="the argilla SDK is not installed (scripts/integration/argilla.sh)")
from argilla.records._io import GenericIO, JsonIO  # noqa: E402  (what dataset.records.to_list / to_json call)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "review-tools.md"  # the Argilla recipe
ANH, BINH = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


def _words(i: int) -> str:
    """Eight words no other post shares, so no two posts are grouped as near-duplicates."""
    return " ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:6] for k in range(8))


def _queue(posts: int = 20) -> pd.DataFrame:
    scored = pd.DataFrame({"id": [f"0{i}" for i in range(posts)],  # ids a careless reader would turn into numbers
                           "text": [f"Bài {_words(i)} — tin đồn, chia sẻ gấp!" for i in range(posts)],
                           "score": [round(0.97 - i * 0.045, 3) for i in range(posts)], "model_version": "m1"})
    return build_queue(scored, budget=posts, similarity=1.0)


def _exported(tmp_path: Path, posts: int = 20) -> tuple[Path, list]:
    """A queue exported as ``q.argilla.json`` and its records as the SDK reads them."""
    path = tmp_path / "q.argilla.json"
    export_queue(_queue(posts), path)
    return path, [rg.Record.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))]


def _answer(record, user: str, decision: str, status: str, note: str | None = None) -> None:
    """One user's response to a record, as the Argilla UI would leave it."""
    record.responses.add(rg.Response("decision", decision, user_id=uuid.UUID(user), status=status))
    if note is not None:
        record.responses.add(rg.Response("note", note, user_id=uuid.UUID(user), status=status))


def _dump(payload, path: Path) -> Path:
    """Save an SDK export as a user would (json.dump; UUIDs and dates as text)."""
    path.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def _stored(store: Path) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(store)) as db:
        return sorted(db.execute("SELECT post_id, reviewer, decision FROM reviews").fetchall())


@pytest.fixture()
def offline_client(monkeypatch):
    """An argilla client that never connects: settings and datasets are built, nothing is sent."""
    from argilla._api._client import APIClient

    monkeypatch.setattr(APIClient, "_validate_connection", lambda self: None)
    monkeypatch.setattr(rg.Argilla, "_default_client", None)
    return rg.Argilla(api_url="http://127.0.0.1:9", api_key="offline")


# ----------------------------------------------------------------------------- vnflag → Argilla
def test_the_sdk_reads_vnflag_records_with_text_metadata_and_suggestion(tmp_path):
    path, records = _exported(tmp_path)
    written = json.loads(path.read_text(encoding="utf-8"))
    for record, raw in zip(records, written, strict=True):
        assert record.fields["text"] == raw["fields"]["text"] and record.fields["text"].startswith("Bài ")
        assert record.id == raw["metadata"]["item_id"] and record.metadata["id"] == raw["metadata"]["id"]
        assert record.metadata["id"].startswith("0")  # ids stay text
        suggestion = record.suggestions["decision"]
        assert suggestion.value in ("misleading", "ok") and suggestion.agent == "vnflag m1"
        assert len(record.responses) == 0
        assert record.to_dict()["suggestions"] == raw["suggestions"]  # the SDK writes back what vnflag wrote


def test_suggestions_follow_the_model_threshold_with_the_chosen_decision_confidence():
    rows = [{"item_id": f"i{n}", "text": "t", "score": score, "model_version": "m1"} for n, score in
            enumerate((0.69, 0.7, 0.95, 0.2))]
    made = [rg.Record.from_dict(r).suggestions["decision"] for r in argilla_records(rows, threshold=0.7)]
    assert [(s.value, s.score) for s in made] == [("ok", pytest.approx(0.31)), ("misleading", 0.7),
                                                   ("misleading", 0.95), ("ok", pytest.approx(0.8))]


def test_logging_the_records_keeps_text_metadata_and_suggestion(tmp_path, offline_client):
    _, records = _exported(tmp_path)
    dataset = rg.Dataset(name="vnflag-queue", settings=argilla_settings(), client=offline_client)
    assert [q.name for q in dataset.settings.questions] == ["decision", "note"]
    assert list(dataset.settings.questions["decision"].labels) == ["misleading", "ok", "unsure"]
    # what dataset.records.log(records) sends to the server, built without one
    models = dataset.records._ingest_records(records, user_id=uuid.UUID(ANH))
    for model, record in zip(models, records, strict=True):
        assert model.fields["text"] == record.fields["text"]
        assert {m.name: m.value for m in model.metadata}["item_id"] == record.id
        assert [(s.question_name, s.value) for s in model.suggestions] == [
            ("decision", record.suggestions["decision"].value)]


def test_argilla_settings_without_the_sdk_is_one_clear_error(monkeypatch):
    import builtins

    from vnflag import VnflagError

    real_import = builtins.__import__

    def no_argilla(name, *args, **kwargs):
        if name == "argilla" or name.startswith("argilla."):
            raise ImportError("No module named 'argilla'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_argilla)
    with pytest.raises(VnflagError, match=re.escape('pip install "vnflag[argilla]"')):
        argilla_settings()


# ----------------------------------------------------------------------------- Argilla → vnflag
def _reviewed(records) -> dict[tuple[str, str], str]:
    """Two reviewers' responses, 39 in all: ANH submits all 20; BINH submits 17, leaves one draft
    and discards one (issue 19: these two were stored as decisions, 39 rows instead of 37).
    Returns the submitted decisions by (post id, user)."""
    submitted = {}
    for n, record in enumerate(records):
        decision = "misleading" if n % 3 == 0 else "ok"
        _answer(record, ANH, decision, "submitted", note=f"ghi chú {n}")
        submitted[(record.metadata["id"], ANH)] = decision
        if n < 19:
            status = {17: "draft", 18: "discarded"}.get(n, "submitted")
            other = "ok" if decision == "misleading" else "misleading"
            _answer(record, BINH, other, status)
            if status == "submitted":
                submitted[(record.metadata["id"], BINH)] = other
    return submitted


def test_drafts_and_discarded_responses_are_skipped_and_reported(tmp_path):
    queue_path, records = _exported(tmp_path)
    submitted = _reviewed(records)
    assert sum(len(list(r.responses)) for r in records) == 39 + 20  # 39 decisions, 20 notes
    reviewed = _dump(GenericIO.to_list(records, flatten=True), tmp_path / "reviewed.json")  # plain .json
    store = tmp_path / "labels.sqlite"
    code, out, err = run_cli("labels", "import", reviewed, "--queue", queue_path, "--store", store, "--json")
    assert code == 0, err
    assert "37 reviews (a decision is one review per post of its item): 37 new" in err and "skipped 1 draft and 1 discarded responses" in err, err
    assert err.count("\n") == 1
    (report,) = json.loads(out)
    assert report["stored"] == 37 and report["skipped"] == {"draft": 1, "discarded": 1}
    assert _stored(store) == sorted((post, f"argilla:{user}", d) for (post, user), d in submitted.items())
    rows = read_reviews(reviewed)
    assert rows.attrs["skipped"] == {"draft": 1, "discarded": 1}
    anh = rows[rows["tool_user"] == ANH]
    assert set(anh["reviewer"]) == {f"argilla:{ANH}"} and anh["note"].str.startswith("ghi chú").all()
    assert rows["origin"].is_unique and all(o.startswith("argilla:-:") and o.endswith(u)
                                            for o, u in zip(rows["origin"], rows["tool_user"], strict=True))


def test_every_sdk_shape_imports_the_same_decisions_and_a_reimport_stores_nothing(tmp_path):
    queue_path, records = _exported(tmp_path)
    _reviewed(records)
    shapes = {
        "flat.json": GenericIO.to_list(records, flatten=True),
        "by_id.json": GenericIO.to_dict(records, flatten=True, orient="index"),
        "columns.json": GenericIO.to_dict(records, flatten=True, orient="names"),
    }
    frames = [read_reviews(_dump(payload, tmp_path / name)) for name, payload in shapes.items()]
    columns = ["id", "item_id", "decision", "note", "reviewer", "origin", "tool_user"]
    for frame in frames[1:]:
        assert frame[columns].equals(frames[0][columns])
        assert frame.attrs["skipped"] == {"draft": 1, "discarded": 1}
    store = tmp_path / "labels.sqlite"
    for number, name in enumerate(shapes):
        code, _, err = run_cli("labels", "import", tmp_path / name, "--queue", queue_path, "--store", store)
        assert code == 0 and f"one review per post of its item): {37 if number == 0 else 0} new" in err, err
    assert len(_stored(store)) == 37


def test_the_nested_export_without_statuses_is_refused_and_nothing_stored(tmp_path):
    queue_path, records = _exported(tmp_path)
    _reviewed(records)
    nested = JsonIO.to_json(records, tmp_path / "nested.argilla.json")  # dataset.records.to_json: no status
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", nested, "--queue", queue_path, "--store", store)
    assert code == 2 and err.count("\n") == 1 and str(nested) in err and "record 1" in err, err
    assert "to_list(flatten=True)" in err and not store.exists()


def test_an_unanswered_sdk_export_reads_as_not_yet_reviewed(tmp_path):
    queue_path, records = _exported(tmp_path, posts=5)
    for shape in (GenericIO.to_list(records, flatten=True), GenericIO.to_list(records, flatten=False)):
        rows = read_reviews(_dump(shape, tmp_path / "plain.json"))
        assert len(rows) == 5 and (rows["decision"] == "").all() and rows["id"].str.startswith("0").all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(st.lists(st.sampled_from(["submitted", "draft", "discarded", None]), min_size=3, max_size=3),
                         min_size=4, max_size=4))
def test_only_submitted_responses_are_ever_decisions(tmp_path_factory, statuses):
    """Property: whatever the users' statuses, the SDK's flat export yields exactly the submitted
    responses as decisions and counts every draft and discarded one."""
    tmp_path = tmp_path_factory.mktemp("argilla")
    _, records = _exported(tmp_path, posts=4)
    users = [str(uuid.UUID(int=k + 1)) for k in range(3)]
    for record, row in zip(records, statuses, strict=True):
        for user, status in zip(users, row, strict=True):
            if status is not None:
                _answer(record, user, "ok", status)
    rows = read_reviews(_dump(GenericIO.to_list(records, flatten=True), tmp_path / "r.json"))
    decided = rows[rows["decision"] != ""]
    flat = [status for row in statuses for status in row]
    assert len(decided) == flat.count("submitted")
    assert rows.attrs["skipped"] == {s: flat.count(s) for s in ("draft", "discarded") if flat.count(s)}
    assert set(zip(decided["id"], decided["tool_user"], strict=True)) == {
        (record.metadata["id"], user) for record, row in zip(records, statuses, strict=True)
        for user, status in zip(users, row, strict=True) if status == "submitted"}


# ------------------------------------------------------------------------------ the guide's recipe
def test_the_guide_recipe_offline(tmp_path, offline_client):
    """The guide's Argilla recipe (docs/guide/review-tools.md), with the server's part done by the SDK
    offline: load the queue's records as the recipe does, answer them, export them as the recipe does, import."""
    text = GUIDE.read_text(encoding="utf-8")
    recipe = text[text.index("<!-- argilla recipe -->"):text.index("<!-- /argilla recipe -->")]
    for step in ("rg.Record.from_dict", "argilla_settings()", "to_list(flatten=True)", "default=str",
                 "vnflag labels import"):
        assert step in recipe, step
    queue_path, _ = _exported(tmp_path)
    with open(queue_path, encoding="utf-8") as f:  # the recipe's loading step
        records = [rg.Record.from_dict(r) for r in json.load(f)]
    dataset = rg.Dataset(name="vnflag-today", settings=argilla_settings(), client=offline_client)
    assert len(dataset.records._ingest_records(records, user_id=uuid.UUID(ANH))) == len(records)
    submitted = _reviewed(records)  # reviewers answer in Argilla
    with open(tmp_path / "reviewed.json", "w", encoding="utf-8") as f:  # the recipe's export step
        json.dump(GenericIO.to_list(records, flatten=True), f, ensure_ascii=False, default=str)
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", tmp_path / "reviewed.json", "--queue", queue_path, "--store", store)
    assert code == 0 and "one review per post of its item): 37 new" in err, err
    assert len(_stored(store)) == len(submitted) == 37


def test_argilla_suggestions_use_the_models_threshold_end_to_end(tmp_path):
    # issue 19, case 5: the model flags at 0.35 (its stored threshold, as the flagged column shows); a post at 0.4
    # is suggested misleading, one at 0.2 ok with confidence 0.8, not 0.2
    scored = pd.DataFrame({"id": ["a", "b", "c"], "text": ["tin một", "tin hai khác", "bài ba nữa"],
                           "score": [0.4, 0.2, 0.35], "flagged": [True, False, True], "model_version": "m1"})
    export_queue(build_queue(scored, budget=3, similarity=1.0), tmp_path / "q.argilla.json")
    made = {r.metadata["id"]: r.suggestions["decision"] for r in
            (rg.Record.from_dict(x) for x in json.loads((tmp_path / "q.argilla.json").read_text(encoding="utf-8")))}
    assert (made["a"].value, made["a"].score) == ("misleading", 0.4)
    assert made["c"].value == "misleading"
    assert (made["b"].value, made["b"].score) == ("ok", pytest.approx(0.8))


def test_a_reimport_with_a_reviewer_map_stores_nothing_new_and_the_map_names_argilla_users(tmp_path):
    # issue 19, case 1 for Argilla: the identity of a decision is its origin, not the name a map gives it
    queue_path, records = _exported(tmp_path)
    _reviewed(records)
    reviewed = _dump(GenericIO.to_list(records, flatten=True), tmp_path / "reviewed.json")
    store = tmp_path / "labels.sqlite"
    assert run_cli("labels", "import", reviewed, "--queue", queue_path, "--store", store)[0] == 0
    (tmp_path / "names.csv").write_text(f"id,name\n{ANH},anh\n{BINH},bình\n", encoding="utf-8")
    code, _, err = run_cli("labels", "import", reviewed, "--queue", queue_path, "--store", store,
                           "--reviewer-map", tmp_path / "names.csv")
    assert code == 0 and "one review per post of its item): 0 new, 37 already stored" in err, err
    assert len(_stored(store)) == 37
    code, out, err = run_cli("labels", "status", "--store", store, "--json")
    assert code == 0, err
    assert set(json.loads(out)["reviewers"]) == {"anh", "bình"}
