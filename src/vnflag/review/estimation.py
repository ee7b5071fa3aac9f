"""Unbiased estimates from review queues: Horvitz–Thompson totals with stratified bootstrap intervals.

A queue is drawn in parts (strata): the ``top`` and ``uncertain`` parts are chosen
deterministically (every such item had inclusion probability 1), the ``random`` part is a simple
random sample of n of the N remaining groups (probability n/N). Weighting each reviewed item's
decision by ``group_size / inclusion_probability`` counts every scored post once in expectation,
so the random part stands for all the posts nobody chose: without it, the posts below the top
are simply never seen and the share needing verification is only a lower bound.

Three figures, each with a 95 % percentile bootstrap interval (items resampled within each
stratum; a stratum fully reviewed with probability 1 is a census and held fixed):

* ``prevalence``: estimated posts needing verification / ``scored_posts`` of the batch;
* ``precision_flagged``: among the posts the model flagged, the estimated share needing verification;
* ``recall_top``: misleading posts found by the ``top`` part / the estimated total.

Items without a firm label (unreviewed, ``unsure``, conflicts nobody adjudicated) are treated
as *missing at random within their stratum*: the labelled items of a stratum also stand for its
unlabelled ones (their weight is multiplied by items / labelled items of the stratum, i.e. the
inclusion probability is adjusted by the stratum's response rate). A stratum with items but no
label at all cannot be estimated: the figures are then ``None`` and ``note`` says why.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.schemas import MIN_INCLUSION_PROBABILITY
from ..exceptions import VnflagError
from ..model.metrics import check_bootstrap
from .queues import read_queue_record
from .store import LabelStore

__all__ = ["FIGURES", "ht_weights", "ht_estimates", "design_items", "estimate_store"]

#: The estimated figures, in report order.
FIGURES = ("prevalence", "precision_flagged", "recall_top")


def _figures(sums: np.ndarray, n_posts: float) -> np.ndarray:
    """``[..., (Σwy, Σwyf, Σwf, Σwy·top)]`` → ``[..., (prevalence, precision, recall)]``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([sums[..., 0] / n_posts, sums[..., 1] / sums[..., 2], sums[..., 3] / sums[..., 0]], axis=-1)


def ht_weights(labels: Sequence[float] | np.ndarray, group_sizes: Sequence[float] | np.ndarray,
               inclusion_probabilities: Sequence[float] | np.ndarray,
               strata: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Each drawn item's Horvitz–Thompson weight: ``group_size / inclusion_probability`` times its
    stratum's items / labelled items (missing labels, ``NaN``, are missing at random within the
    stratum), 0 for an unlabelled item. A stratum that cannot be weighted (an inclusion probability
    or group size unknown, or no label at all) keeps weight 0 and is named in the notes
    (stratum → why), in the order met. The one rule for :func:`ht_estimates` and recalibration.

    >>> ht_weights([1, float("nan"), 0], [2, 1, 1], [0.5, 0.5, 0.5], ["r", "r", "r"])[0].tolist()
    [6.0, 0.0, 3.0]
    """
    y = np.asarray(labels, dtype=float)
    g = np.asarray(group_sizes, dtype=float)
    pi = np.asarray(inclusion_probabilities, dtype=float)
    stratum = np.asarray([str(s) for s in strata], dtype=object)
    labelled = ~np.isnan(y)
    notes: dict[str, str] = {}
    weight = np.zeros_like(y)
    for s in dict.fromkeys(stratum):
        inside = stratum == s
        if np.any(inside & ~((pi >= MIN_INCLUSION_PROBABILITY) & (pi <= 1))):
            notes[s] = f"stratum {s}: an inclusion probability is unknown or outside [{MIN_INCLUSION_PROBABILITY:g}, 1]"
        elif np.any(inside & ~(g >= 1)):
            notes[s] = f"stratum {s}: a group size is unknown"
        elif labelled[inside].sum() == 0:
            notes[s] = f"stratum {s}: no item has a label, so it cannot stand for its posts"
        else:
            known = inside & labelled
            weight[known] = g[known] / pi[known] * inside.sum() / labelled[inside].sum()
    return weight, notes


def ht_estimates(
    labels: Sequence[float],
    group_sizes: Sequence[float],
    inclusion_probabilities: Sequence[float],
    strata: Sequence[Any],
    top: Sequence[bool],
    flagged: Sequence[Any],
    n_posts: float,
    n_bootstrap: int = 1000,
    random_state: int = 0,
) -> dict[str, dict[str, Any]]:
    """Horvitz–Thompson estimates of :data:`FIGURES` with stratified bootstrap 95 % intervals.

    One entry per drawn item: its label (1 misleading, 0 ok, ``NaN`` missing), posts in it, its
    inclusion probability, stratum, whether the ``top`` part chose it and whether the model
    flagged it (``None``: unknown, then ``precision_flagged`` is ``None``). ``n_posts`` is the
    number of scored posts in the batch(es).

    >>> r = ht_estimates([1, 0, 1, 0], [1, 1, 1, 1], [1, 1, .5, .5], ["top", "top", "random", "random"],
    ...                  [True, True, False, False], [True, True, False, False], n_posts=6)
    >>> r["prevalence"]["estimate"], r["recall_top"]["estimate"]
    (0.5, 0.3333333333333333)
    """
    n_bootstrap = check_bootstrap(n_bootstrap)
    y = np.asarray(labels, dtype=float)
    g = np.asarray(group_sizes, dtype=float)
    pi = np.asarray(inclusion_probabilities, dtype=float)
    stratum = np.asarray([str(s) for s in strata], dtype=object)
    is_top = np.asarray(top, dtype=bool)
    known_flags = np.array([f is not None and not (isinstance(f, float) and np.isnan(f)) for f in flagged], dtype=bool)
    f = np.array([bool(v) if k else False for v, k in zip(flagged, known_flags, strict=True)], dtype=float)
    labelled = ~np.isnan(y)
    weight, notes = ht_weights(y, g, pi, stratum)
    note = list(notes.values())[-1] if notes else ""
    yz = np.where(labelled, y, 0.0)
    parts = np.stack([weight * yz, weight * yz * f, weight * f, weight * yz * is_top], axis=-1)
    counts = {"prevalence": int(labelled.sum()), "precision_flagged": int((labelled & (f > 0)).sum()),
              "recall_top": int((labelled & (yz > 0)).sum())}
    if note or not n_posts:
        return {k: {"estimate": None, "low": None, "high": None, "n": counts[k], "note": note or "no scored posts"}
                for k in FIGURES}
    point = _figures(parts.sum(axis=0), float(n_posts))
    rng = np.random.default_rng(random_state)
    replicates = np.zeros((int(n_bootstrap), 4))
    for s in dict.fromkeys(stratum):
        rows = np.flatnonzero((stratum == s) & labelled)
        census = np.all(pi[stratum == s] == 1.0) and len(rows) == (stratum == s).sum()
        if census or n_bootstrap == 0:
            replicates += parts[rows].sum(axis=0)
        else:
            draws = rng.integers(0, len(rows), size=(int(n_bootstrap), len(rows)))
            replicates += parts[rows][draws].sum(axis=1)
    boot = _figures(replicates, float(n_posts))
    result = {}
    for j, name in enumerate(FIGURES):
        undefined = np.isnan(point[j]) or (name == "precision_flagged" and not known_flags.all())
        values = boot[:, j][~np.isnan(boot[:, j])]
        low, high = (np.percentile(values, [2.5, 97.5]) if len(values) and n_bootstrap else (np.nan, np.nan))
        result[name] = {"estimate": None if undefined else float(point[j]),
                        "low": None if undefined or np.isnan(low) else float(low),
                        "high": None if undefined or np.isnan(high) else float(high), "n": counts[name],
                        "note": "the model's flags are not in the queue record" if undefined and name ==
                        "precision_flagged" and not known_flags.all() else ""}
    return result


def _is_record(queue: str) -> bool:
    return Path(queue).is_file()


def design_items(label_store: LabelStore, queue_ids: Sequence[str] | None = None,
                 item_labels: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:meth:`LabelStore.design` of ``queue_ids`` (all if ``None``) with each item's ``label``
    (:meth:`LabelStore.item_labels`, or ``item_labels`` read from a view already) and its numeric
    design columns as numbers (``NaN`` where a store written before queue records were checked
    holds text): the frame every estimate from queues is weighted from.

    >>> queues, items = design_items(LabelStore("labels.sqlite"))   # doctest: +SKIP
    """
    design, items = label_store.design(queue_ids)
    labels = label_store.item_labels() if item_labels is None else item_labels
    items = items.merge(labels[["queue_id", "item_id", "label"]], on=["queue_id", "item_id"], how="left")
    for column in ("inclusion_probability", "group_size"):
        items[column] = pd.to_numeric(items[column], errors="coerce")
    return design, items


def estimate_store(store: str | os.PathLike, queues: Sequence[str | os.PathLike] = (), n_bootstrap: int = 1000,
                   random_state: int = 0) -> dict[str, Any]:
    """:func:`ht_estimates` per review queue and overall (queues taken as separate batches:
    their posts add up), from the store's labels and the queues' designs. ``queues`` are queue
    ids in the store or queue records / exports (their design is then registered in the store;
    idempotent); default: every review queue with a stored design.

    >>> estimate_store("labels.sqlite")["overall"]["prevalence"]["estimate"]   # doctest: +SKIP
    0.083
    """
    check_bootstrap(n_bootstrap)  # before the store is opened or a queue registered
    label_store = LabelStore(store)
    ids = []
    for queue in queues:
        if _is_record(str(queue)):
            ids.append(label_store.register_queue(read_queue_record(queue)))
        else:
            ids.append(str(queue))
    design, items = design_items(label_store, ids or None)
    if design.empty:
        raise VnflagError(f"{store}: no review queue with a design (inclusion probabilities) to estimate from; "
                          "pass the queue's .vnflag-queue.json record (--queue)")
    posts = dict(zip(design["queue_id"], pd.to_numeric(design["scored_posts"], errors="coerce"), strict=True))

    def one(frame: pd.DataFrame, n_posts: float) -> dict[str, Any]:
        figures = ht_estimates(frame["label"], frame["group_size"], frame["inclusion_probability"],
                               frame["queue_id"] + "/" + frame["why"].astype(str), frame["why"] == "top",
                               [None if pd.isna(v) else bool(v) for v in frame["flagged"]],
                               0 if np.isnan(n_posts) else n_posts, n_bootstrap, random_state)
        return {**figures, "scored_posts": None if np.isnan(n_posts) else int(n_posts), "items": int(len(frame)),
                "labelled": int(frame["label"].notna().sum())}

    per_queue = {q: one(items[items["queue_id"] == q], float(posts[q])) for q in design["queue_id"]}
    overall = one(items, float(sum(posts.values())))
    return {"store": str(store), "queues": per_queue, "overall": overall}
