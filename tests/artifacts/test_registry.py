"""The model registry: versions with lineage, explicit promotion, rollback, scoring the promoted version."""

from __future__ import annotations

import json

import pytest

from vnflag import Registry, VnflagError, read_manifest, score_frame
from vnflag.artifacts.registry import resolve_model_dir


@pytest.fixture()
def registry(tmp_path, model_dir, text_model_dir):
    registry = Registry(tmp_path / "registry")
    first = registry.add(model_dir)
    second = registry.add(text_model_dir, parent=first, labels_snapshot={"labels": 12, "review_id": 30})
    return registry, first, second


def test_add_and_list_with_lineage(registry, model_dir, text_model_dir):
    registry, first, second = registry
    assert first == read_manifest(model_dir)["model_version"] != second
    listing = registry.list()
    assert listing["version"].tolist() == [first, second]
    assert listing["parent"].tolist() == ["", first]
    assert listing["labels"].tolist() == [0, 12]
    assert not listing["promoted"].any()
    assert registry.add(text_model_dir) == second and len(registry.list()) == 2  # idempotent
    copied = registry.path_of(second)
    assert copied.parent == registry.path / "versions" and (copied / "model.skops").is_file()
    shown = registry.show(second[:-3])  # a unique prefix is enough
    assert shown["parent"] == first and shown["manifest"]["model_version"] == second


def test_promote_rollback_and_scoring_uses_promoted(registry, unlabelled):
    registry, first, second = registry
    with pytest.raises(VnflagError, match="no version is promoted"):
        resolve_model_dir(registry.path)
    with pytest.raises(VnflagError, match="nothing to roll back"):
        registry.rollback()
    registry.promote(first)
    registry.promote(second)
    assert registry.promoted() == second
    posts = unlabelled.head(3)[["text"]]
    assert set(score_frame(registry.path, posts)["model_version"]) == {second}
    assert registry.rollback() == first
    assert registry.promoted() == first and registry.list()["promoted"].tolist() == [True, False]
    assert set(score_frame(registry.path, posts.assign(num_like="1", num_comment="0", num_share="0"))
               ["model_version"]) == {first}
    with pytest.raises(VnflagError, match="nothing to roll back"):
        registry.rollback()
    actions = [e["action"] for e in registry.history()]
    assert actions == ["add", "add", "promote", "promote", "rollback"]
    index = json.loads((registry.path / "registry.json").read_text(encoding="utf-8"))
    assert index["promoted"] == first


def test_unknown_and_ambiguous_versions(registry, tmp_path):
    registry, first, second = registry
    with pytest.raises(VnflagError, match="not in the registry"):
        registry.promote("19990101")
    with pytest.raises(VnflagError, match="ambiguous"):
        registry.show("2")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    with pytest.raises(VnflagError, match="not a model registry"):
        Registry(tmp_path / "junk")
    with pytest.raises(VnflagError, match="not a vnflag model registry"):
        Registry(tmp_path / "missing", create=False)
    assert resolve_model_dir(tmp_path / "plain") == tmp_path / "plain"


@pytest.mark.parametrize("change, message", [
    (lambda index: index["versions"][0].update(path="../../elsewhere"), "inside the registry"),
    (lambda index: index["versions"][0].update(path="/tmp"), "inside the registry"),
    (lambda index: index["versions"][0].update(version="../x", path="versions/../x"), "version"),
    (lambda index: index.update(versions={"a": 1}), "versions"),
    (lambda index: index.update(promoted=5), "promoted"),
    (lambda index: index.update(stack="abc"), "stack"),
    (lambda index: index.pop("events"), "events"),
    (lambda index: index["events"][0].update(at=5), "events.0.at"),
    (lambda index: index["events"][0].update(at="2026-13-45T99:00:00+00:00"), "events.0.at"),
    (lambda index: index["events"][0].update(at="yesterday"), "events.0.at"),
    (lambda index: index["events"][0].update(action=["promote"]), "events.0.action"),
    (lambda index: index["events"][0].update(version={"v": 1}), "events.0.version"),
    (lambda index: index["events"].append({**index["events"][0], "version": "ghost"}), "events.2.version"),
    (lambda index: index["events"].append({"action": "promote", "version": index["versions"][0]["version"]}),
     "events.2"),
    (lambda index: index.update(stack=["ghost", *index["stack"]]), "stack.0"),
    (lambda index: index.update(stack=[index["versions"][0]["version"], "ghost"], promoted="ghost"), "stack.1"),
    (lambda index: index.update(promoted=index["versions"][1]["version"]), "promoted"),
    (lambda index: index["versions"].append(dict(index["versions"][0])), "versions.2.version"),
    (lambda index: index["versions"][0].update(training_rows=-3), "versions.0.training_rows"),
    (lambda index: index.update(note=float("nan")), "not a number JSON allows"),
    (lambda index: index.update(note=json.loads("[" * 70 + "]" * 70)), "nested 71 levels deep, more than the 64"),
])
def test_registry_index_is_validated_and_paths_stay_inside(registry, tmp_path, change, message):
    import shutil

    registry, first, second = registry
    copy = tmp_path / "copy"
    shutil.copytree(registry.path, copy)
    index = json.loads((copy / "registry.json").read_text(encoding="utf-8"))
    change(index)
    (copy / "registry.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(VnflagError, match=message) as error:
        Registry(copy, create=False).path_of(first)
    assert "\n" not in str(error.value) and "registry.json" in str(error.value)


def test_a_missing_version_directory_is_refused(registry, tmp_path):
    import shutil

    registry, first, second = registry
    shutil.rmtree(registry.path / "versions" / second)
    with pytest.raises(VnflagError, match=f"field 'versions.1': the directory of version '{second}'.* is missing"):
        registry.list()


def test_rollback_never_reports_a_ghost_as_promoted(registry, tmp_path):
    """Issue 18: an unknown version in the promotion stack made `models rollback` report it as promoted."""
    from conftest import run_cli

    registry, first, second = registry
    registry.promote(first)
    registry.promote(second)
    index = registry.path / "registry.json"
    state = json.loads(index.read_text(encoding="utf-8"))
    state["stack"].insert(1, "ghost")
    index.write_text(json.dumps(state), encoding="utf-8")
    before = index.read_bytes()
    code, out, err = run_cli("models", "rollback", "--registry", registry.path)
    assert code == 2 and not out and err.count("\n") == 1 and "ghost" in err and "field 'stack.1'" in err
    assert index.read_bytes() == before
