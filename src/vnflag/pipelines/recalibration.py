"""Recalibration from the random share of review queues: new probabilities, the same ranking.

Later posts lose calibration (on ReINTEL, ECE 0.025 in cross-validation but 0.065 on the newest
30 %), while the ranking holds better. The ``random`` part of each review queue is a simple random
sample of the period's scored posts with known inclusion probabilities, so its reviewed decisions
are an unbiased labelled sample of *now*. :func:`recalibrate` refits only the model's calibrator
(a weighted sigmoid on the model's own final-stage margins, :meth:`~vnflag.Flagger.recalibrated`)
on those labels, each weighted by ``group_size / inclusion_probability`` as the estimates of
:mod:`~vnflag.review.estimation` are (:func:`~vnflag.review.estimation.ht_weights`), and keeps
the ranking and the flagged posts. Labels of the ``top`` and ``uncertain`` parts are never used:
those posts were chosen *for* their scores, and calibrating on them would bend the scores towards
the model's own choice.

The gate is a retrain's (comparison.json, ``models add``, ``models promote`` refusing a failed
gate), with calibration figures: the recalibration labels are split into K folds, a calibrator
fitted on K-1 of them scores the held-out fold, and the weighted Brier score and ECE of these
cross-fitted scores are compared with the champion's on the same posts. The challenger is
promotable only if its ECE is lower and its Brier score not higher; ROC-AUC and average precision
are shown to be unchanged (same ranking).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.model_dir import save_model
from ..artifacts.registry import Registry
from ..constants import DEFAULT_ENCODING, DEFAULT_ID_COL
from ..exceptions import VnflagError
from ..io.tables import read_table
from ..model.inputs import check_columns
from ..model.metrics import expected_calibration_error
from ..review.estimation import design_items, ht_weights
from ..review.ids import is_blank, text_fingerprint
from ..review.store import LabelStore
from .retraining import open_champion, promotion_lines, publish_comparison

__all__ = ["recalibrate", "recalibration_labels", "RECALIBRATION_GATE", "MIN_RECALIBRATION_LABELS",
           "MIN_RECALIBRATION_CLASS"]

#: Fewest random-share labels (reviewed items) to recalibrate with: a sigmoid's two parameters from
#: fewer move by more than the miscalibration being corrected.
MIN_RECALIBRATION_LABELS = 30
#: Fewest labels of each decision: the cross-fitted check needs one in each of its folds.
MIN_RECALIBRATION_CLASS = 5
#: Below this many labels the result is noisy: on ReINTEL's newest 30 %, 100 random-share labels took ECE from
#: 0.063 to 0.032 ± 0.012 over 20 draws, 200 to 0.030 ± 0.011 (docs/decisions/recalibration.md).
ADVISED_RECALIBRATION_LABELS = 200
#: Folds of the cross-fitted check (fewer when a decision has fewer labels).
RECALIBRATION_FOLDS = 5
#: Metric → how the challenger passes: ``"lower"`` strictly below the champion, ``"not_higher"``,
#: or ``"equal"`` (the ranking metrics, the same by construction).
RECALIBRATION_GATE = {"ece": "lower", "brier": "not_higher", "roc_auc": "equal", "average_precision": "equal"}
#: Ranking figures that differ by less are equal (last-bit noise of a monotone map).
_RANKING_TOLERANCE = 1e-9


def _since(value: Any, manifest: dict[str, Any]) -> tuple[pd.Timestamp, str]:
    """The cut-off time (UTC) and where it came from: ``value`` (a date or ISO time) or the
    champion's training time."""
    if value is None:
        created = manifest.get("created_at")
        if not created:
            raise VnflagError("the model's manifest has no created_at: pass since (--since DATE) to choose the "
                              "queues whose random share is used")
        when, source = created, "the model's created_at"
    else:
        when, source = value, "since"
    try:
        stamp = pd.Timestamp(when)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise VnflagError(f"{source}: {when!r} is not a date or time (e.g. 2026-12-01 or 2026-12-01T08:00:00+07:00)")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp, source


def _posts_context(posts: pd.DataFrame | str | os.PathLike, rows: pd.DataFrame, lacking: list[str], text_col: str,
                   encoding: str) -> pd.DataFrame:
    """The ``lacking`` columns of each of ``rows`` (``id``, ``fingerprint``) from the scored table
    ``posts``, matched by id and, where the table repeats an id, by text fingerprint."""
    name = "<DataFrame>" if isinstance(posts, pd.DataFrame) else str(posts)
    table = posts if isinstance(posts, pd.DataFrame) else read_table(posts, encoding=encoding)
    check_columns(table, [DEFAULT_ID_COL, *lacking], name)
    ids = table[DEFAULT_ID_COL].astype(str).tolist()
    fingerprints = ([text_fingerprint(t) for t in table[text_col]] if text_col in table.columns
                    else [""] * len(table))
    found: dict[tuple[str, str], int] = {}
    by_id: dict[str, list[int]] = {}
    for i, (post_id, fingerprint) in enumerate(zip(ids, fingerprints, strict=True)):
        found.setdefault((post_id, fingerprint), i)
        by_id.setdefault(post_id, []).append(i)
    picked = []
    for post_id, fingerprint in zip(rows["id"], rows["fingerprint"], strict=True):
        same_id = by_id.get(post_id, [])
        row = found.get((post_id, fingerprint)) if len(same_id) > 1 else (same_id[0] if same_id else None)
        if row is None:
            raise VnflagError(f"{name}: no row with id {post_id!r}" + (" and this post's text" if same_id else "")
                              + f" to supply {', '.join(lacking)} of a recalibration post; pass the scored table "
                              "the queue was built from")
        picked.append(row)
    return table[lacking].iloc[picked].reset_index(drop=True)


def recalibration_labels(
    store: LabelStore | str | os.PathLike,
    champion,
    since: pd.Timestamp,
    posts: pd.DataFrame | str | os.PathLike | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The reviewed posts of the ``random`` part of every review queue registered in the store (its
    first registration or import) at or after ``since``, with their labels and weights, ready for
    ``champion``: one row per post of each labelled item (its id, ``fingerprint``, ``queue_id``,
    ``item_id``, ``label`` 0/1, ``weight`` = the item's Horvitz–Thompson weight shared among its
    posts, and ``champion.input_columns()``),
    and a description (queues used, newest first; counts). ``unsure`` items, unresolved conflicts
    and items whose posts disagree have no label (:meth:`LabelStore.item_labels`). Context columns
    the queue record did not keep come from ``posts`` (the scored table; otherwise an error says so).
    """
    label_store = store if isinstance(store, LabelStore) else LabelStore(store)
    view = label_store.view()
    _, items = design_items(label_store, None, view.item_labels())
    registered = (view.members_all.groupby("queue_id")["registered_at"].first() if len(view.members_all)
                  else pd.Series(dtype=object))
    when = pd.to_datetime(registered, utc=True, errors="coerce", format="ISO8601")
    recent = set(when[when >= since].index)
    random = items[(items["why"] == "random") & items["queue_id"].isin(recent)].reset_index(drop=True)
    weight, notes = ht_weights(random["label"], random["group_size"], random["inclusion_probability"],
                               random["queue_id"] + "/random")
    labelled = random["label"].notna().to_numpy()
    broken = [notes[s] for s in dict.fromkeys(random.loc[labelled, "queue_id"] + "/random") if s in notes]
    if broken:
        raise VnflagError(f"{label_store.path}: cannot weight the random share: {broken[0]}")
    chosen = random[labelled].assign(item_weight=weight[labelled])
    members = view.members_all[["queue_id", "item_id", "post_id", "fingerprint"]]
    rows = chosen.merge(members, on=["queue_id", "item_id"], how="inner")
    rows["weight"] = rows["item_weight"] / rows.groupby(["queue_id", "item_id"])["post_id"].transform("size")
    latest = view.latest_members
    copies = dict(zip(view.post_keys(latest), zip(latest["text"], latest["meta"], strict=True), strict=True))
    stored = [copies.get(key, ("", {})) for key in view.post_keys(rows)]
    columns = champion.input_columns()
    frame = pd.DataFrame({"id": rows["post_id"].astype(str), "fingerprint": rows["fingerprint"].fillna(""),
                          "queue_id": rows["queue_id"], "item_id": rows["item_id"],
                          "label": rows["label"].astype(int), "weight": rows["weight"].astype(float)})
    frame[columns[0]] = [text if isinstance(text, str) else "" for text, _ in stored]
    context = columns[1:]
    lacking = [c for c in context if any(c not in meta for _, meta in stored)]
    for column in context:
        frame[column] = [meta.get(column) for _, meta in stored]
    if lacking and len(frame):
        if posts is None:
            counts = ", ".join(f"{c} ({sum(c not in m for _, m in stored)} of {len(frame)})" for c in lacking)
            raise VnflagError(f"random-share posts whose queue did not keep {counts}, which the model reads: pass "
                              "posts (--posts) with the scored table they were queued from (its id and those "
                              "columns), or queue with vnflag queue --model MODEL, which keeps them")
        supplied = _posts_context(posts, frame, lacking, columns[0], encoding)
        for column in lacking:
            frame[column] = [None if is_blank(v) else v for v in supplied[column]]
    used = sorted(set(frame["queue_id"]), key=lambda q: when.get(q), reverse=True)
    info = {"since": since.isoformat(), "queues": [{"queue_id": q, "registered_at": str(registered[q]),
                                                    "labels": int((chosen["queue_id"] == q).sum())} for q in used],
            "labels": int(len(chosen)), "posts": int(len(frame)),
            "positive": int((chosen["label"] == 1).sum()), "negative": int((chosen["label"] == 0).sum()),
            "weight_total": float(frame["weight"].sum()) if len(frame) else 0.0}
    return frame, info


def _check_enough(info: dict[str, Any], where: str) -> None:
    labels, positive, negative = info["labels"], info["positive"], info["negative"]
    if labels < MIN_RECALIBRATION_LABELS or min(positive, negative) < MIN_RECALIBRATION_CLASS:
        raise VnflagError(
            f"{where}: {labels} reviewed random-share labels since {info['since']} ({positive} misleading, "
            f"{negative} ok); recalibrating needs at least {MIN_RECALIBRATION_LABELS}, with at least "
            f"{MIN_RECALIBRATION_CLASS} of each decision: review more of the queues' random share (or pass an "
            "earlier --since)")


def _weighted(y: np.ndarray, scores: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    return {"ece": expected_calibration_error(y, scores, sample_weight=weight),
            "brier": float(brier_score_loss(y, scores, sample_weight=weight)),
            "roc_auc": float(roc_auc_score(y, scores, sample_weight=weight)),
            "average_precision": float(average_precision_score(y, scores, sample_weight=weight))}


def _cross_fitted(champion, margins: np.ndarray, frame: pd.DataFrame, random_state: int) -> tuple[np.ndarray, int]:
    """Each post's score from a calibrator fitted on the other folds (folds of items, stratified by
    label: the posts of one item never straddle the split)."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = frame["label"].to_numpy()
    groups = (frame["queue_id"] + "\x1f" + frame["item_id"]).to_numpy()
    items = pd.Series(y, index=groups).groupby(level=0).first()
    folds = int(min(RECALIBRATION_FOLDS, items.value_counts().min()))
    scores = np.empty(len(frame))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in splitter.split(margins, y, groups):
        fitted = champion.recalibrated_margins(margins[train], champion.classes_[y[train]],
                                               frame["weight"].to_numpy()[train])
        scores[test] = fitted.calibrate(margins[test])
    return scores, folds


def _gate(champion: dict[str, float], challenger: dict[str, float]) -> dict[str, dict[str, Any]]:
    gate = {}
    for metric, rule in RECALIBRATION_GATE.items():
        old, new = champion[metric], challenger[metric]
        difference = new - old
        passes = (difference < 0 if rule == "lower" else difference <= 0 if rule == "not_higher"
                  else abs(difference) <= _RANKING_TOLERANCE)
        gate[metric] = {"champion": old, "challenger": new, "difference": difference, "passes": bool(passes),
                        "rule": rule}
    return gate


def _markdown(result: dict[str, Any]) -> str:
    champion, challenger, rec = result["champion"], result["challenger"], result["recalibration"]
    rules = {"lower": "must be lower", "not_higher": "must not be higher", "equal": "unchanged (same ranking)"}
    lines = [
        "# Champion vs recalibrated challenger",
        "",
        f"Recalibrated on {rec['labels']} reviewed random-share labels ({rec['positive']} misleading) of "
        f"{len(rec['queues'])} queue(s) registered since {rec['since']}, weighted by group size / inclusion "
        "probability. Only the calibration changed: the ranking and the flagged posts are the champion's.",
        f"Calibration figures are cross-fitted ({result['heldout']['folds']} folds of the labels: a calibrator "
        "fitted on the other folds scores each post) and weighted; the champion's are on the same posts.",
        "",
        f"| metric | champion `{champion['version']}` | challenger `{challenger['version']}` | difference | gate |",
        "|---|---|---|---|---|",
    ]
    for metric, gate in result["gate"].items():
        verdict = "passes" if gate["passes"] else "**fails**"
        lines.append(f"| {metric} | {gate['champion']:.4f} | {gate['challenger']:.4f} | {gate['difference']:+.4f} | "
                     f"{verdict} ({rules[gate['rule']]}) |")
    lines += ["", f"Threshold: {champion['threshold']:.4f} → {challenger['threshold']:.4f} (the same margin cut: the "
              "same posts are flagged)." if not rec["threshold_given"] else
              f"Threshold: {champion['threshold']:.4f} → {challenger['threshold']:.4f} (asked for)."]
    return "\n".join(lines + promotion_lines(result)) + "\n"


def recalibrate(
    model: str | os.PathLike,
    labels: LabelStore | str | os.PathLike,
    output: str | os.PathLike,
    since: str | pd.Timestamp | None = None,
    posts: pd.DataFrame | str | os.PathLike | None = None,
    registry: Registry | str | os.PathLike | None = None,
    threshold: float | None = None,
    overwrite: bool = False,
    random_state: int = 0,
    encoding: str = DEFAULT_ENCODING,
) -> dict[str, Any]:
    """Refit the champion's calibration on the reviewed random share of recent review queues and
    compare it with the champion, as a retrain is compared.

    ``model`` is a model directory or a registry (its promoted version); ``labels`` the label
    store. The labels are those of the ``random`` part of every queue registered since ``since``
    (a date or ISO time; default: since the champion was trained), weighted by group size /
    inclusion probability (:func:`recalibration_labels`). Refused, with nothing written, when
    there are fewer than :data:`MIN_RECALIBRATION_LABELS` or fewer than
    :data:`MIN_RECALIBRATION_CLASS` of a decision. The challenger (the same model with the new
    calibrator, and the same flagged posts unless ``threshold`` is given) is saved to ``output``
    with ``comparison.json`` and ``comparison.md`` (the gate: :data:`RECALIBRATION_GATE`); its
    manifest records the labels, period, weights and figures, and its model card says it was
    recalibrated. With ``registry`` (implied when ``model`` is one) both are added, the challenger
    as a candidate that ``models promote`` refuses if the gate failed. ``posts`` supplies context
    columns (engagement, time) that the queues did not keep. Returns the comparison.

    >>> result = recalibrate("models", "labels.sqlite", "out/recalibrated")   # doctest: +SKIP
    >>> result["promotable"], result["gate"]["ece"]                           # doctest: +SKIP
    """
    if threshold is not None and not 0.0 < float(threshold) < 1.0:
        raise VnflagError(f"threshold must be in (0, 1), got {threshold!r}")
    registry, model_dir, manifest, champion, store = open_champion(model, labels, output, registry, overwrite,
                                                                   posts, "scored posts")
    cutoff, cutoff_source = _since(since, manifest)
    frame, info = recalibration_labels(store, champion, cutoff, posts, encoding)
    _check_enough(info, str(store.path))
    snapshot = store.snapshot()

    margins = champion.decision_function(frame[champion.input_columns()])
    y, weight = frame["label"].to_numpy(), frame["weight"].to_numpy()
    try:
        challenger = champion.recalibrated_margins(margins, champion.classes_[y], weight, threshold)
        crossed, folds = _cross_fitted(champion, margins, frame, random_state)
    except ValueError as exc:  # the labels do not rank with the model's margin
        raise VnflagError(f"{store.path}: {exc}") from exc
    before = _weighted(y, champion.calibrate(margins), weight)
    after = {**_weighted(y, crossed, weight), **{k: v for k, v in _weighted(y, challenger.calibrate(margins),
                                                                           weight).items()
                                                 if k in ("roc_auc", "average_precision")}}
    gate = _gate(before, after)
    warnings = [] if info["labels"] >= ADVISED_RECALIBRATION_LABELS else [
        f"only {info['labels']} random-share labels: the new calibration is noisy below "
        f"{ADVISED_RECALIBRATION_LABELS} (on ReINTEL, 100 labels left ECE 0.032 ± 0.012 on the other new posts, "
        "200 left 0.030 ± 0.011)"]
    recalibration = {**info, "since_from": cutoff_source, "weights": "group size / inclusion probability "
                     "(Horvitz-Thompson), shared among an item's posts", "method": "sigmoid",
                     "champion_calibration": champion.calibration, "threshold_given": threshold is not None,
                     "before": before, "after_cross_fitted": after, "folds": folds,
                     "ids": frame["id"].tolist(), "labels_snapshot": snapshot}
    # the parent's out-of-fold figures stay true of the ranking (and of the flags, at the same cut); not of
    # the old calibration, nor of another threshold
    stale = {"cv_brier", "cv_ece"} | ({"cv_precision_at_threshold", "cv_recall_at_threshold", "cv_flag_rate"}
                                      if threshold is not None else set())
    metrics = {k: v for k, v in (manifest.get("metrics") or {}).items() if k not in stale}
    training_data = {**(manifest.get("training_data") or {}), "recalibration": recalibration}
    saved = save_model(challenger, output, training={"data": training_data, "metrics": metrics,
                                                     "drift": getattr(challenger, "drift_baseline_", None)},
                       columns=manifest.get("columns"), parent_version=manifest["model_version"],
                       overwrite=overwrite)
    result: dict[str, Any] = {
        "kind": "recalibration",
        "champion": {"version": manifest["model_version"], "threshold": float(champion.threshold_),
                     "metrics": before},
        "challenger": {"version": saved["model_version"], "threshold": float(challenger.threshold_),
                       "metrics": after},
        "gate": gate, "margin": 0.0, "promotable": all(g["passes"] for g in gate.values()),
        "heldout": {"rows": int(len(frame)), "labels": info["labels"], "positive": info["positive"],
                    "folds": folds, "cross_fitted": True, "random_state": random_state},
        "recalibration": {k: v for k, v in recalibration.items() if k not in ("ids", "labels_snapshot")},
        "labels_snapshot": snapshot, "warnings": warnings, "output": str(output),
    }
    publish_comparison(result, _markdown(result), output, registry, model_dir, manifest["model_version"], snapshot)
    return result
