"""Selection policies: which groups of scored posts fill each part of a reviewer's budget.

Each policy is a small object with :meth:`SelectionPolicy.select`, over the queue's groups (dicts
with the representative's ``score``, ``rep`` row and ``flagged``), highest score first, and
:meth:`SelectionPolicy.inclusion_probability`, the probability with which it chose what it chose
(1 for a deterministic policy, ``n / N`` for a uniform sample of ``n`` out of ``N``), so that
reviewed labels can be weighted into unbiased estimates. A queue is a list of parts, each a
policy and a number of items; a part chooses only among groups that no earlier part took. Add a
policy by subclassing and naming it in :data:`vnflag.constants.POLICIES` (the names the command
line offers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..constants import POLICIES
from ..exceptions import VnflagError

__all__ = ["SelectionPolicy", "TopPolicy", "ThresholdPolicy", "FlaggedPolicy", "UncertainPolicy",
           "RandomPolicy", "POLICIES", "main_policy"]

Group = dict[str, Any]


class SelectionPolicy:
    """Choose up to ``n`` groups, in the order reviewers see them.

    ``why`` is what a queue item says about the part that chose it. The base policy takes the
    first ``n`` of :meth:`eligible`, so a deterministic policy overrides only that.
    """

    why = "top"

    def eligible(self, groups: Sequence[Group]) -> list[Group]:
        """The groups this policy would choose from, in its order of preference."""
        return list(groups)

    def select(self, groups: Sequence[Group], n: int) -> list[Group]:
        """Up to ``n`` groups.

        >>> TopPolicy().select([{"score": 0.9, "rep": 0}, {"score": 0.2, "rep": 1}], 1)
        [{'score': 0.9, 'rep': 0}]
        """
        return self.eligible(groups)[: max(n, 0)]

    def inclusion_probability(self, n_candidates: int, n_selected: int) -> float:
        """The probability that :meth:`select` chose a group it chose, given how many groups it
        chose from (``n_candidates``) and how many it chose: 1 for a deterministic policy.

        >>> TopPolicy().inclusion_probability(10, 3)
        1.0
        """
        return 1.0


class TopPolicy(SelectionPolicy):
    """The highest scores first."""


class ThresholdPolicy(SelectionPolicy):
    """Groups scoring at least ``threshold``, highest first."""

    def __init__(self, threshold: float):
        self.threshold = float(threshold)

    def eligible(self, groups: Sequence[Group]) -> list[Group]:
        return [g for g in groups if g["score"] >= self.threshold]


class FlaggedPolicy(SelectionPolicy):
    """Groups the model flagged (any member's ``flagged`` is true), highest first."""

    def eligible(self, groups: Sequence[Group]) -> list[Group]:
        return [g for g in groups if g["flagged"]]


class UncertainPolicy(SelectionPolicy):
    """Groups whose score is closest to 0.5: what the model is least sure about, and learns most from."""

    why = "uncertain"

    def eligible(self, groups: Sequence[Group]) -> list[Group]:
        return sorted(groups, key=lambda g: (abs(g["score"] - 0.5), g["rep"]))


class RandomPolicy(SelectionPolicy):
    """A uniform random sample without replacement, shown highest score first; each group is
    chosen with probability ``n / len(groups)``, which makes unbiased estimates possible."""

    why = "random"

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def select(self, groups: Sequence[Group], n: int) -> list[Group]:
        groups = list(groups)
        if n <= 0 or not groups:
            return []
        rng = np.random.default_rng(self.random_state)
        picks = rng.choice(len(groups), size=min(n, len(groups)), replace=False)
        return [groups[int(p)] for p in sorted(picks, key=lambda p: -groups[int(p)]["score"])]

    def inclusion_probability(self, n_candidates: int, n_selected: int) -> float:
        """``n_selected / n_candidates``: every group had the same chance.

        >>> RandomPolicy().inclusion_probability(40, 4)
        0.1
        """
        return n_selected / n_candidates if n_candidates > 0 else 0.0




def main_policy(name: str, threshold: float | None = None, random_state: int = 0) -> SelectionPolicy:
    """The policy object for a policy name of :data:`POLICIES`.

    ``model`` is the model's own flag: the stored ``flagged`` column, or ``threshold`` when given.

    >>> type(main_policy("model", threshold=0.4)).__name__
    'ThresholdPolicy'
    """
    if name == "top":
        return TopPolicy()
    if name == "threshold":
        if threshold is None:
            raise VnflagError("policy 'threshold' needs a threshold (or choose_threshold on validation data)")
        return ThresholdPolicy(threshold)
    if name == "model":
        return ThresholdPolicy(threshold) if threshold is not None else FlaggedPolicy()
    if name == "random":
        return RandomPolicy(random_state)
    raise VnflagError(f"policy must be one of {', '.join(POLICIES)}, got {name!r}")
