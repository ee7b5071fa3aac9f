"""``vnflag labels status|adjudicate|estimate|history`` through the command line."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from conftest import run_cli
from vnflag import Registry, build_queue, export_queue, read_reviews


@pytest.fixture()
def work(tmp_path):
    scored = pd.DataFrame({"id": [f"p{i}" for i in range(40)],
                           "text": [" ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:6] for k in range(8))
                                    for i in range(40)],
                           "score": [1 - i / 40 for i in range(40)], "model_version": "m1"})
    queue = build_queue(scored, budget=12, explore=0.5, random_share=0.5)
    export_queue(queue, tmp_path / "q.csv")
    store = tmp_path / "labels.sqlite"
    for who, flip in (("lan", set()), ("minh", {0, 3})):
        rows = read_reviews(tmp_path / "q.csv")
        rows["decision"] = ["misleading" if (i % 2 == 0) != (i in flip) else "ok" for i in range(len(rows))]
        rows["reviewer"] = who
        rows.drop(columns=["source_row", "reviewed_at"]).to_csv(tmp_path / f"{who}.csv", index=False)
        (tmp_path / f"{who}.csv.vnflag-queue.json").write_bytes((tmp_path / "q.csv.vnflag-queue.json").read_bytes())
        assert run_cli("labels", "import", tmp_path / f"{who}.csv", "--store", store)[0] == 0
    return tmp_path, store


def test_status_shows_agreement_and_conflicts(work):
    _, store = work
    code, out, _ = run_cli("labels", "status", "--store", store)
    assert code == 0 and "agreement over 12 items" in out and "83.3% agree" in out and "lan-minh" in out
    assert "0 resolved by adjudication, 2 unresolved" in out
    status = json.loads(run_cli("labels", "status", "--store", store, "--json")[1])
    agreement = status["agreement"]
    assert agreement["items"] == 12 and agreement["percent"]["percent"] == pytest.approx(1000 / 12)
    assert agreement["cohen_kappa"]["pairs"][0]["n"] == 12 and agreement["krippendorff_alpha"]["n"] == 12


def test_adjudicate_then_import_resolves_and_history_lists_it(work, text_model_dir):
    tmp, store = work
    code, _, err = run_cli("labels", "adjudicate", "--store", store, "-o", tmp / "conflicts.xlsx")
    assert code == 0 and "queued 2 conflicting items" in err
    rows = read_reviews(tmp / "conflicts.xlsx")
    assert all("lan: " in r and "minh: " in r for r in rows["reasons"])
    rows["decision"], rows["reviewer"] = "misleading", "thu"
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(tmp / "conflicts.csv", index=False)
    assert (tmp / "conflicts.xlsx.vnflag-queue.json").is_file()
    assert run_cli("labels", "import", tmp / "conflicts.csv", "--store", store)[0] == 0
    assert "2 resolved by adjudication, 0 unresolved" in run_cli("labels", "status", "--store", store)[1]
    registry = Registry(tmp / "registry")
    version = registry.add(text_model_dir)
    registry.promote(version)
    events = json.loads(run_cli("labels", "history", "--store", store, "--registry", tmp / "registry", "--json")[1])
    assert [e["event"] for e in events][:2] == ["promotion", "retrain"]
    # events logged in the same second keep the order they were logged in, newest first
    assert sorted(e["event"] for e in events[2:]) == ["adjudication", "conflicts queue", "import", "import"]
    assert [e["who"] for e in events if e["event"] in ("import", "adjudication")] == ["thu", "minh", "lan"]
    assert all(len(e["sha256"]) == 64 for e in events if e["event"] != "conflicts queue") and events[0]["sha256"]
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert "adjudication" in run_cli("labels", "history", "--store", store)[1]


def test_estimate_reports_every_figure(work):
    tmp, store = work
    code, out, _ = run_cli("labels", "estimate", "--store", store, "--queue", tmp / "q.csv.vnflag-queue.json",
                        "--bootstrap", 200, "--json")
    result = json.loads(out)
    assert code == 0 and set(result["queues"]) == {json.loads((tmp / "q.csv.vnflag-queue.json").read_text())["queue_id"]}
    overall = result["overall"]
    for name in ("prevalence", "precision_flagged", "recall_top"):
        assert set(overall[name]) >= {"estimate", "low", "high", "n"}
    # the two conflicting items are missing, the other 10 labelled; 40 scored posts
    assert overall["labelled"] == 10 and overall["scored_posts"] == 40
    assert 0 < overall["prevalence"]["estimate"] < 1
    assert overall["prevalence"]["low"] <= overall["prevalence"]["estimate"] <= overall["prevalence"]["high"]
    assert "prevalence" in run_cli("labels", "estimate", "--store", store, "--bootstrap", 50)[1]
    assert run_cli("labels", "estimate", "--store", tmp / "nope.sqlite")[0] == 2


@pytest.mark.parametrize("event, field", [
    ({"at": 5, "action": "promote"}, "events.1.at"),  # issue 18: a numeric time crashed labels history
    ({"at": "not a time", "action": "promote"}, "events.1.at"),
    ({"at": "2026-12-01T10:00:00+00:00", "action": ["promote"]}, "events.1.action"),
    ({"at": "2026-12-01T10:00:00+00:00", "action": "promote", "version": "ghost"}, "events.1.version"),
    ({"action": "promote"}, "events.1"),
])
def test_history_refuses_registry_events_of_odd_shapes(work, text_model_dir, event, field):
    """A registry index is untrusted input, validated before any field is used: an event whose time
    is not a time, whose action is not one of vnflag's, or whose version is not in the registry is
    one line naming the file and the field, exit 2."""
    tmp, store = work
    registry = Registry(tmp / "registry")
    version = registry.add(text_model_dir)
    index = tmp / "registry" / "registry.json"
    state = json.loads(index.read_text(encoding="utf-8"))
    state["events"].append({"version": version, **event})
    index.write_text(json.dumps(state), encoding="utf-8")
    before = store.read_bytes()
    for json_flag in ((), ("--json",)):
        code, out, err = run_cli("labels", "history", "--store", store, "--registry", tmp / "registry", *json_flag)
        assert code == 2 and not out and err.count("\n") == 1, err
        assert str(index) in err and f"field {field!r}" in err
    assert store.read_bytes() == before
