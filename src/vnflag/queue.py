"""Review queues: which scored posts a person looks at today, grouped, explained, exported.

A queue is built from a scored table (``vnflag score`` output) within a reviewer budget: the
top-scoring posts, or those above a threshold, plus an optional *learning mix* of posts the
model is least sure about and a few random ones, so that reviewed labels also teach the model.
Copies and near-copies of one post (same text after normalisation, or MinHash-estimated
Jaccard similarity of character 5-grams at or above ``similarity``) become one queue item: a
rumour pasted 300 times costs one review, and its decision applies to every copy on import.

Every export (CSV, XLSX, JSONL, Label Studio, Argilla) carries ``queue_id``, ``item_id`` and
``member_ids`` in every row, and beside it :func:`export_queue` writes the *queue record*
``<name>.vnflag-queue.json``: all members of every item with their text fingerprint, score and
original (unredacted) text. Import checks reviewed ids against that record, never against the
reviewed file itself, so an edited or added row cannot smuggle an unknown post in. The record is
internal: keep it with the label store, do not send it to reviewers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .io import VnflagError, atomic_path, read_json_document, read_table, utc_now, write_table
from .normalize import _EMAIL, _PHONE, normalize_text
from .train import check_columns

__all__ = [
    "DECISIONS", "POLICIES", "QUEUE_COLUMNS", "LABEL_STUDIO_CONFIG",
    "build_queue", "choose_threshold", "group_near_duplicates", "redact_text", "text_fingerprint",
    "stable_ids", "export_queue", "read_reviews", "queue_record", "read_queue_record", "record_path",
]

#: What a reviewer may write in ``decision``.
DECISIONS = ("misleading", "ok", "unsure")
#: How the main part of the budget is chosen; ``random`` is an audit/baseline sample.
POLICIES = ("top", "threshold", "model", "random")
#: Columns of a queue, in export order.
QUEUE_COLUMNS = ("rank", "item_id", "id", "member_ids", "group_size", "why", "score", "reasons",
                 "model_version", "text", "decision", "reviewer", "note", "queue_id")
RECORD_SUFFIX = ".vnflag-queue.json"
_REVIEW_FIELDS = ("decision", "reviewer", "note")

#: Label Studio labelling config matching :func:`export_queue`'s ``.labelstudio.json`` tasks.
LABEL_STUDIO_CONFIG = """<View>
  <Header value="Score $score (model $model_version), $group_size cop(ies), in queue because: $why"/>
  <Text name="text" value="$text"/>
  <Header value="Words that raised the score: $reasons"/>
  <Choices name="decision" toName="text" choice="single" required="true">
    <Choice value="misleading"/>
    <Choice value="ok"/>
    <Choice value="unsure"/>
  </Choices>
  <TextArea name="note" toName="text" rows="2" placeholder="why (optional)"/>
</View>"""


# --------------------------------------------------------------------------- ids, text
def _sha(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


@lru_cache(maxsize=200_000)
def _normalized(text: str) -> str:
    return normalize_text(text)


def text_fingerprint(text: object) -> str:
    """SHA-256 (16 hex digits) of a post's normalised text: one post, however it was pasted.

    >>> text_fingerprint("Ko tin đc!!!") == text_fingerprint("Không tin được!")
    True
    """
    return _sha(_normalized(text) if isinstance(text, str) else "")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def stable_ids(frame: pd.DataFrame, id_col: str = "id", text_col: str = "text") -> list[str]:
    """Post ids from ``id_col``; rows without one get ``t`` + a hash of their text, the same on
    every run (a repeated text gets ``-2``, ``-3``... in order of appearance).

    >>> stable_ids(pd.DataFrame({"text": ["a", "a"]}))   # doctest: +SKIP
    ['tca978112ca1bbdca', 'tca978112ca1bbdca-2']
    """
    ids = frame[id_col].tolist() if id_col in frame.columns else [None] * len(frame)
    texts = frame[text_col].tolist() if text_col in frame.columns else [""] * len(frame)
    seen: dict[str, int] = {}
    out = []
    for value, text in zip(ids, texts):
        if _blank(value):
            base = "t" + _sha(text if isinstance(text, str) else "")
            seen[base] = seen.get(base, 0) + 1
            out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
        else:
            out.append(str(value).strip())
    return out


def redact_text(text: object) -> str:
    """Replace phone numbers and e-mail addresses by ``[số điện thoại]`` / ``[email]``:
    reviewers judge content and need no contact details.

    >>> redact_text("Gọi 0900 000 123 hoặc mail a.b@example.com")
    'Gọi [số điện thoại] hoặc mail [email]'
    """
    if not isinstance(text, str):
        return ""
    return _PHONE.sub("[số điện thoại]", _EMAIL.sub("[email]", text))


# --------------------------------------------------------------------------- grouping
class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


_MASK = np.uint64(0xFFFFFFFF)


def _minhash_signatures(texts: Sequence[str], num_perm: int, shingle: int, seed: int = 1) -> list[np.ndarray]:
    """MinHash signatures of the character ``shingle``-grams of each text, computed with numpy
    (a rolling hash per shingle, then multiply-shift hashing ``(a·h + b) >> 32`` per permutation),
    instead of datasketch hashing every shingle in Python, which made long posts slow."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 64, size=(num_perm, 1), dtype=np.uint64, endpoint=False) | np.uint64(1)
    b = rng.integers(0, 1 << 64, size=(num_perm, 1), dtype=np.uint64, endpoint=False)
    out = []
    for text in texts:
        points = np.frombuffer(" ".join(text.split()).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = len(points) - shingle + 1
        hashed = np.zeros(n, dtype=np.uint64)
        for j in range(shingle):
            hashed = (hashed * np.uint64(1_000_003) + points[j:j + n]) & _MASK
        hashed = np.unique(hashed)
        signature = np.full(num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(hashed), 4096):  # bounded memory for very long posts
            block = (a * hashed[None, start:start + 4096] + b) >> np.uint64(32)  # wraps mod 2**64
            signature = np.minimum(signature, block.min(axis=1))
        out.append(signature)
    return out


def group_near_duplicates(
    texts: Sequence[object],
    similarity: float = 0.8,
    keys: Sequence[str] | None = None,
    num_perm: int = 128,
    shingle: int = 5,
) -> np.ndarray:
    """Group copies and near-copies: one group label (the smallest row index) per text.

    Texts are the same post when their normalised, lower-cased forms are equal, or when the
    MinHash estimate of the Jaccard similarity of their character ``shingle``-grams is at least
    ``similarity`` (candidates from datasketch's LSH, then checked). Rows with the same ``keys``
    (post ids) are always one group. Empty texts are never grouped with anything else.

    >>> group_near_duplicates(["Uống nước chanh diệt virus!!!", "uống nước chanh diệt virus", "Trời mưa"]).tolist()
    [0, 0, 2]
    """
    if not 0.0 < similarity <= 1.0:
        raise VnflagError(f"similarity must be in (0, 1], got {similarity!r}")
    n = len(texts)
    uf = _UnionFind(n)
    canonical = [_normalized(t).lower() if isinstance(t, str) else "" for t in texts]
    first: dict[str, int] = {}
    for i, text in enumerate(canonical):
        if text:
            uf.union(first.setdefault(text, i), i)
    if keys is not None:
        first_key: dict[str, int] = {}
        for i, key in enumerate(keys):
            uf.union(first_key.setdefault(key, i), i)
    if similarity < 1.0:
        from datasketch import MinHash, MinHashLSH

        distinct = [i for text, i in first.items() if len(text) >= shingle]
        if len(distinct) > 1:
            # LSH and jaccard() only read hashvalues; share one (unused) permutation table.
            unused = (np.ones(num_perm, dtype=np.uint64), np.zeros(num_perm, dtype=np.uint64))

            def minhash(values: np.ndarray) -> MinHash:
                try:  # datasketch >= 2 asks which scheme made the values; ours is 32-bit
                    return MinHash(num_perm=num_perm, hashvalues=values, permutations=unused, scheme="affine32")
                except TypeError:  # datasketch 1.x
                    return MinHash(num_perm=num_perm, hashvalues=values, permutations=unused)

            hashes = [minhash(v) for v in _minhash_signatures([canonical[i] for i in distinct], num_perm, shingle)]
            # Candidates from a looser LSH (it misses pairs near its threshold), then the estimate decides.
            lsh = MinHashLSH(threshold=max(0.5, similarity - 0.2), num_perm=num_perm)
            for position, minhash in enumerate(hashes):
                lsh.insert(position, minhash)
            for position, minhash in enumerate(hashes):
                for other in lsh.query(minhash):
                    if other != position and minhash.jaccard(hashes[other]) >= similarity:
                        uf.union(distinct[position], distinct[other])
    return np.array([uf.find(i) for i in range(n)], dtype=int)


# --------------------------------------------------------------------------- thresholds
def choose_threshold(
    y_true: Sequence[object],
    scores: Sequence[float],
    target_recall: float | None = None,
    target_precision: float | None = None,
) -> float:
    """The score threshold meeting a target on labelled validation data.

    With ``target_recall``: the highest threshold whose recall reaches it (fewest reviews for
    that recall). With ``target_precision``: the lowest threshold whose precision reaches it
    (most posts found at that precision). Labels are 0/1 (1 = needs verification).

    >>> choose_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], target_recall=1.0)
    0.35
    """
    from sklearn.metrics import precision_recall_curve

    from .train import parse_labels

    if (target_recall is None) == (target_precision is None):
        raise VnflagError("give exactly one of target_recall and target_precision")
    target = target_recall if target_recall is not None else target_precision
    if not 0.0 < float(target) <= 1.0:
        raise VnflagError(f"the target must be in (0, 1], got {target!r}")
    y = parse_labels(list(y_true))
    s = np.asarray(scores, dtype=float)
    keep = ~np.isnan(s)
    y, s = y[keep], s[keep]
    if y.sum() == 0 or y.sum() == len(y):
        raise VnflagError("validation data needs both labels to choose a threshold")
    precision, recall, thresholds = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]
    if target_recall is not None:
        ok = np.flatnonzero(recall >= target_recall)
        return float(thresholds[ok].max())
    ok = np.flatnonzero(precision >= target_precision)
    if not len(ok):
        raise VnflagError(f"no threshold reaches precision {target_precision} on the validation data")
    return float(thresholds[ok].min())


# --------------------------------------------------------------------------- queue
def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("true", "1", "1.0", "yes")


def build_queue(
    scored: pd.DataFrame,
    budget: int = 200,
    policy: str = "top",
    explore: float = 0.0,
    id_col: str = "id",
    text_col: str = "text",
    threshold: float | None = None,
    redact: bool = False,
    random_state: int = 0,
    similarity: float = 0.8,
    random_share: float = 0.25,
    meta_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Choose at most ``budget`` items for review from a scored table; one row per item.

    ``policy``: ``top`` (highest scores), ``threshold`` (items scoring at least ``threshold``,
    highest first), ``model`` (items the model flagged, i.e. its stored threshold; the
    ``flagged`` column of ``vnflag score`` output, or ``threshold`` if given) or ``random``.
    ``explore`` reserves that share of the budget for the learning mix: of it, ``random_share``
    goes to a random sample and the rest to the items whose score is closest to 0.5 (least
    sure). ``why`` says which part chose an item (``top``, ``uncertain``, ``random``).
    ``meta_cols`` (e.g. engagement counts) are kept in the queue record for retraining.

    Columns: :data:`QUEUE_COLUMNS`; ``member_ids`` is a list. The full record of members
    (texts, fingerprints, scores) is in ``queue.attrs["vnflag_queue"]``, which
    :func:`export_queue` writes beside the export.

    >>> queue = build_queue(score_frame("out/model", posts), budget=200, explore=0.2)  # doctest: +SKIP
    """
    check_columns(scored, [text_col, "score"], "scored table")
    check_columns(scored, list(meta_cols), "scored table")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise VnflagError(f"budget must be a whole number of items >= 1, got {budget!r}")
    if policy not in POLICIES:
        raise VnflagError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if not 0.0 <= float(explore) <= 1.0:
        raise VnflagError(f"explore must be a share of the budget in [0, 1], got {explore!r}")
    if not 0.0 <= float(random_share) <= 1.0:
        raise VnflagError(f"random_share must be in [0, 1], got {random_share!r}")
    if policy == "threshold" and threshold is None:
        raise VnflagError("policy 'threshold' needs a threshold (or choose_threshold on validation data)")
    if policy == "model" and threshold is None and "flagged" not in scored.columns:
        raise VnflagError("policy 'model' needs the 'flagged' column of vnflag score output, or a threshold")

    texts = scored[text_col].tolist()
    ids = stable_ids(scored, id_col, text_col)
    scores = pd.to_numeric(scored["score"], errors="coerce").to_numpy(dtype=float)
    versions = (scored["model_version"].astype(str).tolist() if "model_version" in scored.columns
                else [""] * len(scored))
    reasons = scored["reasons"].astype(str).tolist() if "reasons" in scored.columns else [""] * len(scored)
    flagged = ([_truthy(v) for v in scored["flagged"]] if "flagged" in scored.columns
               else [False] * len(scored))
    labels = group_near_duplicates(texts, similarity, keys=ids)

    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    groups = []
    for rows in members.values():
        rows_scored = [i for i in rows if not np.isnan(scores[i])]
        if not rows_scored:
            continue  # nothing scored (empty texts): nothing to review
        best = max(rows_scored, key=lambda i: (scores[i], -i))
        groups.append({"rows": rows, "rep": best, "score": float(scores[best]),
                       "flagged": any(flagged[i] for i in rows)})
    groups.sort(key=lambda g: (-g["score"], g["rep"]))

    n_explore = budget if policy == "random" else int(round(budget * float(explore)))
    n_random = n_explore if policy == "random" else int(round(n_explore * float(random_share)))
    if policy != "random" and explore > 0 and random_share > 0 and n_random == 0 and n_explore >= 2:
        n_random = 1
    n_uncertain = n_explore - n_random
    if policy == "top":
        eligible = groups
    elif policy == "threshold" or (policy == "model" and threshold is not None):
        eligible = [g for g in groups if g["score"] >= float(threshold)]
    elif policy == "model":
        eligible = [g for g in groups if g["flagged"]]
    else:
        eligible = []
    chosen = [(g, "top") for g in eligible[: budget - n_explore]]
    taken = {id(g) for g, _ in chosen}
    rest = [g for g in groups if id(g) not in taken]
    for g in sorted(rest, key=lambda g: (abs(g["score"] - 0.5), g["rep"]))[:n_uncertain]:
        chosen.append((g, "uncertain"))
        taken.add(id(g))
    rest = [g for g in rest if id(g) not in taken]
    if n_random and rest:
        rng = np.random.default_rng(random_state)
        picks = rng.choice(len(rest), size=min(n_random, len(rest)), replace=False)
        chosen.extend((rest[int(p)], "random") for p in sorted(picks, key=lambda p: -rest[int(p)]["score"]))

    rows_out, record_items = [], []
    for rank, (g, why) in enumerate(chosen, start=1):
        member_ids = list(dict.fromkeys(ids[i] for i in g["rows"]))
        item_id = "g" + _sha("\x1f".join(sorted(member_ids)), 12)
        rep = g["rep"]
        text = texts[rep] if isinstance(texts[rep], str) else ""
        rows_out.append({
            "rank": rank, "item_id": item_id, "id": ids[rep], "member_ids": member_ids,
            "group_size": len(g["rows"]), "why": why, "score": g["score"], "reasons": reasons[rep],
            "model_version": versions[rep], "text": redact_text(text) if redact else text,
            "decision": "", "reviewer": "", "note": "",
        })
        record_items.append({
            "item_id": item_id, "rank": rank, "why": why, "score": g["score"],
            "members": [{
                "id": ids[i], "fingerprint": text_fingerprint(texts[i]),
                "score": None if np.isnan(scores[i]) else float(scores[i]),
                "model_version": versions[i], "text": texts[i] if isinstance(texts[i], str) else "",
                "meta": {c: (None if _blank(scored[c].iloc[i]) else str(scored[c].iloc[i])) for c in meta_cols},
            } for i in g["rows"]],
        })
    queue = pd.DataFrame(rows_out, columns=[c for c in QUEUE_COLUMNS if c != "queue_id"])
    model_versions = sorted({v for v in versions if v})
    queue_id = "q" + _sha(json.dumps([policy, budget, float(explore), model_versions,
                                      [r["item_id"] for r in rows_out]]), 12)
    queue["queue_id"] = queue_id
    queue["rank"] = queue["rank"].astype(int)
    queue["group_size"] = queue["group_size"].astype(int)
    queue.attrs["vnflag_queue"] = {
        "format": "vnflag-queue", "queue_id": queue_id,
        "created_at": utc_now(),
        "policy": policy, "budget": int(budget), "explore": float(explore), "threshold": threshold,
        "redacted": bool(redact), "similarity": similarity, "model_versions": model_versions,
        "scored_rows": int(len(scored)), "groups": len(groups),
        "eligible": len(eligible) if policy != "random" else None, "meta_cols": list(meta_cols),
        "items": record_items,
    }
    return queue


# --------------------------------------------------------------------------- records
def record_path(path: str | os.PathLike) -> Path:
    """Where the queue record of an export lives: ``queue.xlsx`` → ``queue.vnflag-queue.json``."""
    path = Path(path)
    name = path.name
    for suffix in (".labelstudio.json", ".argilla.json", RECORD_SUFFIX):
        if name.lower().endswith(suffix):
            return path.with_name(name[: -len(suffix)] + RECORD_SUFFIX)
    return path.with_name(path.stem + RECORD_SUFFIX)


def queue_record(queue: pd.DataFrame) -> dict[str, Any]:
    """The record of a queue: from ``build_queue``'s attrs, or rebuilt from the visible columns
    (then members other than the shown post have no text)."""
    record = queue.attrs.get("vnflag_queue")
    if record is not None:
        return record
    check_columns(queue, ["item_id", "id", "member_ids", "score", "text", "queue_id"], "queue")
    items = []
    for row in queue.itertuples(index=False):
        members = list(row.member_ids) if isinstance(row.member_ids, (list, tuple)) else [row.id]
        items.append({"item_id": row.item_id, "rank": int(row.rank), "why": row.why, "score": float(row.score),
                      "members": [{"id": m, "fingerprint": text_fingerprint(row.text) if m == row.id else "",
                                   "score": float(row.score) if m == row.id else None,
                                   "model_version": row.model_version, "text": row.text if m == row.id else "",
                                   "meta": {}} for m in members]})
    return {"format": "vnflag-queue", "queue_id": queue["queue_id"].iloc[0] if len(queue) else "",
            "items": items}


def read_queue_record(path: str | os.PathLike) -> dict[str, Any]:
    """Read a queue record, given the record itself or any export written beside it."""
    path = Path(path)
    record_file = path if path.name.endswith(RECORD_SUFFIX) else record_path(path)
    if not record_file.is_file():
        raise VnflagError(f"{path}: no queue record {record_file.name} beside it; "
                          "it is written by vnflag queue next to the export")
    return read_json_document(record_file, "vnflag-queue", "vnflag queue record")


# --------------------------------------------------------------------------- export
def _export_format(path: str | os.PathLike, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "xlsx", "jsonl", "labelstudio", "argilla"):
            raise VnflagError(f"unknown review format {fmt!r}; use csv, xlsx, jsonl, labelstudio or argilla")
        return fmt
    name = str(path).lower()
    if name.endswith(".labelstudio.json"):
        return "labelstudio"
    if name.endswith(".argilla.json"):
        return "argilla"
    suffix = Path(name).suffix
    if suffix in (".csv", ".xlsx", ".jsonl"):
        return suffix[1:]
    raise VnflagError(f"{path}: review files are .csv, .xlsx, .jsonl, .labelstudio.json or .argilla.json")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = float(value)
        out[key] = value
    return out


def _write_json(payload: Any, path: str | os.PathLike) -> None:
    with atomic_path(path, suffix=".json") as tmp:
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_xlsx(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "queue"
    columns = list(frame.columns)
    sheet.append(columns)
    for row in frame.itertuples(index=False):
        sheet.append([v.item() if hasattr(v, "item") else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"text": 80, "reasons": 30, "note": 30, "decision": 12, "member_ids": 20}
    for position, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(name, 14)
    text_letter = get_column_letter(columns.index("text") + 1)
    for cell in sheet[text_letter][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    letter = get_column_letter(columns.index("decision") + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="decision",
                                error="Choose misleading, ok or unsure")
    validation.add(f"{letter}2:{letter}{max(len(frame) + 1, 2)}")
    sheet.add_data_validation(validation)
    with atomic_path(path, suffix=".xlsx") as tmp:
        book.save(tmp)


def export_queue(queue: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write a queue for reviewers, in the format its name says, and its record beside it.

    Formats: ``.csv``, ``.xlsx`` (drop-down for ``decision``), ``.jsonl``, ``.labelstudio.json``
    (Label Studio tasks with the score and model version as predictions; labelling config in
    :data:`LABEL_STUDIO_CONFIG`) and ``.argilla.json`` (Argilla records: field ``text``,
    questions ``decision`` and ``note``, the score as a suggestion). Returns the record's path.

    >>> export_queue(queue, "review/today.xlsx")   # doctest: +SKIP
    PosixPath('review/today.vnflag-queue.json')
    """
    fmt = _export_format(path, fmt)
    check_columns(queue, list(QUEUE_COLUMNS), "queue")
    record = queue_record(queue)
    frame = queue[list(QUEUE_COLUMNS)].copy()
    rows = [_plain(r) for r in frame.to_dict("records")]
    if fmt in ("csv", "xlsx"):
        flat = frame.copy()
        flat["member_ids"] = [json.dumps(list(m), ensure_ascii=False) for m in frame["member_ids"]]
        if fmt == "csv":
            write_table(flat, path)
        else:
            _write_xlsx(flat, path)
    elif fmt == "jsonl":
        with atomic_path(path, suffix=".jsonl") as tmp:
            tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "labelstudio":
        tasks = []
        for r in rows:
            data = {k: v for k, v in r.items() if k not in _REVIEW_FIELDS}
            tasks.append({"data": data, "predictions": [{
                "model_version": r["model_version"], "score": r["score"],
                "result": [{"from_name": "decision", "to_name": "text", "type": "choices",
                            "value": {"choices": ["misleading" if r["score"] >= 0.5 else "ok"]}}],
            }]})
        _write_json(tasks, path)
    else:
        records = []
        for r in rows:
            metadata = {k: v for k, v in r.items() if k not in ("text", *_REVIEW_FIELDS)}
            records.append({
                "id": r["item_id"], "fields": {"text": r["text"]}, "metadata": metadata,
                "suggestions": [{"question_name": "decision", "value": "misleading" if r["score"] >= 0.5 else "ok",
                                 "score": r["score"], "agent": f"vnflag {r['model_version']}"}],
                "responses": [],
            })
        _write_json(records, path)
    target = record_path(path)
    _write_json(record, target)
    return target


# --------------------------------------------------------------------------- reading back
def _member_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    if _blank(value):
        return []
    text = str(value).strip()
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, list):
        return [str(v) for v in parsed]
    return [text]


def _text(value: object) -> str:
    return "" if _blank(value) else str(value).strip() if not isinstance(value, str) else value


def _ls_rows(tasks: list) -> list[dict]:
    rows = []
    for number, task in enumerate(tasks, start=1):
        data = dict(task.get("data", {})) if isinstance(task, dict) else {}
        annotations = [a for a in (task.get("annotations") or []) if not a.get("was_cancelled")] \
            if isinstance(task, dict) else []
        if not annotations:
            rows.append({**data, "source_row": number})
            continue
        for annotation in annotations:
            row = {**data, "source_row": number, "decision": "", "note": ""}
            for result in annotation.get("result") or []:
                value = result.get("value", {})
                if result.get("from_name") == "decision":
                    choices = value.get("choices") or []
                    row["decision"] = choices[0] if choices else ""
                elif result.get("from_name") == "note":
                    text = value.get("text") or []
                    row["note"] = text[0] if isinstance(text, list) and text else str(text or "")
            who = annotation.get("completed_by", annotation.get("reviewer", ""))
            if isinstance(who, dict):
                who = who.get("email") or who.get("username") or who.get("id", "")
            row["reviewer"] = "" if who is None else str(who)
            row["reviewed_at"] = annotation.get("updated_at") or annotation.get("created_at") or ""
            rows.append(row)
    return rows


def _argilla_responses(record: dict) -> list[dict]:
    """Responses per user from Argilla v2 (list or per-question dict) or v1 (``values``)."""
    raw = record.get("responses") or []
    by_user: dict[str, dict] = {}
    if isinstance(raw, dict):  # {"decision": [{"value": .., "user_id": ..}], "note": [...]}
        for question, answers in raw.items():
            for answer in answers or []:
                user = str(answer.get("user_id", ""))
                by_user.setdefault(user, {"status": answer.get("status", "submitted")})[question] = answer.get("value")
    else:
        for answer in raw:
            user = str(answer.get("user_id", ""))
            entry = by_user.setdefault(user, {"status": answer.get("status", "submitted")})
            if "values" in answer:  # Argilla 1.x
                for question, value in (answer.get("values") or {}).items():
                    entry[question] = value.get("value") if isinstance(value, dict) else value
            else:
                entry[answer.get("question_name", "")] = answer.get("value")
            if answer.get("updated_at"):
                entry["reviewed_at"] = answer["updated_at"]
    return [{"reviewer": user, **entry} for user, entry in by_user.items()
            if entry.get("status", "submitted") == "submitted"]


def _argilla_rows(records: list) -> list[dict]:
    rows = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            rows.append({"source_row": number})
            continue
        base = {**(record.get("metadata") or {}), **(record.get("fields") or {}), "source_row": number}
        responses = _argilla_responses(record)
        if not responses:
            rows.append(base)
        for response in responses:
            rows.append({**base, "decision": response.get("decision") or "", "note": response.get("note") or "",
                         "reviewer": response["reviewer"], "reviewed_at": response.get("reviewed_at", "")})
    return rows


def read_reviews(path: str | os.PathLike, fmt: str | None = None) -> pd.DataFrame:
    """Read a (reviewed) queue export back: the queue columns plus ``reviewed_at`` and
    ``source_row`` (the 1-based data row, task or record each row came from).

    Label Studio tasks with several annotations, and Argilla records with several responses,
    give one row per reviewer.

    >>> reviews = read_reviews("review/today.xlsx")    # doctest: +SKIP
    >>> reviews[["id", "decision", "reviewer"]]        # doctest: +SKIP
    """
    fmt = _export_format(path, fmt)
    if not Path(path).is_file():
        raise VnflagError(f"{path}: no such file")
    if fmt in ("csv", "xlsx"):
        frame = read_table(path)
        frame["source_row"] = np.arange(1, len(frame) + 1)
    else:
        try:
            if fmt == "jsonl":
                with open(path, encoding="utf-8") as handle:
                    payload = [json.loads(line) for line in handle if line.strip()]
            else:
                payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise VnflagError(f"{path}: cannot read as {fmt}: {exc}") from exc
        if not isinstance(payload, list):
            raise VnflagError(f"{path}: expected a list of {'tasks' if fmt == 'labelstudio' else 'records'}")
        if fmt == "jsonl":
            rows = [{**(r if isinstance(r, dict) else {}), "source_row": n} for n, r in enumerate(payload, start=1)]
        elif fmt == "labelstudio":
            rows = _ls_rows(payload)
        else:
            rows = _argilla_rows(payload)
        frame = pd.DataFrame(rows)
    for column in (*QUEUE_COLUMNS, "reviewed_at"):
        if column not in frame.columns:
            frame[column] = ""
    frame["member_ids"] = [_member_list(v) for v in frame["member_ids"]]
    for column in ("item_id", "id", "why", "reasons", "model_version", "text", "decision", "reviewer", "note",
                   "queue_id", "reviewed_at"):
        frame[column] = [_text(v) for v in frame[column]]
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    for column in ("rank", "group_size"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame[[*QUEUE_COLUMNS, "reviewed_at", "source_row"]].reset_index(drop=True)
