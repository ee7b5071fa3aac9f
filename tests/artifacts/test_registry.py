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
])
def test_registry_index_is_validated_and_paths_stay_inside(registry, tmp_path, change, message):
    import shutil

    registry, first, second = registry
    copy = tmp_path / "copy"
    shutil.copytree(registry.path, copy)
    index = json.loads((copy / "registry.json").read_text(encoding="utf-8"))
    change(index)
    (copy / "registry.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(VnflagError, match=message):
        Registry(copy, create=False).path_of(first)


def test_a_version_directory_linked_outside_is_refused(registry, tmp_path):
    import shutil

    registry, first, second = registry
    copy = tmp_path / "copy"
    shutil.copytree(registry.path, copy)
    outside = tmp_path / "outside"
    shutil.move(copy / "versions" / first, outside)
    (copy / "versions" / first).symlink_to(outside, target_is_directory=True)
    with pytest.raises(VnflagError, match="outside the registry"):
        Registry(copy, create=False).path_of(first)
