"""Run every vnflag command on the bundled data and write a digest of what each one printed and wrote.

Used to check that a refactoring changes no behaviour: run it on two versions of the code and
compare the digests. Volatile parts (model versions, timestamps, queue ids that embed the model
version, checksums of files that embed a timestamp, the output directory) are masked.

    python benchmarks/cli_outputs.py --out /tmp/after                 # writes /tmp/after/digest.json
    PYTHONPATH=/tmp/old/src python benchmarks/cli_outputs.py --out /tmp/before
    python benchmarks/cli_outputs.py --compare /tmp/before/digest.json /tmp/after/digest.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
MASKS = [
    (re.compile(r"\d{8}-\d{6}-[0-9a-f]{8}"), "<VERSION>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)?"), "<TIME>"),
    (re.compile(r"\bq[0-9a-f]{12}\b"), "<QUEUE>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),
]


def _mask(text: str, out: Path) -> str:
    text = text.replace(str(out.resolve()), "<OUT>").replace(str(out), "<OUT>")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _run(out: Path, *args: str) -> dict:
    code = "import sys; from vnflag.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=out,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    return {"args": _mask(" ".join(args), out), "exit": done.returncode,
            "stdout": _mask(_canonical_json(done.stdout), out), "stderr": _mask(done.stderr, out)}


def _canonical_json(text: str) -> str:
    """A JSON document printed by a command, as data; other output unchanged."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
    except ValueError:
        return text


def _file_digest(path: Path, out: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".skops":
        return "<binary model>"
    if suffix in (".xlsx", ".parquet"):
        frame = pd.read_excel(path, dtype=str) if suffix == ".xlsx" else pd.read_parquet(path)
        return _mask(frame.to_csv(index=False), out)
    if suffix == ".sqlite":
        import sqlite3

        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            dump = {t: [list(r) for r in db.execute(f"SELECT * FROM {t}")] for t in tables
                    if t != "sqlite_sequence"}
        return _mask(json.dumps(dump, ensure_ascii=False, default=str), out)
    if suffix == ".html":
        return f"<html, {len(path.read_bytes()) > 0} bytes>"
    if suffix == ".json":  # compared as data: indentation is layout, not behaviour
        return _mask(json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False, sort_keys=True), out)
    return _mask(path.read_text(encoding="utf-8"), out)


def run_all(out: Path) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in ("posts_labelled.csv", "posts_unlabelled.csv"):
        shutil.copy(DATA / name, out / name)
    meta = "num_like,num_comment,num_share"
    steps = [
        ("train", "posts_labelled.csv", "--text-col", "text", "--label-col", "label", "--meta-cols", meta,
         "-o", "model"),
        ("score", "posts_unlabelled.csv", "--model", "model", "-o", "scored.csv", "--jobs", "1"),
        ("score", "posts_unlabelled.csv", "--model", "model", "-o", "scored.parquet", "--jobs", "1"),
        ("score", "posts_labelled.csv", "--model", "model", "-o", "scored_labelled.csv", "--jobs", "1"),
        ("normalize", "Ko tin đc!!! xem https://bit.ly/x 😂😂"),
        ("queue", "scored.csv", "--budget", "40", "--explore", "0.5", "-o", "queue.csv", "--keep-cols", meta),
        ("queue", "scored.csv", "--budget", "10", "-o", "queue_top.xlsx"),
        ("queue", "scored.csv", "--budget", "10", "--policy", "model", "-o", "queue_model.jsonl"),
        ("queue", "scored.csv", "--budget", "10", "--threshold", "0.3", "-o", "queue_threshold.labelstudio.json"),
        ("queue", "scored.csv", "--budget", "10", "--policy", "random", "--seed", "3", "-o", "queue_random.argilla.json"),
        ("queue", "scored_labelled.csv", "--budget", "15", "--validation", "scored_labelled.csv",
         "--target-recall", "0.8", "-o", "queue_recall.csv"),
        ("labels", "import", "queue.csv", "--store", "labels.sqlite"),
        ("labels", "status", "--store", "labels.sqlite", "--json"),
        ("retrain", "--model", "model", "--labels", "labels.sqlite", "--data", "posts_labelled.csv",
         "-o", "challenger", "--cv", "3"),
        ("evaluate", "posts_labelled.csv", "--model", "model", "--report", "report.html", "--bootstrap", "50"),
        ("models", "add", "model", "--registry", "registry"),
        ("models", "list", "--registry", "registry"),
        ("train", "posts_labelled.csv", "-o", "model"),
        ("score", "missing.csv", "--model", "model", "-o", "x.csv"),
        ("score", "posts_unlabelled.csv", "--model", "model", "--registry", "registry", "-o", "x.csv"),
    ]
    # Reviews: fill the CSV queue's decisions deterministically, then import and retrain.
    results = []
    for step in steps:
        results.append(_run(out, *step))
        if step[0] == "queue" and "queue.csv" in step:
            queue = pd.read_csv(out / "queue.csv", dtype=str, keep_default_na=False)
            queue["decision"] = ["misleading" if float(s) >= 0.5 else "ok" for s in queue["score"]]
            queue["reviewer"] = "anh"
            queue.to_csv(out / "queue.csv", index=False)
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.name not in ("posts_labelled.csv",
                                                                                  "posts_unlabelled.csv"):
            relative = _mask(str(path.relative_to(out)), out)
            files[relative] = _file_digest(path, out)
    return {"commands": results, "files": files}


def _json_fields(old: str | None, new: str | None) -> str:
    """For two JSON objects: which top-level fields differ, and how."""
    try:
        a, b = json.loads(old), json.loads(new)
    except (TypeError, ValueError):
        return ""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return ""
    changed = [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return ": " + "; ".join(changed)[:500]


def compare(before: dict, after: dict) -> int:
    problems = 0
    for old, new in zip(before["commands"], after["commands"]):
        for key in ("exit", "stdout", "stderr"):
            if old[key] != new[key]:
                problems += 1
                print(f"DIFFERENT {key} of `vnflag {old['args']}`:\n  before: {old[key]!r}\n  after:  {new[key]!r}")
    for name in sorted(set(before["files"]) | set(after["files"])):
        old, new = before["files"].get(name), after["files"].get(name)
        if old != new:
            problems += 1
            print(f"DIFFERENT file {name}" + _json_fields(old, new))
    print(f"{len(before['commands'])} commands and {len(before['files'])} files compared: "
          f"{problems} differences")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="working directory to create; writes digest.json beside it")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        return compare(before, after)
    digest = run_all(args.out / "work")
    (args.out / "digest.json").write_text(json.dumps(digest, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(digest['commands'])} commands, {len(digest['files'])} files; wrote {args.out / 'digest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
