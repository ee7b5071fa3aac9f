"""Training from a table: label parsing, data fingerprint, fit and save in one call."""

from __future__ import annotations

import hashlib
import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .io import VnflagError, read_table
from .model import Flagger
from .persist import save_model

__all__ = ["parse_labels", "data_fingerprint", "train_frame", "train_file", "check_columns"]

_POSITIVE = {"1", "1.0", "true", "yes", "y", "t"}
_NEGATIVE = {"0", "0.0", "false", "no", "n", "f"}


def check_columns(frame: pd.DataFrame, columns: Sequence[str], source: str = "input") -> None:
    """Raise a one-line error naming the missing columns and listing the ones that exist."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise VnflagError(
            f"{source}: column {', '.join(repr(c) for c in missing)} not found; "
            f"columns are: {', '.join(str(c) for c in frame.columns)}"
        )


def parse_labels(values: Sequence[object], column: str = "label") -> np.ndarray:
    """Read binary labels given as 0/1, true/false or yes/no; anything else is an error naming
    the rows (1-based, counting data rows).

    >>> parse_labels(["1", "no", True, "Yes"]).tolist()
    [1, 0, 1, 1]
    """
    out = np.empty(len(values), dtype=int)
    bad: list[str] = []
    for i, value in enumerate(values):
        text = str(value).strip().lower() if not isinstance(value, bool) else str(int(value))
        if text in _POSITIVE:
            out[i] = 1
        elif text in _NEGATIVE:
            out[i] = 0
        else:
            bad.append(f"row {i + 1} ({value!r})")
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise VnflagError(
            f"column {column!r}: labels must be 0/1, true/false or yes/no; bad value at {', '.join(bad[:5])}{more}"
        )
    return out


def data_fingerprint(texts: Sequence[object], labels: Sequence[object]) -> str:
    """SHA-256 over the training texts and labels, in order: the identity of a training set."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(f"{text}\x1f{label}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def train_frame(
    frame: pd.DataFrame,
    text_col: str = "text",
    label_col: str = "label",
    meta_cols: Sequence[str] = (),
    **params: Any,
) -> tuple[Flagger, dict[str, Any]]:
    """Fit a :class:`Flagger` on a DataFrame; returns it and a description of the training data.

    >>> flagger, training = train_frame(posts, "text", "label")   # doctest: +SKIP
    """
    meta_cols = list(meta_cols)
    check_columns(frame, [text_col, label_col, *meta_cols])
    labels = parse_labels(frame[label_col].tolist(), label_col)
    if len(np.unique(labels)) < 2:
        raise VnflagError(f"column {label_col!r}: training needs both labels, found only {labels[0] if len(labels) else 'none'}")
    flagger = Flagger(text_col=text_col, meta_cols=tuple(meta_cols), **params)
    try:
        flagger.fit(frame, labels)
    except (ValueError, KeyError, TypeError) as exc:
        raise VnflagError(str(exc)) from exc
    training = {
        "fingerprint": data_fingerprint(frame[text_col].tolist(), labels.tolist()),
        "rows": int(len(frame)),
        "positive": int(labels.sum()),
        "negative": int(len(labels) - labels.sum()),
        "empty_texts": int(sum(not (isinstance(t, str) and t.strip()) for t in frame[text_col])),
    }
    return flagger, training


def train_file(
    path: str | os.PathLike,
    output_dir: str | os.PathLike,
    text_col: str = "text",
    label_col: str = "label",
    meta_cols: Sequence[str] = (),
    overwrite: bool = False,
    **params: Any,
) -> dict[str, Any]:
    """Read a table, train, and save the model directory; returns the manifest.

    >>> train_file("data/posts_labelled.csv", "out/model", "text", "label")["model_version"]  # doctest: +SKIP
    """
    frame = read_table(path)
    flagger, training = train_frame(frame, text_col, label_col, meta_cols, **params)
    training["source"] = os.path.basename(str(path))
    columns = {"text": text_col, "label": label_col, "meta": list(meta_cols)}
    return save_model(flagger, output_dir, training=training, columns=columns, overwrite=overwrite)
