"""End to end on the bundled data, through the command line: score → queue → decisions filled in
each export format → import → retrain → registry with two versions and a champion/challenger report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA

from vnflag import LabelStore, Registry, read_reviews
from vnflag.cli import main

# the reviewer each format's decisions are stored under (an Argilla reviewer is argilla:<user_id>)
FORMATS = {"csv": "an", "xlsx": "binh", "jsonl": "chi", "labelstudio.json": "dung", "argilla.json": "argilla:em"}


def _decide(score: float) -> str:
    return "misleading" if float(score) >= 0.5 else "ok"


def _fill(path: Path, reviewer: str) -> None:
    """Fill decisions the way each tool would: a spreadsheet edit, JSON edits, annotations, responses."""
    name = path.name
    if name.endswith(".csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["decision"] = [_decide(s) for s in frame["score"]]
        frame["reviewer"] = reviewer
        frame.loc[2, "decision"] = "fake"  # row 3: a typo, reported and not stored
        frame.to_csv(path, index=False)
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(path)
        sheet = book.active
        header = [c.value for c in sheet[1]]
        for row in range(2, sheet.max_row + 1):
            score = sheet.cell(row, header.index("score") + 1).value
            sheet.cell(row, header.index("decision") + 1).value = _decide(score)
            sheet.cell(row, header.index("reviewer") + 1).value = reviewer
        book.save(path)
    elif name.endswith(".jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            row.update(decision=_decide(row["score"]), reviewer=reviewer, note="đã kiểm tra")
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif name.endswith(".labelstudio.json"):
        tasks = json.loads(path.read_text(encoding="utf-8"))
        for task in tasks:
            task["annotations"] = [{"completed_by": {"email": reviewer}, "result": [
                {"from_name": "decision", "to_name": "text", "type": "choices",
                 "value": {"choices": [_decide(task["data"]["score"])]}}]}]
        opposite = "ok" if _decide(tasks[0]["data"]["score"]) == "misleading" else "misleading"
        tasks[0]["annotations"].append({"completed_by": {"email": "minh"}, "result": [
            {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": [opposite]}}]})
        path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    else:
        records = json.loads(path.read_text(encoding="utf-8"))
        for record in records:
            record["responses"] = [{"question_name": "decision", "value": _decide(record["metadata"]["score"]),
                                    "user_id": reviewer.removeprefix("argilla:"), "status": "submitted"}]
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def loop(tmp_path_factory, text_model_dir):
    """Run the whole loop once through the CLI; collect stderr of every step."""
    work = tmp_path_factory.mktemp("loop")
    logs: dict[str, str] = {}

    import contextlib
    import io

    def run(key: str, *argv: str) -> int:
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = main([str(a) for a in argv])
        logs[key] = err.getvalue() + out.getvalue()
        return status

    assert run("score", "score", DATA / "posts_unlabelled.csv", "--model", text_model_dir, "-o", work / "scored.csv") == 0
    for ext, reviewer in FORMATS.items():
        queue = work / f"queue.{ext}"
        assert run(f"queue {ext}", "queue", work / "scored.csv", "-o", queue, "--budget", 80, "--explore", 0.5,
                   "--redact") == 0
        _fill(queue, reviewer)
        refused = 3 if ext == "csv" else 0  # the CSV's row 3 (a typo) is refused: exit status 3, the rest stored
        assert run(f"import {ext}", "labels", "import", queue, "--store", work / "labels.sqlite") == refused
    assert run("reimport", "labels", "import", work / "queue.csv", "--store", work / "labels.sqlite") == 3
    assert run("status", "labels", "status", "--store", work / "labels.sqlite") == 0
    assert run("second-look", "labels", "second-look", "--store", work / "labels.sqlite",
               "--data", DATA / "posts_labelled.csv", "-o", work / "second_look.csv") == 0
    assert run("retrain", "retrain", "--model", text_model_dir, "--labels", work / "labels.sqlite",
               "--data", DATA / "posts_labelled.csv", "-o", work / "challenger", "--registry", work / "registry",
               "--cv", 3) == 0
    assert run("list", "models", "list", "--registry", work / "registry") == 0
    return work, logs, run


def test_every_format_imports_with_its_reviewer(loop):
    work, logs, _ = loop
    queue = read_reviews(work / "queue.jsonl")
    assert len(queue) == 80 and set(queue["why"]) == {"top", "uncertain", "random"}
    store = LabelStore(work / "labels.sqlite")
    reviews = store.reviews()
    members = int(queue["group_size"].sum())
    for ext, reviewer in FORMATS.items():
        mine = reviews[reviews["reviewer"] == reviewer]
        expected = members - (int(queue.loc[2, "group_size"]) if ext == "csv" else 0)
        assert len(mine) == expected, ext
        by_post = dict(zip(mine["post_id"], mine["decision"]))
        for row in queue.itertuples():
            if ext == "csv" and row.Index == 2:
                assert row.id not in by_post
                continue
            assert all(by_post[m] == _decide(row.score) for m in row.member_ids), (ext, row.id)
    assert "queued 80 items" in logs["queue csv"]


def test_bad_row_conflict_and_reimport_are_reported(loop):
    work, logs, _ = loop
    assert "row 4: unknown decision 'fake'" in logs["import csv"]  # the spreadsheet's row (header = row 1)
    assert "one review per post of its item): 0 new" in logs["reimport"]
    assert "conflict: post" in logs["status"] and "minh: " in logs["status"]
    assert "dung: " in logs["status"]
    status = LabelStore(work / "labels.sqlite").status()
    assert status["conflicts"] >= 1
    assert set(status["reviewers"]) == {*FORMATS.values(), "minh"}


def test_redacted_exports_and_second_look_output(loop):
    work, _, _ = loop
    for ext in FORMATS:
        text = read_reviews(work / f"queue.{ext}")["text"].str.cat(sep=" ")
        assert "0900 555" not in text and "0909 555" not in text and "0988 555" not in text
    assert (work / "second_look.csv").is_file()
    assert "p_given_label" in pd.read_csv(work / "second_look.csv").columns


def test_retrain_writes_comparison_and_registry_lineage(loop, text_model_dir):
    work, logs, _ = loop
    comparison = json.loads((work / "challenger" / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["heldout"]["rows"] > 0
    assert set(comparison["gate"]) == {"roc_auc", "average_precision", "brier"}
    assert comparison["promotable"] == all(g["passes"] for g in comparison["gate"].values())
    report = (work / "challenger" / "comparison.md").read_text(encoding="utf-8")
    assert "| ROC-AUC |" in report and comparison["challenger"]["version"] in report
    manifest = json.loads((work / "challenger" / "manifest.json").read_text(encoding="utf-8"))
    champion = json.loads((Path(text_model_dir) / "manifest.json").read_text(encoding="utf-8"))["model_version"]
    assert manifest["parent_version"] == champion
    assert manifest["training_data"]["labels"]["labels"] > 0
    listing = Registry(work / "registry").list()
    assert listing["version"].tolist() == [champion, comparison["challenger"]["version"]]
    assert listing["parent"].tolist()[1] == champion
    assert champion in logs["list"] and "promotable" in logs["list"]


def test_promote_score_with_registry_and_rollback(loop):
    work, logs, run = loop
    registry = Registry(work / "registry")
    champion, challenger = registry.list()["version"]
    assert run("promote1", "models", "promote", champion, "--registry", work / "registry") == 0
    if registry.list()["promotable"].tolist()[1] == "no":  # a challenger that failed the gate needs --force
        assert run("promote2", "models", "promote", challenger, "--registry", work / "registry") == 2
        assert "failed the retraining gate" in logs["promote2"] and registry.promoted() == champion
    assert run("promote2", "models", "promote", challenger, "--registry", work / "registry", "--force") == 0
    assert run("score-registry", "score", DATA / "posts_unlabelled.csv", "--registry", work / "registry",
               "-o", work / "scored2.csv") == 0
    assert set(pd.read_csv(work / "scored2.csv", dtype=str)["model_version"]) == {challenger}
    assert run("rollback", "models", "rollback", "--registry", work / "registry") == 0
    assert registry.promoted() == champion and f"{champion} is promoted again" in logs["rollback"]
    assert run("show", "models", "show", champion[:15], "--registry", work / "registry", "--json") == 0
    assert json.loads(logs["show"])["version"] == champion
    assert run("both", "score", DATA / "posts_unlabelled.csv", "--registry", work / "registry", "--model",
               work / "challenger", "-o", work / "x.csv") == 2
    assert "exactly one of --model and --registry" in logs["both"]


def test_user_mistakes_exit_2_with_one_line(loop):
    work, logs, run = loop
    assert run("budget", "queue", work / "scored.csv", "-o", work / "q.csv", "--budget", 0) == 2
    assert logs["budget"].strip().startswith("vnflag: error:") and "budget" in logs["budget"]
    assert len(logs["budget"].strip().splitlines()) == 1
    renamed = work / "elsewhere.csv"
    renamed.write_bytes((work / "queue.csv").read_bytes())
    assert run("unknown-queue", "labels", "import", renamed, "--store", work / "other.sqlite") == 2
    assert "pass the queue export" in logs["unknown-queue"]
    assert run("with-queue", "labels", "import", renamed, "--store", work / "other.sqlite",
               "--queue", work / "queue.csv") == 3  # its row 3: the typo
    assert run("status-missing", "labels", "status", "--store", work / "nope.sqlite") == 2
