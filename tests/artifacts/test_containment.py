"""Nothing outside a model or registry directory is read or followed (issue 18, class 3): a link inside
a model directory, a file vnflag did not write, a version directory that is a link or leads outside
the registry, a label store inside a model or registry directory are each refused with one line,
exit 2, and nothing written, by every command."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, Registry, VnflagError, build_queue, load_model, read_manifest
from vnflag.io.files import contained_files

UNLABELLED = "data/posts_unlabelled.csv"
SECRET = "the secret text of another file"


def tree(path: Path) -> dict[str, str]:
    """Every entry under ``path`` (links as their target), with a digest of each file: what a refused
    command must leave as it was."""
    if not path.exists():
        return {}
    entries = {}
    for entry in sorted(path.rglob("*")):
        name = entry.relative_to(path).as_posix()
        if entry.is_symlink():
            entries[name] = "-> " + os.readlink(entry)
        elif entry.is_file():
            entries[name] = hashlib.sha256(entry.read_bytes()).hexdigest()
        else:
            entries[name] = "dir"
    return entries


def refused(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.startswith("vnflag: error: ") and err.count("\n") == 1, err
    assert SECRET not in out + err and "internal error" not in err
    for needle in needles:
        assert needle in err, err


@pytest.fixture()
def model_copy(tmp_path, text_model_dir) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(text_model_dir, copy)
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    return copy


def _link_card_to_secret(model: Path) -> str:
    (model / "MODEL_CARD.md").unlink()
    (model / "MODEL_CARD.md").symlink_to(model.parent / "secret.txt")
    return "MODEL_CARD.md"


def _link_model_file(model: Path) -> str:
    outside = model.parent / "elsewhere.skops"
    shutil.move(model / "model.skops", outside)
    (model / "model.skops").symlink_to(outside)
    return "model.skops"


def _link_manifest(model: Path) -> str:
    outside = model.parent / "manifest-elsewhere.json"
    shutil.move(model / "manifest.json", outside)
    (model / "manifest.json").symlink_to(outside)
    return "manifest.json"


def _link_inside(model: Path) -> str:
    (model / "MODEL_CARD.md").unlink()
    (model / "MODEL_CARD.md").symlink_to("manifest.json")  # even a link to a file of its own
    return "MODEL_CARD.md"


def _link_directory(model: Path) -> str:
    (model / "docs").symlink_to(model.parent, target_is_directory=True)
    return "docs"


def _hard_link(model: Path) -> str:
    (model / "MODEL_CARD.md").unlink()
    os.link(model.parent / "secret.txt", model / "MODEL_CARD.md")
    return "MODEL_CARD.md"


LINKS = {"card to a secret file (issue 18)": _link_card_to_secret, "card hard-linked to a secret file": _hard_link, "model file elsewhere": _link_model_file,
         "manifest elsewhere": _link_manifest, "link to a file inside": _link_inside,
         "link to a directory": _link_directory}


@pytest.mark.parametrize("case", sorted(LINKS))
def test_a_link_inside_a_model_directory_is_refused_everywhere(model_copy, tmp_path, case):
    member = LINKS[case](model_copy)
    kind = "hard links" if "hard" in case else "symbolic link"
    registry = tmp_path / "registry"
    refused(*run_cli("models", "add", "--registry", registry, model_copy), f"model/{member}", kind)
    assert not registry.exists()  # a model that may not be added creates no registry
    existing = Registry(tmp_path / "existing")
    before = tree(existing.path)
    refused(*run_cli("models", "add", "--registry", existing.path, model_copy), kind)
    assert tree(existing.path) == before
    refused(*run_cli("score", "--model", model_copy, UNLABELLED, "-o", tmp_path / "scored.csv"), kind)
    assert not (tmp_path / "scored.csv").exists()
    for load in (load_model, read_manifest):
        with pytest.raises(VnflagError, match=kind):
            load(model_copy)


@pytest.mark.parametrize("extra", ["labels.sqlite", "notes.txt", "sub/labels.sqlite"])
def test_models_add_copies_only_a_models_own_files(model_copy, tmp_path, extra):
    (model_copy / extra).parent.mkdir(exist_ok=True)
    (model_copy / extra).write_text(SECRET, encoding="utf-8")
    registry = tmp_path / "registry"
    refused(*run_cli("models", "add", "--registry", registry, model_copy), extra, "did not write")
    assert not registry.exists()
    (model_copy / extra).unlink()
    if extra.startswith("sub/"):
        (model_copy / "sub").rmdir()
    code, _, err = run_cli("models", "add", "--registry", registry, model_copy)
    assert code == 0, err
    copied = Registry(registry, create=False).path_of(read_manifest(model_copy)["model_version"])
    assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in model_copy.iterdir())


def _version_outside(registry: Path, version: str) -> None:
    outside = registry.parent / "outside"
    shutil.move(registry / "versions" / version, outside)
    (registry / "versions" / version).symlink_to(outside, target_is_directory=True)


def _version_linked_inside(registry: Path, version: str) -> None:
    hidden = registry / "versions" / ".hidden"
    shutil.move(registry / "versions" / version, hidden)
    (registry / "versions" / version).symlink_to(".hidden", target_is_directory=True)


def _versions_directory_outside(registry: Path, version: str) -> None:
    outside = registry.parent / "all-versions"
    shutil.move(registry / "versions", outside)
    (registry / "versions").symlink_to(outside, target_is_directory=True)


def _member_linked(registry: Path, version: str) -> None:
    card = registry / "versions" / version / "MODEL_CARD.md"
    card.unlink()
    card.symlink_to(registry.parent / "secret.txt")


VERSION_LINKS = {"version directory linked outside (issue 18)": _version_outside,
                 "version directory linked inside": _version_linked_inside,
                 "versions directory linked outside": _versions_directory_outside,
                 "a file of a version linked": _member_linked}


@pytest.fixture(scope="module")
def store_with_a_queue(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store") / "labels.sqlite"
    scored = pd.DataFrame({"id": ["a", "b", "c"], "text": ["một", "hai ba", "bốn năm sáu"],
                           "score": [0.9, 0.5, 0.1], "model_version": "m1"})
    LabelStore(store).register_queue(build_queue(scored, budget=2))
    return store


@pytest.mark.parametrize("case", sorted(VERSION_LINKS))
def test_every_registry_command_refuses_a_linked_version(model_copy, text_model_dir, model_dir, tmp_path,
                                                          store_with_a_queue, case):
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    registry = Registry(tmp_path / "registry")
    version = registry.add(text_model_dir)
    registry.promote(version)
    VERSION_LINKS[case](registry.path, version)
    before = tree(registry.path)
    commands = [("models", "list"), ("models", "show", version), ("models", "promote", version),
                ("models", "rollback"), ("models", "add", model_dir)]
    for command in commands:
        refused(*run_cli(*command, "--registry", registry.path))
    refused(*run_cli("labels", "history", "--store", store_with_a_queue, "--registry", registry.path))
    refused(*run_cli("score", "--registry", registry.path, UNLABELLED, "-o", tmp_path / "scored.csv"))
    assert tree(registry.path) == before and not (tmp_path / "scored.csv").exists()


@pytest.mark.parametrize("name", ["registry.json", ".lock", "versions"])
def test_a_registrys_own_files_may_not_be_links(text_model_dir, model_dir, tmp_path, name):
    """The index, the lock file and the versions directory of an empty registry too: a new version
    or a lock would otherwise be written outside it."""
    registry = Registry(tmp_path / "registry")
    (tmp_path / "registry" / ".lock").touch()
    target = tmp_path / f"outside-{name}"
    shutil.move(registry.path / name, target)
    (registry.path / name).symlink_to(target)
    before, outside = tree(registry.path), tree(tmp_path)
    commands = [("models", "add", model_dir), ("models", "rollback")]
    if name != ".lock":  # listing takes no lock: it opens nothing through that link
        commands.append(("models", "list"))
    for command in commands:
        refused(*run_cli(*command, "--registry", registry.path), "symbolic link")
    assert tree(registry.path) == before and tree(tmp_path) == outside


@pytest.mark.parametrize("where", ["model", "registry", "version", "link to the model"])
def test_a_label_store_inside_a_model_or_registry_directory_is_refused(model_copy, tmp_path, where):
    registry = Registry(tmp_path / "registry")
    version = registry.add(model_copy)
    (tmp_path / "link").symlink_to(model_copy, target_is_directory=True)
    directory = {"model": model_copy, "registry": registry.path, "version": registry.path_of(version),
                 "link to the model": tmp_path / "link"}[where]
    store = directory / "labels.sqlite"
    scored = pd.DataFrame({"id": ["a", "b"], "text": ["một", "hai ba"], "score": [0.9, 0.5], "model_version": "m1"})
    queue = build_queue(scored, budget=2)
    from vnflag import export_queue

    export_queue(queue, tmp_path / "q.csv")
    before = tree(tmp_path)
    refused(*run_cli("labels", "import", tmp_path / "q.csv", "--store", store), "labels.sqlite",
            "inside the vnflag model or registry directory")
    refused(*run_cli("labels", "status", "--store", store))  # no such store, or refused: either way nothing made
    with pytest.raises(VnflagError, match="keep the label store elsewhere"):
        LabelStore(store).register_queue(queue)
    assert tree(tmp_path) == before


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["file", "dir", "link-in", "link-out", "link-dir"]),
                          st.sampled_from(["a", "b", "c.txt", "sub"])), min_size=1, max_size=6))
def test_contained_files_never_lists_or_follows_a_link(tmp_path_factory, layout):
    """Whatever a directory holds, contained_files either lists plain files that are inside it, or
    refuses with one line; it never lists anything reached through a link."""
    root = tmp_path_factory.mktemp("dir") / "model"
    root.mkdir()
    outside = root.parent / "outside.txt"
    outside.write_text(SECRET, encoding="utf-8")
    current = root
    links = 0
    for kind, name in layout:
        path = current / name
        if path.exists() or path.is_symlink():
            continue
        if kind == "file":
            path.write_text("x", encoding="utf-8")
        elif kind == "dir":
            path.mkdir()
            current = path
        else:
            links += 1
            path.symlink_to({"link-in": root, "link-out": outside, "link-dir": root.parent}[kind])
    try:
        files = contained_files(root, "model directory")
    except VnflagError as error:
        assert links and "\n" not in str(error) and "symbolic link" in str(error)
        return
    assert not links
    for name in files:
        path = root / name
        assert path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(root.resolve())
    assert json.dumps([str(f) for f in files])
