"""The command line end to end on the bundled data: train, score, and one-line errors."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from vnflag.cli import main

DATA = "data/posts_labelled.csv"
UNLABELLED = "data/posts_unlabelled.csv"


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vnflag.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=600)


def test_train_then_score_from_the_command_line(tmp_path):
    model = tmp_path / "model"
    trained = run_cli("train", DATA, "--text-col", "text", "--label-col", "label",
                      "--meta-cols", "num_like,num_comment,num_share", "-o", str(model))
    assert trained.returncode == 0, trained.stderr
    assert "trained model" in trained.stderr
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["training_data"]["rows"] == 480
    metrics = manifest["metrics"]
    assert (f"ROC-AUC {metrics['cv_roc_auc']:.3f} (fold sd {metrics['cv_roc_auc_fold_sd']:.3f}), "
            f"ECE {metrics['cv_ece']:.3f}") in trained.stderr

    out = tmp_path / "scored.parquet"
    scored = run_cli("score", UNLABELLED, "--model", str(model), "--text-col", "text", "-o", str(out))
    assert scored.returncode == 0, scored.stderr
    frame = pd.read_parquet(out)
    source = pd.read_csv(UNLABELLED, dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == source["id"].tolist()
    assert {"score", "flagged", "reasons", "model_version", "error"} <= set(frame.columns)


def test_score_stdin_to_stdout(text_model_dir):
    csv = "id,text\n1,Nghe nói mai cắt điện toàn thành phố chia sẻ ngay\n2,Hôm nay trời đẹp\n"
    result = run_cli("score", "-", "--model", str(text_model_dir), "-o", "-", stdin=csv)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("id,text,score,flagged,reasons,model_version,error")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", DATA, "--text-col", "body", "-o", "{tmp}/m"], "'body' not found; columns are: id, text"),
        (["train", "{tmp}/nope.csv", "-o", "{tmp}/m"], "no such file"),
        (["train", "{tmp}/bad_labels.csv", "-o", "{tmp}/m"], "row 3 ('maybe')"),
        (["train", "{tmp}/posts.docx", "-o", "{tmp}/m"], "unknown file type"),
        (["score", UNLABELLED, "--model", "{tmp}", "-o", "{tmp}/o.csv"], "not a vnflag model directory"),
    ],
)
def test_user_mistakes_give_one_line_errors(tmp_path, capsys, args, message):
    (tmp_path / "bad_labels.csv").write_text("text,label\nmột,1\nhai,maybe\n", encoding="utf-8")
    (tmp_path / "posts.docx").write_text("x")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.startswith("vnflag: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "m").exists() and not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("command", [[], ["train"], ["score"], ["normalize"]])
def test_help_on_every_command(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0 and "usage: vnflag" in result.stdout


def test_normalize_command_shows_both_forms():
    result = run_cli("normalize", "Ko tin đc!!! xem https://x.vn")
    assert json.loads(result.stdout) == {"normalized": "Không tin được! xem xxurl",
                                         "segmented": "Không tin được ! xem xxurl"}
