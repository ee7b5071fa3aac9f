"""Evaluating a model on a labelled file in one call: measure, add reviewer agreement, write the report.

:func:`evaluate_file` is what ``vnflag evaluate`` runs and what a notebook calls: it reads the
labelled posts, measures the model on them (:func:`~vnflag.evaluation.assessment.evaluate`), adds
the reviewers' agreement when the labels came from a label store, and writes the HTML report and
the Markdown summary.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..artifacts.model_dir import read_manifest
from ..artifacts.registry import resolve_model_dir
from ..constants import DEFAULT_BOOTSTRAP, DEFAULT_ENCODING
from ..evaluation.assessment import EvaluationResult, evaluate
from ..evaluation.report import write_report
from ..exceptions import VnflagError
from ..io.files import check_output_path
from ..io.tables import check_table_input, read_table
from ..model.metrics import check_bootstrap
from ..review.store import LabelStore

__all__ = ["EvaluationRun", "evaluate_file"]


@dataclass(frozen=True)
class EvaluationRun:
    """What :func:`evaluate_file` did: the measurement and the two files it wrote."""

    result: EvaluationResult
    report: Path
    markdown: Path


def evaluate_file(
    model,
    data: pd.DataFrame | str | os.PathLike,
    report: str | os.PathLike,
    *,
    markdown: str | os.PathLike | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
    slice_cols: Sequence[str] = (),
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    store: LabelStore | str | os.PathLike | None = None,
    encoding: str = DEFAULT_ENCODING,
    progress: bool | None = False,
) -> EvaluationRun:
    """Measure ``model`` (a fitted :class:`~vnflag.Flagger` or a model directory) on labelled posts
    (a table file, ``-`` for CSV on standard input, or a DataFrame) and write the HTML ``report``
    and the Markdown summary (``markdown``, default: the report's path with ``.md``).

    ``store``, the label store the labels came from (a :class:`~vnflag.LabelStore` or its path),
    adds the reviewers' agreement to the report. ``n_bootstrap`` resamples give the confidence
    intervals (0: none). Both outputs are checked before any work: neither may be the input or lie
    inside a model directory. ``text_col`` and ``label_col`` default to the model's columns.
    See :func:`~vnflag.evaluation.assessment.evaluate` for the rest.

    >>> run = evaluate_file("out/model", "held_out.csv", "report.html", slice_cols=["source"])  # doctest: +SKIP
    >>> run.result.metrics["roc_auc"], run.report, run.markdown                                # doctest: +SKIP
    """
    n_bootstrap = check_bootstrap(n_bootstrap)
    markdown = Path(markdown) if markdown else Path(os.path.splitext(str(report))[0] + ".md")
    from_file = not isinstance(data, pd.DataFrame)
    for output in (report, markdown):
        check_output_path(output, inputs=[data] if from_file else [])
    if store is not None and not isinstance(store, LabelStore) and not Path(store).is_file():
        raise VnflagError(f"{store}: no such label store")
    if from_file:
        check_table_input(data, "labelled posts")
    if isinstance(model, (str, os.PathLike)):
        read_manifest(resolve_model_dir(model))  # the model checked before the posts are read
    if from_file:
        frame = read_table(data, encoding=encoding)
        source = "standard input" if str(data) == "-" else os.path.basename(str(data))
    else:
        frame, source = data, None
    agreement = None
    if store is not None:
        agreement = (store if isinstance(store, LabelStore) else LabelStore(store)).agreement()
    result = evaluate(model, frame, text_col=text_col, label_col=label_col, slice_cols=slice_cols,
                      n_bootstrap=n_bootstrap, source=source, agreement=agreement, progress=progress)
    html_path, markdown_path = write_report(result, report, markdown)
    return EvaluationRun(result=result, report=Path(html_path), markdown=Path(markdown_path))
