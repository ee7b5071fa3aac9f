"""Every JSON document vnflag trusts from disk is size- and depth-limited and validated before use
(issue 18, class 4): random mutations of a valid registry index, scoring checkpoint and queue record
(wrong types, numbers out of range, NaN and Infinity, deep nesting, missing fields) always give a
one-line VnflagError, never another exception, and a refused document changes nothing."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import reviewed_queue_csv, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import Registry, VnflagError
from vnflag.io.files import MAX_JSON_DEPTH, check_json_depth, read_json_document
from vnflag.pipelines.checkpoint import ScoreCheckpoint
from vnflag.pipelines.sinks import open_sink

DELETE, NAN, INFINITY, DEEP = "__delete__", "__nan__", "__infinity__", "__deep__"
VALUES = st.one_of(
    st.sampled_from([DELETE, NAN, INFINITY, DEEP, "x", "", "many", -5, -1, 0, 1e-300, 10**30, 1.5, True, False,
                     None, [], {}, [1], {"a": {"b": 1}}, "2026-13-45T99:00:00+00:00", "../x", "ghost"]),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def node_paths(document: Any) -> list[tuple]:
    """The path of every value in ``document`` (the document itself is ``()``), without recursion."""
    paths, pending = [], [((), document)]
    while pending:
        path, value = pending.pop()
        paths.append(path)
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        pending.extend(((*path, key), child) for key, child in children)
    return sorted(paths, key=lambda p: [str(k) for k in p])


def mutated(document: Any, path: tuple, value: Any) -> str:
    """The JSON text of ``document`` with the value at ``path`` replaced by ``value`` (or deleted);
    NaN, Infinity and 2,000 levels of nesting are written into the text as a hostile file holds them."""
    document = copy.deepcopy(document)
    if not path:
        document = value if value != DELETE else None
    else:
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if value == DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    text = json.dumps(document)
    return (text.replace(f'"{NAN}"', "NaN").replace(f'"{INFINITY}"', "Infinity")
            .replace(f'"{DEEP}"', "[" * 2000 + "]" * 2000))


def one_line(error: VnflagError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message and str(path) in message, message


def test_depth_is_measured_on_the_text_and_ignores_brackets_in_strings():
    check_json_depth('{"a": "[[[[[[", "b": "\\"[[[["}', "x.json", "document", max_depth=1)
    nested = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(VnflagError, match=f"nested {MAX_JSON_DEPTH + 1} levels deep"):
        check_json_depth(nested, "x.json", "document")
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, "x.json", "document")


@pytest.mark.parametrize("text, message", [
    ('{"format": "k", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested 100001 levels deep"),  # issue 18
    ('{"format": "k", "x": NaN}', "NaN is not a number JSON allows"),
    ('{"format": "k", "x": -Infinity}', "-Infinity is not a number JSON allows"),
    ('{"format": "k", "x": 1' + "0" * 5000 + "}", "invalid document"),
    ('{"format": "k", "x": "\\ud800"', "unreadable document"),
    (b'{"format": "k", "x": "\xff"}', "unreadable document"),
    ('["format", "k"]', "not a document"),
])
def test_read_json_document_refuses_hostile_text_in_one_line(tmp_path, text, message):
    path = tmp_path / "doc.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(VnflagError, match=message) as error:
        read_json_document(path, "k", "document")
    one_line(error.value, path)


def test_read_json_document_refuses_an_oversized_file_before_reading_it(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"format": "k", "x": "a" * 200}), encoding="utf-8")
    with pytest.raises(VnflagError, match="bytes, more than the 100 it may have"):
        read_json_document(path, "k", "document", max_bytes=100)


# ----------------------------------------------------------------------------- registry index
@pytest.fixture(scope="module")
def registry_copy(tmp_path_factory, model_dir, text_model_dir) -> Path:
    registry = Registry(tmp_path_factory.mktemp("registry") / "registry")
    first = registry.add(model_dir)
    second = registry.add(text_model_dir, parent=first, labels_snapshot={"labels": 3, "review_id": 9})
    registry.promote(first)
    registry.promote(second)
    return registry.path


@SETTINGS
@given(data=st.data())
def test_a_mutated_registry_index_is_refused_or_read_never_a_crash(registry_copy, data):
    index = registry_copy / "registry.json"
    original = index.read_text(encoding="utf-8")
    state = json.loads(original)
    path = data.draw(st.sampled_from(node_paths(state)))
    value = data.draw(VALUES)
    index.write_text(mutated(state, path, value), encoding="utf-8")
    try:
        registry = Registry(registry_copy, create=False)
        for action in (registry.list, registry.history, registry.events, registry.promoted,
                       lambda: registry.show(state["versions"][0]["version"]), registry.rollback):
            before = index.read_bytes()
            try:
                action()
            except VnflagError as error:
                one_line(error, registry_copy)
                assert index.read_bytes() == before  # refused: nothing written
    finally:
        index.write_text(original, encoding="utf-8")


# ----------------------------------------------------------------------------- scoring checkpoint
@pytest.fixture(scope="module")
def checkpoint_copy(tmp_path_factory, flagger) -> tuple[Path, dict]:
    """An interrupted run's checkpoint (XLSX output: numbered parts) and the identity it was made with."""
    from vnflag import score_file

    output = tmp_path_factory.mktemp("checkpoint") / "scored.xlsx"
    real = ScoreCheckpoint.save
    seen: dict = {}

    def crashing(self, chunks_done, *args, **kwargs):
        seen["identity"] = self.identity
        if chunks_done > 2:
            raise KeyboardInterrupt("power cut")
        return real(self, chunks_done, *args, **kwargs)

    ScoreCheckpoint.save = crashing  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            score_file(flagger, "data/posts_unlabelled.csv", output, chunksize=50, n_jobs=1)
    finally:
        ScoreCheckpoint.save = real  # type: ignore[method-assign]
    return output, seen["identity"]


@SETTINGS
@given(data=st.data())
def test_a_mutated_checkpoint_is_refused_or_read_never_a_crash(checkpoint_copy, data):
    output, identity = checkpoint_copy
    directory = ScoreCheckpoint.location(output)
    state_file = directory / "checkpoint.json"
    original = state_file.read_text(encoding="utf-8")
    state = json.loads(original)
    path = data.draw(st.sampled_from(node_paths(state)))
    value = data.draw(VALUES)
    state_file.write_text(mutated(state, path, value), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    try:
        checkpoint = ScoreCheckpoint.start(output, identity, resume=True)
        open_sink(output, checkpoint.directory, checkpoint.state["sink"])
    except VnflagError as error:
        one_line(error, directory)
        assert {p.name: p.read_bytes() for p in directory.iterdir()} == before
    finally:
        state_file.write_text(original, encoding="utf-8")


# ----------------------------------------------------------------------------- queue record
@pytest.fixture(scope="module")
def reviewed_queue(tmp_path_factory) -> tuple[Path, dict]:
    return reviewed_queue_csv(tmp_path_factory.mktemp("queue"), posts=10, budget=5, explore=0.4)


@SETTINGS
@given(data=st.data())
def test_a_mutated_queue_record_is_refused_or_imported_never_a_crash(reviewed_queue, tmp_path_factory, data):
    csv, record = reviewed_queue
    path = data.draw(st.sampled_from(node_paths(record)))
    value = data.draw(VALUES)
    work = tmp_path_factory.mktemp("import")
    shutil.copy(csv, work / "q.csv")
    record_file = work / "q.csv.vnflag-queue.json"
    record_file.write_text(mutated(record, path, value), encoding="utf-8")
    store = work / "labels.sqlite"
    code, _, err = run_cli("labels", "import", work / "q.csv", "--store", store)
    assert code in (0, 2, 3) and "internal error" not in err, err  # 3: rows the mutated record refuses
    if code == 2:
        assert err.count("\n") == 1 and not store.exists()  # nothing stored, no store made
    else:  # an accepted record is one the store can use for every later command
        for command in (("estimate", "--bootstrap", 20), ("status",)):
            code, _, err = run_cli("labels", *command, "--store", store)
            assert code == 0, err
