"""Adjudication: a third person settles the items on which reviewers disagree.

:func:`conflicts_queue` turns the store's unresolved conflicts into an ordinary review queue
(one item per conflicting group, ``why`` = ``adjudication``) whose ``reasons`` column shows every
reviewer's decision and note. Its record says ``"purpose": "adjudication"``, so the decisions
imported from it (``vnflag labels import``, as for any queue) are stored as adjudications: new
review rows, nothing overwritten, and the latest firm one settles the post's label for training
(:meth:`~vnflag.review.store.LabelStore.training_frame`) and marks the conflict resolved in
:meth:`~vnflag.review.store.LabelStore.status`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.files import utc_now
from .formats import export_queue
from .ids import short_hash
from .queues import QUEUE_COLUMNS
from .store import ADJUDICATION, LabelStore

__all__ = ["conflicts_queue", "adjudicate"]


def _opinions(reviews: pd.DataFrame, keys: list[tuple[str, str]], key: tuple[str, str]) -> str:
    """``lan: misleading (note: ...); minh: ok`` — each reviewer's latest decision on a post (``keys``:
    each review's post, :meth:`~vnflag.review.store.views.StoreView.post_keys`)."""
    mine = reviews[[k == key for k in keys]].groupby("reviewer", sort=False).tail(1)
    return "; ".join(f"{r.reviewer}: {r.decision}" + (f" (note: {r.note})" if r.note else "")
                     for r in mine.itertuples(index=False))


def conflicts_queue(store: LabelStore | str | os.PathLike) -> pd.DataFrame:
    """A queue of the store's unresolved conflicts for a third person, with its record in
    ``attrs["vnflag_queue"]`` (empty if there is nothing to settle). The queue id depends on
    the conflicts and the reviews so far, so asking twice gives the same queue.

    >>> queue = conflicts_queue("labels.sqlite")     # doctest: +SKIP
    >>> queue[["id", "reasons"]].iloc[0].tolist()    # doctest: +SKIP
    ['p7', 'lan: misleading (note: ảnh cũ); minh: ok']
    """
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    view = store.view()  # one read: the conflicts, the opinions and the members agree
    conflicts = view.conflicts()
    reviews = view.opinions
    review_keys = view.post_keys(reviews)
    latest = view.latest_members
    members = dict(zip(view.post_keys(latest), latest.to_dict("records"), strict=True))
    rows, items = [], []
    for rank, (item_id, group) in enumerate(conflicts.groupby("item_id", sort=True), start=1):
        keys = view.post_keys(group)
        fingerprints = dict(zip(keys, group["fingerprint"], strict=True))
        post_ids = list(dict.fromkeys(p for p, _ in keys))
        rep = members.get(keys[0])
        score = float(rep["score"]) if rep is not None and pd.notna(rep["score"]) else 0.0
        version = str(rep["model_version"] or "") if rep is not None else ""
        rows.append({"rank": rank, "item_id": item_id, "id": post_ids[0], "member_ids": post_ids,
                     "group_size": len(keys), "why": ADJUDICATION, "score": score,
                     "reasons": _opinions(reviews, review_keys, keys[0]), "model_version": version,
                     "text": str(rep["text"] or "") if rep is not None else "",
                     "decision": "", "reviewer": "", "note": ""})
        items.append({"item_id": item_id, "rank": rank, "why": ADJUDICATION, "score": score,
                      "group_size": len(keys), "inclusion_probability": 1.0, "members": [{
                          "id": key[0], "fingerprint": fingerprints[key] or "",
                          "score": members[key]["score"] if key in members else None,
                          "model_version": members[key]["model_version"] if key in members else "",
                          "text": members[key]["text"] if key in members else "",
                          "meta": members[key]["meta"] if key in members else {}} for key in keys]})
    queue_id = "a" + short_hash(json.dumps(
        [[r["item_id"], r["member_ids"]] for r in rows] + [int(reviews["review_id"].max()) if len(reviews) else 0]), 12)
    queue = pd.DataFrame(rows, columns=[c for c in QUEUE_COLUMNS if c != "queue_id"])
    queue["queue_id"] = queue_id
    queue.attrs["vnflag_queue"] = {
        "format": "vnflag-queue", "queue_id": queue_id, "created_at": utc_now(), "purpose": ADJUDICATION,
        "policy": ADJUDICATION, "budget": len(rows), "explore": 0.0, "redacted": False, "items": _plain(items)}
    return queue


def _plain(items: list[dict]) -> list[dict]:
    """Numpy scalars and NaN → plain JSON values."""
    return json.loads(pd.Series([items]).to_json(orient="values", force_ascii=False))[0]


def adjudicate(store: str | os.PathLike, output: str | os.PathLike, fmt: str | None = None,
               reviewer_map: Any = None) -> pd.DataFrame:
    """Write the conflicts queue to ``output`` (any review format; its record beside it) and
    register it in the store; returns the queue (nothing is written when it is empty).
    ``reviewer_map`` names the reviewers shown (see :class:`~vnflag.review.store.LabelStore`).

    >>> len(adjudicate("labels.sqlite", "review/conflicts.xlsx"))   # doctest: +SKIP
    3
    """
    label_store = LabelStore(store, reviewer_map)
    queue = conflicts_queue(label_store)
    if len(queue):
        export_queue(queue, output, fmt)
        label_store.register_queue(queue, source=str(Path(output)))
    return queue
