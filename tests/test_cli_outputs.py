"""Approval test: every vnflag command run on the bundled data prints and writes what was approved.

The commands run in order, each as its own process (``train``, ``score`` to CSV and Parquet, ``normalize``,
``queue`` in every export format and policy, ``labels import`` / ``status`` after filling the CSV queue's
decisions, ``retrain``, ``recalibrate`` (too few random-share labels: refused), ``evaluate``, ``models add`` /
``list``, and three user mistakes). Their exit status, standard output and error, and every file they write are
compared with ``tests/approved/cli_outputs.json``.
Volatile parts are masked first: the time and random part of model versions (``20261204-172411-9a6d7a9b-3f2c``
keeps its data fingerprint ``9a6d7a9b``), timestamps, queue ids, SHA-256 checksums and the working directory.
Small outputs are stored whole (a change shows as a diff), large ones as a SHA-256 of their masked text.

Every command runs with one BLAS/OpenMP thread: the last bits of training metrics depend on the number of
threads (and a Dask LocalCluster earlier in the session sets them to 1 in the test process's environment).
Numbers in JSON outputs and the label store are compared to 10 significant digits, so last-bit noise of
another CPU is no difference; scores in tables are written rounded by vnflag itself.

A change on purpose is approved by rewriting the file, then committing it with the change:

    VNFLAG_APPROVE=1 python -m pytest tests/test_cli_outputs.py

Scores depend on the versions of scikit-learn, numpy and underthesea (and manifests record Python's): the
approved file records them, and with other versions the test is skipped (re-approve on the new versions after
checking that the differences are only the libraries'). Running every command takes about 40 s on an idle
machine: the test is marked slow and integration (tests/conftest.py).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
APPROVED = Path(__file__).resolve().parent / "approved" / "cli_outputs.json"
LIBRARIES = ("scikit-learn", "numpy", "underthesea")  # and Python, which manifests record
#: Outputs up to this many characters are stored whole, longer ones as a digest.
STORED_WHOLE = 5_000
#: Same results whatever the machine's cores and whatever earlier tests left in the environment.
ENVIRONMENT = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
MASKS = [
    (re.compile(r"\b\d{8}-\d{6}-([0-9a-f]{8})-[0-9a-f]{4}\b"), r"<VERSION \1>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?"), "<TIME>"),
    (re.compile(r"\bq[0-9a-f]{12}\b"), "<QUEUE>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),
]
META = "num_like,num_comment,num_share"
COMMANDS = [
    ("train", "posts_labelled.csv", "--text-col", "text", "--label-col", "label", "--meta-cols", META, "-o", "model"),
    ("score", "posts_unlabelled.csv", "--model", "model", "-o", "scored.csv", "--jobs", "1"),
    ("score", "posts_unlabelled.csv", "--model", "model", "-o", "scored.parquet", "--jobs", "1"),
    ("score", "posts_labelled.csv", "--model", "model", "-o", "scored_labelled.csv", "--jobs", "1"),
    ("normalize", "Ko tin đc!!! xem https://bit.ly/x 😂😂"),
    ("queue", "scored.csv", "--budget", "40", "--explore", "0.5", "-o", "queue.csv", "--keep-cols", META),
    ("queue", "scored.csv", "--budget", "10", "-o", "queue_top.xlsx"),
    ("queue", "scored.csv", "--budget", "10", "--policy", "model", "-o", "queue_model.jsonl"),
    ("queue", "scored.csv", "--budget", "10", "--threshold", "0.3", "-o", "queue_threshold.labelstudio.json"),
    ("queue", "scored.csv", "--budget", "10", "--policy", "random", "--seed", "3", "-o", "queue_random.argilla.json"),
    ("queue", "scored_labelled.csv", "--budget", "15", "--validation", "scored_labelled.csv",
     "--target-recall", "0.8", "-o", "queue_recall.csv"),
    ("labels", "import", "queue.csv", "--store", "labels.sqlite"),
    ("labels", "status", "--store", "labels.sqlite", "--json"),
    ("retrain", "--model", "model", "--labels", "labels.sqlite", "--data", "posts_labelled.csv", "-o", "challenger",
     "--cv", "3"),
    ("recalibrate", "--model", "model", "--labels", "labels.sqlite", "-o", "recalibrated"),  # too few random labels
    ("evaluate", "posts_labelled.csv", "--model", "model", "--report", "report.html", "--bootstrap", "50"),
    ("models", "add", "model", "--registry", "registry"),
    ("models", "list", "--registry", "registry"),
    ("train", "posts_labelled.csv", "-o", "model"),  # mistakes: an existing output, a missing input, two models
    ("score", "missing.csv", "--model", "model", "-o", "x.csv"),
    ("score", "posts_unlabelled.csv", "--model", "model", "--registry", "registry", "-o", "x.csv"),
]


def _mask(text: str, work: Path) -> str:
    text = text.replace(str(work.resolve()), "<OUT>").replace(str(work), "<OUT>")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _significant(number: float) -> float:
    return float(f"{number:.10g}")


def _canonical_json(text: str) -> str:
    """A JSON document as data (its layout is not behaviour), numbers to 10 significant digits; other text
    unchanged."""
    try:
        return json.dumps(json.loads(text, parse_float=lambda s: _significant(float(s))), ensure_ascii=False,
                          sort_keys=True, indent=1)
    except ValueError:
        return text


def _stored(text: str) -> list[str] | str:
    """``text`` whole if short, as its lines (so that a re-approval reads as a line diff in git), else its
    SHA-256 and line count."""
    if len(text) <= STORED_WHOLE:
        return text.split("\n")
    return f"sha256 {hashlib.sha256(text.encode()).hexdigest()}, {text.count(chr(10))} lines"


def _run(work: Path, args: tuple[str, ...]) -> dict:
    code = "import sys; from vnflag.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=work,
                          env={**os.environ, **ENVIRONMENT})
    return {"args": _mask(" ".join(args), work), "exit": done.returncode,
            "stdout": _stored(_mask(_canonical_json(done.stdout), work)), "stderr": _stored(_mask(done.stderr, work))}


def _file_text(path: Path) -> str:
    """A written file as text: tables through pandas, the label store as a dump of its tables, JSON as data."""
    suffix = path.suffix.lower()
    if suffix == ".skops":
        return "<binary model>"
    if suffix == ".html":  # embeds PNG figures, which follow matplotlib's version
        return "<html report>" if path.stat().st_size else "<empty html>"
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=str).to_csv(index=False)
    if suffix == ".parquet":
        return pd.read_parquet(path).to_csv(index=False)
    if suffix == ".sqlite":
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                      if r[0] != "sqlite_sequence"]
            dump = {t: [[_significant(v) if isinstance(v, float) else v for v in row]
                        for row in db.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}
        return json.dumps(dump, ensure_ascii=False, default=str, indent=1)
    text = path.read_text(encoding="utf-8")
    return _canonical_json(text) if suffix == ".json" else text


def run_all(work: Path) -> dict:
    """Every command of COMMANDS in ``work``, a fresh copy of the bundled data: the masked outputs."""
    work.mkdir(parents=True)
    for name in ("posts_labelled.csv", "posts_unlabelled.csv"):
        shutil.copy(DATA / name, work / name)
    commands = []
    for args in COMMANDS:
        commands.append(_run(work, args))
        if args[0] == "queue" and "queue.csv" in args:  # reviewers' decisions, deterministic
            queue = pd.read_csv(work / "queue.csv", dtype=str, keep_default_na=False)
            queue["decision"] = ["misleading" if float(s) >= 0.5 else "ok" for s in queue["score"]]
            queue["reviewer"] = "anh"
            queue.to_csv(work / "queue.csv", index=False)
    inputs = {work / "posts_labelled.csv", work / "posts_unlabelled.csv"}
    files = {_mask(path.relative_to(work).as_posix(), work): _stored(_mask(_file_text(path), work))
             for path in sorted(work.rglob("*")) if path.is_file() and path not in inputs}
    return {"commands": commands, "files": files}


def _diff(approved: list[str] | str | int | None, now: list[str] | str | int | None, limit: int = 30) -> str:
    if approved is None or now is None:
        return "    (absent before)" if approved is None else "    (no longer written)"
    if not (isinstance(approved, list) and isinstance(now, list)):  # digests, exit statuses
        return f"    approved: {str(approved)[:90]}\n    now:      {str(now)[:90]}"
    lines = list(difflib.unified_diff(approved, now, "approved", "now", lineterm="", n=1))
    return "\n".join("    " + line for line in lines[:limit]) + ("\n    ..." if len(lines) > limit else "")


def differences(approved: dict, now: dict) -> list[str]:
    """One entry per command output or file that differs, with what changed."""
    found = []
    if [c["args"] for c in approved["commands"]] != [c["args"] for c in now["commands"]]:
        found.append("the list of commands changed")
    for old, new in zip(approved["commands"], now["commands"], strict=False):  # a changed list is reported above
        for key in ("exit", "stdout", "stderr"):
            if old[key] != new[key]:
                found.append(f"{key} of `vnflag {new['args']}`:\n" + _diff(old[key], new[key]))
    for name in sorted(set(approved["files"]) | set(now["files"])):
        old, new = approved["files"].get(name), now["files"].get(name)
        if old != new:
            found.append(f"file {name}:\n" + _diff(old, new))
    return found


def test_every_command_prints_and_writes_what_was_approved(tmp_path):
    approving = os.environ.get("VNFLAG_APPROVE") == "1"
    libraries = {"python": platform.python_version(), **{name: version(name) for name in LIBRARIES}}
    approved = None if approving else json.loads(APPROVED.read_text(encoding="utf-8"))
    if approved is not None and approved["libraries"] != libraries:
        pytest.skip(f"outputs were approved with {approved['libraries']}, these are {libraries}: scores may "
                    "differ; re-approve on these versions (VNFLAG_APPROVE=1, see this module's docstring)")
    now = {"libraries": libraries, **run_all(tmp_path / "work")}
    if approving:
        APPROVED.parent.mkdir(exist_ok=True)
        APPROVED.write_text(json.dumps(now, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    found = differences(approved, now)
    assert not found, (
        f"{len(found)} outputs differ from {APPROVED.relative_to(REPO)} (this run's files: {tmp_path / 'work'}):\n"
        + "\n".join(found)
        + "\nIf every change is intended: VNFLAG_APPROVE=1 python -m pytest tests/test_cli_outputs.py, "
          "then commit the rewritten file.")
