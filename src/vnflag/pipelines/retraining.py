"""Retraining behind a gate: a challenger trained with reviewed labels, compared to the champion.

The challenger is trained on the champion's original training data plus the reviewed labels
(``unsure`` and conflicts excluded; a reviewed decision replaces an original label of the same
text). Both models are then scored on the same held-out rows: a share of the *reviewed* posts,
split by near-duplicate group so copies of one post never sit on both sides, and never seen by
either model in training. The challenger is *promotable* only if on those rows it is not worse
than the champion by more than ``margin`` in ROC-AUC and average precision, nor in Brier score.
Nothing is promoted here: a person reads the comparison and runs ``vnflag models promote``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..artifacts.model_dir import check_replaceable, load_model, read_manifest, save_model
from ..artifacts.registry import Registry, check_registry, is_registry, model_files, resolve_model_dir
from ..artifacts.roles import ColumnRoles, column_roles
from ..constants import DEFAULT_ENCODING, DEFAULT_MARGIN, DEFAULT_TEST_SIZE
from ..exceptions import VnflagError
from ..io.files import write_json_atomic, write_text_atomic
from ..io.tables import check_table_input, read_table
from ..model.inputs import check_columns, data_fingerprint, parse_labels
from ..model.metrics import headline_metrics
from ..progress import progress_bar, wanted
from ..review.ids import text_fingerprint
from ..review.store import LabelStore
from .training import train_frame

__all__ = ["retrain", "training_set", "compare_models", "add_challenger", "GATE_METRICS", "RETRAIN_STAGES"]

#: Metric → +1 if higher is better, -1 if lower is better. The gate checks each.
GATE_METRICS = {"roc_auc": 1, "average_precision": 1, "brier": -1}
#: The stages :func:`retrain` reports progress over, in order.
RETRAIN_STAGES = ("load", "split", "fit", "compare", "save")


def training_set(
    base: pd.DataFrame,
    reviewed: pd.DataFrame,
    text_col: str = "text",
    label_col: str = "label",
    meta_cols: Sequence[str] = (),
) -> tuple[pd.DataFrame, int]:
    """Original training rows plus reviewed labels (from :meth:`LabelStore.training_frame`) in
    one table with ``text_col``, ``label_col`` (0/1) and ``meta_cols``; an original row whose
    text a reviewer has judged is replaced by the review. Returns the table and how many
    original rows were replaced.

    >>> frame, replaced = training_set(read_table("train.csv"), store.training_frame())   # doctest: +SKIP
    """
    check_columns(base, [text_col, label_col, *meta_cols], "training data")
    known = set(reviewed["fingerprint"]) if len(reviewed) else set()
    keep = np.array([text_fingerprint(t) not in known for t in base[text_col]], dtype=bool)
    original = base.loc[keep, [text_col, *meta_cols]].copy()
    original[label_col] = parse_labels(base.loc[keep, label_col].tolist(), label_col)
    added = pd.DataFrame({text_col: reviewed["text"].tolist(), label_col: reviewed["label"].astype(int).tolist()})
    for column in meta_cols:
        added[column] = reviewed[column].fillna("").tolist() if column in reviewed.columns else ""
    frame = pd.concat([original, added[[text_col, *meta_cols, label_col]]], ignore_index=True)
    return frame, int((~keep).sum())


def compare_models(champion, challenger, heldout: pd.DataFrame, label_col: str = "label",
                   margin: float = DEFAULT_MARGIN) -> dict[str, Any]:
    """Score both fitted models on the same rows; the gate passes if the challenger is nowhere
    worse than the champion by more than ``margin`` (:data:`GATE_METRICS`).

    >>> compare_models(load_model("a"), load_model("b"), heldout)["promotable"]   # doctest: +SKIP
    """
    y = np.asarray(heldout[label_col], dtype=int)
    results: dict[str, dict[str, Any]] = {}
    for name, model in (("champion", champion), ("challenger", challenger)):
        frame = heldout.reindex(columns=model.input_columns(), fill_value="")
        scores = model.predict_proba(frame)[:, 1]
        results[name] = {"version": getattr(model, "model_version_", "unsaved"),
                         "metrics": headline_metrics(y, scores, model.threshold_)}
    gate = {}
    for metric, sign in GATE_METRICS.items():
        old, new = results["champion"]["metrics"][metric], results["challenger"]["metrics"][metric]
        gate[metric] = {"champion": old, "challenger": new, "difference": new - old,
                        "passes": bool(sign * (new - old) >= -margin)}
    return {**results, "gate": gate, "margin": margin, "promotable": all(g["passes"] for g in gate.values())}


def _heldout_mask(reviewed: pd.DataFrame, test_size: float, random_state: int, seen: set[str]) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    eligible = ~reviewed["fingerprint"].isin(seen).to_numpy()
    mask = np.zeros(len(reviewed), dtype=bool)
    y = reviewed["label"].astype(int).to_numpy()
    n_splits = max(2, int(round(1 / test_size)))
    idx = np.flatnonzero(eligible)
    counts = np.bincount(y[idx], minlength=2)
    if counts.min() < n_splits:
        raise VnflagError(
            f"a fair comparison needs at least {n_splits} reviewed posts of each decision that the champion "
            f"never saw; the store has {counts[1]} misleading and {counts[0]} ok. Review more posts first")
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    _, test = next(splitter.split(idx, y[idx], groups=reviewed["item_id"].to_numpy()[idx]))
    mask[idx[test]] = True
    return mask


def _base_data(manifest: dict[str, Any], roles: ColumnRoles, data, model_dir: Path,
               encoding: str = "utf-8") -> tuple[pd.DataFrame, str, list[str]]:
    training = manifest.get("training_data", {})
    expected = training.get("base_fingerprint") or training.get("fingerprint")
    warnings: list[str] = []
    if data is None:
        candidates = [training.get("base_path"), training.get("source")]
        found = [Path(c) for c in candidates if c and Path(c).is_file()]
        if not found:
            raise VnflagError(f"{model_dir}: pass --data with the champion's original training data "
                              f"({training.get('base_source') or training.get('source') or 'unknown source'})")
        data = found[0]
    frame = read_table(data, encoding=encoding) if not isinstance(data, pd.DataFrame) else data
    name = str(data) if not isinstance(data, pd.DataFrame) else "<DataFrame>"
    text_col, label_col = roles.text, roles.label
    check_columns(frame, [text_col, label_col, *roles.meta], name)
    labels = parse_labels(frame[label_col].tolist(), label_col)
    if expected and data_fingerprint(frame[text_col].tolist(), labels.tolist()) != expected:
        warnings.append(f"{name} is not the data the champion was trained on (fingerprint differs)")
    return frame, name, warnings


def _missing_features(store: LabelStore, reviewed: pd.DataFrame, carried: Sequence[str]) -> list[str]:
    """A warning naming the columns the model reads besides the text that the queues of reviewed posts
    did not keep (none when every queue kept them; a cell that was empty in the scored table is the
    post's own missing value, not counted): those posts are trained on with the values missing."""
    kept = dict(zip(store.members()["post_id"], store.members()["meta"], strict=True))
    lacking = {c: sum(c not in kept.get(post_id, {}) for post_id in reviewed["id"]) for c in carried}
    lacking = {c: n for c, n in lacking.items() if n}
    if not lacking:
        return []
    counts = ", ".join(f"{c} ({n} of {len(reviewed)})" for c, n in lacking.items())
    return [f"reviewed posts whose queue did not keep {counts}: they are treated as missing; queue with "
            "vnflag queue --model MODEL, which keeps the columns the model reads"]


def _markdown(result: dict[str, Any]) -> str:
    champion, challenger = result["champion"], result["challenger"]
    names = {"roc_auc": "ROC-AUC", "average_precision": "Average precision", "brier": "Brier score (lower is better)",
             "precision_at_threshold": "Precision at own threshold", "recall_at_threshold": "Recall at own threshold",
             "flag_rate": "Share flagged"}
    lines = [
        "# Champion vs challenger",
        "",
        f"Held-out rows: {result['heldout']['rows']} reviewed posts ({result['heldout']['positive']} misleading), "
        "never seen by either model in training.",
        f"Gate: the challenger may be promoted if it is not worse than the champion by more than {result['margin']} "
        f"in {', '.join(GATE_METRICS)}.",
        "",
        f"| metric | champion `{champion['version']}` | challenger `{challenger['version']}` | difference | gate |",
        "|---|---|---|---|---|",
    ]
    for key, label in names.items():
        old, new = champion["metrics"][key], challenger["metrics"][key]
        gate = result["gate"].get(key)
        verdict = "" if gate is None else ("passes" if gate["passes"] else "**fails**")
        lines.append(f"| {label} | {old:.3f} | {new:.3f} | {new - old:+.3f} | {verdict} |")
    return "\n".join(lines + promotion_lines(result)) + "\n"


def retrain(
    model: str | os.PathLike,
    labels: LabelStore | str | os.PathLike,
    data: pd.DataFrame | str | os.PathLike | None = None,
    output: str | os.PathLike = "challenger",
    margin: float = DEFAULT_MARGIN,
    test_size: float = DEFAULT_TEST_SIZE,
    registry: Registry | str | os.PathLike | None = None,
    random_state: int = 0,
    encoding: str = DEFAULT_ENCODING,
    progress: bool | None = False,
    **params: Any,
) -> dict[str, Any]:
    """Train a challenger with the reviewed labels and compare it with the champion.

    ``model`` is the champion's model directory or a registry (its promoted version);
    ``data`` its original training table (default: found from its manifest, checked by
    fingerprint). The challenger is saved to ``output`` with ``comparison.json`` and
    ``comparison.md`` beside it, and added to ``registry`` (the champion too, if missing)
    with its lineage; ``model`` being a registry implies that registry. ``params`` override
    the champion's :class:`Flagger` parameters (e.g. ``cv=3``). ``encoding`` is the text
    encoding of the ``data`` file (e.g. ``"cp1258"``). Returns the comparison.

    ``progress=True`` shows a ``retrain`` bar on standard error (``None``: only if stderr is a
    terminal) over the stages :data:`RETRAIN_STAGES`; the current one and its number of posts are
    named beside the bar (``fit`` is the slow one).

    >>> result = retrain("models", "labels.sqlite", data="train.csv", output="out/challenger")  # doctest: +SKIP
    >>> result["promotable"], result["gate"]["roc_auc"]                                         # doctest: +SKIP
    """
    if not 0.0 < test_size < 1.0:
        raise VnflagError(f"test_size must be in (0, 1), got {test_size!r}")
    with progress_bar(len(RETRAIN_STAGES), desc="retrain", unit="stages", enabled=wanted(progress)) as bar:
        return _retrain(model, labels, data, output, margin, test_size, registry, random_state, encoding, params, bar)


def _retrain(model, labels, data, output, margin: float, test_size: float, registry, random_state: int,
             encoding: str, params: dict[str, Any], bar: Any) -> dict[str, Any]:
    """:func:`retrain`'s work; ``bar`` advances one stage of :data:`RETRAIN_STAGES` at a time."""
    bar.set_postfix_str("load")
    registry, model_dir, manifest, champion, store = open_champion(model, labels, output, registry, False,
                                                                   data, "champion's training data")
    snapshot = store.snapshot()
    reviewed = store.training_frame()
    if reviewed.empty:
        raise VnflagError(f"{store.path}: no reviewed labels (misleading/ok) to retrain with")
    roles = column_roles(model_dir)
    base, base_name, warnings = _base_data(manifest, roles, data, model_dir, encoding)
    text_col, label_col, meta_cols = roles.text, roles.label, list(roles.meta)
    time_col = getattr(champion, "time_col", None)
    carried = [*meta_cols, *([time_col] if time_col else [])]  # columns the model reads besides the text
    warnings += _missing_features(store, reviewed, carried)
    bar.update(1)

    bar.set_postfix_str(f"split {len(reviewed)} reviewed posts")
    seen = {text_fingerprint(t) for t in base[text_col]}
    heldout_mask = _heldout_mask(reviewed, test_size, random_state, seen)
    frame, replaced = training_set(base, reviewed[~heldout_mask], text_col, label_col, carried)
    heldout = reviewed[heldout_mask].rename(columns={"text": text_col, "label": label_col})
    if heldout_mask.sum() < 50:
        warnings.append(f"only {int(heldout_mask.sum())} held-out reviewed posts: differences of a few points are "
                        "noise; review more posts before trusting the comparison")
    bar.update(1)

    bar.set_postfix_str(f"fit on {len(frame)} posts")
    settings = {k: v for k, v in champion.get_params().items() if k not in ("text_col", "meta_cols")}
    # time_col stays in settings: the challenger reads the champion's time column, carried above
    settings.update(params)
    challenger, training = train_frame(frame, text_col, label_col, meta_cols, **settings)
    bar.update(1)
    bar.set_postfix_str(f"compare on {int(heldout_mask.sum())} held-out posts")
    result = compare_models(champion, challenger, heldout, label_col, margin)
    bar.update(1)
    bar.set_postfix_str("save")
    training["data"].update({
        "source": f"{base_name} + reviewed labels",
        "base_source": (manifest.get("training_data") or {}).get("base_source") or base_name,
        "base_path": str(Path(base_name).resolve()) if Path(base_name).is_file() else None,
        "base_fingerprint": (manifest.get("training_data") or {}).get("base_fingerprint")
        or (manifest.get("training_data") or {}).get("fingerprint"),
        "base_rows": int(len(base)), "reviewed_rows": int((~heldout_mask).sum()), "replaced_rows": replaced,
        "labels": snapshot,
    })
    saved = save_model(challenger, output, training=training, columns={"text": text_col, "label": label_col,
                                                                       "meta": meta_cols, "time": time_col},
                       parent_version=manifest["model_version"])
    result["challenger"]["version"] = saved["model_version"]
    result.update({
        "heldout": {"rows": int(heldout_mask.sum()), "positive": int(heldout[label_col].sum()),
                    "ids": heldout["id"].tolist(), "test_size": test_size, "random_state": random_state},
        "training": {k: training["data"][k] for k in ("rows", "base_rows", "reviewed_rows", "replaced_rows")},
        "labels_snapshot": snapshot, "warnings": warnings, "output": str(output),
    })
    publish_comparison(result, _markdown(result), output, registry, model_dir, manifest["model_version"], snapshot)
    bar.update(1)
    return result


class Champion(NamedTuple):
    """What :func:`open_champion` opens: the registry to add to (or ``None``), the champion's
    directory, manifest and model, and the label store."""

    registry: Registry | str | os.PathLike | None
    model_dir: Path
    manifest: dict[str, Any]
    model: Any
    store: LabelStore


def open_champion(model: str | os.PathLike, labels: LabelStore | str | os.PathLike, output: str | os.PathLike,
                  registry: Registry | str | os.PathLike | None, overwrite: bool,
                  table: pd.DataFrame | str | os.PathLike | None = None, table_role: str = "table") -> Champion:
    """Every check a challenger's workflow (:func:`retrain`, :func:`~vnflag.recalibrate`) makes before its
    work, so a mistake answers now and not after minutes of fitting, then the champion and the store.
    ``model`` being a registry implies that registry; ``table`` (a file the workflow will read, named
    ``table_role`` in errors) is checked as an input; ``output`` must be replaceable and not the
    champion's own directory."""
    if registry is None and is_registry(model):
        registry = model
    if registry is not None and not isinstance(registry, Registry):
        check_registry(registry)
    check_replaceable(Path(output), overwrite)
    if not isinstance(labels, LabelStore) and not Path(labels).is_file():
        raise VnflagError(f"{labels}: no such label store")
    if table is not None and not isinstance(table, pd.DataFrame):
        check_table_input(table, table_role)
    model_dir = resolve_model_dir(model)
    if Path(output).resolve() == model_dir.resolve():
        raise VnflagError(f"{output}: is the champion's own directory; write the challenger elsewhere")
    manifest = read_manifest(model_dir)
    if registry is not None:  # the champion joins the registry at the end: refused now, not after the work
        model_files(model_dir)
    champion = load_model(model_dir)
    store = labels if isinstance(labels, LabelStore) else LabelStore(labels)
    return Champion(registry, model_dir, manifest, champion, store)


def publish_comparison(result: dict[str, Any], markdown: str, output: str | os.PathLike,
                       registry: Registry | str | os.PathLike | None, model_dir: Path, parent: str,
                       snapshot: dict[str, Any]) -> None:
    """Write ``comparison.json`` and ``comparison.md`` beside the challenger in ``output`` and, with a
    registry, add champion and challenger to it (``result["registry"]`` is then its path)."""
    write_json_atomic(result, Path(output) / "comparison.json", managed_ok=True)
    write_text_atomic(markdown, Path(output) / "comparison.md", managed_ok=True)
    if registry is not None:
        result["registry"] = add_challenger(registry, model_dir, output, parent, snapshot, result)


def promotion_lines(result: dict[str, Any]) -> list[str]:
    """The end of a ``comparison.md``: whether the challenger is promotable, how to promote it, warnings."""
    lines = ["", f"**Promotable: {'yes' if result['promotable'] else 'no'}.** Promotion is a person's decision: "
             f"`vnflag models promote {result['challenger']['version']} --registry REGISTRY`."]
    if result.get("warnings"):
        lines += ["", "Warnings:"] + [f"- {w}" for w in result["warnings"]]
    return lines


def add_challenger(registry: Registry | str | os.PathLike, champion_dir: Path, output: str | os.PathLike,
                   parent: str, snapshot: dict[str, Any], comparison: dict[str, Any]) -> str:
    """Add the champion (if missing) and the challenger saved in ``output`` to ``registry``, with
    its lineage and comparison (a failed gate keeps it from promotion); returns the registry path.
    The registry was checked before the work: should adding still fail, the challenger is not lost."""
    try:
        reg = registry if isinstance(registry, Registry) else Registry(registry)
        reg.add(champion_dir)
        reg.add(output, parent=parent, labels_snapshot=snapshot, comparison=comparison)
    except VnflagError as exc:
        raise VnflagError(f"{exc} (the challenger {comparison['challenger']['version']} was saved to {output} with "
                          "its comparison; add it with vnflag models add once the registry is fixed)") from exc
    return str(reg.path)
