"""Scoring with Dask: a dask DataFrame in, a lazy dask DataFrame out; files on a cluster.

Two entry points, both needing the optional extra ``pip install "vnflag[dask]"`` (dask and
distributed are imported only when they are called):

- :func:`score_dask` scores a dask DataFrame you built yourself (``dask.dataframe.read_parquet``,
  ...) and returns a lazy dask DataFrame with the score columns appended, partition by
  partition, each partition exactly what :func:`~vnflag.scoring.score.score_frame` gives for it.
  The model is sent to the workers **once**: it is scattered to every worker
  (``client.scatter(flagger, broadcast=True)``) and tasks refer to it by its key.
- :func:`score_file_dask` is :func:`~vnflag.pipelines.scoring.score_file` with ``engine="dask"``:
  the same reading, checks, output, drift figures and ``resume``, the pieces scored on the cluster
  (:class:`~vnflag.pipelines.engines.DaskEngine`).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pandas as pd

from ..artifacts.registry import resolve_model
from ..model.flagger import Flagger
from ..scoring.score import scored_rows
from .engines import DASK_EXTRA_MESSAGE, dask_modules
from .scoring import CHUNKSIZE, ScoreSummary, score_file, scored_meta

__all__ = ["score_dask", "score_file_dask", "DASK_EXTRA_MESSAGE"]


def _score_partition(frame: pd.DataFrame, flagger: Flagger, text_col: str | None, top_k: int) -> pd.DataFrame:
    """One partition scored (runs on a worker; ``flagger`` arrives as the scattered model)."""
    return scored_rows(flagger, frame, text_col, top_k)[0]


def score_dask(model: Flagger | str | os.PathLike, ddf, text_col: str | None = None, top_k: int = 3,
               *, client=None):
    """Score a dask DataFrame of posts; returns a lazy dask DataFrame with the score columns appended.

    Every partition comes out as :func:`~vnflag.scoring.score.score_frame` scores it: the same
    rows, in the same order, with the same scores. The model (a fitted :class:`Flagger`, a
    model directory or a registry) is scattered once to every worker of ``client`` (default:
    the current ``distributed`` client) and each task refers to it by key; without a
    distributed client it is one node of the task graph, shared by all partitions.

    Parameters
    ----------
    model : Flagger, str or path
        The model, or the directory it was saved in.
    ddf : dask.dataframe.DataFrame
        The posts; must have the text column and the model's engagement columns.
    text_col : str, optional
        Column with the post text (default: the model's).
    top_k : int, default 3
        Reasons per post.
    client : distributed.Client, optional
        The cluster to scatter the model to (default: the current client, if any).

    Returns
    -------
    dask.dataframe.DataFrame
        ``ddf``'s columns plus ``score, flagged, reasons, model_version, error, truncated``.

    Examples
    --------
    >>> import dask.dataframe as dd                                         # doctest: +SKIP
    >>> from distributed import Client                                      # doctest: +SKIP
    >>> client = Client("tcp://scheduler:8786")                             # doctest: +SKIP
    >>> scored = score_dask("out/model", dd.read_parquet("posts/"))         # doctest: +SKIP
    >>> scored.to_parquet("scored/")                                        # doctest: +SKIP
    """
    dask, _, distributed = dask_modules()
    flagger = resolve_model(model)
    meta = scored_meta(flagger, ddf._meta, text_col, top_k)  # a missing column: one error, before any work
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:  # no distributed client: a local scheduler
            client = None
    if client is not None:
        shared = client.scatter(flagger, broadcast=True, hash=False)
    else:
        shared = dask.delayed(flagger, name=f"vnflag-model-{uuid.uuid4().hex}")
    return ddf.map_partitions(_score_partition, shared, text_col, top_k, meta=meta)




def score_file_dask(
    model: Flagger | str | os.PathLike,
    path: str | os.PathLike,
    output: str | os.PathLike,
    *,
    scheduler: str | None = None,
    text_col: str | None = None,
    top_k: int = 3,
    n_workers: int | None = None,
    chunksize: int = CHUNKSIZE,
    encoding: str = "utf-8",
    resume: bool = False,
    progress: bool | None = False,
    client: Any = None,
) -> ScoreSummary:
    """:func:`~vnflag.pipelines.scoring.score_file` on a Dask cluster (``engine="dask"``): the same
    output, byte for byte, as the local engine writes; ``n_workers`` is its ``n_jobs``, the processes
    of the local cluster started when neither ``scheduler`` nor ``client`` is given.

    >>> score_file_dask("out/model", "posts.csv", "scored.parquet",            # doctest: +SKIP
    ...                 scheduler="tcp://10.0.0.5:8786")
    ScoreSummary(rows=1000, flagged=87, not_scored=2, truncated=0, model_version='...', ...)
    """
    return score_file(model, path, output, engine="dask", scheduler=scheduler, client=client, text_col=text_col,
                      top_k=top_k, n_jobs=n_workers, chunksize=chunksize, encoding=encoding, resume=resume,
                      progress=progress)
