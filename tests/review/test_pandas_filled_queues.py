"""Filling a queue in pandas (issue 20, item 6): what ``pd.read_excel(q, dtype=str)`` … ``df.to_excel(q,
index=False)`` (and the same with CSV) writes back is imported, written by pandas itself."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import build_queue, export_queue

TEXTS = ["=1+2 tin nóng", "dòng một\r\ndòng hai", "mã _x000D_ lạ", "  cách đầu  ", "0123", "-5 độ"]
IDS = ["007", "p1", "p2", "1e3", "100012345678901234", "p5"]


def _queue(directory, name: str, texts=TEXTS, ids=IDS):
    scored = pd.DataFrame({"id": ids, "text": texts, "score": [0.9 - i / 10 for i in range(len(ids))],
                           "model_version": "m1"})
    path = directory / name
    export_queue(build_queue(scored, budget=len(ids), explore=0.0), path)
    return path


def _stored(store) -> dict[str, str]:
    with sqlite3.connect(store) as db:
        return dict(db.execute("SELECT post_id, decision FROM reviews"))


@pytest.mark.parametrize("name", ["q.xlsx", "q.csv"])
def test_a_queue_filled_in_pandas_is_imported(tmp_path, name):
    q = _queue(tmp_path, name)
    if name.endswith(".xlsx"):
        df = pd.read_excel(q, dtype=str)          # the guide's recipe (queues)
    else:
        df = pd.read_csv(q, dtype=str)
    assert df["decision"].isna().all() or (df["decision"] == "").all()  # empty: NaN (float) in pandas
    first, second = df.index[df["id"] == "007"][0], df.index[df["id"] == "p1"][0]
    df.loc[[first, second], ["decision", "reviewer"]] = [["misleading", "lan"], ["ok", "lan"]]
    if name.endswith(".xlsx"):
        df.to_excel(q, index=False)
    else:
        df.to_csv(q, index=False)
    store = tmp_path / "labels.sqlite"
    status, out, err = run_cli("labels", "import", q, "--store", store)
    assert status == 0, err
    assert "6 rows: 2 new, 0 already stored, 0 rejected, 4 not yet reviewed" in out + err
    assert _stored(store) == {"007": "misleading", "p1": "ok"}


@settings(max_examples=5, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(list("aạđ =+-_x0D\r\n'\"")), min_size=1, max_size=10),
                      min_size=1, max_size=4, unique=True))
def test_any_queue_round_trips_through_pandas_excel(tmp_path_factory, texts):
    directory = tmp_path_factory.mktemp("pandas")
    ids = [f"0{i}" for i in range(len(texts))]
    q = _queue(directory, "q.xlsx", texts=[f"bài {t}" for t in texts], ids=ids)
    df = pd.read_excel(q, dtype=str)
    df["decision"], df["reviewer"] = "ok", "lan"
    df.to_excel(q, index=False)
    status, _, err = run_cli("labels", "import", q, "--store", directory / "labels.sqlite")
    assert status == 0, err
    assert _stored(directory / "labels.sqlite") == dict.fromkeys(ids, "ok")
