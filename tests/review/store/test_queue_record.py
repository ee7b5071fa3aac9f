"""The queue record that import trusts is checked against its schema first: a malformed record is
one line, exit 2, and nothing is stored (no store file is even created)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conftest import reviewed_queue_csv, run_cli
from vnflag import LabelStore, VnflagError
from vnflag.review import queues
from vnflag.review.queues import check_queue_record, read_queue_record


@pytest.fixture()
def reviewed(tmp_path) -> tuple[Path, dict]:
    """A reviewed CSV with its queue record beside it: (the CSV, the record as written)."""
    return reviewed_queue_csv(tmp_path, posts=12, budget=6, explore=0.5)


def _break(record: dict, how: str) -> str:
    """The record's JSON text, broken one way."""
    record = copy.deepcopy(record)
    item, member = record["items"][0], record["items"][0]["members"][0]
    random_item = next(i for i in record["items"] if i["why"] == "random")
    if how == "items not a list":
        record["items"] = {"a": 1}
    elif how == "an item without item_id":
        del item["item_id"]
    elif how == "empty item_id":
        item["item_id"] = ""
    elif how == "group_size many":
        item["group_size"] = "many"
    elif how == "group_size 0":
        item["group_size"] = 0
    elif how == "meta not an object":
        member["meta"] = "x"
    elif how == "meta nested":
        member["meta"] = {"likes": {"a": 1}}
    elif how == "probability text":
        random_item["inclusion_probability"] = "abc"
    elif how == "probability tiny":
        random_item["inclusion_probability"] = 1e-300
    elif how == "probability zero":
        random_item["inclusion_probability"] = 0
    elif how == "probability above one":
        random_item["inclusion_probability"] = 1.5
    elif how == "probability below 1/groups":
        random_item["inclusion_probability"] = 0.01  # the batch has 12 groups: at least 1/12
    elif how == "probability boolean":
        random_item["inclusion_probability"] = True
    elif how in ("probability Infinity", "score NaN"):
        marker = "__not_finite__"
        if how == "probability Infinity":
            random_item["inclusion_probability"] = marker
        else:
            member["score"] = marker
        return json.dumps(record).replace(f'"{marker}"', "Infinity" if how == "probability Infinity" else "NaN")
    elif how == "member id a number":
        member["id"] = 5
    elif how == "members missing":
        del item["members"]
    elif how == "negative count":
        record["scored_posts"] = -1
    elif how == "huge count":
        record["scored_posts"] = 10 ** 400
    elif how == "reviewers not names":
        record["reviewers"] = "lan"
    elif how == "purpose unknown":
        record["purpose"] = "training"
    elif how == "item twice":
        record["items"][1]["item_id"] = item["item_id"]
    elif how == "post in two items":
        record["items"][1]["members"].append(dict(member))
    elif how == "deep nesting":
        return json.dumps(record).replace('"model_versions": ["m1"]', '"model_versions": ' + "[" * 40 + "]" * 40)
    elif how == "deeper than Python reads":
        return json.dumps(record).replace('"model_versions": ["m1"]', '"model_versions": ' + "[" * 100_000
                                          + "]" * 100_000)
    elif how == "a number of 5000 digits":
        return json.dumps(record).replace('"scored_posts": 12', '"scored_posts": 1' + "0" * 5000)
    elif how == "queue_id missing":
        del record["queue_id"]
    else:  # pragma: no cover
        raise AssertionError(how)
    return json.dumps(record)


MALFORMED = ["items not a list", "an item without item_id", "empty item_id", "group_size many", "group_size 0",
             "meta not an object", "meta nested", "probability text", "probability tiny", "probability zero",
             "probability above one", "probability below 1/groups", "probability boolean", "probability Infinity",
             "score NaN", "member id a number", "members missing", "negative count", "huge count",
             "reviewers not names", "purpose unknown", "item twice", "post in two items", "deep nesting",
             "deeper than Python reads", "a number of 5000 digits", "queue_id missing"]


@pytest.mark.parametrize("how", MALFORMED)
def test_a_malformed_queue_record_is_one_line_exit_2_and_stores_nothing(reviewed, how):
    csv, record = reviewed
    record_file = csv.with_name("q.csv.vnflag-queue.json")
    record_file.write_text(_break(record, how), encoding="utf-8")
    store = csv.with_name("labels.sqlite")
    code, out, err = run_cli("labels", "import", csv, "--store", store)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("vnflag: error: ") and str(record_file) in err, err
    assert "invalid vnflag queue record" in err and "internal error" not in err
    assert not store.exists()  # nothing stored, no store created
    code, _, err = run_cli("labels", "estimate", "--store", store, "--queue", record_file)
    assert code == 2 and err.count("\n") == 1


def test_a_malformed_record_is_refused_when_the_store_exists_too(reviewed):
    csv, record = reviewed
    store = csv.with_name("labels.sqlite")
    assert run_cli("labels", "import", csv, "--store", store)[0] == 0
    before = store.read_bytes()
    record["items"][0]["members"][0]["meta"] = "x"
    other = csv.with_name("r.csv")
    other.write_bytes(csv.read_bytes())
    csv.with_name("r.vnflag-queue.json").write_text(json.dumps({**record, "queue_id": "qother"}), encoding="utf-8")
    code, _, err = run_cli("labels", "import", other, "--store", store, "--queue", csv.with_name("r.vnflag-queue.json"))
    assert code == 2 and "field 'items.0.members.0.meta'" in err and store.read_bytes() == before


def test_a_well_formed_record_imports_and_estimates(reviewed):
    csv, record = reviewed
    store = csv.with_name("labels.sqlite")
    assert run_cli("labels", "import", csv, "--store", store)[0] == 0
    code, out, _ = run_cli("labels", "estimate", "--store", store, "--bootstrap", 20, "--json")
    assert code == 0 and json.loads(out)["overall"]["labelled"] == 6
    assert set(LabelStore(store).training_frame()["num_like"]) <= {str(i) for i in range(12)}


def test_an_oversized_record_is_refused_before_it_is_read(reviewed, monkeypatch):
    csv, _ = reviewed
    monkeypatch.setattr(queues, "MAX_RECORD_BYTES", 100)
    with pytest.raises(VnflagError, match="invalid vnflag queue record: .* bytes, more than the 100 "):
        read_queue_record(csv)


def test_records_made_by_vnflag_pass_and_the_floor_is_one_in_a_billion(reviewed):
    _, record = reviewed
    assert check_queue_record(record) is record
    item = next(i for i in record["items"] if i["why"] == "random")
    item["inclusion_probability"] = 1 / 12  # one of the 12 scored groups
    check_queue_record(record)
    del record["scored_groups"], record["groups"]  # the batch size unknown: the static floor only
    item["inclusion_probability"] = 1e-9
    check_queue_record(record)
    item["inclusion_probability"] = 0.9e-9
    with pytest.raises(VnflagError, match="inclusion_probability"):
        check_queue_record(record)


def test_register_queue_checks_a_record_given_as_a_dict(reviewed, tmp_path):
    _, record = reviewed
    record["items"][0]["group_size"] = "many"
    with pytest.raises(VnflagError, match="field 'items.0.group_size'"):
        LabelStore(tmp_path / "s.sqlite").register_queue(record)
    assert not (tmp_path / "s.sqlite").exists()
