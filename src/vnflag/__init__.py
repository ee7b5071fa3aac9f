"""vnflag: triage Vietnamese social-media posts for human verification.

Scores say how likely a post is to be unverified or misleading; they ask a person to look and
never act on a post or a person. The public surface is re-exported here lazily: ``import vnflag``
loads no submodule, and each name imports only the layer that defines it, when first used.

Layers, lower never importing upper: ``io`` → ``text`` → ``model`` → ``artifacts`` → ``scoring`` →
``review`` and ``evaluation`` → ``pipelines`` → ``cli``.

>>> from vnflag import Flagger, score_frame   # doctest: +SKIP
"""

from .lazy import attach
from .version import __version__

_PUBLIC = {
    # text: normalisation and segmentation
    "normalize_text": ".text.normalization",
    "normalize_texts": ".text.normalization",
    "Segmenter": ".text.segmenter",
    "segment_text": ".text.segmentation",
    # model: features, the estimator, metrics, thresholds
    "CountFeatures": ".model.features",
    "parse_count": ".model.features",
    "Flagger": ".model.flagger",
    "parse_labels": ".model.inputs",
    "check_columns": ".model.inputs",
    "binary_metrics": ".model.metrics",
    "choose_threshold": ".model.thresholds",
    # io: tables; artifacts: model directories, registry
    "VnflagError": ".exceptions",
    "ExitStatus": ".exceptions",
    "read_table": ".io.tables",
    "write_table": ".io.tables",
    "load_model": ".artifacts.model_dir",
    "read_manifest": ".artifacts.model_dir",
    "save_model": ".artifacts.model_dir",
    "Registry": ".artifacts.registry",
    # scoring: score tables; pipelines: train, score, queue and evaluate files, retrain
    "train_frame": ".pipelines.training",
    "train_file": ".pipelines.training",
    "score_frame": ".scoring.score",
    "score_file": ".pipelines.scoring",
    "score_dask": ".pipelines.distributed",
    "drift_report": ".scoring.score",
    # review: queues, review files, label store, label quality
    "build_queue": ".review.queues",
    "group_near_duplicates": ".review.grouping",
    "export_queue": ".review.formats",
    "queue_file": ".pipelines.queueing",
    "read_reviews": ".review.formats",
    "LabelStore": ".review.store",
    "ImportReport": ".review.store",
    "import_reviews": ".review.store",
    "second_look": ".review.label_quality",
    "adjudicate": ".review.adjudication",
    "estimate_store": ".review.estimation",
    "retrain": ".pipelines.retraining",
    "recalibrate": ".pipelines.recalibration",
    # evaluation: metrics on labelled posts, reports
    "EvaluationResult": ".evaluation.assessment",
    "evaluate": ".evaluation.assessment",
    "markdown_summary": ".evaluation.report",
    "render_html": ".evaluation.report",
    "report_figures": ".evaluation.report",
    "write_report": ".evaluation.report",
    "evaluate_file": ".pipelines.evaluation",
}

__getattr__, __dir__, _names = attach(__name__, _PUBLIC)
__all__ = ["__version__", *_names]
