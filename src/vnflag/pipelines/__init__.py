"""Pipelines layer: the workflows the CLI and a notebook both call — train a file, score a file
(one pipeline, two engines: this machine's processes or a Dask cluster; resumable on both), queue
scored posts for review, evaluate a model on a labelled file, retrain behind the gate. The only
layer that starts processes (:mod:`vnflag.pipelines.engines`). Imports every layer below the CLI."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "train_frame": ".training",
    "train_file": ".training",
    "score_file": ".scoring",
    "ScoreSummary": ".scoring",
    "score_dask": ".distributed",
    "score_file_dask": ".distributed",
    "queue_file": ".queueing",
    "QueueRun": ".queueing",
    "evaluate_file": ".evaluation",
    "EvaluationRun": ".evaluation",
    "retrain": ".retraining",
    "training_set": ".retraining",
    "compare_models": ".retraining",
})
