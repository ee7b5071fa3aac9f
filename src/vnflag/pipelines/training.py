"""Training from a table: labels checked, the data fingerprinted, fit, measured and saved in one call.

The model's figures on its own training posts (cross-validated metrics, drift baselines) are
measured here from its out-of-fold predictions and go to the manifest with the model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts.model_dir import check_replaceable, save_model
from ..exceptions import VnflagError
from ..io.tables import check_table_input, iter_table, read_table
from ..model.drift import drift_baseline
from ..model.flagger import Flagger
from ..model.inputs import check_columns, data_fingerprint, parse_labels
from ..model.metrics import cross_validation_metrics
from ..progress import progress_bar, wanted
from .engines import limit_threads, threads_per_process

__all__ = ["train_frame", "train_file", "training_figures"]

#: Rows per chunk when a training table is read with a progress bar.
READ_CHUNKSIZE = 50_000


def train_frame(
    frame: pd.DataFrame,
    text_col: str = "text",
    label_col: str = "label",
    meta_cols: Sequence[str] = (),
    progress: bool | None = False,
    **params: Any,
) -> tuple[Flagger, dict[str, Any]]:
    """Fit a :class:`Flagger` on a DataFrame; returns it and what was measured in training, for
    :func:`~vnflag.save_model`: ``data`` (fingerprint, rows, positives...), ``metrics``
    (cross-validated, :func:`~vnflag.model.metrics.cross_validation_metrics`) and ``drift``
    (baselines, :func:`~vnflag.model.drift.drift_baseline`).
    ``params`` are further :class:`Flagger` parameters, e.g. ``tokenizer="syllables"``; a bad
    parameter or unusable training data is a :class:`~vnflag.VnflagError`.
    ``progress=True`` shows a bar on standard error (``None``: only if stderr is a terminal) over the
    steps of the fit (features, each fold of each stage, calibration), the current one named beside it.

    >>> flagger, training = train_frame(posts, "text", "label", tokenizer="syllables")   # doctest: +SKIP
    """
    with progress_bar(1, desc="train", unit="stages", enabled=wanted(progress)) as bar:
        return _fit(frame, text_col, label_col, meta_cols, bar, params)


def _fit(frame: pd.DataFrame, text_col: str, label_col: str, meta_cols: Sequence[str], bar: Any,
         params: dict[str, Any]) -> tuple[Flagger, dict[str, Any]]:
    """:func:`train_frame`'s work, advancing ``bar`` by each step of the fit (its total becomes the
    fit's steps and the steps ``bar`` counted beyond the fit: ``save``)."""
    meta_cols = list(meta_cols)
    check_columns(frame, [text_col, label_col, *meta_cols, *([params["time_col"]] if params.get("time_col") else [])])
    labels = parse_labels(frame[label_col].tolist(), label_col)
    if len(np.unique(labels)) < 2:
        found = labels[0] if len(labels) else "none"
        raise VnflagError(f"column {label_col!r}: training needs both labels, found only {found}")
    flagger = Flagger(text_col=text_col, meta_cols=tuple(meta_cols), **params)
    after = max((bar.total or 1) - 1, 0)  # steps after the fit (train_file's save)
    started = bar.n

    def on_step(stage: str, done: int, total: int) -> None:
        bar.total = total + after
        bar.update(started + done - bar.n)
        bar.set_postfix_str(f"{stage} ({len(frame)} posts)")

    try:  # fit validates the parameters and the training data: its ValueErrors are the user's
        with limit_threads(threads_per_process(1)):  # the boosted stage: one OpenMP thread per core we may use
            flagger.fit(frame, labels, on_step=on_step)
    except ValueError as exc:
        raise VnflagError(f"cannot train: {exc}") from exc
    data = {
        "fingerprint": data_fingerprint(frame[text_col].tolist(), labels.tolist()),
        "rows": int(len(frame)),
        "positive": int(labels.sum()),
        "negative": int(len(labels) - labels.sum()),
        "empty_texts": int(sum(not (isinstance(t, str) and t.strip()) for t in frame[text_col])),
    }
    return flagger, {"data": data, **training_figures(flagger, frame, labels)}


def training_figures(flagger: Flagger, X: Any, y: Any) -> dict[str, dict[str, Any]]:
    """The ``metrics`` and ``drift`` baselines of a model just fitted on ``X`` and ``y``, from its
    out-of-fold predictions (``oof_*``) and its tokens of the training posts.

    >>> training_figures(Flagger().fit(posts, labels), posts, labels)["metrics"]["cv_roc_auc"]   # doctest: +SKIP
    """
    y_bin = (np.asarray(y) == flagger.classes_[1]).astype(int)
    scores = flagger.oof_proba_[:, 1]
    return {
        "metrics": cross_validation_metrics(y_bin, scores, flagger.threshold_, flagger.oof_decision_,
                                            flagger.oof_fold_),
        "drift": drift_baseline(scores, flagger.threshold_, flagger.tokenize(X), flagger.min_df),
    }


def train_file(
    path: str | os.PathLike,
    output_dir: str | os.PathLike,
    text_col: str = "text",
    label_col: str = "label",
    meta_cols: Sequence[str] = (),
    overwrite: bool = False,
    encoding: str = "utf-8",
    progress: bool | None = False,
    **params: Any,
) -> dict[str, Any]:
    """Read a table, train, and save the model directory; returns the manifest.
    ``encoding`` is the table's text encoding (CSV, TSV, JSONL, JSON), e.g. ``"cp1258"``.

    ``progress=True`` shows progress on standard error (``None``: only if stderr is a terminal):
    a ``read`` bar counting posts as the table is read (with the rate), then a ``train`` bar over
    the steps of the fit (each fold of each stage) and ``save``.

    >>> train_file("data/posts_labelled.csv", "out/model", "text", "label")["model_version"]  # doctest: +SKIP
    """
    check_replaceable(Path(output_dir), overwrite)  # before any work: fail fast, destroy nothing
    check_table_input(path, "training data")
    progress = wanted(progress)
    if progress:
        with progress_bar(desc="read", unit="posts", enabled=True) as bar:
            chunks = []
            for chunk in iter_table(path, chunksize=READ_CHUNKSIZE, encoding=encoding):
                chunks.append(chunk)
                bar.update(len(chunk))
            frame = pd.concat(chunks, ignore_index=True)
    else:
        frame = read_table(path, encoding=encoding)
    with progress_bar(2, desc="train", unit="stages", enabled=wanted(progress)) as bar:
        flagger, training = _fit(frame, text_col, label_col, meta_cols, bar, params)
        training["data"]["source"] = os.path.basename(str(path))
        columns = {"text": text_col, "label": label_col, "meta": list(meta_cols), "time": params.get("time_col")}
        bar.set_postfix_str("save")
        manifest = save_model(flagger, output_dir, training=training, columns=columns, overwrite=overwrite)
        bar.update(1)
    return manifest
