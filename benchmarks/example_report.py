"""Render an example evaluation report from the bundled synthetic posts (for the README picture).

    python benchmarks/example_report.py [--output docs/example_report.html]

Trains on a stratified 70 % of ``data/posts_labelled.csv`` and evaluates on the other 30 %,
so the figures are held-out, if small and synthetic. To turn the page into ``docs/report.png``:

    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \\
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \\
        --screenshot=docs/report.png --window-size=1200,1600 "file://$PWD/docs/example_report.html"
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sklearn.model_selection import train_test_split

from vnflag import evaluate, read_table, save_model, train_frame, write_report

REPO = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "example_report.html")
    args = parser.parse_args(argv)
    posts = read_table(REPO / "data" / "posts_labelled.csv")
    train, held_out = train_test_split(posts, test_size=0.3, stratify=posts["label"], random_state=0)
    meta = ["num_like", "num_comment", "num_share"]
    flagger, training = train_frame(train, "text", "label", meta)
    training["data"]["source"] = "posts_labelled.csv, stratified 70 % (seed 0)"
    with tempfile.TemporaryDirectory() as directory:  # saved, so the report shows a real manifest
        save_model(flagger, Path(directory) / "model", training=training,
                   columns={"text": "text", "label": "label", "meta": meta})
        result = evaluate(Path(directory) / "model", held_out.reset_index(drop=True),
                          source="posts_labelled.csv, the other 30 %")
    print(*write_report(result, args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
