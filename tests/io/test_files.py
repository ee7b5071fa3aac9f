"""Safe files: outputs never destroy inputs or model/registry directories, writes are atomic,
and temporaries left by a killed run are removed by the next one (only vnflag's, only dead ones)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vnflag import VnflagError
from vnflag.io.files import (
    atomic_directory,
    atomic_path,
    check_output_path,
    json_text,
    remove_stale_temporaries,
    write_text_atomic,
)


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_output_may_not_be_an_input_by_any_name(tmp_path):
    posts = tmp_path / "posts.csv"
    posts.write_text("id,text\n1,a\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(posts)
    for output in (posts, tmp_path / "." / "posts.csv", tmp_path / "link.csv"):
        with pytest.raises(VnflagError, match="also an input"):
            check_output_path(output, inputs=[posts])
    check_output_path(tmp_path / "scored.csv", inputs=[posts])  # another file is fine


def test_output_may_not_be_a_directory_or_inside_a_model_or_registry(tmp_path):
    with pytest.raises(VnflagError, match="is a directory"):
        check_output_path(tmp_path)
    for marker, kind in (("manifest.json", "vnflag-model"), ("registry.json", "vnflag-registry")):
        managed = tmp_path / marker.split(".")[0]
        (managed / "sub").mkdir(parents=True)
        (managed / marker).write_text(json.dumps({"format": kind}), encoding="utf-8")
        for output in (managed / marker, managed / "scored.csv", managed / "sub" / "x.csv"):
            with pytest.raises(VnflagError, match="model or registry directory"):
                check_output_path(output)
            with pytest.raises(VnflagError, match="model or registry directory"):
                write_text_atomic("x", output)
        assert json.loads((managed / marker).read_text(encoding="utf-8")) == {"format": kind}
        write_text_atomic("owned", managed / "comparison.md", managed_ok=True)  # the owner may


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_stale_temporaries_of_dead_runs_are_removed_and_nothing_else(tmp_path):
    target = tmp_path / "out.csv"
    dead, alive = _dead_pid(), os.getpid()
    stale_file = tmp_path / f".out.csv.vnflag-{dead}-abc123.csv"
    stale_dir = tmp_path / f".out.csv.vnflag-{dead}-old-xyz"
    live = tmp_path / f".out.csv.vnflag-{alive}-def456.csv"
    foreign = [tmp_path / ".out.csv.backup", tmp_path / f".other.csv.vnflag-{dead}-a.csv", tmp_path / "out.csv.vnflag"]
    stale_file.write_text("partial", encoding="utf-8")
    (stale_dir / "replaced").mkdir(parents=True)
    live.write_text("in progress", encoding="utf-8")
    for path in foreign:
        path.write_text("not ours to delete", encoding="utf-8")
    removed = remove_stale_temporaries(target)
    assert sorted(removed) == sorted([stale_file, stale_dir])
    assert live.exists() and all(p.exists() for p in foreign)
    write_text_atomic("new", target)  # every atomic write cleans up the same way
    assert target.read_text(encoding="utf-8") == "new"


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "model"
    with atomic_directory(target) as staging:
        (staging / "a.txt").write_text("1", encoding="utf-8")
    assert [p.name for p in target.iterdir()] == ["a.txt"]
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as staging:
            (staging / "b.txt").write_text("2", encoding="utf-8")
            raise RuntimeError("crash")
    assert [p.name for p in target.iterdir()] == ["a.txt"]
    with atomic_directory(target) as staging:
        (staging / "c.txt").write_text("3", encoding="utf-8")
    assert [p.name for p in target.iterdir()] == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_json_documents_are_strict_json():
    text = json_text({"precision": float("nan"), "n": 3, "nested": [float("inf")]})
    assert json.loads(text) == {"precision": None, "n": 3, "nested": [None]}
    assert "NaN" not in text and text.endswith("\n")


def _record_syncs(monkeypatch) -> list[tuple[str, str]]:
    """Every fsync and rename, in order, as (what, path); fsync is recorded by the path it synced."""
    import vnflag.io.files as files

    events: list[tuple[str, str]] = []
    opened: dict[int, str] = {}
    real_open, real_fsync, real_replace = os.open, os.fsync, os.replace

    def recording_open(path, flags, *args, **kwargs):
        descriptor = real_open(path, flags, *args, **kwargs)
        opened[descriptor] = str(path)
        return descriptor

    def recording_fsync(descriptor):
        events.append(("fsync", opened.get(descriptor, "?")))
        return real_fsync(descriptor)

    def recording_replace(source, target):
        events.append(("rename", f"{source} -> {target}"))
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "open", recording_open)
    monkeypatch.setattr(files.os, "fsync", recording_fsync)
    monkeypatch.setattr(files.os, "replace", recording_replace)
    return events


def test_atomic_file_is_synced_before_its_rename_and_the_directory_after(tmp_path, monkeypatch):
    events = _record_syncs(monkeypatch)
    write_text_atomic("tin\n", tmp_path / "out.txt")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "rename", "fsync"], events
    temporary = events[1][1].split(" -> ")[0]
    assert events[0][1] == temporary, "the file's own bytes are synced before it is published"
    assert events[2][1] == str(tmp_path), "then the directory holding the new name"
    assert (tmp_path / "out.txt").read_text() == "tin\n"


def test_atomic_directory_syncs_every_file_before_taking_the_place(tmp_path, monkeypatch):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    events = _record_syncs(monkeypatch)
    with atomic_directory(target) as staging:
        (staging / "a.json").write_text("{}")
        (staging / "sub").mkdir()
        (staging / "sub" / "b.bin").write_bytes(b"\x00")
    synced_before = {path for kind, path in events[:[k for k, _ in events].index("rename")] if kind == "fsync"}
    assert len([p for p in synced_before if p.endswith(("a.json", "b.bin"))]) == 2, events
    assert events[-1] == ("fsync", str(tmp_path)), "the parent directory after the rename"
    assert sorted(p.name for p in target.iterdir()) == ["a.json", "sub"]
