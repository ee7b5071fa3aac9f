"""An analyst's week, replayed end to end through the command line (issue 20): a real export's shape
(ReINTEL-like column names, an author column, engagement and time columns), a ``;``-separated file as
Excel writes it in a Vietnamese locale, repeated ids with different texts, two reviewers, a retrain into a
registry and a promotion. Each step checks that a trap the issue found is gone."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from conftest import META_COLS, read_bundled, run_cli

from vnflag import LabelStore

TEXT, LABEL, TIME, AUTHOR = "post_message", "label", "timestamp_post", "user_name"
ENGAGEMENT = [f"{c}_post" for c in META_COLS]
RUMOUR = "Tin khẩn: uống nước chanh nóng diệt virus corona trong 5 phút, chia sẻ ngay cho người thân!"
NOTICE = "Trường THPT Lê Lợi thông báo lịch tư vấn mùa thi cho học sinh lớp 12 vào sáng thứ bảy tuần này."


def _export(frame: pd.DataFrame) -> pd.DataFrame:
    """The bundled posts shaped as a real export: other column names, an author and a time column."""
    frame = frame.rename(columns={"text": TEXT, **dict(zip(META_COLS, ENGAGEMENT, strict=True))})
    frame[AUTHOR] = [f"người dùng {i % 17}" for i in range(len(frame))]
    frame[TIME] = [f"2020-03-{1 + i % 28:02d} {(i * 7) % 24:02d}:{(i * 13) % 60:02d}" for i in range(len(frame))]
    return frame


def _fill(path: Path, shared_id: str) -> int:
    """A reviewer's decisions in their XLSX file: the two posts sharing ``shared_id`` by what they say,
    the others by the score. Returns the rows filled."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.active
    column = {c.value: i + 1 for i, c in enumerate(sheet[1])}
    for row in range(2, sheet.max_row + 1):
        text = sheet.cell(row, column["text"]).value or ""  # a queue shows the post as "text"
        if sheet.cell(row, column["id"]).value == shared_id:
            decision = "misleading" if "nước chanh" in text else "ok"
        else:
            decision = "misleading" if float(sheet.cell(row, column["score"]).value) >= 0.5 else "ok"
        sheet.cell(row, column["decision"]).value = decision
    book.save(path)
    return sheet.max_row - 1


def test_an_analysts_week_has_no_traps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    labelled = _export(read_bundled("posts_labelled.csv"))
    labelled.to_csv("labelled.csv", sep=";", index=False)  # Excel's CSV in a decimal-comma locale
    posts = _export(read_bundled("posts_unlabelled.csv"))
    shared_id = posts["id"].iloc[0]
    posts.loc[0, TEXT], posts.loc[1, "id"], posts.loc[1, TEXT] = RUMOUR, shared_id, NOTICE
    posts.to_csv("posts.csv", sep=";", index=False)

    # Monday: a mistake is answered before any work (the registry path is a plain file).
    Path("not-a-registry").write_text("x", encoding="utf-8")
    code, _, err = run_cli("train", "labelled.csv", "--text-col", TEXT, "--meta-cols", ",".join(ENGAGEMENT),
                           "--time-col", TIME, "-o", "not-a-registry/model")
    assert code == 2 and err.count("\n") == 1, err
    code, _, err = run_cli("train", "labelled.csv", "--text-col", TEXT, "--label-col", LABEL,
                           "--meta-cols", ",".join(ENGAGEMENT), "--time-col", TIME, "-o", "out/model")
    assert code == 0, err
    manifest = json.loads(Path("out/model/manifest.json").read_text(encoding="utf-8"))
    assert AUTHOR not in json.dumps(manifest["columns"])  # an author column is carried, never a feature

    # Tuesday: score the ;-separated export; the repeated id is reported, each post scored on its own.
    code, _, err = run_cli("score", "posts.csv", "--model", "out/model", "-o", "scored.csv")
    assert code == 0, err
    assert "1 id is shared by posts with different texts" in err
    scored = pd.read_csv("scored.csv", dtype=str, keep_default_na=False)
    assert len(scored) == len(posts) and scored[AUTHOR].tolist() == posts[AUTHOR].tolist()

    # Wednesday: one queue for two reviewers; the model's columns travel without --text-col or --keep-cols.
    code, _, err = run_cli("queue", "scored.csv", "--model", "out/model", "-o", "review/today.xlsx",
                           "--budget", str(len(posts)), "--reviewers", "anh,bình", "--overlap", "0.2")
    assert code == 0, err
    record = json.loads(Path("review/today.xlsx.vnflag-queue.json").read_text(encoding="utf-8"))
    assert set(record["meta_cols"]) >= {*ENGAGEMENT, TIME}
    files = sorted(Path("review").glob("today.*.xlsx"))
    assert [f.name for f in files] == ["today.anh.xlsx", "today.bình.xlsx"]
    assert sum(_fill(f, shared_id) for f in files) > len(posts)  # the overlap is reviewed twice

    # Thursday: both files import, every row counted, nothing rejected.
    code, _, err = run_cli("labels", "import", *map(str, files), "--store", "labels.sqlite")
    assert code == 0, err
    assert "0 rejected" in err
    code, out, err = run_cli("labels", "status", "--store", "labels.sqlite")
    assert code == 0, err
    frame = LabelStore("labels.sqlite").training_frame()
    shared = frame[frame["id"] == shared_id].set_index("text")["label"]
    assert shared.to_dict() == {RUMOUR: 1, NOTICE: 0}  # two posts, one id, each with its own label

    # Friday: retrain into a registry, with every engagement and time value of the reviewed posts.
    code, _, err = run_cli("retrain", "--model", "out/model", "--labels", "labels.sqlite", "--data", "labelled.csv",
                           "-o", "out/challenger", "--registry", "models")
    assert code == 0, err
    assert "treated as missing" not in err, err
    challenger = json.loads(Path("out/challenger/manifest.json").read_text(encoding="utf-8"))
    code, _, err = run_cli("models", "promote", challenger["model_version"], "--registry", "models")
    if code != 0:  # a challenger that failed the gate is promoted only on purpose, and told why
        assert "--force" in err, err
        code, _, err = run_cli("models", "promote", challenger["model_version"], "--registry", "models", "--force")
    assert code == 0, err
    code, _, err = run_cli("score", "posts.csv", "--registry", "models", "-o", "scored-again.csv")
    assert code == 0, err
    again = pd.read_csv("scored-again.csv", dtype=str, keep_default_na=False)
    assert set(again["model_version"]) == {challenger["model_version"]}
