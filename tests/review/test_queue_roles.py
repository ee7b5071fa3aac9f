"""A queue takes its column roles from the model that scored the posts: its text column, and the
engagement and time columns it reads kept in the queue record (so retraining on reviewed posts has
them); an explicit text column and extra kept columns still win."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import VnflagError, build_queue

COLUMNS = ["num_like", "num_comment", "num_share", "posted", "source"]


def _model(base: Path, model_dir: Path, version: str = "v1", **columns) -> Path:
    """A model directory's manifest (all the roles come from) with these columns."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(model_version=version, columns=columns)
    base.mkdir(parents=True, exist_ok=True)
    (base / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return base


def _scored(n: int = 12, version: str = "v1") -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "post_message": [f"bài viết số {i} về chủ đề {string.ascii_lowercase[i % 26]} khác hẳn {i * 7919}"
                         for i in range(n)],
        "num_like": [str(i) for i in range(n)], "num_comment": [str(2 * i) for i in range(n)],
        "num_share": ["" if i % 3 == 0 else str(i) for i in range(n)],  # an export's own empty cells
        "posted": [f"2020-03-{1 + i:02d} 10:00" for i in range(n)], "source": ["fb"] * n,
        "score": [round(1 - i / n, 3) for i in range(n)], "model_version": [version] * n,
    })


def test_the_models_text_column_and_features_are_the_queues_defaults(tmp_path, model_dir):
    model = _model(tmp_path / "m", model_dir, text="post_message", label="is_fake",
                   meta=["num_like", "num_comment", "num_share"], time="posted")
    scored = _scored()
    queue = build_queue(scored, budget=5, similarity=1.0, model=model)
    record = queue.attrs["vnflag_queue"]
    assert record["meta_cols"] == ["num_like", "num_comment", "num_share", "posted"]
    assert queue["text"].tolist() == scored["post_message"].head(5).tolist()
    rows = scored.set_index("id")
    for item in record["items"]:
        for member in item["members"]:
            expected = {c: (rows.loc[member["id"], c] or None) for c in record["meta_cols"]}
            assert member["meta"] == expected
    # kept columns given explicitly come first, the model's are added; an explicit text column wins
    explicit = build_queue(scored.assign(body=scored["post_message"]), budget=5, similarity=1.0, model=model,
                           text_col="body", meta_cols=["source", "num_like"])
    assert explicit.attrs["vnflag_queue"]["meta_cols"] == ["source", "num_like", "num_comment", "num_share", "posted"]


def test_without_a_model_nothing_is_kept_and_the_text_column_is_text(tmp_path):
    scored = _scored().rename(columns={"post_message": "text"})
    assert build_queue(scored, budget=3, similarity=1.0).attrs["vnflag_queue"]["meta_cols"] == []
    with pytest.raises(VnflagError, match=r"pass the model that scored it, --model.*column 'text' not found"):
        build_queue(_scored(), budget=3, similarity=1.0)


def test_a_column_the_model_reads_but_the_table_lacks_is_refused(tmp_path, model_dir):
    model = _model(tmp_path / "m", model_dir, text="post_message", meta=["num_like"], time="posted")
    with pytest.raises(VnflagError, match="posted"):
        build_queue(_scored().drop(columns="posted"), budget=3, model=model)


def test_a_table_scored_by_another_model_is_refused(tmp_path, model_dir):
    model = _model(tmp_path / "m", model_dir, version="v1", text="post_message")
    with pytest.raises(VnflagError, match="scored by model version v2"):
        build_queue(_scored(version="v2"), budget=3, model=model)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=st.lists(st.sampled_from(COLUMNS[:3]), unique=True), time=st.none() | st.just("posted"),
       keep=st.lists(st.sampled_from(COLUMNS), unique=True, max_size=3))
def test_the_record_keeps_the_given_columns_then_every_column_the_model_reads(tmp_path_factory, model_dir, meta,
                                                                            time, keep):
    model = _model(tmp_path_factory.mktemp("m"), model_dir, text="post_message", meta=meta, time=time)
    scored = _scored(8)
    record = build_queue(scored, budget=4, similarity=1.0, model=model, meta_cols=keep).attrs["vnflag_queue"]
    expected = list(dict.fromkeys([*keep, *meta, *([time] if time else [])]))
    assert record["meta_cols"] == expected
    rows = scored.set_index("id")
    for item in record["items"]:
        for member in item["members"]:
            assert member["meta"] == {c: (rows.loc[member["id"], c] or None) for c in expected}
