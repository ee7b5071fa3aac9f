"""The README's Quick start runs as written, also right after `make demo` (issue 20 item 7: it failed
because the demo's `out/model` existed, and the error did not say how to replace it)."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import DATA, REPO


def quick_start_code() -> str:
    """The first Python block under the README's "## Quick start" heading."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the Quick start has no Python block"
    return match.group(1)


def test_quick_start_runs_after_make_demo_and_twice(tmp_path, monkeypatch, model_dir):
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(model_dir, tmp_path / "out" / "model")  # what `make demo` leaves behind
    monkeypatch.chdir(tmp_path)
    code = quick_start_code()
    for _ in range(2):  # a notebook cell is run again
        namespace: dict = {}
        exec(compile(code, "README.md#quick-start", "exec"), namespace)  # noqa: S102 - the README's own code
        assert len(namespace["scored"]) == len(namespace["new"]) and namespace["scored"]["score"].notna().any()
    assert (tmp_path / "out" / "model" / "manifest.json").read_bytes() == (model_dir / "manifest.json").read_bytes()


def test_an_existing_model_directory_error_says_how_to_replace_it(tmp_path, flagger):
    from vnflag import VnflagError, save_model

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "x").write_text("x", encoding="utf-8")
    with pytest.raises(VnflagError, match=r"overwrite=True \(vnflag train --overwrite\)"):
        save_model(flagger, tmp_path / "model")
