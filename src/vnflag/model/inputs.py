"""What the model needs from a table: the columns it names, and binary labels read from any common spelling."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..exceptions import VnflagError
from ..io.tables import shown_row

__all__ = ["check_columns", "parse_labels", "data_fingerprint", "POSITIVE_LABELS", "NEGATIVE_LABELS",
           "UNDECIDED_LABELS"]

#: Spellings of a positive (needs verification) and a negative label, lower-cased.
# vnflag's own reviewer decisions are labels too: a reviewed queue trains as it is
POSITIVE_LABELS = frozenset({"1", "1.0", "true", "yes", "y", "t", "misleading"})
NEGATIVE_LABELS = frozenset({"0", "0.0", "false", "no", "n", "f", "ok"})
#: A reviewer's decision that is not a label: refused in training data, with a word on what to do.
UNDECIDED_LABELS = frozenset({"unsure"})


def check_columns(frame, columns: Sequence[str], source: str = "input",
                  error: type[ValueError] = VnflagError) -> None:
    """Raise a one-line ``error`` naming the missing columns and listing the ones that exist: a
    :class:`~vnflag.VnflagError` for a user's table, a ``ValueError`` inside an estimator.

    >>> check_columns(pd.DataFrame({"text": []}), ["body"])   # doctest: +SKIP
    VnflagError: input: column 'body' not found; columns are: text
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise error(
            f"{source}: column {', '.join(repr(c) for c in missing)} not found; "
            f"columns are: {', '.join(str(c) for c in frame.columns)}"
        )


def parse_labels(values: Sequence[object], column: str = "label", strict: bool = True) -> np.ndarray:
    """Read binary labels given as 0/1, true/false, yes/no or vnflag's decisions misleading/ok
    (1 = needs verification).

    With ``strict`` anything else (``unsure`` included) is an error naming the rows as a
    spreadsheet shows them (:func:`~vnflag.io.tables.shown_row`); without it, anything else reads
    as 0 (how a ``flagged`` column's blanks are read).

    >>> parse_labels(["1", "no", True, "Yes", "Misleading", "ok"]).tolist()
    [1, 0, 1, 1, 1, 0]
    >>> parse_labels(["True", "", "x"], strict=False).tolist()
    [1, 0, 0]
    """
    out = np.zeros(len(values), dtype=int)
    bad: list[str] = []
    undecided = False
    for i, value in enumerate(values):
        text = str(int(value)) if isinstance(value, bool) else str(value).strip().lower()
        if text in POSITIVE_LABELS:
            out[i] = 1
        elif text not in NEGATIVE_LABELS and strict:
            bad.append(f"row {shown_row(i)} ({value!r})")
            undecided = undecided or text in UNDECIDED_LABELS
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        advice = ("; 'unsure' is not a label: decide those posts or leave their rows out" if undecided else "")
        raise VnflagError(
            f"column {column!r}: labels must be 0/1, true/false, yes/no or misleading/ok; bad value at "
            f"{', '.join(bad[:5])}{more} (rows as a spreadsheet shows them: header = row 1){advice}"
        )
    return out


def data_fingerprint(texts: Sequence[object], labels: Sequence[object]) -> str:
    """SHA-256 over the training texts and labels, in order: the identity of a training set.

    >>> data_fingerprint(["a", "b"], [0, 1])[:12]
    '668512f0558f'
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{text}\x1f{label}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
