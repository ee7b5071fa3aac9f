"""Reviewer and post identities that must neither split nor swap (issue 18, class 7): reviewer
names NFC-normalised and compared case-insensitively for collisions from every source; control,
bidi and null names refused from every source; reviewed rows checked against the queue record;
anonymous Label Studio annotations and Argilla responses kept apart."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, VnflagError, build_queue, export_queue, read_reviews
from vnflag.review.formats import read_reviewer_map
from vnflag.review.names import reviewer_key, reviewer_name
from vnflag.review.queues import check_reviewers

NFC, NFD = unicodedata.normalize("NFC", "bình"), unicodedata.normalize("NFD", "bình")
BAD_NAMES = ["an\nh", "anh\u202e", "\u2066anh\u2069", "a\u200enh", "a\u200fnh", "an\u061ch", "a\u202anh", "a\x00nh",
             "nan", "None", "NULL", "<NA>"]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _scored(n: int = 6) -> pd.DataFrame:
    words = ["mưa", "xăng", "thi", "canh", "bóng", "chợ", "đường", "tàu"]
    return pd.DataFrame({"id": [f"p{i}" for i in range(n)],
                         "text": [f"tin về {words[i]} hôm nay số {i}" for i in range(n)],
                         "score": [0.9 - i / 10 for i in range(n)], "model_version": "m1"})


@pytest.fixture()
def queue() -> pd.DataFrame:
    return build_queue(_scored(), budget=6, similarity=1.0)


def _reviewed(queue: pd.DataFrame, path: Path, reviewer: str = "lan", decisions=None) -> Path:
    """The queue exported to ``path`` (CSV) and filled in: the given decisions, one reviewer."""
    export_queue(queue, path)
    rows = read_reviews(path)
    rows["decision"] = decisions or ["misleading" if i % 2 else "ok" for i in range(len(rows))]
    rows["reviewer"] = reviewer
    rows["member_ids"] = [json.dumps(m) for m in rows["member_ids"]]  # as the export wrote them
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------- one identity per name
def test_nfc_and_nfd_binh_are_one_reviewer_and_a_change_of_mind_is_no_conflict(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    first = _reviewed(queue, tmp_path / "first.csv", NFC, ["ok"] * 6)
    second = _reviewed(queue, tmp_path / "second.csv", NFD, ["misleading"] * 6)
    assert store.import_reviews(first).stored == 6 and store.import_reviews(second).stored == 6
    assert set(store.reviews()["reviewer"]) == {NFC}
    status = store.status()
    assert status["conflicts"] == 0 and list(status["reviewers"]) == [NFC]
    assert set(store.training_frame()["label"]) == {1}  # the latest decision of the one reviewer


def test_names_stored_by_earlier_versions_are_compared_after_nfc(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(_reviewed(queue, tmp_path / "first.csv", NFC, ["ok"] * 6))
    with closing(sqlite3.connect(store.path)) as db, db:  # a review an earlier version stored in NFD
        db.execute("INSERT INTO reviews (queue_id, item_id, post_id, fingerprint, decision, reviewer, note, "
                   "reviewed_at, imported_at, model_version, score, source_file, source_sha256, source_row) "
                   "SELECT queue_id, item_id, post_id, fingerprint, 'misleading', ?, note, reviewed_at, imported_at, "
                   "model_version, score, 'old.csv', source_sha256, source_row FROM reviews WHERE post_id = 'p0'",
                   (NFD,))
    assert store.status()["conflicts"] == 0 and list(store.status()["reviewers"]) == [NFC]
    assert store.conflicts().empty


def test_a_store_holding_two_spellings_from_before_still_imports_each_exact_spelling(queue, tmp_path):
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(_reviewed(queue, tmp_path / "first.csv", "anh", ["ok"] * 6))
    with closing(sqlite3.connect(store.path)) as db, db:  # an earlier version also stored "Anh"
        db.execute("INSERT INTO reviews (queue_id, item_id, post_id, fingerprint, decision, reviewer, note, "
                   "reviewed_at, imported_at, model_version, score, source_file, source_sha256, source_row) "
                   "SELECT queue_id, item_id, post_id, fingerprint, decision, 'Anh', note, reviewed_at, imported_at, "
                   "model_version, score, 'old.csv', source_sha256, source_row FROM reviews WHERE post_id = 'p0'")
    assert store.import_reviews(_reviewed(queue, tmp_path / "again.csv", "anh", ["misleading"] * 6)).stored == 6
    with pytest.raises(VnflagError, match="only in case"):
        store.import_reviews(_reviewed(queue, tmp_path / "third.csv", "ANH", ["ok"] * 6))


def test_names_differing_only_in_case_are_refused_in_a_queue(tmp_path):
    scored = tmp_path / "scored.csv"
    _scored().to_csv(scored, index=False)
    code, _, err = run_cli("queue", scored, "--budget", 4, "--reviewers", "Anh,anh", "-o", tmp_path / "out" / "q.csv")
    assert code == 2 and err.count("\n") == 1 and "only in case" in err, err
    assert not (tmp_path / "out").exists()
    for names in (["Anh", "anh"], [NFC, NFD.upper()], ["ĐỨC", "đức"]):
        with pytest.raises(VnflagError, match="only in case"):
            check_reviewers(names)
    with pytest.raises(VnflagError, match="named twice"):
        check_reviewers([NFC, NFD])


def test_names_differing_only_in_case_are_refused_in_a_file_and_against_the_store(queue, tmp_path):
    path = _reviewed(queue, tmp_path / "q.csv", "anh")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[2, "reviewer"] = "Anh"
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    (tmp_path / "mixed.csv.vnflag-queue.json").write_bytes((tmp_path / "q.csv.vnflag-queue.json").read_bytes())
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", tmp_path / "mixed.csv", "--store", store)
    assert code == 2 and err.count("\n") == 1 and "row 4" in err and "only in case" in err, err
    assert not store.exists()
    assert run_cli("labels", "import", path, "--store", store)[0] == 0
    before = store.read_bytes()
    other = _reviewed(queue, tmp_path / "other.csv", "ANH")
    code, _, err = run_cli("labels", "import", other, "--store", store)
    assert code == 2 and "only in case" in err and "in the store" in err, err
    assert store.read_bytes() == before


# ----------------------------------------------------------------------------- refused names, every source
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_name_is_refused_from_every_source(queue, tmp_path, name):
    store = tmp_path / "labels.sqlite"
    # --reviewers of vnflag queue
    scored = tmp_path / "scored.csv"
    _scored().to_csv(scored, index=False)
    code, _, err = run_cli("queue", scored, "--budget", 4, "--reviewers", f"binh,{name}", "-o", tmp_path / "o" / "q.csv")
    assert code == 2 and err.count("\n") == 1 and not (tmp_path / "o").exists(), err
    # a reviewer cell of a reviewed file, naming its row
    path = _reviewed(queue, tmp_path / "q.csv", "lan")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, "reviewer"] = name
    frame.to_csv(path, index=False)
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == 2 and err.count("\n") == 1 and "row 5" in err, err  # data row 4: the spreadsheet's row 5
    # --reviewer for empty reviewer cells
    frame["reviewer"] = ""
    frame.to_csv(path, index=False)
    code, _, err = run_cli("labels", "import", path, "--store", store, "--reviewer", name)
    assert code == 2 and err.count("\n") == 1 and "--reviewer" in err, err
    # a Label Studio user (e-mail or user name) and an Argilla user id, naming the task or record
    export_queue(queue, tmp_path / "q.labelstudio.json")
    tasks = json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))
    tasks[1]["annotations"] = [{"completed_by": {"email": name}, "result": [
        {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["ok"]}}]}]
    (tmp_path / "q.labelstudio.json").write_text(json.dumps(tasks), encoding="utf-8")
    code, _, err = run_cli("labels", "import", tmp_path / "q.labelstudio.json", "--store", store)
    assert code == 2 and err.count("\n") == 1 and "task 2" in err, err
    export_queue(queue, tmp_path / "q.argilla.json")
    records = json.loads((tmp_path / "q.argilla.json").read_text(encoding="utf-8"))
    records[0]["responses"] = [{"question_name": "decision", "value": "ok", "user_id": name, "status": "submitted"}]
    (tmp_path / "q.argilla.json").write_text(json.dumps(records), encoding="utf-8")
    code, _, err = run_cli("labels", "import", tmp_path / "q.argilla.json", "--store", store)
    assert code == 2 and err.count("\n") == 1 and "record 1" in err, err
    # --reviewer-map, CSV and JSON, naming the entry
    (tmp_path / "map.json").write_text(json.dumps({"5": "chi", "7": name}), encoding="utf-8")
    code, _, err = run_cli("labels", "import", tmp_path / "q.argilla.json", "--store", store, "--reviewer-map",
                           tmp_path / "map.json")
    assert code == 2 and err.count("\n") == 1 and "entry 2" in err, err
    with pytest.raises(VnflagError, match="entry 1"):
        read_reviewer_map({1: name})
    assert not store.exists()  # nothing stored from any source


def test_a_reviewer_map_csv_with_a_newline_name_is_refused(tmp_path):
    (tmp_path / "names.csv").write_text('id,name\n1,anh\n2,"b\nx"\n', encoding="utf-8")
    with pytest.raises(VnflagError, match="entry 2"):
        read_reviewer_map(tmp_path / "names.csv")


# ----------------------------------------------------------------------------- rows against the record
def test_swapped_id_cells_refuse_the_file_naming_the_rows(queue, tmp_path):
    path = _reviewed(queue, tmp_path / "q.csv", "lan", ["misleading", "ok", "ok", "ok", "ok", "ok"])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[[0, 1], "id"] = frame.loc[[1, 0], "id"].to_numpy()
    frame.to_csv(path, index=False)
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == 2 and err.count("\n") == 1 and "row 2" in err and "row 3" in err and "nothing imported" in err, err
    assert not store.exists()


def test_member_ids_that_contradict_the_id_refuse_the_file(queue, tmp_path):
    path = _reviewed(queue, tmp_path / "q.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[[0, 1], ["id", "item_id"]] = frame.loc[[1, 0], ["id", "item_id"]].to_numpy()  # member_ids stay
    frame.to_csv(path, index=False)
    with pytest.raises(VnflagError, match="member_ids"):
        LabelStore(tmp_path / "labels.sqlite").import_reviews(path)
    assert not (tmp_path / "labels.sqlite").exists()


@settings(SETTINGS, max_examples=12)
@given(order=st.permutations(range(6)))
def test_any_permutation_of_id_cells_is_refused_or_stored_as_reviewed(tmp_path_factory, order):
    directory = tmp_path_factory.mktemp("perm")
    queue = build_queue(_scored(), budget=6, similarity=1.0)
    decisions = ["misleading", "ok", "unsure", "ok", "misleading", "ok"]
    path = _reviewed(queue, directory / "q.csv", "lan", decisions)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    reviewed = dict(zip(frame["id"], frame["decision"], strict=True))
    frame["id"] = frame["id"].to_numpy()[list(order)]
    frame.to_csv(path, index=False)
    store = LabelStore(directory / "labels.sqlite")
    try:
        store.import_reviews(path)
    except VnflagError:
        assert not store.path.exists()
        assert list(order) != sorted(order)
        return
    stored = store.reviews()
    assert dict(zip(stored["post_id"], stored["decision"], strict=True)) == reviewed


# ----------------------------------------------------------------------------- anonymous reviewers
def test_argilla_responses_without_a_user_are_kept_apart(queue, tmp_path):
    export_queue(queue, tmp_path / "q.argilla.json")
    records = json.loads((tmp_path / "q.argilla.json").read_text(encoding="utf-8"))
    records[0]["responses"] = [{"question_name": "decision", "value": "ok", "status": "submitted"},
                               {"question_name": "decision", "value": "misleading", "status": "submitted"}]
    records[1]["responses"] = {"decision": [{"value": "ok", "status": "submitted"},
                                            {"value": "misleading", "status": "submitted"}],
                               "note": [{"value": "một", "status": "submitted"}, {"value": "hai", "status": "submitted"}]}
    (tmp_path / "q.argilla.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    rows = read_reviews(tmp_path / "q.argilla.json")
    first, second = rows[rows["source_row"] == 1], rows[rows["source_row"] == 2]
    assert sorted(first["decision"]) == ["misleading", "ok"] and first["reviewer"].nunique() == 2
    assert sorted(zip(second["decision"], second["note"])) == [("misleading", "hai"), ("ok", "một")]
    store = LabelStore(tmp_path / "labels.sqlite")
    report = store.import_reviews(tmp_path / "q.argilla.json")
    assert report.stored == 4 and len(store.conflicts()) == 2


def test_label_studio_annotations_without_a_user_are_kept_apart(queue, tmp_path):
    export_queue(queue, tmp_path / "q.labelstudio.json")
    tasks = json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))
    tasks[0]["annotations"] = [{"result": [{"from_name": "decision", "to_name": "text", "type": "choices",
                                            "value": {"choices": [choice]}}]} for choice in ("ok", "misleading")]
    (tmp_path / "q.labelstudio.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    store = LabelStore(tmp_path / "labels.sqlite")
    assert store.import_reviews(tmp_path / "q.labelstudio.json").stored == 2
    assert set(store.reviews()["reviewer"]) == {"labelstudio:anonymous-1", "labelstudio:anonymous-2"}
    assert len(store.conflicts()) == 1


# ----------------------------------------------------------------------------- properties of names
_LETTER = st.sampled_from(list("anhbìnhđứcĐỨCÂÊÔƠƯăâêôơư") + ["i\u0300", "e\u0302\u0301"])


@SETTINGS
@given(letters=st.lists(_LETTER, min_size=1, max_size=6), forms=st.tuples(
    st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]), st.sampled_from(["NFC", "NFD"]),
    st.sampled_from([str, str.upper, str.lower, str.title])))
def test_any_nfc_nfd_or_case_variant_is_one_identity_or_a_collision(letters, forms):
    name = "".join(letters)
    form_a, form_b, case = forms
    a, b = unicodedata.normalize(form_a, name), unicodedata.normalize(form_b, case(name))
    assert reviewer_name(a, "a") == unicodedata.normalize("NFC", a)
    if reviewer_name(a, "a") == reviewer_name(b, "b"):
        with pytest.raises(VnflagError, match="named twice"):
            check_reviewers([a, b])
    else:
        assert reviewer_key(a) == reviewer_key(b)
        with pytest.raises(VnflagError, match="only in case"):
            check_reviewers([a, b])


@SETTINGS
@given(prefix=st.text(alphabet="anhbì", min_size=0, max_size=3), suffix=st.text(alphabet="anhbì", max_size=3),
       bad=st.sampled_from([chr(c) for c in (*range(0, 32), 127, 0x85, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                              0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C, 0x2028)]))
def test_a_control_or_bidi_character_anywhere_is_refused(prefix, suffix, bad):
    name = prefix + bad + suffix
    if not name.strip():
        return
    with pytest.raises(VnflagError):
        reviewer_name(name, "row 1")
    with pytest.raises(VnflagError):
        read_reviewer_map({1: name})


def test_a_reviewer_map_matches_user_names_whatever_their_normal_form(queue, tmp_path):
    export_queue(queue, tmp_path / "q.labelstudio.json")
    tasks = json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))
    tasks[0]["annotations"] = [{"completed_by": {"email": f"{NFD}@x.vn"}, "result": [
        {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["ok"]}}]}]
    (tmp_path / "q.labelstudio.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    rows = read_reviews(tmp_path / "q.labelstudio.json", reviewer_map={f"{NFC}@x.vn": NFD})
    assert rows["reviewer"].tolist()[0] == NFC


def test_a_frame_with_numeric_or_nfd_reviewers_stores_their_text_in_nfc(queue, tmp_path):
    path = _reviewed(queue, tmp_path / "q.csv")
    frame = read_reviews(path)
    frame["reviewer"] = [5, NFD, 5, NFD, 5, NFD]
    store = LabelStore(tmp_path / "labels.sqlite")
    assert store.import_reviews(frame, queue=path).stored == 6
    assert set(store.reviews()["reviewer"]) == {"5", NFC}
