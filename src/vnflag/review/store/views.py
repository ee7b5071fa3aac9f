"""What the label store says, derived from one read of it.

:func:`read_view` reads the reviews, the queue members and the counts once, in one read
transaction; a :class:`StoreView` derives every view from that one copy: each post's status,
the conflicts, the inputs of reviewer agreement, the status counts, the item labels and the
training frame. Nothing is read twice, and all views agree with each other. :func:`history`
builds the audit log from the store's tables and a model registry's public API.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...artifacts.registry import Registry
from ...display import figure_table
from ...io.files import file_sha256
from ..agreement import agreement_summary, reliability_matrix
from ..ids import post_key
from ..names import canonical_name
from ..queues import DECISIONS
from .schema import ADJUDICATION

__all__ = ["StoreView", "StoreStatus", "read_view", "read_frame", "history", "apply_names", "stored_names",
           "POST_COLUMNS", "TRAINING_COLUMNS"]

#: Columns of :attr:`StoreView.posts` (and, less ``status`` and ``adjudication``, of conflicts).
POST_COLUMNS = ["post_id", "item_id", "fingerprint", "status", "decisions", "reviewers", "last_review_id",
                "conflict", "adjudication"]
#: The columns every training frame has (engagement columns kept in the queue record follow).
TRAINING_COLUMNS = ["id", "text", "label", "fingerprint", "item_id", "reviewers"]
_FIRM = ("misleading", "ok")


def read_frame(db: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """The result of a query as a frame, columns by name."""
    return pd.read_sql_query(sql, db, params=list(params))


def _meta(text: Any) -> dict[str, Any]:
    """A member's stored ``meta`` as a dict ({} if it is not a JSON object)."""
    try:
        value = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class StoreStatus(dict):
    """What :meth:`StoreView.status` (and ``LabelStore.status()``) returns: the counts, a dict as
    always (keys, ``==``, JSON), with a one-line ``repr``, :meth:`to_frame` and a table in Jupyter."""

    def to_frame(self) -> pd.DataFrame:
        """The figures as a one-row DataFrame, nested ones as dotted columns (``decisions.ok``,
        ``reviewers.lan``, ``agreement.cohen_kappa.mean``; each reviewer pair's kappa as
        ``agreement.cohen_kappa.lan-minh``).

        >>> StoreStatus({"reviews": 2, "decisions": {"ok": 2}}).to_frame().columns.tolist()
        ['reviews', 'decisions.ok']
        """
        flat: dict[str, Any] = {}

        def walk(name: str, value: Any) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(f"{name}.{key}" if name else str(key), inner)
            elif name.endswith("cohen_kappa.pairs") and isinstance(value, list):
                for pair in value:
                    flat[f"{name.removesuffix('pairs')}{'-'.join(map(str, pair['raters']))}"] = pair["kappa"]
            else:
                flat[name] = value

        walk("", dict(self))
        return pd.DataFrame([flat])

    def __repr__(self) -> str:
        counts = ", ".join(f"{key}={self[key]!r}" for key in ("reviews", "posts", "conflicts_unresolved", "queues",
                                                               "imports") if key in self)
        return f"StoreStatus(store={self.get('store')!r}, {counts}, reviewers={len(self.get('reviewers') or {})})"

    def _repr_html_(self) -> str:
        """The figures as a table, for Jupyter (:meth:`to_frame`, upright; every name and value escaped)."""
        return figure_table(self.to_frame(), caption=f"vnflag label store {self.get('store')}: {self.get('reviews')} "
                                                     f"reviews of {self.get('posts')} posts")


@dataclass(frozen=True)
class StoreView:
    """One consistent read of a store: every review up to ``as_of`` (oldest first), every queue
    member (in the order stored, with its queue's ``registered_at``), the conflicts queues and
    the counts; the views are derived from these and computed once."""

    path: str
    reviews: pd.DataFrame
    members_all: pd.DataFrame
    adjudication_queues: frozenset[str]
    queues: int
    imports: int
    last_import: str | None
    last_review_id: int
    review_count: int
    unused_names: tuple[str, ...] = ()  # keys of the reviewer map given now that name no stored reviewer

    @cached_property
    def split_ids(self) -> frozenset[str]:
        """Post ids that some queue shows with different texts (different posts sharing an id: real
        exports repeat ids). Their posts are told apart by text fingerprint in every view; any other
        id is one post, whatever fingerprints its queues gave it (normalisation may change between
        versions), as before schema version 3."""
        members = self.members_all
        fingerprints = members["fingerprint"].fillna("")
        counts = fingerprints.groupby([members["queue_id"], members["post_id"]], sort=False).nunique()
        return frozenset(counts[counts > 1].index.get_level_values("post_id"))

    def post_keys(self, frame: pd.DataFrame) -> list[tuple[str, str]]:
        """Each row's post (of a frame with ``post_id`` and ``fingerprint``): the id, and for
        :attr:`split_ids` the text fingerprint too (:func:`~vnflag.review.ids.post_key`)."""
        split = self.split_ids
        return [post_key(p, f if p in split else "") for p, f in zip(frame["post_id"], frame["fingerprint"],
                                                                        strict=True)]

    def _key_series(self, frame: pd.DataFrame) -> pd.Series:
        """:meth:`post_keys` as one text per row, to group a frame by post."""
        return pd.Series(["\x1f".join(key) for key in self.post_keys(frame)], index=frame.index, dtype=object)

    @cached_property
    def opinions(self) -> pd.DataFrame:
        """Reviews not made in a conflicts queue, i.e. not adjudications."""
        return self.reviews[~self.reviews["queue_id"].isin(self.adjudication_queues)]

    @cached_property
    def posts(self) -> pd.DataFrame:
        """One row per reviewed post (:meth:`post_keys`; :data:`POST_COLUMNS`): each reviewer's
        latest decision, and the post's status. Decisions imported into a conflicts queue are adjudications: the
        latest firm one (``misleading`` or ``ok``) settles the post's status; ``conflict`` tells
        whether the reviewers disagreed, ``adjudication`` the settling decision (or "")."""
        reviews = self.reviews
        if reviews.empty:
            return pd.DataFrame(columns=POST_COLUMNS)
        adjudicating = reviews["queue_id"].isin(self.adjudication_queues)
        settling = reviews[adjudicating & reviews["decision"].isin(_FIRM)]
        # oldest first: the latest settling decision and the largest review id win
        settled = dict(zip(self.post_keys(settling), settling["decision"], strict=True))
        last_ids = dict(zip(self.post_keys(reviews), reviews["review_id"], strict=True))
        mine = self.opinions
        latest = mine.groupby([self._key_series(mine), mine["reviewer"]], sort=False).tail(1)
        opinions: dict[tuple[str, str], list[list]] = {}  # post → [item, fingerprint, reviewer, decision], oldest first
        for key, *rest in zip(self.post_keys(latest), latest["item_id"], latest["fingerprint"], latest["reviewer"],
                              latest["decision"], strict=True):
            opinions.setdefault(key, []).append(rest)
        rows = []
        for key, group in opinions.items():
            post_id = key[0]
            firm = {decision for *_, decision in group} - {"unsure"}
            status = "conflict" if len(firm) > 1 else (firm.pop() if firm else "unsure")
            rows.append((post_id, group[-1][0], group[-1][1], settled.get(key, status),
                         "; ".join(f"{r}: {d}" for _, _, r, d in group), "; ".join(r for _, _, r, _ in group),
                         int(last_ids[key]), status == "conflict", settled.get(key, "")))
        return pd.DataFrame(rows, columns=POST_COLUMNS)

    def conflicts(self) -> pd.DataFrame:
        """Posts whose reviewers' latest decisions disagree and that no adjudication settled."""
        posts = self.posts
        return posts[posts["status"] == "conflict"].drop(columns=["status", "adjudication"]).reset_index(drop=True)

    @cached_property
    def agreement_inputs(self) -> pd.DataFrame:
        """``item_id, reviewer, decision``: each reviewer's latest decision per item, where it is
        firm; adjudications left out."""
        latest = self.opinions.groupby(["item_id", "reviewer"], sort=False).tail(1)
        return latest.loc[latest["decision"].isin(_FIRM), ["item_id", "reviewer", "decision"]]

    def agreement(self) -> dict[str, Any]:
        """:func:`~vnflag.review.agreement.agreement_summary` of :attr:`agreement_inputs`."""
        firm = self.agreement_inputs
        return agreement_summary(reliability_matrix(firm["item_id"], firm["reviewer"], firm["decision"]))

    def status(self) -> StoreStatus:
        """Counts: reviews, posts by decision, conflicts (resolved or not), reviewers, queues,
        imports, and reviewer agreement."""
        posts, reviews = self.posts, self.reviews
        by_status = posts["status"].value_counts().to_dict() if len(posts) else {}
        unresolved = int(by_status.get("conflict", 0))
        return StoreStatus({
            "store": self.path,
            "reviews": int(len(reviews)),
            "posts": int(len(posts)),
            "decisions": {k: int(by_status.get(k, 0)) for k in (*DECISIONS, "conflict")},
            "conflicts": unresolved,
            "conflicts_resolved": int(posts["conflict"].astype(bool).sum()) - unresolved,
            "conflicts_unresolved": unresolved,
            "reviewers": ({str(k): int(v) for k, v in reviews["reviewer"].value_counts().items()}
                          if len(reviews) else {}),
            "queues": self.queues,
            "imports": self.imports,
            "last_import": self.last_import,
            "agreement": self.agreement(),
        })

    @cached_property
    def latest_members(self) -> pd.DataFrame:
        """Each queued post's (id and text fingerprint) latest stored copy (from the queue registered
        last), ``meta`` as a dict."""
        ordered = self.members_all.sort_values(["registered_at", "member_row"], kind="stable")
        latest = ordered[~self._key_series(ordered).duplicated(keep="last")]
        latest = latest.drop(columns=["member_row", "registered_at"]).reset_index(drop=True)
        latest["meta"] = [_meta(m) for m in latest["meta"]]
        return latest

    def training_frame(self) -> pd.DataFrame:
        """Reviewed posts usable for training: :data:`TRAINING_COLUMNS`, then the engagement
        columns of the queue record (``meta``; a key named like one of those columns is left
        out, it cannot change a label). ``unsure`` posts and conflicts are left out."""
        posts = self.posts[self.posts["status"].isin(_FIRM)]
        latest = self.latest_members
        copies = dict(zip(self.post_keys(latest), zip(latest["text"], latest["meta"], strict=True), strict=True))
        rows = []
        for key, status, fingerprint, item_id, reviewers in zip(
                self.post_keys(posts), posts["status"], posts["fingerprint"], posts["item_id"], posts["reviewers"],
                strict=True):
            post_id = key[0]
            text, meta = copies.get(key, ("", {}))
            rows.append({"id": post_id, "text": text, "label": int(status == "misleading"), "fingerprint": fingerprint,
                         "item_id": item_id, "reviewers": reviewers,
                         **{k: v for k, v in meta.items() if k not in TRAINING_COLUMNS}})
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=TRAINING_COLUMNS)

    def item_labels(self) -> pd.DataFrame:
        """One row per item of every queue: ``queue_id, item_id, status, label`` (1 misleading,
        0 ok, ``NaN`` when unreviewed, unsure, in unresolved conflict, or its members disagree)."""
        status = dict(zip(self.post_keys(self.posts), self.posts["status"], strict=True))
        items: dict[tuple[str, str], set[str]] = {}
        for queue_id, item_id, key in zip(self.members_all["queue_id"], self.members_all["item_id"],
                                          self.post_keys(self.members_all), strict=True):
            items.setdefault((queue_id, item_id), set()).add(status.get(key, "unreviewed"))
        rows = []
        for (queue_id, item_id), statuses in items.items():
            firm = statuses & set(_FIRM)
            label = (1.0 if firm == {"misleading"} else 0.0) if len(firm) == 1 else np.nan
            rows.append({"queue_id": queue_id, "item_id": item_id, "label": label,
                         "status": firm.pop() if len(firm) == 1 else "; ".join(sorted(statuses))})
        return pd.DataFrame(rows, columns=["queue_id", "item_id", "status", "label"])

    def snapshot(self, store: str) -> dict[str, Any]:
        """An identity of this state for lineage: the last review id (``training_frame(as_of=…)``
        rebuilds it: the store is append-only) and a hash of the labels."""
        frame = self.training_frame()
        digest = hashlib.sha256()
        for post_id, fingerprint, label in sorted(zip(frame["id"], frame["fingerprint"], frame["label"], strict=True)):
            digest.update(f"{post_id}\x1f{fingerprint}\x1f{label}\x1e".encode())
        return {"store": store, "review_id": self.last_review_id, "reviews": self.review_count,
                "labels": int(len(frame)), "positive": int(frame["label"].sum()) if len(frame) else 0,
                "sha256": digest.hexdigest()}


def stored_names(db: sqlite3.Connection) -> dict[str, str]:
    """The reviewer names kept with the store: every map given to an import, the latest entry of a
    key winning, oldest entry first (the order :func:`apply_names` breaks ties by)."""
    names: dict[str, str] = {}
    for key, name in db.execute("SELECT key, name FROM reviewer_names ORDER BY name_id"):
        names.pop(key, None)
        names[key] = name
    return names


def newest_names(*maps: dict[str, str]) -> dict[str, str]:
    """Reviewer maps merged, oldest first: a key of a later map moves to the end (it is newer)."""
    merged: dict[str, str] = {}
    for names in maps:
        for key, name in names.items():
            merged.pop(key, None)
            merged[key] = name
    return merged


def _identity_keys(who: str, tool_users: Sequence[str]) -> list[str]:
    """The keys a reviewer map may name a stored reviewer by, in order: the identity itself, the
    tool's user id in ``labelstudio:<id>``/``argilla:<id>``, then the tool's user ids or e-mails
    seen with it (an e-mail from a snapshot or CSV export also names the reviews of a JSON export)."""
    tool, _, user = who.partition(":")
    return [who, *([user] if tool in ("labelstudio", "argilla") and user else []), *tool_users]


def seen_tool_users(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Every tool user id or e-mail seen with each stored reviewer, in the order first seen."""
    seen: dict[str, list[str]] = {}
    for who, user in db.execute("SELECT reviewer, tool_user FROM tool_users ORDER BY rowid"):
        seen.setdefault(canonical_name(who), []).append(user)
    return seen


def apply_names(reviewers: Sequence[str], names: dict[str, str],
                tool_users: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Names for stored ``reviewers``: each named by the newest entry of ``names`` (oldest first)
    whose key is one of its keys (:func:`_identity_keys`, with the ``tool_users`` seen with it),
    else as stored; and the keys of ``names`` that named nobody."""
    rank = {key: position for position, key in enumerate(names)}
    used: set[str] = set()
    shown: dict[str, str] = {}
    for who in dict.fromkeys(reviewers):
        keys = _identity_keys(who, tool_users.get(who, []))
        hit = max((canonical_name(k) for k in keys if canonical_name(k) in names), key=rank.__getitem__, default=None)
        shown[who] = names[hit] if hit is not None else who
        used.update(canonical_name(k) for k in keys)
    return [shown[who] for who in reviewers], [k for k in names if k not in used]


def read_view(db: sqlite3.Connection, path: str | os.PathLike, as_of: int | None = None,
              names: dict[str, str] | None = None) -> StoreView:
    """Read the store open in ``db`` once, in one read transaction: reviews up to review id
    ``as_of`` (all if ``None``), members, conflicts queues and counts. Reviewers are named by the
    store's kept names overlaid with ``names`` (a reviewer map given now); ``identity`` keeps each
    review's stored reviewer."""
    db.execute("BEGIN")
    try:
        reviews = read_frame(db, "SELECT * FROM reviews" + (" WHERE review_id <= ?" if as_of is not None else "")
                             + " ORDER BY review_id", [as_of] if as_of is not None else [])
        reviews["reviewer"] = [canonical_name(who) for who in reviews["reviewer"]]  # NFD names of old imports
        every_name = newest_names(stored_names(db), names or {})
        reviews["identity"] = reviews["reviewer"]
        reviews["reviewer"], unused = apply_names(list(reviews["reviewer"]), every_name, seen_tool_users(db))
        members = read_frame(db, "SELECT m.rowid AS member_row, m.*, q.registered_at FROM queue_members m "
                                 "JOIN queues q ON q.queue_id = m.queue_id ORDER BY m.rowid")
        adjudication = frozenset(row[0] for row in db.execute(
            "SELECT queue_id FROM queue_design WHERE purpose = ?", (ADJUDICATION,)))
        queues = db.execute("SELECT COUNT(*) FROM queues").fetchone()[0]
        imports, last_import = db.execute("SELECT COUNT(*), MAX(imported_at) FROM imports").fetchone()
        last_review_id, review_count = db.execute("SELECT MAX(review_id), COUNT(*) FROM reviews").fetchone()
    finally:
        db.execute("COMMIT")
    return StoreView(str(path), reviews, members, adjudication, int(queues), int(imports), last_import,
                     int(last_review_id or 0), int(review_count), tuple(k for k in unused if k in (names or {})))


_EVENTS = {"add": "retrain", "promote": "promotion", "rollback": "rollback"}


def _at(event: dict[str, Any]) -> str:
    """An event's time for ordering ("" when unknown: oldest)."""
    return event["at"] if isinstance(event["at"], str) else ""


def history(db: sqlite3.Connection, registry: str | os.PathLike | None = None,
            names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every import, adjudication and conflicts queue of the store open in ``db``, merged with
    the ``registry``'s retrains, promotions and rollbacks (from :meth:`Registry.events`);
    newest first, each ``at, event, who, file, sha256, details``."""
    adjudication = {row[0] for row in db.execute("SELECT queue_id FROM queue_design WHERE purpose = ?",
                                                 (ADJUDICATION,))}
    imports = read_frame(db, "SELECT * FROM imports ORDER BY import_id")
    reviews = read_frame(db, "SELECT DISTINCT queue_id, reviewer, source_file, source_sha256, imported_at FROM reviews")
    reviews["reviewer"] = apply_names([canonical_name(who) for who in reviews["reviewer"]],
                                      newest_names(stored_names(db), names or {}), seen_tool_users(db))[0]
    events = []
    for row in imports.itertuples(index=False):
        mine = reviews[(reviews["imported_at"] == row.imported_at) & (reviews["source_file"] == row.source_file)]
        if mine.empty and row.source_sha256:  # a re-import stores nothing: its first import's reviewers
            mine = reviews[reviews["source_sha256"] == row.source_sha256]
        events.append({"at": row.imported_at,
                       "event": "adjudication" if mine["queue_id"].isin(adjudication).any() else "import",
                       "who": "; ".join(sorted({canonical_name(who) for who in mine["reviewer"]})),
                       "file": row.source_file,
                       "sha256": row.source_sha256 or "",
                       "details": f"{row.rows} rows, {row.stored} reviews stored ({row.already} already), "
                                  f"{row.rejected} rejected"})
    queues = read_frame(db, "SELECT q.queue_id, q.registered_at, q.source FROM queues q JOIN queue_design d "
                            "ON d.queue_id = q.queue_id WHERE d.purpose = ?", [ADJUDICATION])
    for row in queues.itertuples(index=False):
        events.append({"at": row.registered_at, "event": "conflicts queue", "who": "", "file": row.source or "",
                       "sha256": file_sha256(row.source) if row.source and Path(row.source).is_file() else "",
                       "details": f"queue {row.queue_id}"})
    if registry is not None:
        for event in Registry(registry, create=False).events():
            manifest = event["manifest"]
            events.append({"at": event["at"], "event": _EVENTS.get(event["action"], event["action"]), "who": "",
                           "file": str(manifest) if manifest else "",
                           "sha256": file_sha256(manifest) if manifest else "",
                           "details": f"version {event['version']}"
                                      + (f" (was {event['from']})" if event["from"] else "")})
    order = sorted(range(len(events)), key=lambda i: (_at(events[i]), i), reverse=True)
    return [events[i] for i in order]
