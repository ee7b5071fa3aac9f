"""Review queues: which scored posts a person looks at today, grouped and explained.

A queue is built from a scored table (``vnflag score`` output) within a reviewer budget: the
top-scoring posts, or those above a threshold, plus an optional *learning mix* of posts the
model is least sure about and a few random ones, so that reviewed labels also teach the model
(:mod:`~vnflag.review.policies`). Copies and near-copies of one post become one queue item
(:mod:`~vnflag.review.grouping`), by their texts only: rows sharing an id but not a text are
different posts (real exports repeat ids), never one item; the record counts such ids
(``repeated_ids``) and lists each post (id and text fingerprint) once.

Beside every export, the *queue record* ``<export name>.vnflag-queue.json`` lists all members of every
item with their text fingerprint, score and original (unredacted) text. Import checks reviewed
ids against that record, never against the reviewed file itself, so an edited or added row
cannot smuggle an unknown post in. The record is internal: keep it with the label store, do not
send it to reviewers. It also says, per item, with what probability the part that chose it did
(``inclusion_probability``: 1 for deterministic parts, ``n / N`` for the random sample) and, when
the queue is shared out between several reviewers (:func:`assign_reviewers`), who was given it
(``assigned_to``); each reviewer's file ``NAME.REVIEWER.EXT`` finds the one record
``NAME.EXT.vnflag-queue.json`` of the whole queue (:func:`record_path`). The record is named after
the export's full name, so two queues with one stem (``today.csv``, ``today.xlsx``) keep two
records; files written by earlier versions still find theirs (``NAME.vnflag-queue.json``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.roles import column_roles
from ..artifacts.schemas import QUEUE_RECORD_SCHEMA, validate_document
from ..constants import (
    DECISIONS,
    DEFAULT_BUDGET,
    DEFAULT_ID_COL,
    DEFAULT_RANDOM_SHARE,
    DEFAULT_SIMILARITY,
    QUEUE_RECORD_SUFFIX,
)
from ..exceptions import VnflagError
from ..io.files import MAX_DOCUMENT_BYTES, read_json_document, side_file_suffix, utc_now
from ..model.inputs import check_columns, parse_labels
from ..progress import progress_bar, wanted
from .grouping import group_near_duplicates
from .ids import is_blank, post_key, repeated_ids, short_hash, stable_ids, text_fingerprint
from .names import check_distinct_reviewers, reviewer_key, reviewer_name
from .policies import RandomPolicy, UncertainPolicy, main_policy
from .redaction import redact_text
from .suggestions import model_threshold

__all__ = ["DECISIONS", "QUEUE_COLUMNS", "RECORD_SUFFIX", "MAX_RECORD_BYTES", "assign_reviewers", "build_queue",
           "check_queue_record", "check_reviewers", "own_record_path", "queue_paths", "queue_record",
           "read_queue_record", "record_path", "reviewer_path"]

#: Columns of a queue, in export order.
QUEUE_COLUMNS = ("rank", "item_id", "id", "member_ids", "group_size", "why", "score", "reasons",
                 "model_version", "text", "decision", "reviewer", "note", "queue_id")
RECORD_SUFFIX = QUEUE_RECORD_SUFFIX
#: The largest queue record read (it holds every member's text; a queue of a few thousand items is a few MB).
MAX_RECORD_BYTES = MAX_DOCUMENT_BYTES
_WHAT = "vnflag queue record"


def build_queue(
    scored: pd.DataFrame,
    budget: int = DEFAULT_BUDGET,
    policy: str = "top",
    explore: float = 0.0,
    id_col: str = DEFAULT_ID_COL,
    text_col: str | None = None,
    threshold: float | None = None,
    redact: bool = False,
    random_state: int = 0,
    similarity: float = DEFAULT_SIMILARITY,
    random_share: float = DEFAULT_RANDOM_SHARE,
    meta_cols: Sequence[str] = (),
    progress: bool | None = False,
    model: Any = None,
) -> pd.DataFrame:
    """Choose at most ``budget`` items for review from a scored table; one row per item.

    ``policy``: ``top`` (highest scores), ``threshold`` (items scoring at least ``threshold``,
    highest first), ``model`` (items the model flagged, i.e. its stored threshold; the
    ``flagged`` column of ``vnflag score`` output, or ``threshold`` if given) or ``random``.
    ``explore`` reserves that share of the budget for the learning mix: of it, ``random_share``
    goes to a random sample and the rest to the items whose score is closest to 0.5 (least
    sure). ``why`` says which part chose an item (``top``, ``uncertain``, ``random``).
    ``meta_cols`` (e.g. engagement counts) are kept in the queue record for retraining.

    ``model`` (a model directory, a registry or a fitted :class:`~vnflag.Flagger`; with a registry,
    the version named in the table's ``model_version``) gives the column roles
    (:func:`~vnflag.artifacts.roles.column_roles`): its text column is the default ``text_col``
    (else ``text``), and the engagement and time columns it reads are always kept in the record,
    besides ``meta_cols``, so that retraining on the reviewed posts has their features.

    Columns: :data:`QUEUE_COLUMNS` plus ``inclusion_probability`` (the probability with which
    the item's part chose it; not exported to reviewers); ``member_ids`` is a list. The full record of members
    (texts, fingerprints, scores) is in ``queue.attrs["vnflag_queue"]``, which
    :func:`export_queue` writes beside the export.

    ``progress=True`` shows a bar on standard error (``None``: only if stderr is a terminal)
    counting the scored posts grouped into near-duplicates (the slow part), with the rate; the
    stage beside it (``group``, ``choose``, ``record``) says what is being done.

    >>> queue = build_queue(score_frame("out/model", posts), budget=200, explore=0.2)  # doctest: +SKIP
    """
    guessed = model is None and text_col is None  # vnflag's default text column, not the model's
    roles = column_roles(model, _scored_versions(scored)).with_options(text=text_col)
    text_col, meta_cols = roles.text, list(dict.fromkeys([*meta_cols, *roles.features]))
    check_columns(scored, [text_col, "score"], "scored table" + (
        " (pass the model that scored it, --model, for its text column)" if guessed else ""))
    check_columns(scored, meta_cols, "scored table")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise VnflagError(f"budget must be a whole number of items >= 1, got {budget!r}")
    if not 0.0 <= float(explore) <= 1.0:
        raise VnflagError(f"explore must be a share of the budget in [0, 1], got {explore!r}")
    if not 0.0 <= float(random_share) <= 1.0:
        raise VnflagError(f"random_share must be in [0, 1], got {random_share!r}")
    main = main_policy(policy, threshold, random_state)
    if policy == "model" and threshold is None and "flagged" not in scored.columns:
        raise VnflagError("policy 'model' needs the 'flagged' column of vnflag score output, or a threshold")
    with progress_bar(len(scored), desc="queue", unit="posts", enabled=wanted(progress)) as bar:
        return _queue_of(scored, budget, policy, explore, id_col, text_col, threshold, redact, random_state,
                         similarity, random_share, list(meta_cols), main, bar)


def _scored_versions(scored: pd.DataFrame) -> list[str]:
    """The model versions a scored table names (its ``model_version`` column; none without one)."""
    if "model_version" not in scored.columns:
        return []
    return [v for v in scored["model_version"].dropna().astype(str).unique() if v.strip()]


def _queue_of(scored: pd.DataFrame, budget: int, policy: str, explore: float, id_col: str, text_col: str,
              threshold: float | None, redact: bool, random_state: int, similarity: float, random_share: float,
              meta_cols: list[str], main: Any, bar: Any) -> pd.DataFrame:
    """:func:`build_queue`'s work on checked arguments; ``bar`` counts the posts grouped."""
    bar.set_postfix_str("group")
    texts = scored[text_col].tolist()
    ids = stable_ids(scored, id_col, text_col)
    scores = pd.to_numeric(scored["score"], errors="coerce").to_numpy(dtype=float)
    versions = (scored["model_version"].astype(str).tolist() if "model_version" in scored.columns
                else [""] * len(scored))
    reasons = scored["reasons"].astype(str).tolist() if "reasons" in scored.columns else [""] * len(scored)
    flagged = (parse_labels(scored["flagged"].tolist(), "flagged", strict=False).astype(bool).tolist()
               if "flagged" in scored.columns else [False] * len(scored))
    # The model's own threshold as the scored table shows it (suggestions use it), else the one given.
    shown_threshold = model_threshold(scores.tolist(), flagged if "flagged" in scored.columns else None)
    fingerprints = [text_fingerprint(t) for t in texts]
    repeated = repeated_ids(ids, fingerprints)
    labels = group_near_duplicates(texts, similarity)
    first_label: dict[tuple[str, str], int] = {}  # one id with one text is one post: one item, even
    for i, key in enumerate(zip(ids, fingerprints, strict=True)):  # where grouping keeps (empty) texts apart
        labels[i] = first_label.setdefault(key, labels[i])
    bar.update(len(texts))
    bar.set_postfix_str("choose")

    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    groups: list[dict[str, Any]] = []
    for rows in members.values():
        rows_scored = [i for i in rows if not np.isnan(scores[i])]
        if not rows_scored:
            continue  # nothing scored (empty texts): nothing to review
        best = max(rows_scored, key=lambda i: (scores[i], -i))
        groups.append({"rows": rows, "rep": best, "score": float(scores[best]),
                       "flagged": any(flagged[i] for i in rows)})
    groups.sort(key=lambda g: (-g["score"], g["rep"]))

    if policy == "random":  # the whole budget is the audit sample
        parts = [(main, budget)]
    else:
        n_explore = int(round(budget * float(explore)))
        n_random = int(round(n_explore * float(random_share)))
        if explore > 0 and random_share > 0 and n_random == 0 and n_explore >= 2:
            n_random = 1
        parts = [(main, budget - n_explore), (UncertainPolicy(), n_explore - n_random),
                 (RandomPolicy(random_state), n_random)]
    chosen: list[tuple[dict, str, float]] = []
    taken: set[int] = set()
    for part, size in parts:
        rest = [g for g in groups if id(g) not in taken]
        picked = part.select(rest, size)
        probability = float(part.inclusion_probability(len(rest), len(picked)))
        for g in picked:
            chosen.append((g, part.why, probability))
            taken.add(id(g))

    bar.set_postfix_str("record")
    rows_out, record_items = [], []
    for rank, (g, why, probability) in enumerate(chosen, start=1):
        member_ids = list(dict.fromkeys(ids[i] for i in g["rows"]))
        rows_of: dict[tuple[str, str], int] = {}  # each post's first row
        for i in g["rows"]:
            rows_of.setdefault(post_key(ids[i], fingerprints[i]), i)
        item_id = _item_id(list(rows_of), repeated)
        rep = g["rep"]
        text = texts[rep] if isinstance(texts[rep], str) else ""
        rows_out.append({
            "rank": rank, "item_id": item_id, "id": ids[rep], "member_ids": member_ids,
            "group_size": len(g["rows"]), "why": why, "score": g["score"], "reasons": reasons[rep],
            "model_version": versions[rep], "text": redact_text(text) if redact else text,
            "decision": "", "reviewer": "", "note": "", "inclusion_probability": probability,
        })
        record_items.append({
            "item_id": item_id, "rank": rank, "why": why, "score": g["score"], "inclusion_probability": probability,
            "flagged": bool(g["flagged"]), "group_size": len(g["rows"]), "assigned_to": [],
            "members": [{  # each post once: rows with one id and one text are one post
                "id": ids[i], "fingerprint": fingerprints[i],
                "score": None if np.isnan(scores[i]) else float(scores[i]),
                "model_version": versions[i], "text": texts[i] if isinstance(texts[i], str) else "",
                "meta": {c: (None if is_blank(scored[c].iloc[i]) else str(scored[c].iloc[i])) for c in meta_cols},
            } for i in rows_of.values()],
        })
    queue = pd.DataFrame(rows_out, columns=[*(c for c in QUEUE_COLUMNS if c != "queue_id"), "inclusion_probability"])
    model_versions = sorted({v for v in versions if v})
    queue_id = "q" + short_hash(json.dumps([policy, budget, float(explore), model_versions,
                                      [r["item_id"] for r in rows_out]]), 12)
    queue["queue_id"] = queue_id
    queue["rank"] = queue["rank"].astype(int)
    queue["group_size"] = queue["group_size"].astype(int)
    queue["inclusion_probability"] = queue["inclusion_probability"].astype(float)
    queue = queue[[*QUEUE_COLUMNS, "inclusion_probability"]]
    queue.attrs["vnflag_queue"] = {
        "format": "vnflag-queue", "queue_id": queue_id,
        "created_at": utc_now(),
        "policy": policy, "budget": int(budget), "explore": float(explore), "threshold": threshold,
        "model_threshold": shown_threshold if shown_threshold is not None else threshold,
        "redacted": bool(redact), "similarity": similarity, "model_versions": model_versions,
        "scored_rows": int(len(scored)), "groups": len(groups), "repeated_ids": len(repeated),
        "scored_posts": int(np.count_nonzero(~np.isnan(scores))), "scored_groups": len(groups),
        "reviewers": [], "overlap": 0.0,
        "eligible": len(main.eligible(groups)) if policy != "random" else None, "meta_cols": list(meta_cols),
        "items": record_items,
    }
    return queue


def _item_id(posts: Sequence[tuple[str, str]], repeated: set[str]) -> str:
    """An item's id from its posts (``(id, fingerprint)``): a hash of its post ids, and of the
    fingerprints of those ids that the batch repeats with different texts, so that two items
    showing one id never share an item id (and every other item keeps the id it always had)."""
    keys = sorted({post_id if post_id not in repeated else f"{post_id}\x1f{fingerprint}"
                   for post_id, fingerprint in posts})
    return "g" + short_hash("\x1f".join(keys), 12)


def _split_name(path: Path) -> tuple[str, str]:
    """A file name as (stem, format suffix): ``q.labelstudio.json`` → ``("q", ".labelstudio.json")``."""
    name = path.name
    for suffix in (".labelstudio.json", ".argilla.json", RECORD_SUFFIX):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], name[-len(suffix):]
    return path.stem, path.suffix


def own_record_path(path: str | os.PathLike) -> Path:
    """The record written beside an export of its own, named after the export's full name, so
    that two queues with one stem (``today.csv``, ``today.xlsx``) keep two records:
    ``today.xlsx`` → ``today.xlsx.vnflag-queue.json`` (a record is its own record).

    >>> own_record_path("review/today.xlsx").name
    'today.xlsx.vnflag-queue.json'
    """
    path = Path(path)
    return path if path.name.lower().endswith(RECORD_SUFFIX) else path.with_name(path.name + RECORD_SUFFIX)


def _legacy_record_path(path: Path) -> Path:
    """Where earlier versions put an export's record: ``today.xlsx`` → ``today.vnflag-queue.json``."""
    return path.with_name(_split_name(path)[0] + RECORD_SUFFIX)


def _shared_candidate(path: Path, record_of: Any) -> tuple[Path, str] | None:
    """Read ``path`` as a reviewer's file ``NAME.REVIEWER.EXT``: the record of ``NAME.EXT`` (as
    ``record_of`` names it) and the reviewer, or ``None`` if the name has no reviewer part."""
    stem, suffix = _split_name(path)
    base, dot, reviewer = stem.rpartition(".")
    if not (dot and base and reviewer):
        return None
    return record_of(path.with_name(base + suffix)), reviewer


def _shared_record(path: Path, record_of: Any) -> Path | None:
    """The record of the whole queue that a reviewer's file ``NAME.REVIEWER.EXT`` belongs to
    (``record_of`` names the record of ``NAME.EXT``), when that record lists the reviewer."""
    candidate = _shared_candidate(path, record_of)
    if candidate is None or not candidate[0].is_file():
        return None
    shared, reviewer = candidate
    try:
        reviewers = read_json_document(shared, "vnflag-queue", _WHAT, MAX_RECORD_BYTES).get("reviewers")
    except VnflagError:
        return None
    key = reviewer_key(reviewer)
    if isinstance(reviewers, list) and any(isinstance(r, str) and reviewer_key(r) == key for r in reviewers):
        return shared
    return None


def record_path(path: str | os.PathLike) -> Path:
    """Where the queue record of an export lives: ``queue.xlsx`` → ``queue.xlsx.vnflag-queue.json``.

    A reviewer's file ``queue.anh.xlsx`` with no record of its own finds the record of the whole
    queue, ``queue.xlsx.vnflag-queue.json``, when that record lists ``anh`` among its reviewers.
    Files written by earlier versions find their record ``queue.vnflag-queue.json`` likewise.

    >>> record_path("review/today.labelstudio.json").name
    'today.labelstudio.json.vnflag-queue.json'
    """
    path = Path(path)
    own = own_record_path(path)
    for record_of in (own_record_path, _legacy_record_path):
        candidate = record_of(path)
        if candidate.is_file():
            return candidate
        shared = _shared_record(path, record_of)
        if shared is not None:
            return shared
    return own


def queue_paths(path: str | os.PathLike, reviewers: Sequence[str] = ()) -> tuple[list[tuple[Path, str]], Path]:
    """Every file an export of a queue to ``path`` writes: its review files as ``(path, what)`` (one
    per reviewer if any) and its record. A queue cannot go to standard output (``-``): the
    record that imports need is written beside the export.

    >>> queue_paths("review/today.csv", ["anh"])
    ([(PosixPath('review/today.anh.csv'), "anh's review file")], PosixPath('review/today.csv.vnflag-queue.json'))
    """
    if str(path) == "-":
        raise VnflagError("-: a queue cannot be written to standard output: its record (needed to import the "
                          "reviews) is written beside it; give a file name, e.g. -o review/today.csv")
    record = own_record_path(path)
    for name in reviewers:
        file = reviewer_path(path, name)
        candidate = _shared_candidate(file, own_record_path)
        lost = candidate is None or candidate[0] != record or reviewer_key(candidate[1]) != reviewer_key(name)
        if lost and side_file_suffix(file) is None:  # a side file's name is refused by check_output_paths
            raise VnflagError(f"{file}: with reviewer {name!r} this file name would not lead back to the queue "
                              f"record {record.name}; choose another reviewer name or output name")
    outputs = [(reviewer_path(path, name), f"{name}'s review file") for name in reviewers] or [(Path(path), "queue")]
    return outputs, record


def reviewer_path(path: str | os.PathLike, reviewer: str) -> Path:
    """A reviewer's file of a shared-out queue export.

    >>> reviewer_path("review/today.labelstudio.json", "anh").name
    'today.anh.labelstudio.json'
    """
    path = Path(path)
    stem, suffix = _split_name(path)
    return path.with_name(f"{stem}.{reviewer}{suffix}")


def check_reviewers(reviewers: Sequence[str], overlap: float = 0.0) -> list[str]:
    """Reviewer names, checked (:func:`~vnflag.review.names.reviewer_name`: NFC, no control or
    bidi characters, no null words), distinct even ignoring case, and usable in a file name (no
    ``.``, ``,``, ``/``, ``\\`` or other unprintable characters); ``overlap`` in [0, 1], above 0
    only for two or more.

    >>> check_reviewers([" anh", "bình"], overlap=0.2)
    ['anh', 'bình']
    """
    if isinstance(reviewers, str):
        raise VnflagError(f"reviewers must be a list of names, got the text {reviewers!r}")
    names: list[str] = []
    for number, raw in enumerate(reviewers, start=1):
        name = reviewer_name(raw, f"reviewers: name {number}")
        if any(c in name for c in ".,/\\") or not name.isprintable():
            raise VnflagError("each reviewer needs a name without '.', ',', '/', '\\' or control characters "
                              f"(it becomes part of a file name), got {name!r}")
        if name in names:
            raise VnflagError(f"reviewer {name!r} is named twice")
        names.append(name)
    check_distinct_reviewers((name, f"reviewers: name {number}") for number, name in enumerate(names, start=1))
    if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) or not 0.0 <= float(overlap) <= 1.0:
        raise VnflagError(f"overlap must be a share of the items in [0, 1], got {overlap!r}")
    if overlap > 0 and len(names) < 2:
        raise VnflagError("overlap gives some items to two reviewers: it needs at least two reviewers")
    return names


def assign_reviewers(n_items: int, reviewers: Sequence[str], overlap: float = 0.0,
                     random_state: int = 0) -> list[list[str]]:
    """Share ``n_items`` queue items out between reviewers: who is given each item.

    The items are taken in a random order (fixed by ``random_state``); the first ``overlap``
    share of them (rounded) go to two different reviewers, the rest to one, dealt round-robin
    over the reviewers (also in a random order), so each reviewer gets the same number of items
    give or take one. Names in each list follow the order of ``reviewers``.

    >>> assign_reviewers(4, ["anh", "binh"], overlap=0.5)
    [['anh', 'binh'], ['binh'], ['anh', 'binh'], ['anh']]
    """
    names = check_reviewers(reviewers, overlap)
    if not names:
        raise VnflagError("assign_reviewers needs at least one reviewer")
    rng = np.random.default_rng(random_state)
    order = rng.permutation(n_items)
    dealer = [names[int(i)] for i in rng.permutation(len(names))]
    n_overlap = int(round(float(overlap) * n_items))
    assigned: list[list[str]] = [[] for _ in range(n_items)]
    slot = 0
    for position, item in enumerate(order):
        for _ in range(2 if position < n_overlap else 1):
            assigned[int(item)].append(dealer[slot % len(dealer)])
            slot += 1
    return [sorted(a, key=names.index) for a in assigned]


def queue_record(queue: pd.DataFrame) -> dict[str, Any]:
    """The record of a queue: from ``build_queue``'s attrs, or rebuilt from the visible columns
    (then members other than the shown post have no text)."""
    record = queue.attrs.get("vnflag_queue")
    if record is not None:
        return record
    check_columns(queue, ["item_id", "id", "member_ids", "score", "text", "queue_id"], "queue")
    items = []
    for row in queue.itertuples(index=False):
        shown = str(row.id)
        members = [str(m) for m in row.member_ids] if isinstance(row.member_ids, (list, tuple)) else [shown]
        probability = getattr(row, "inclusion_probability", None)
        text = row.text if isinstance(row.text, str) else ""
        version = row.model_version if isinstance(row.model_version, str) else (
            None if is_blank(row.model_version) else str(row.model_version))
        items.append({"item_id": str(row.item_id), "rank": int(row.rank), "why": row.why, "score": float(row.score),
                      "inclusion_probability": None if probability is None else float(probability),
                      "flagged": None, "group_size": len(members), "assigned_to": [],
                      "members": [{"id": m, "fingerprint": text_fingerprint(text) if m == shown else "",
                                   "score": float(row.score) if m == shown else None,
                                   "model_version": version, "text": text if m == shown else "",
                                   "meta": {}} for m in members]})
    return {"format": "vnflag-queue", "queue_id": str(queue["queue_id"].iloc[0]) if len(queue) else "",
            "reviewers": [], "overlap": 0.0, "items": items}


def check_queue_record(record: Any, where: str | os.PathLike = "queue record") -> dict[str, Any]:
    """``record``, checked before anything uses it: the shape and ranges of
    :data:`~vnflag.artifacts.schemas.QUEUE_RECORD_SCHEMA`, no deeper than 64 levels, finite
    numbers, each item once and each post (id and text fingerprint: ids may repeat) in one item,
    and no inclusion probability below 1 / the batch's scored
    groups (a random part draws at least one of at most that many). A problem is a one-line
    :class:`~vnflag.VnflagError` naming ``where`` and the field.

    >>> check_queue_record({"format": "vnflag-queue", "queue_id": "q1", "items": []})["queue_id"]
    'q1'
    """
    validate_document(record, QUEUE_RECORD_SCHEMA, where, _WHAT)
    groups = record.get("scored_groups", record.get("groups"))
    items: set[str] = set()
    posts: dict[tuple[str, str], str] = {}  # each post's item
    for number, item in enumerate(record["items"]):
        if item["item_id"] in items:
            raise VnflagError(f"{where}: invalid {_WHAT}: field 'items.{number}.item_id': "
                              f"item {item['item_id']!r} is listed twice")
        items.add(item["item_id"])
        probability = item.get("inclusion_probability")
        if probability is not None and groups and probability * groups < 1 - 1e-9:
            raise VnflagError(f"{where}: invalid {_WHAT}: field 'items.{number}.inclusion_probability': "
                              f"{probability!r} is below 1/{groups}, impossible for a draw from {groups} scored groups")
        for member in item["members"]:
            key = post_key(member["id"], member.get("fingerprint"))
            if posts.setdefault(key, item["item_id"]) != item["item_id"]:
                raise VnflagError(f"{where}: invalid {_WHAT}: field 'items.{number}.members': "
                                  f"post {member['id']!r} (text fingerprint {key[1] or 'unknown'}) is in two items")
    return record


def read_queue_record(path: str | os.PathLike) -> dict[str, Any]:
    """Read a queue record, given the record itself or any export written beside it, and check
    it (:func:`check_queue_record`) before anything uses it.

    >>> read_queue_record("review/today.xlsx")["queue_id"]   # doctest: +SKIP
    'q3f09c1d2e4b5'
    """
    path = Path(path)
    record_file = path if path.name.endswith(RECORD_SUFFIX) else record_path(path)
    if not record_file.is_file():
        raise VnflagError(f"{path}: no queue record {record_file.name} beside it; "
                          "it is written by vnflag queue next to the export")
    return check_queue_record(read_json_document(record_file, "vnflag-queue", _WHAT, MAX_RECORD_BYTES),
                              record_file)
