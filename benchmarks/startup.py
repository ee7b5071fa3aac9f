"""How long vnflag takes to start: ``import vnflag``, ``vnflag --help``, each ``vnflag COMMAND --help``, and the
commands that need no model (``normalize``, ``labels status``, ``models list``: none imports scikit-learn).

Each figure is the median wall time of fresh interpreter processes (start-up of Python itself
included), measured with the same interpreter; ``python -X importtime`` shows where time goes.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = ("train", "score", "normalize", "queue", "labels", "retrain", "models", "evaluate")


def _median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cli(argv: list[str]) -> str:
    return f"import sys\nfrom vnflag.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"


def _store_and_registry(work: Path) -> tuple[str, str]:
    """A label store with one registered queue, and an empty registry, for the commands to read."""
    import pandas as pd

    from vnflag import LabelStore, Registry, build_queue

    posts = pd.DataFrame({"id": ["a", "b"], "text": ["bài một về thời tiết", "tin giá vàng hôm nay"],
                          "score": [0.9, 0.1], "model_version": "m"})
    LabelStore(work / "labels.sqlite").register_queue(build_queue(posts, budget=2))
    Registry(work / "models")
    return str(work / "labels.sqlite"), str(work / "models")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per figure (default: 7)")
    args = parser.parse_args()
    rows = [("python -c pass (the interpreter alone)", _median_seconds("pass", args.runs)),
            ("import vnflag", _median_seconds("import vnflag", args.runs)),
            ("import vnflag; vnflag.Flagger (loads scikit-learn, underthesea)",
             _median_seconds("import vnflag; vnflag.Flagger", args.runs)),
            ("vnflag --help", _median_seconds(_cli(["--help"]), args.runs))]
    rows += [(f"vnflag {c} --help", _median_seconds(_cli([c, "--help"]), args.runs)) for c in COMMANDS]
    with tempfile.TemporaryDirectory() as work:
        store, registry = _store_and_registry(Path(work))
        for name, argv in (("normalize", ["normalize", "Ko tin đc!!! xem https://bit.ly/x"]),
                           ("labels status", ["labels", "status", "--store", store]),
                           ("models list", ["models", "list", "--registry", registry])):
            rows.append((f"vnflag {name} (a real run, no scikit-learn)", _median_seconds(_cli(argv), args.runs)))
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median seconds ({args.runs} runs)")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
