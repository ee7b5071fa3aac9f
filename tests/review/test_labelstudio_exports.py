"""Issue 19: a review's identity is where it came from. The files in data/labelstudio_1.23.2 are
real exports of one project of Label Studio 1.23.2 (19 vnflag tasks, each annotated by users 1 =
anh@vnflag.test and 2 = binh@vnflag.test: 38 annotations): JSON, JSON_MIN, CSV and a snapshot."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag.exceptions import VnflagError
from vnflag.review.formats import read_reviews
from vnflag.review.store import LabelStore

DATA = Path(__file__).parent / "data" / "labelstudio_1.23.2"
EXPORTS = ("export.json", "export_min.json", "export.csv", "snapshot.json")
QUEUE = DATA / "q.labelstudio.json"


@pytest.fixture()
def exports(tmp_path) -> Path:
    for name in (*EXPORTS, QUEUE.name, QUEUE.name + ".vnflag-queue.json"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _truth() -> dict[tuple[str, str], str]:
    """(post id, user id) → decision, from the JSON export's tasks (vnflag's own data) and annotations."""
    truth = {}
    for task in json.loads((DATA / "export.json").read_text(encoding="utf-8")):
        for annotation in task["annotations"]:
            choice = next(r["value"]["choices"][0] for r in annotation["result"] if r["from_name"] == "decision")
            truth[(task["data"]["id"], f"labelstudio:{annotation['completed_by']}")] = choice
    return truth


@pytest.mark.parametrize("name", EXPORTS)
def test_every_label_studio_export_reads_the_right_posts_decisions_and_users(exports, name):
    reviews = read_reviews(exports / name)
    assert len(reviews) == 38
    by_user = zip(zip(reviews["id"], reviews["reviewer"], strict=True), reviews["decision"], strict=True)
    assert dict(by_user) == _truth()
    assert reviews["origin"].str.match(r"^labelstudio:-:g[0-9a-f]{12}:\d+$").all() and reviews["origin"].is_unique
    assert not reviews["id"].isin(["1", "2", "3"]).any()  # JSON_MIN's 'id' is Label Studio's task id, never a post
    notes = set(reviews["note"]) - {""}
    assert notes == {'nguồn, "giả"'}  # the CSV's note is the text, not {"text": [...]}


def test_every_export_of_one_project_is_stored_once(exports):
    store = LabelStore(exports / "labels.sqlite")
    first, *rest = [store.import_reviews(exports / name, queue=exports / QUEUE.name) for name in EXPORTS]
    assert first.stored == 38 and [r.stored for r in rest] == [0, 0, 0] and [r.already for r in rest] == [38] * 3
    assert len(store.reviews()) == 38


def test_the_csv_export_is_read_as_label_studio_not_as_a_vnflag_csv(exports):
    # issue 19 case 2: every reviewer was "unknown", three decisions dropped as already stored, conflicts gone
    store = LabelStore(exports / "labels.sqlite")
    report = store.import_reviews(exports / "export.csv", queue=exports / QUEUE.name)
    assert report.stored == 38 and report.already == 0
    assert set(store.reviews()["reviewer"]) == {"labelstudio:1", "labelstudio:2"}
    truth = _truth()
    conflicts = {p for (p, _), d in truth.items() if truth[(p, "labelstudio:1")] != truth[(p, "labelstudio:2")]}
    assert conflicts and set(store.conflicts()["post_id"]) == conflicts


def test_a_new_reviewer_map_duplicates_nothing_and_names_each_rater_once(exports):
    # issue 19 case 1: 76 reviews instead of 38, four "raters", anh vs labelstudio:1 at kappa 1.0
    (exports / "names.csv").write_text("id,name\n1,anh\nbinh@vnflag.test,bình\n", encoding="utf-8")
    store = exports / "labels.sqlite"
    code, _, err = run_cli("labels", "import", exports / "export.json", "--store", store,
                           "--queue", exports / QUEUE.name)
    assert code == 0, err
    code, _, err = run_cli("labels", "import", exports / "export.json", "--store", store, "--queue",
                           exports / QUEUE.name, "--reviewer-map", exports / "names.csv")
    assert code == 0 and "one review per post of its item): 0 new, 38 already stored" in err
    # the JSON export has no e-mails: 'binh@vnflag.test' names nobody yet, and says so
    assert "name no reviewer in the store: 'binh@vnflag.test'" in err
    code, _, err = run_cli("labels", "import", exports / "snapshot.json", "--store", store, "--queue",
                           exports / QUEUE.name)
    assert code == 0 and "one review per post of its item): 0 new" in err  # the snapshot's e-mails now name labelstudio:2
    code, out, _ = run_cli("labels", "status", "--store", store, "--json")
    status = json.loads(out)
    assert status["reviews"] == 38 and status["reviewers"] == {"anh": 19, "bình": 19}
    pairs = status["agreement"]["cohen_kappa"]["pairs"]
    assert [sorted(p["raters"]) for p in pairs] == [["anh", "bình"]] and pairs[0]["n"] == 19
    assert len(LabelStore(store).reviews()) == 38


def test_a_map_given_to_a_view_changes_names_not_counts(exports):
    store = LabelStore(exports / "labels.sqlite")
    store.import_reviews(exports / "export.json", queue=exports / QUEUE.name)
    view = LabelStore(store.path, {"labelstudio:1": "lan", "7": "nobody"}).view()
    assert set(view.reviews["reviewer"]) == {"lan", "labelstudio:2"} and view.unused_names == ("7",)
    assert set(view.reviews["identity"]) == {"labelstudio:1", "labelstudio:2"} and len(view.reviews) == 38
    assert set(store.reviews()["reviewer"]) == {"labelstudio:1", "labelstudio:2"}  # nothing kept for a view
    code, out, err = run_cli("labels", "status", "--store", store.path, "--reviewer-map", _map(exports, "9,x"))
    assert code == 0 and err.count("\n") == 1 and "'9'" in err and re.search(r"reviewers\.labelstudio:1\s+19\n", out)
    code, out, _ = run_cli("labels", "history", "--store", store.path, "--reviewer-map", _map(exports, "2,bình"))
    assert code == 0 and "bình; labelstudio:1" in out


def _map(folder: Path, line: str) -> Path:
    (folder / "map.csv").write_text(f"id,name\n{line}\n", encoding="utf-8")
    return folder / "map.csv"


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(EXPORTS), maps=st.lists(st.sampled_from([
    None, {1: "anh"}, {"anh@vnflag.test": "anh", 2: "bình"}, {"labelstudio:2": "anh"}, {1: "x", 2: "y", 3: "z"}]),
    min_size=4, max_size=4))
def test_any_order_of_exports_with_any_maps_stores_each_annotation_once(order, maps, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ls")
    store = LabelStore(folder / "labels.sqlite")
    stored = [store.import_reviews(DATA / name, queue=QUEUE, reviewer_map=m).stored
              for name, m in zip(order, maps, strict=True)]
    assert stored == [38, 0, 0, 0]
    view = store.view()
    assert len(view.reviews) == 38 and view.reviews["origin"].nunique() == 38
    assert set(view.reviews["identity"]) == {"labelstudio:1", "labelstudio:2"}
    # user 1 is named by the map given last that names it by id, identity or e-mail (the snapshot gives the e-mail)
    expected = "labelstudio:1"
    for m in maps:
        expected = next((v for k, v in (m or {}).items() if str(k) in ("1", "labelstudio:1", "anh@vnflag.test")),
                        expected)
    assert set(view.reviews.loc[view.reviews["identity"] == "labelstudio:1", "reviewer"]) == {expected}


def test_a_json_file_of_no_known_kind_is_refused_naming_it_without_a_format_hint(tmp_path):
    target = tmp_path / "export.json"
    target.write_text(json.dumps([{"id": 1, "decision": "ok"}]), encoding="utf-8")
    with pytest.raises(VnflagError) as error:
        read_reviews(target)
    assert str(error.value).startswith(str(target)) and "--format" not in str(error.value)
    code, _, err = run_cli("labels", "import", target, "--store", tmp_path / "s.sqlite", "--queue", QUEUE)
    assert code == 2 and err.count("\n") == 1 and str(target) in err and not (tmp_path / "s.sqlite").exists()


def test_a_json_min_row_whose_item_contradicts_its_post_stores_nothing(exports):
    rows = json.loads((exports / "export_min.json").read_text(encoding="utf-8"))
    rows[3]["member_ids"] = rows[0]["member_ids"]  # another item's post under this row's item_id
    (exports / "export_min.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    code, _, err = run_cli("labels", "import", exports / "export_min.json", "--store", exports / "s.sqlite",
                           "--queue", exports / QUEUE.name)
    assert code == 2 and err.count("\n") == 1 and "row 4" in err and not (exports / "s.sqlite").exists()


def test_an_annotation_edited_in_label_studio_is_a_newer_decision(exports):
    store = LabelStore(exports / "labels.sqlite")
    store.import_reviews(exports / "export.json", queue=exports / QUEUE.name)
    tasks = json.loads((exports / "export.json").read_text(encoding="utf-8"))
    annotation = tasks[0]["annotations"][0]
    old = annotation["result"][0]["value"]["choices"][0]
    annotation["result"][0]["value"]["choices"] = ["ok" if old == "misleading" else "misleading"]
    (exports / "edited.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    report = store.import_reviews(exports / "edited.json", queue=exports / QUEUE.name)
    assert report.stored == 1 and report.already == 37
    post, who = tasks[0]["data"]["id"], f"labelstudio:{annotation['completed_by']}"
    latest = store.reviews().query("post_id == @post and identity == @who").iloc[-1]
    assert latest["decision"] != old


def test_one_annotation_listed_twice_in_a_file_stores_nothing(exports):
    tasks = json.loads((exports / "export.json").read_text(encoding="utf-8"))
    tasks[1]["annotations"][1]["id"] = tasks[1]["annotations"][0]["id"]
    (exports / "twice.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    code, _, err = run_cli("labels", "import", exports / "twice.json", "--store", exports / "s.sqlite",
                           "--queue", exports / QUEUE.name)
    assert code == 2 and err.count("\n") == 1 and "twice" in err and not (exports / "s.sqlite").exists()
