"""Column roles: one resolver (model manifest, registry version named by a scored table, fitted model,
or vnflag's defaults) behind every workflow's column defaults; an explicit option wins."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from conftest import META_COLS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import Registry, VnflagError
from vnflag.artifacts.roles import ColumnRoles, column_roles


def _manifest_dir(base: Path, model_dir: Path, name: str, version: str, **columns) -> Path:
    """A directory holding only a manifest (all the resolver reads) with these columns and version."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(model_version=version, columns=columns)
    directory = base / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def test_without_a_model_the_roles_are_vnflags_defaults():
    roles = column_roles()
    assert (roles.text, roles.label, roles.meta, roles.time, roles.features) == ("text", "label", (), None, ())


def test_a_model_directory_and_its_fitted_model_give_the_columns_it_was_trained_with(model_dir, flagger):
    roles = column_roles(model_dir)
    assert (roles.text, roles.label, roles.meta, roles.time) == ("text", "label", tuple(META_COLS), None)
    assert roles.features == tuple(META_COLS)
    assert column_roles(str(model_dir)) == roles
    assert column_roles(flagger).features == tuple(META_COLS) and column_roles(flagger).text == "text"


def test_an_explicit_option_wins_over_the_model():
    roles = ColumnRoles(text="post_message", label="is_fake", meta=("num_like",), time="posted")
    assert roles.with_options(text="body").text == "body"
    assert roles.with_options(label="y").label == "y"
    assert roles.with_options() == roles
    assert roles.with_options(text="body").features == ("num_like", "posted")  # what the model reads stays


def test_a_registry_uses_the_version_that_scored_the_table_not_the_promoted_one(tmp_path, model_dir):
    old = _manifest_dir(tmp_path, model_dir, "old", "v-old", text="message", label="label", meta=["likes"],
                        time="posted")
    new = _manifest_dir(tmp_path, model_dir, "new", "v-new", text="post_message", label="label", meta=[], time=None)
    registry = Registry(tmp_path / "models")
    registry.add(old)
    registry.add(new)
    registry.promote("v-new")
    assert column_roles(registry.path, ["v-old"]).text == "message"
    assert column_roles(registry.path, ["v-old"]).features == ("likes", "posted")
    assert column_roles(registry.path).text == "post_message"  # no version named: the promoted one
    with pytest.raises(VnflagError, match="holds no model version v-gone"):
        column_roles(registry.path, ["v-gone"])
    with pytest.raises(VnflagError, match="read different columns"):
        column_roles(registry.path, ["v-old", "v-new"])


def test_a_model_directory_of_another_version_than_the_scored_tables_is_refused(tmp_path, model_dir):
    directory = _manifest_dir(tmp_path, model_dir, "m", "v-1", text="text")
    assert column_roles(directory, ["v-1", "", None]).text == "text"
    with pytest.raises(VnflagError, match="scored by model version v-2, not by"):
        column_roles(directory, ["v-2"])


names = st.text(alphabet=string.ascii_letters + "_ áươ", min_size=1, max_size=12).filter(str.strip)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=names, label=st.none() | names, meta=st.lists(names, max_size=3, unique=True), time=st.none() | names,
       text_option=st.none() | names, label_option=st.none() | names)
def test_any_roles_a_manifest_records_are_the_defaults_and_options_win(tmp_path_factory, model_dir, text, label,
                                                                       meta, time, text_option, label_option):
    directory = _manifest_dir(tmp_path_factory.mktemp("roles"), model_dir, "m", "v", text=text, label=label,
                              meta=meta, time=time)
    roles = column_roles(directory)
    assert (roles.text, roles.label, roles.meta, roles.time) == (text, label or "label", tuple(meta), time)
    assert roles.features == (*meta, *([time] if time else []))
    chosen = roles.with_options(text=text_option, label=label_option)
    assert chosen.text == (text_option or text) and chosen.label == (label_option or label or "label")
    assert chosen.features == roles.features
