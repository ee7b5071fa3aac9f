"""Agreement between reviewers: percent agreement, Cohen's kappa per pair, Krippendorff's alpha.

Every function takes a *reliability matrix*: one row per unit (a queue item), one column per
reviewer, the reviewer's decision in the cell and a missing value where they did not decide it
(Krippendorff's reliability data, transposed). Units decided by fewer than two reviewers carry
no information about agreement and are left out. Undefined figures (no pairable unit, or only one
decision ever used, so chance agreement is perfect) are ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["reliability_matrix", "percent_agreement", "cohen_kappa", "pairwise_kappa", "krippendorff_alpha",
           "agreement_summary"]


def reliability_matrix(units: Sequence[Any], raters: Sequence[Any], values: Sequence[Any]) -> pd.DataFrame:
    """Long ``(unit, rater, value)`` triples → the unit × rater matrix (the last value wins).

    >>> reliability_matrix(["a", "a", "b"], ["lan", "minh", "lan"], ["ok", "ok", "misleading"]).shape
    (2, 2)
    """
    long = pd.DataFrame({"unit": list(units), "rater": list(raters), "value": list(values)})
    if long.empty:
        return pd.DataFrame()
    wide = long.drop_duplicates(["unit", "rater"], keep="last").pivot(index="unit", columns="rater", values="value")
    return wide.astype(object).where(wide.notna(), None)


def _pairable(matrix: pd.DataFrame) -> pd.DataFrame:
    """The units decided by two reviewers or more."""
    if matrix.empty:
        return matrix
    return matrix[matrix.notna().sum(axis=1) >= 2]


def _decisions(units: pd.DataFrame) -> list[list[Any]]:
    """Each unit's decisions (missing ones left out), as plain lists: a row loop without pandas per row."""
    return [[v for v in row if not pd.isna(v)] for row in units.to_numpy(dtype=object)]


def percent_agreement(matrix: pd.DataFrame) -> dict[str, Any]:
    """The share (in %) of units decided by two reviewers or more on which all of them agree.

    >>> percent_agreement(pd.DataFrame({"lan": ["ok", "ok"], "minh": ["ok", "misleading"]}))
    {'percent': 50.0, 'n': 2}
    """
    units = _pairable(matrix)
    if units.empty:
        return {"percent": None, "n": 0}
    same = [len(set(values)) == 1 for values in _decisions(units)]
    return {"percent": 100.0 * float(np.mean(same)), "n": int(len(units))}


def cohen_kappa(first: Sequence[Any], second: Sequence[Any]) -> float | None:
    """Cohen's kappa of two raters' decisions on the same units, as scikit-learn's ``cohen_kappa_score``
    computes it, without importing scikit-learn (``vnflag labels status`` starts without it); ``None`` where it
    is undefined (both raters used one and the same decision throughout: chance agreement is perfect).

    >>> round(cohen_kappa(["ok", "misleading", "ok"], ["ok", "misleading", "misleading"]), 6)
    0.4
    """
    if len(first) != len(second):
        raise ValueError(f"two raters' decisions on the same units: {len(first)} against {len(second)}")
    if not len(first):
        return None
    index = {value: number for number, value in enumerate(dict.fromkeys([*first, *second]))}
    confusion = np.zeros((len(index), len(index)))
    np.add.at(confusion, ([index[v] for v in first], [index[v] for v in second]), 1)
    expected = np.outer(confusion.sum(axis=1), confusion.sum(axis=0)) / confusion.sum()
    disagree = 1 - np.eye(len(index))
    chance = float((disagree * expected).sum())
    return None if chance == 0 else 1 - float((disagree * confusion).sum()) / chance


def pairwise_kappa(matrix: pd.DataFrame) -> dict[str, Any]:
    """Cohen's kappa (:func:`cohen_kappa`, equal to scikit-learn's) for every pair of reviewers, on the units
    both decided, and the mean over the pairs where it is defined.

    >>> pairwise_kappa(pd.DataFrame({"lan": ["ok", "misleading"], "minh": ["ok", "misleading"]}))["mean"]
    1.0
    """
    pairs: list[dict[str, Any]] = []
    for a, b in combinations(sorted(matrix.columns, key=str), 2):
        both = matrix[[a, b]].dropna()
        kappa = cohen_kappa(list(both[a].astype(str)), list(both[b].astype(str))) if len(both) >= 2 else None
        if len(both):
            pairs.append({"raters": [str(a), str(b)], "kappa": kappa, "n": int(len(both))})
    defined = [p["kappa"] for p in pairs if p["kappa"] is not None]
    return {"pairs": pairs, "mean": float(np.mean(defined)) if defined else None, "n_pairs": len(defined)}


def krippendorff_alpha(matrix: pd.DataFrame) -> dict[str, Any]:
    """Krippendorff's alpha for nominal data, from the coincidence matrix; any number of
    reviewers, missing decisions allowed. ``n`` is the number of pairable units, ``values`` the
    number of pairable decisions.

    >>> m = pd.DataFrame({"a": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "b": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]})
    >>> round(krippendorff_alpha(m)["alpha"], 3)        # Krippendorff (2011), binary example
    0.095
    """
    units = _pairable(matrix)
    coincidence: defaultdict[tuple[Any, Any], float] = defaultdict(float)
    for values in _decisions(units):
        m = len(values)
        for i, j in ((i, j) for i in range(m) for j in range(m) if i != j):
            coincidence[(values[i], values[j])] += 1.0 / (m - 1)
    totals: defaultdict[Any, float] = defaultdict(float)
    for (c, _), count in coincidence.items():
        totals[c] += count
    n = sum(totals.values())
    observed = sum(count for (c, k), count in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    alpha = None if expected == 0 else float(1.0 - (n - 1) * observed / expected)
    return {"alpha": alpha, "n": int(len(units)), "values": int(round(n))}


def agreement_summary(matrix: pd.DataFrame) -> dict[str, Any]:
    """All three figures, as ``vnflag labels status --json`` shows them under ``agreement``.

    >>> agreement_summary(pd.DataFrame({"lan": ["ok"], "minh": ["ok"]}))["items"]
    1
    """
    agree = percent_agreement(matrix)
    return {"items": agree["n"], "percent": agree, "cohen_kappa": pairwise_kappa(matrix),
            "krippendorff_alpha": krippendorff_alpha(matrix)}
