"""vnflag: triage Vietnamese social-media posts for human verification.

Scores say how likely a post is to be unverified or misleading; they ask a person to look and
never act on a post or a person. The public surface is re-exported here.
"""

__version__ = "0.1.0"

from .drift import drift_report  # noqa: E402
from .evaluation import EvaluationResult, evaluate  # noqa: E402
from .features import CountFeatures, parse_count  # noqa: E402
from .io import VnflagError, read_table, write_table  # noqa: E402
from .labels import ImportReport, LabelStore, import_reviews  # noqa: E402
from .model import Flagger  # noqa: E402
from .normalize import normalize_text, normalize_texts  # noqa: E402
from .persist import load_model, read_manifest, save_model  # noqa: E402
from .queue import build_queue, choose_threshold, export_queue, read_reviews  # noqa: E402
from .registry import Registry  # noqa: E402
from .retrain import retrain  # noqa: E402
from .report import markdown_summary, render_html, report_figures, write_report  # noqa: E402
from .score import score_file, score_frame  # noqa: E402
from .segment import Segmenter, segment_text  # noqa: E402
from .train import parse_labels, train_file, train_frame  # noqa: E402

__all__ = [
    "__version__",
    "CountFeatures",
    "EvaluationResult",
    "drift_report",
    "evaluate",
    "markdown_summary",
    "render_html",
    "report_figures",
    "write_report",
    "Flagger",
    "ImportReport",
    "LabelStore",
    "Registry",
    "build_queue",
    "choose_threshold",
    "export_queue",
    "import_reviews",
    "read_reviews",
    "retrain",
    "Segmenter",
    "VnflagError",
    "load_model",
    "normalize_text",
    "normalize_texts",
    "parse_count",
    "parse_labels",
    "read_manifest",
    "read_table",
    "save_model",
    "score_file",
    "score_frame",
    "segment_text",
    "train_file",
    "train_frame",
    "write_table",
]
