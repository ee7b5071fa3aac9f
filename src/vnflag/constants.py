"""Names and defaults that the command line and the library share, written once.

A base module: it imports nothing (no pandas, scikit-learn or underthesea), so the command
line's parsers can read their choices and defaults from here and ``vnflag --help`` starts at
once, while the library's functions take the same values as their defaults.

>>> "misleading" in DECISIONS and "top" in POLICIES
True
"""

from __future__ import annotations

__all__ = [
    "DECISIONS", "REVIEW_FORMATS", "POLICIES", "TOKENIZERS", "ENGINES", "SCORE_COLUMNS",
    "DEFAULT_ENCODING", "DEFAULT_TEXT_COL", "DEFAULT_LABEL_COL", "DEFAULT_ID_COL", "DEFAULT_CHUNKSIZE",
    "DEFAULT_REASONS", "DEFAULT_BUDGET", "DEFAULT_SIMILARITY", "DEFAULT_RANDOM_SHARE", "DEFAULT_BOOTSTRAP",
    "DEFAULT_MARGIN", "DEFAULT_TEST_SIZE", "QUEUE_RECORD_SUFFIX",
]

# --------------------------------------------------------------------------- review
#: What a reviewer may write in ``decision``.
DECISIONS = ("misleading", "ok", "unsure")
#: Review file formats (``vnflag queue --format``, ``vnflag labels import --format``).
REVIEW_FORMATS = ("csv", "xlsx", "jsonl", "labelstudio", "argilla")
#: How the main part of a review budget is chosen (``random``: an audit or baseline sample).
POLICIES = ("top", "threshold", "model", "random")
#: Suffix of a queue's record, written beside its export (``today.vnflag-queue.json``).
QUEUE_RECORD_SUFFIX = ".vnflag-queue.json"
#: Items reviewers look at when no budget is given.
DEFAULT_BUDGET = 200
#: Near-duplicate threshold: estimated Jaccard similarity of character 5-grams (1 = exact copies only).
DEFAULT_SIMILARITY = 0.8
#: Share of the learning mix drawn at random (the rest: the posts the model is least sure about).
DEFAULT_RANDOM_SHARE = 0.25

# --------------------------------------------------------------------------- model and scoring
#: The values of ``Flagger(tokenizer=...)``.
TOKENIZERS = ("underthesea", "syllables")
#: Where a file is scored: processes on this machine, or a Dask cluster.
ENGINES = ("local", "dask")
#: Columns scoring appends to every input row, in order.
SCORE_COLUMNS = ("score", "flagged", "reasons", "model_version", "error", "truncated")
#: Rows read, scored and checkpointed at a time.
DEFAULT_CHUNKSIZE = 5_000
#: Reasons (top contributing terms) given per scored post.
DEFAULT_REASONS = 3

# --------------------------------------------------------------------------- tables and evaluation
#: Text encoding of CSV/TSV/JSONL/JSON tables unless told otherwise (a byte-order mark is dropped).
DEFAULT_ENCODING = "utf-8"
DEFAULT_TEXT_COL = "text"
DEFAULT_LABEL_COL = "label"
DEFAULT_ID_COL = "id"
#: Bootstrap resamples behind the confidence intervals of an evaluation (0: none).
DEFAULT_BOOTSTRAP = 1000

# --------------------------------------------------------------------------- retraining
#: How much worse than the champion a challenger may be and still be promotable.
DEFAULT_MARGIN = 0.01
#: Share of the reviewed posts held out to compare champion and challenger.
DEFAULT_TEST_SIZE = 0.25
