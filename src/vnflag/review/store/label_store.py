"""``LabelStore``: the label store's public face, a thin layer over :mod:`.schema` (opening,
versions, migrations), :mod:`.importer` (checked, typed rows) and :mod:`.views` (what the
store says, from one read)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ...exceptions import VnflagError
from ...io.files import check_not_managed, utc_now
from ..formats import read_reviewer_map
from ..queues import check_queue_record
from . import importer, views
from .importer import DesignRow, ImportReport, ItemRow
from .schema import ADJUDICATION, open_store, transaction

__all__ = ["LabelStore", "import_reviews"]


class LabelStore:
    """An append-only store of review decisions in one SQLite file, created by the first
    successful write (registering a queue, or an import that is not refused). Reading a store
    that does not exist yet gives an empty store and creates nothing.

    >>> store = LabelStore("labels.sqlite")                          # doctest: +SKIP
    >>> store.import_reviews("review/today.xlsx").summary()         # doctest: +SKIP
    >>> store.training_frame().head()                                # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, reviewer_map: Mapping[Any, str] | str | os.PathLike | None = None):
        """``reviewer_map`` (see :func:`~vnflag.review.formats.read_reviewer_map`) names reviewers in
        every view of this object, over the names kept with the store; nothing is written for it."""
        self.path = Path(path)
        self.names = read_reviewer_map(reviewer_map)
        if self.path.is_dir():
            raise VnflagError(f"{path}: is a directory; the label store is one file (e.g. labels.sqlite)")
        check_not_managed(self.path, "label store")  # it would be copied with the model, texts and notes

    def __repr__(self) -> str:
        return f"LabelStore({str(self.path)!r})"

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with open_store(self.path) as db:
            return views.read_frame(db, sql, params)

    def check(self) -> None:
        """Refuse, before any work, a store vnflag cannot use (a foreign or newer file); writes nothing."""
        with open_store(self.path):
            pass

    # ----------------------------------------------------------------- writing
    def register_queue(self, queue: pd.DataFrame | dict | str | os.PathLike, source: str = "") -> str:
        """Remember which posts a queue holds (from a queue frame, record, or export path; the
        record is checked first), so that imports can refuse ids that were never in it.
        Returns the queue id; idempotent."""
        rows = importer.queue_rows(queue, source)
        with open_store(self.path, write=True) as db, transaction(db):
            importer.store_queue(db, rows)
        return rows.queue.queue_id

    def import_reviews(
        self,
        source: pd.DataFrame | str | os.PathLike,
        queue: pd.DataFrame | dict | str | os.PathLike | None = None,
        reviewer: str | None = None,
        fmt: str | None = None,
        strict: bool = False,
        source_name: str | None = None,
        reviewer_map: Mapping[Any, str] | str | os.PathLike | None = None,
        encoding: str = "utf-8",
    ) -> ImportReport:
        """Import reviewed rows; a decision on an item applies to every member of its group.

        ``source`` is a reviewed export (any :func:`~vnflag.export_queue` format, or a Label
        Studio / Argilla export named ``.json``) or a frame like :func:`~vnflag.read_reviews`
        returns. The queue is looked up by each row's ``queue_id``: given as ``queue``,
        registered before, or the record beside ``source`` (checked before use). Rows with an
        unknown decision, no id, or an id not in the queue are reported by row number and not
        stored (with ``strict``, nothing is stored). Empty ``reviewer`` cells take ``reviewer``
        (default ``unknown``). A decision from a tool is stored once per ``origin`` (tool, project,
        task, annotation), with the reviewer as the tool gives it (``labelstudio:<id>``);
        ``reviewer_map`` (``{1: "anh"}`` or a CSV/JSON file of ``id,name``, keyed by user id,
        e-mail or stored name) is kept with the store and applied when it is read, so importing
        again with another map stores nothing new; entries that name nobody are in
        ``report.unused_names``. A refused import (unreadable file,
        malformed queue record, unknown queue, strict failure, a row whose ``item_id`` or
        ``member_ids`` contradict its ``id``, a bad or case-colliding reviewer name: see
        :mod:`~vnflag.review.names`) writes nothing, and creates no store file. Notes are stored
        exactly as written. ``encoding`` is the text encoding of a CSV or JSONL ``source``.

        >>> report = LabelStore("labels.sqlite").import_reviews("review/today.xlsx")   # doctest: +SKIP
        >>> report.bad_rows                                                              # doctest: +SKIP
        [(7, "unknown decision 'fake' (use misleading, ok or unsure)")]
        """
        reviewed = importer.reviewed_frame(source, queue, fmt, source_name, reviewer_map, encoding)
        given = importer.queue_rows(reviewed.queue) if reviewed.queue is not None else None
        imported_at = utc_now()
        with open_store(self.path) as db:
            report, pending = importer.check_reviews(db, reviewed, given, reviewer, imported_at, self.path)
        if strict and report.bad_rows:
            raise VnflagError(f"{reviewed.name}: nothing imported; bad rows: " + "; ".join(
                f"row {n}: {why}" for n, why in report.bad_rows[:10]) + (" ..." if len(report.bad_rows) > 10 else ""))
        with open_store(self.path, write=True) as db, transaction(db):
            importer.store_import(db, report, pending, reviewed.sha256, imported_at, given)
            importer.store_names(db, reviewed.names, imported_at, reviewed.name)
        view = LabelStore(self.path, reviewed.names).view()
        report.conflicts = len(view.conflicts())
        report.unused_names = list(view.unused_names)
        return report

    # ----------------------------------------------------------------- reading
    def view(self, as_of: int | None = None) -> views.StoreView:
        """The store as it is now (or as it was at review id ``as_of``), read once; every view
        (status, conflicts, agreement, training frame, item labels) derives from it.

        >>> view = LabelStore("labels.sqlite").view()             # doctest: +SKIP
        >>> view.status()["conflicts"], len(view.conflicts())      # doctest: +SKIP
        (2, 2)
        """
        with open_store(self.path) as db:
            return views.read_view(db, self.path, as_of, self.names)

    def reviews(self, as_of: int | None = None) -> pd.DataFrame:
        """Every stored review (one row per post and reviewer decision), oldest first."""
        return self.view(as_of).reviews

    def adjudication_queues(self) -> set[str]:
        """The ids of the conflicts queues (see :mod:`~vnflag.review.adjudication`).

        >>> LabelStore("labels.sqlite").adjudication_queues()   # doctest: +SKIP
        {'a3f09c1d2e4b5'}
        """
        return set(self._frame("SELECT queue_id FROM queue_design WHERE purpose = ?", [ADJUDICATION])["queue_id"])

    def conflicts(self) -> pd.DataFrame:
        """Posts on which reviewers' latest decisions disagree (``misleading`` vs ``ok``) and no
        adjudication has settled them, with every reviewer's decision; they are kept, never
        overwritten, and left out of training."""
        return self.view().conflicts()

    def agreement(self) -> dict[str, Any]:
        """Agreement between reviewers over the items decided (``misleading``/``ok``) by two or
        more of them, each reviewer's latest decision per item; adjudications are not counted.
        See :func:`~vnflag.review.agreement.agreement_summary`.

        >>> LabelStore("labels.sqlite").agreement()["krippendorff_alpha"]   # doctest: +SKIP
        {'alpha': 0.81, 'n': 40, 'values': 80}
        """
        return self.view().agreement()

    def status(self) -> views.StoreStatus:
        """Counts for a summary: reviews, posts by decision, conflicts (resolved by adjudication
        or not), reviewers, queues, imports, and reviewer agreement (:meth:`agreement`); a dict,
        shown as a table in Jupyter (``to_frame()`` gives a one-row DataFrame).

        >>> LabelStore("labels.sqlite").status()["conflicts"]   # doctest: +SKIP
        0
        """
        return self.view().status()

    def item_labels(self) -> pd.DataFrame:
        """One row per item of every queue: ``queue_id, item_id, status, label``. An item's label
        is its members' settled decision (1 misleading, 0 ok); ``NaN`` when it is unreviewed,
        unsure, in unresolved conflict, or its members disagree.

        >>> LabelStore("labels.sqlite").item_labels()["label"].mean()   # doctest: +SKIP
        """
        return self.view().item_labels()

    def design(self, queue_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """How the stored review queues were drawn: ``(queues, items)`` from the ``queue_design``
        and ``queue_items`` tables (conflicts queues left out), for ``queue_ids`` or all of them.

        >>> queues, items = LabelStore("labels.sqlite").design()   # doctest: +SKIP
        """
        with open_store(self.path) as db:
            queues = views.read_frame(db, "SELECT * FROM queue_design WHERE purpose != ?", [ADJUDICATION])
            items = views.read_frame(db, "SELECT * FROM queue_items")
        if queue_ids is not None:
            unknown = sorted(set(queue_ids) - set(queues["queue_id"]))
            if unknown:
                raise VnflagError(f"{self.path}: no design of queue(s) {', '.join(unknown)} in the store; "
                                  "pass the queue's .vnflag-queue.json record instead")
            queues = queues[queues["queue_id"].isin(list(queue_ids))]
        return queues.reset_index(drop=True), items[items["queue_id"].isin(queues["queue_id"])].reset_index(drop=True)

    @staticmethod
    def record_design(record: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:meth:`design` of a queue record that need not be in the store (checked first)."""
        design, items = importer.design_rows(check_queue_record(record, "the queue record"))
        return pd.DataFrame([design], columns=DesignRow._fields), pd.DataFrame(items, columns=ItemRow._fields)

    def history(self, registry: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Every import, adjudication (an import into a conflicts queue) and conflicts queue,
        merged with the model ``registry``'s retrains (versions added), promotions and rollbacks
        when given; newest first. Each: ``at, event, who, file, sha256, details``; a registry
        event's file is the version's manifest.

        >>> LabelStore("labels.sqlite").history("models")[0]["event"]   # doctest: +SKIP
        'promotion'
        """
        with open_store(self.path) as db:
            return views.history(db, registry, self.names)

    def members(self) -> pd.DataFrame:
        """Every queued post's latest stored copy: ``post_id, item_id, queue_id, fingerprint, text,
        score, model_version, meta`` (``meta`` as a dict), from the most recently registered queue. A
        post is its id, and its text fingerprint too where a queue showed that id with different texts
        (:meth:`~vnflag.review.store.views.StoreView.post_keys`)."""
        return self.view().latest_members.copy()

    def training_frame(self, as_of: int | None = None) -> pd.DataFrame:
        """Reviewed posts usable for training: ``id, text, label`` (1 = misleading, 0 = ok; posts sharing
        an id but not a text are rows of their own, each with its own label),
        plus ``fingerprint``, ``item_id``, ``reviewers`` and any kept engagement columns.
        ``unsure`` posts and conflicts are left out. ``as_of`` (a review id, see :meth:`snapshot`)
        gives the store as it was then.

        >>> LabelStore("labels.sqlite").training_frame()[["id", "label"]]   # doctest: +SKIP
        """
        return self.view(as_of).training_frame()

    def snapshot(self) -> dict[str, Any]:
        """An identity of the store's current state for lineage: the last review id (the store
        is append-only, so ``training_frame(as_of=review_id)`` rebuilds it) and a hash of the labels."""
        return self.view().snapshot(str(self.path.resolve()))


def import_reviews(source, store: str | os.PathLike, **kwargs: Any) -> ImportReport:
    """Shortcut: ``LabelStore(store).import_reviews(source, **kwargs)``.

    >>> import_reviews("review/today.csv", "labels.sqlite").stored   # doctest: +SKIP
    """
    return LabelStore(store).import_reviews(source, **kwargs)
