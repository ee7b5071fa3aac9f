"""A whole review round from the command line, as an analyst runs it.

Two reviewers with ``--overlap``, one of them wrong on a fifth of the items, import together;
``labels status --json`` reports Cohen's kappa equal to scikit-learn's on the overlapping items;
``labels adjudicate`` → import settles every conflict; ``labels estimate`` gives an interval that
covers the true share of misleading posts in the batch. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from vnflag import LabelStore
from vnflag.cli import main

LABELLED = "data/posts_labelled.csv"


def _fill(path, decide) -> None:
    """A reviewer fills the decision column of a CSV queue file."""
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows["decision"] = [decide(row) for row in rows.itertuples(index=False)]
    rows.to_csv(path, index=False, quoting=csv.QUOTE_ALL)


def test_two_reviewers_agreement_adjudication_and_unbiased_estimate(text_model_dir, tmp_path, capsys):
    truth_frame = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    truth = dict(zip(truth_frame["id"], truth_frame["label"] == "1"))
    store = tmp_path / "labels.sqlite"
    assert main(["score", LABELLED, "--model", str(text_model_dir), "-o", str(tmp_path / "scored.csv"),
                 "--jobs", "1"]) == 0
    assert main(["queue", str(tmp_path / "scored.csv"), "--budget", "160", "--explore", "0.75",
                 "--random-share", "0.8", "--reviewers", "anh,binh", "--overlap", "0.3", "--seed", "4",
                 "-o", str(tmp_path / "today.csv"), "--store", str(store)]) == 0

    rng = np.random.default_rng(7)
    wrong: set[str] = set()

    def anh(row) -> str:
        return "misleading" if truth[row.id.removeprefix("'")] else "ok"

    def binh(row) -> str:  # wrong on about a fifth of the items
        right = truth[row.id.removeprefix("'")]
        if rng.random() < 0.2:
            wrong.add(row.item_id)
            right = not right
        return "misleading" if right else "ok"

    _fill(tmp_path / "today.anh.csv", anh)
    _fill(tmp_path / "today.binh.csv", binh)
    assert main(["labels", "import", str(tmp_path / "today.anh.csv"), str(tmp_path / "today.binh.csv"),
                 "--store", str(store)]) == 0
    capsys.readouterr()

    assert main(["labels", "status", "--store", str(store), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    reviews = LabelStore(store).reviews()
    both = reviews.pivot_table(index="item_id", columns="reviewer", values="decision", aggfunc="last").dropna()
    expected_kappa = cohen_kappa_score(both["anh"], both["binh"])
    agreement = status["agreement"]
    assert agreement["items"] == len(both) > 20
    assert agreement["percent"]["percent"] == pytest.approx(100 * (both["anh"] == both["binh"]).mean())
    assert agreement["percent"]["n"] == len(both)
    (pair,) = agreement["cohen_kappa"]["pairs"]
    kappa = pair["kappa"]
    assert pair["raters"] == ["anh", "binh"] and pair["n"] == len(both)
    assert kappa == pytest.approx(expected_kappa, abs=1e-9) and agreement["cohen_kappa"]["mean"] == kappa
    assert agreement["krippendorff_alpha"]["n"] == len(both)
    conflicts = status["conflicts_unresolved"]
    assert conflicts == int((both["anh"] != both["binh"]).sum()) > 0

    assert main(["labels", "adjudicate", "--store", str(store), "-o", str(tmp_path / "conflicts.csv")]) == 0
    _fill(tmp_path / "conflicts.csv", anh)  # a third person, who is right
    rows = pd.read_csv(tmp_path / "conflicts.csv", dtype=str, keep_default_na=False)
    rows["reviewer"] = "chi"
    rows.to_csv(tmp_path / "conflicts.csv", index=False, quoting=csv.QUOTE_ALL)
    assert main(["labels", "import", str(tmp_path / "conflicts.csv"), "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["labels", "status", "--store", str(store), "--json"]) == 0
    settled = json.loads(capsys.readouterr().out)
    assert settled["conflicts_unresolved"] == 0 and settled["conflicts_resolved"] == conflicts

    assert main(["labels", "estimate", "--store", str(store), "--json", "--bootstrap", "500"]) == 0
    estimate = json.loads(capsys.readouterr().out)
    overall = estimate.get("overall", estimate)
    prevalence = overall["prevalence"]
    scored = pd.read_csv(tmp_path / "scored.csv", dtype=str, keep_default_na=False)
    true_share = float(np.mean([truth[i] for i in scored["id"]]))
    assert prevalence["low"] <= true_share <= prevalence["high"], (prevalence, true_share)
    print(f"\nreview round: {agreement['items']} items seen by both reviewers, "
          f"{agreement['percent']['percent']:.1f}% agreement, Cohen's kappa {kappa:.3f} (scikit-learn "
          f"{expected_kappa:.3f}), Krippendorff's alpha {agreement['krippendorff_alpha']['alpha']:.3f}; "
          f"{conflicts} conflicts, all settled by adjudication; prevalence estimate {prevalence['estimate']:.3f} "
          f"[{prevalence['low']:.3f}, {prevalence['high']:.3f}] (n={prevalence['n']}) vs true share {true_share:.3f}; "
          f"precision of flags {overall['precision_flagged']}, recall of the top part {overall['recall_top']}")
