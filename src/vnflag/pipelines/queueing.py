"""Queueing a scored file for review in one call: threshold, queue, review files, store.

:func:`queue_file` is what ``vnflag queue`` runs and what a notebook calls: it chooses the
threshold (given, or chosen on scored labelled posts for a target recall or precision), builds
the queue within the budget, writes the review file(s) and the queue record beside them, and
registers the record in a label store when one is given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..constants import (
    DEFAULT_BUDGET,
    DEFAULT_ENCODING,
    DEFAULT_ID_COL,
    DEFAULT_LABEL_COL,
    DEFAULT_RANDOM_SHARE,
    DEFAULT_SIMILARITY,
)
from ..exceptions import VnflagError
from ..io.files import check_output_paths
from ..io.tables import check_table_input, read_table
from ..model.inputs import check_columns
from ..model.thresholds import choose_threshold
from ..review.formats import export_queue
from ..review.queues import build_queue, check_reviewers, queue_paths
from ..review.store import LabelStore

__all__ = ["QueueRun", "queue_file", "queue_threshold"]


@dataclass(frozen=True)
class QueueRun:
    """What :func:`queue_file` did: the queue (one row per item), the files it wrote, the policy and
    threshold it used, and the queue's id in the label store (``None`` without a store)."""

    queue: pd.DataFrame
    outputs: tuple[Path, ...]
    record: Path
    policy: str
    threshold: float | None
    registered: str | None = None

    @property
    def items(self) -> int:
        """Items queued (a group of copies of one post is one item)."""
        return len(self.queue)

    @property
    def posts(self) -> int:
        """Posts the queued items stand for (every copy counted)."""
        return int(self.queue["group_size"].sum())

    @property
    def repeated_ids(self) -> int:
        """Ids of the scored batch shared by posts with different texts: different posts, never one item."""
        return int(self.queue.attrs.get("vnflag_queue", {}).get("repeated_ids") or 0)

    @property
    def why(self) -> dict[str, int]:
        """Items by the part of the budget that chose them: ``top``, ``uncertain``, ``random`` (0 when none)."""
        counts = self.queue["why"].value_counts()
        return {part: int(counts.get(part, 0)) for part in ("top", "uncertain", "random")}


def queue_threshold(
    policy: str = "top",
    threshold: float | None = None,
    validation: pd.DataFrame | None = None,
    target_recall: float | None = None,
    target_precision: float | None = None,
    label_col: str = DEFAULT_LABEL_COL,
    source: str = "validation",
) -> tuple[str, float | None]:
    """The policy and threshold a queue uses: a threshold chosen on ``validation`` (scored, labelled
    posts) for exactly one of the targets, else ``threshold`` as given; a threshold with the
    default policy ``top`` means policy ``threshold``.

    >>> queue_threshold("top", 0.7)
    ('threshold', 0.7)
    """
    if validation is not None:
        if (target_recall is None) == (target_precision is None):
            raise VnflagError(f"{source}: choosing a threshold needs exactly one of target_recall "
                              "(--target-recall) and target_precision (--target-precision)")
        check_columns(validation, ["score", label_col], source)
        chosen = choose_threshold(validation[label_col].tolist(), validation["score"].astype(float).tolist(),
                                  target_recall=target_recall, target_precision=target_precision)
        return "threshold", chosen
    if target_recall is not None or target_precision is not None:
        raise VnflagError("target_recall/target_precision (--target-recall/--target-precision) need validation "
                          "data (--validation: scored, labelled posts)")
    if threshold is not None and policy == "top":
        return "threshold", threshold
    return policy, threshold


def queue_file(
    scored: pd.DataFrame | str | os.PathLike,
    output: str | os.PathLike,
    *,
    budget: int = DEFAULT_BUDGET,
    policy: str = "top",
    threshold: float | None = None,
    validation: pd.DataFrame | str | os.PathLike | None = None,
    target_recall: float | None = None,
    target_precision: float | None = None,
    label_col: str = DEFAULT_LABEL_COL,
    explore: float = 0.0,
    random_share: float = DEFAULT_RANDOM_SHARE,
    id_col: str = DEFAULT_ID_COL,
    text_col: str | None = None,
    redact: bool = False,
    similarity: float = DEFAULT_SIMILARITY,
    keep_cols: Sequence[str] = (),
    fmt: str | None = None,
    reviewers: Sequence[str] = (),
    overlap: float = 0.0,
    store: LabelStore | str | os.PathLike | None = None,
    seed: int = 0,
    encoding: str = DEFAULT_ENCODING,
    progress: bool | None = False,
    model: Any = None,
) -> QueueRun:
    """Build a review queue from scored posts (a table file or a DataFrame) and write it for reviewers.

    The queue (see :func:`~vnflag.review.queues.build_queue` for ``budget``, ``policy``,
    ``explore``, ``random_share``, ``similarity``, ``redact`` and ``keep_cols``, its
    ``meta_cols``; ``model``, the model directory or registry that scored the posts, gives the
    text column and the engagement and time columns the queue keeps) goes to ``output`` in the
    format its name says (or ``fmt``), with its record ``NAME.EXT.vnflag-queue.json`` beside it
    (not to standard output: imports need the record); with
    ``reviewers`` each reviewer gets a file of their own
    (``overlap`` of the items go to two of them, blind). ``validation`` (scored posts with
    ``label_col``) and one of ``target_recall``/``target_precision`` choose the threshold; a
    ``threshold`` alone implies policy ``threshold``. ``store`` (a label store or its path)
    registers the record, so that imports refuse posts that were never queued. ``seed`` fixes
    the random sample and the sharing out; ``encoding`` is that of the input tables. Every output
    is checked before any work: none may be an input, lie inside a model directory, be named like
    a vnflag side file or be the same file as another (even ignoring case).

    >>> run = queue_file("scored.csv", "review/today.xlsx", budget=100, explore=0.2,
    ...                  reviewers=["anh", "binh"], store="labels.sqlite")          # doctest: +SKIP
    >>> run.items, run.outputs, run.record                                       # doctest: +SKIP
    """
    names = check_reviewers(reviewers, overlap)
    files, record_file = queue_paths(output, names)
    outputs = tuple(path for path, _ in files)
    store_path = store.path if isinstance(store, LabelStore) else store
    inputs = [source for source in (scored, validation, store_path)
              if source is not None and not isinstance(source, pd.DataFrame)]
    check_output_paths(files, inputs=inputs, side_files=[(record_file, "queue record")])
    for source, what in ((scored, "scored posts"), (validation, "validation data")):
        if source is not None and not isinstance(source, pd.DataFrame):
            check_table_input(source, what)
    if store is not None:  # registered at the end: a store vnflag cannot use is refused now, nothing written
        (store if isinstance(store, LabelStore) else LabelStore(store)).check()
    if validation is not None and not isinstance(validation, pd.DataFrame):
        validation_name, validation = str(validation), read_table(validation, encoding=encoding)
    else:
        validation_name = "validation"
    policy, threshold = queue_threshold(policy, threshold, validation, target_recall, target_precision, label_col,
                                        validation_name)
    frame = scored if isinstance(scored, pd.DataFrame) else read_table(scored, encoding=encoding)
    queue = build_queue(frame, budget=budget, policy=policy, explore=explore, id_col=id_col, text_col=text_col,
                        threshold=threshold, redact=redact, random_state=seed, similarity=similarity,
                        random_share=random_share, meta_cols=keep_cols, progress=progress, model=model)
    record = export_queue(queue, output, fmt=fmt, reviewers=names, overlap=overlap, random_state=seed)
    registered = None
    if store is not None:
        registered = (store if isinstance(store, LabelStore) else LabelStore(store)).register_queue(record)
    return QueueRun(queue=queue, outputs=outputs, record=record, policy=policy, threshold=threshold,
                    registered=registered)
