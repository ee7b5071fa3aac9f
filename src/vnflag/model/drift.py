"""Drift statistics: does a batch of posts look like what the model was trained on?

Two figures, compared with the same figures on the training data:

- **unseen-token share**: the share of word tokens (after normalisation and the model's
  tokeniser: underthesea words or syllables) that are not in the model's word vocabulary. The
  training figure is a leave-one-out estimate (a training post's word counts as unseen if fewer
  than ``min_df`` *other* training posts have it), i.e. what a new batch from the same source
  should show.
- **PSI** (population stability index) of the batch's scores against the out-of-fold training
  scores, over the training score bins: about 0 for the same distribution, above 0.1 a
  moderate and above 0.25 a large shift.

The training figures (:func:`drift_baseline`) are measured by the training pipeline and kept in
the model directory's manifest (``drift``); :func:`~vnflag.load_model` hands them to the model as
``drift_baseline_``, where :class:`DriftMonitor` reads them.

A warning is a reason to check the batch and, if it is a new kind of data, to evaluate or
retrain the model on labelled posts like it; it changes no score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import filterfalse
from typing import Any

import numpy as np

from ..text.normalization import PLACEHOLDER_LABELS

__all__ = ["psi", "score_bins", "word_tokens", "leave_one_out_unseen_share", "drift_baseline", "DriftMonitor",
           "PSI_WARN", "UNSEEN_WARN_MARGIN", "MIN_ROWS", "PSI_MIN_ROWS"]

#: PSI at or above this is reported as a large shift of the score distribution.
PSI_WARN = 0.25
#: Warn when the batch's unseen-token share exceeds the training figure by this much (absolute).
UNSEEN_WARN_MARGIN = 0.10
#: Fewer scored posts than this: figures are reported, but no warning is raised (too noisy).
MIN_ROWS = 30
#: PSI over 10 bins has sampling noise of about 9/n even with no shift (0.08 at 120 posts),
#: so a score-shift warning needs at least this many scored posts.
PSI_MIN_ROWS = 200
_EPSILON = 1e-4


def score_bins(scores, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Interior bin edges at the quantiles of ``scores`` and the share of scores in each bin.

    Shares are counted, not assumed, so tied scores (isotonic calibration) are handled.

    >>> edges, shares = score_bins(np.linspace(0, 1, 101), n_bins=4)
    >>> edges.round(2).tolist(), shares.round(2).tolist()
    ([0.25, 0.5, 0.75], [0.25, 0.25, 0.25, 0.26])
    """
    scores = np.asarray(scores, dtype=float)
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, n_bins + 1)[1:-1]))
    edges = edges[edges > scores.min()]  # a point mass at the minimum would leave bin 0 empty
    counts = np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(edges) + 1)
    return edges, counts / max(counts.sum(), 1)


def psi(expected_shares, actual_shares) -> float:
    """Population stability index ``sum((a - e) * ln(a / e))`` between two binned distributions.

    >>> psi([0.5, 0.5], [0.5, 0.5])
    0.0
    """
    e = np.clip(np.asarray(expected_shares, dtype=float), _EPSILON, None)
    a = np.clip(np.asarray(actual_shares, dtype=float), _EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _is_word(token: str) -> bool:
    """A lower-case token that counts for the unseen share: a letter in it, not a placeholder."""
    return token not in PLACEHOLDER_LABELS and not token.isdigit() and any(map(str.isalpha, token))


def word_tokens(segmented: str) -> list[str]:
    """The word tokens of a tokenised post (either tokeniser) as the word vocabulary sees them:
    lower-case, with a letter in them, placeholders (``xxurl``...) left out.

    >>> word_tokens("Bộ Y_tế : xxurl 19"), word_tokens("Bộ Y tế :")
    (['bộ', 'y_tế'], ['bộ', 'y', 'tế'])
    """
    return [t for t in segmented.lower().split() if _is_word(t)]


def leave_one_out_unseen_share(segmented: Sequence[str], min_df: int) -> float:
    """Share of training word tokens that a vocabulary built without their own post would lack.

    >>> leave_one_out_unseen_share(["a b", "a c", "a b"], min_df=2)  # b twice, c once
    0.5
    """
    tokens = [word_tokens(s) for s in segmented]
    doc_freq = Counter(w for words in tokens for w in set(words))
    total = sum(len(words) for words in tokens)
    unseen = sum(doc_freq[w] - 1 < min_df for words in tokens for w in words)
    return unseen / total if total else float("nan")


def drift_baseline(scores, threshold: float, segmented: Sequence[str], min_df: int) -> dict[str, Any]:
    """The training figures a batch is compared with (a manifest's ``drift``), from the
    out-of-fold scores of the training posts and the posts as the model tokenised them:
    ``score_edges`` and ``score_shares`` (:func:`score_bins`), ``flag_rate`` (share of scores at
    or above ``threshold``) and ``unseen_token_share`` (:func:`leave_one_out_unseen_share`).

    >>> drift_baseline([0.1, 0.9], 0.5, ["a b", "a c"], min_df=1)["unseen_token_share"]
    0.5
    """
    scores = np.asarray(scores, dtype=float)
    edges, shares = score_bins(scores)
    return {"score_edges": edges.tolist(), "score_shares": shares.tolist(),
            "flag_rate": float((scores >= threshold).mean()),
            "unseen_token_share": leave_one_out_unseen_share(segmented, min_df)}


class DriftMonitor:
    """Accumulate drift figures over one batch, chunk by chunk, against a fitted Flagger and its
    training figures (``flagger.drift_baseline_``, from the manifest: see :func:`drift_baseline`).
    A model without them (fitted in this session, never saved) gets the batch's own figures,
    its scores in one bin, and no comparison.

    >>> monitor = DriftMonitor(flagger)                  # doctest: +SKIP
    >>> monitor.update(segmented_texts, scores); monitor.result()  # doctest: +SKIP
    """

    def __init__(self, flagger):
        self.flagger = flagger
        self.vocabulary = flagger.word_vectorizer_.word_vocabulary()
        self.known_words = frozenset(filter(_is_word, self.vocabulary))
        self.baseline = getattr(flagger, "drift_baseline_", None) or {}
        self.edges = np.asarray(self.baseline.get("score_edges", []), dtype=float)
        self.expected = np.asarray(self.baseline.get("score_shares", []), dtype=float)
        self.counts = np.zeros(len(self.edges) + 1, dtype=np.int64)
        self.tokens = 0
        self.unseen = 0
        self.flagged = 0

    def update(self, segmented: Iterable[str], scores) -> None:
        """Add a chunk: the segmented texts of its scored rows (as the model saw them) and the
        scores of all its rows (``nan`` for rows not scored)."""
        self.add(self.counted(segmented, scores))

    def counted(self, segmented: Iterable[str], scores) -> dict[str, Any]:
        """The counts of one chunk alone, in the form of :meth:`state`, leaving this monitor as it
        is: what a worker process sends back for :meth:`add`."""
        scores = np.asarray(scores, dtype=float)
        counts = np.bincount(np.searchsorted(self.edges, scores[~np.isnan(scores)], side="right"),
                             minlength=len(self.counts))
        tokens = unseen_total = 0
        for text in segmented:
            words = text.lower().split()
            # The same counts as word_tokens(), with the word test only for tokens not in the vocabulary.
            unseen = sum(map(_is_word, filterfalse(self.vocabulary.__contains__, words)))
            tokens += sum(map(self.known_words.__contains__, words)) + unseen
            unseen_total += unseen
        return {"counts": counts.tolist(), "tokens": tokens, "unseen": unseen_total,
                "flagged": int((scores >= self.flagger.threshold_).sum())}

    def add(self, state: dict[str, Any]) -> None:
        """Add counts made by :meth:`counted` (or another monitor's :meth:`state`) to this one."""
        self.counts = self.counts + np.asarray(state["counts"], dtype=np.int64)
        self.tokens += int(state["tokens"])
        self.unseen += int(state["unseen"])
        self.flagged += int(state["flagged"])

    def state(self) -> dict[str, Any]:
        """The running counts, as plain Python: what a resumed run needs to continue the batch.

        >>> monitor.restore(monitor.state())   # doctest: +SKIP
        """
        return {"counts": self.counts.tolist(), "tokens": self.tokens, "unseen": self.unseen, "flagged": self.flagged}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from counts saved by :meth:`state`."""
        self.counts = np.asarray(state["counts"], dtype=np.int64)
        self.tokens, self.unseen, self.flagged = int(state["tokens"]), int(state["unseen"]), int(state["flagged"])

    def result(self) -> dict[str, Any]:
        """The drift figures and the warnings they raise, as plain Python for JSON."""
        n = int(self.counts.sum())
        share = self.unseen / self.tokens if self.tokens else float("nan")
        training_share = self.baseline.get("unseen_token_share")
        value = psi(self.expected, self.counts / n) if n and self.baseline else float("nan")
        flag_rate = self.flagged / n if n else float("nan")
        training_flag_rate = self.baseline.get("flag_rate")
        warnings = []
        if n >= MIN_ROWS:
            if value >= PSI_WARN and n >= PSI_MIN_ROWS:
                warnings.append(
                    f"score distribution differs from training: PSI {value:.2f} (>= {PSI_WARN} is a large shift); "
                    f"{flag_rate:.0%} of posts flagged"
                    + (f" vs {training_flag_rate:.0%} on the training folds" if training_flag_rate is not None else "")
                )
            if training_share is not None and share >= training_share + UNSEEN_WARN_MARGIN:
                warnings.append(
                    f"{share:.0%} of word tokens were never seen in training (training posts: "
                    f"{training_share:.0%}); the batch may be another language, topic or period than the model knows"
                )
        return {
            "rows_scored": n,
            "tokens": int(self.tokens),
            "unseen_token_share": _round(share),
            "training_unseen_token_share": _round(training_share),
            "psi": _round(value),
            "psi_bins": len(self.counts),
            "flag_rate": _round(flag_rate),
            "training_flag_rate": _round(training_flag_rate),
            "batch_bin_shares": [_round(c / n) for c in self.counts] if n else [],
            "training_bin_shares": [_round(e) for e in self.expected],
            "model_version": getattr(self.flagger, "model_version_", "unsaved"),
            "warnings": warnings,
            "note": "PSI >= 0.1 moderate, >= 0.25 large shift; warnings need at least "
                    f"{MIN_ROWS} scored posts ({PSI_MIN_ROWS} for a score-shift warning). "
                    "A warning asks for a check; it changes no score."
                    + ("" if self.baseline else " The model has no training figures (it was never saved): "
                                                "nothing to compare with."),
        }


def _round(value) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value), 4)
