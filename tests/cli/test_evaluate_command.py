"""``vnflag evaluate`` end to end: report and summary written, mistakes are one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

from vnflag.cli import main

DATA = Path(__file__).resolve().parents[2] / "data"


def test_evaluate_command_writes_report_and_summary(text_model_dir, tmp_path, capsys):
    report = tmp_path / "reports" / "eval.html"
    status = main(["evaluate", str(DATA / "posts_labelled.csv"), "--model", str(text_model_dir),
                   "--report", str(report), "--slice-col", "num_share", "--slice-col", "num_comment",
                   "--bootstrap", "50"])
    err = capsys.readouterr().err
    assert status == 0, err
    page = report.read_text(encoding="utf-8")
    assert page.count("<figure><svg ") == 5  # the five figures, inline
    assert "<td>num_share</td>" in page and "<td>num_comment</td>" in page
    summary = (tmp_path / "reports" / "eval.md").read_text(encoding="utf-8")
    auc = re.search(r"ROC-AUC ([0-9.]+)", err).group(1)
    assert f"| ROC-AUC (95 % CI) | {auc}" in summary
    assert "training data" in err  # evaluated on its own training data: warned


def test_evaluate_command_errors_name_the_column(text_model_dir, tmp_path, capsys):
    status = main(["evaluate", str(DATA / "posts_labelled.csv"), "--model", str(text_model_dir),
                   "--report", str(tmp_path / "r.html"), "--slice-col", "source"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("vnflag: error:") and "'source'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()
    status = main(["evaluate", str(DATA / "posts_labelled.csv"), "--model", str(text_model_dir),
                   "--report", str(tmp_path / "r.html"), "--label-col", "num_share"])
    err = capsys.readouterr().err
    assert status == 2 and "'num_share'" in err and "row" in err
