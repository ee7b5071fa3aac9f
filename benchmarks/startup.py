"""How long vnflag takes to start: ``import vnflag``, ``vnflag --help`` and each ``vnflag COMMAND --help``.

Each figure is the median wall time of fresh interpreter processes (start-up of Python itself
included), measured with the same interpreter; ``python -X importtime`` shows where time goes.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = ("train", "score", "normalize", "queue", "labels", "retrain", "models", "evaluate")


def _median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _help(argv: list[str]) -> str:
    return f"import sys\nfrom vnflag.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per figure (default: 7)")
    args = parser.parse_args()
    rows = [("python -c pass (the interpreter alone)", _median_seconds("pass", args.runs)),
            ("import vnflag", _median_seconds("import vnflag", args.runs)),
            ("import vnflag; vnflag.Flagger (loads scikit-learn, underthesea)",
             _median_seconds("import vnflag; vnflag.Flagger", args.runs)),
            ("vnflag --help", _median_seconds(_help(["--help"]), args.runs))]
    rows += [(f"vnflag {c} --help", _median_seconds(_help([c, "--help"]), args.runs)) for c in COMMANDS]
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median seconds ({args.runs} runs)")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
