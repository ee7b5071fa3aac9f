"""Word tokens for the word vectoriser: the second stage of the pipeline.

Two tokenisers (:data:`TOKENIZERS`, chosen by ``Flagger(tokenizer=...)``):

- ``"underthesea"``: :class:`Segmenter` joins the syllables of compound words with ``_``
  (``Bộ Y_tế khuyến_cáo``) so that the word vectoriser sees words, not syllables. It holds
  configuration only; the underthesea model is loaded lazily by each process, so a segmenter
  pickles and clones as a handful of numbers.
- ``"syllables"``: :func:`split_syllables`, the normalised text split on whitespace with
  punctuation split off (``Bộ Y tế khuyến cáo``); no model, many times faster. Word bigrams
  still see two-syllable compounds.

:func:`tokenize_texts` runs either one over a batch.
"""

from __future__ import annotations

import re
from functools import lru_cache
from numbers import Integral
from typing import Iterable, Sequence

import emoji
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval

from ..parallel import parallel_map, worker_count
from .normalization import PLACEHOLDER_LABELS

__all__ = ["Segmenter", "segment_text", "split_syllables", "tokenize_texts", "text_pieces", "MAX_PIECE_CHARS",
           "TOKENIZERS"]

_PROTECTED = frozenset(PLACEHOLDER_LABELS)
#: Smallest batch worth sending to worker processes: below it, start-up costs more than it saves.
MIN_PARALLEL = 400
#: The values of ``Flagger(tokenizer=...)``.
TOKENIZERS = ("underthesea", "syllables")
#: A run of letters and digits, or a run of other non-space characters (punctuation, emoji).
_SYLLABLE = re.compile(r"\w+|[^\w\s]+")


def _is_protected(part: str) -> bool:
    return part in _PROTECTED or emoji.is_emoji(part)


def segment_text(text: str) -> str:
    """Segment one normalised post into space-separated words, compounds joined by ``_``.

    Placeholders and emoji are never glued to a neighbouring word.

    >>> segment_text("Bộ Y tế khuyến cáo xxurl")
    'Bộ Y_tế khuyến_cáo xxurl'
    """
    if not text:
        return ""
    from underthesea import word_tokenize  # here: the syllable tokeniser never loads underthesea

    words: list[str] = []
    for piece in text_pieces(text):
        for token in word_tokenize(piece, use_token_normalize=False):
            if " " in token:
                parts = token.split(" ")
                if any(_is_protected(p) for p in parts):
                    words.extend(parts)
                    continue
                token = "_".join(parts)
            words.append(token)
    return " ".join(words)


def split_syllables(text: str) -> str:
    """Split one normalised post into its syllables, punctuation split off as its own token,
    with no word segmentation (the ``"syllables"`` tokeniser).

    >>> split_syllables("Bộ Y tế khuyến cáo: uống (nóng) xxurl")
    'Bộ Y tế khuyến cáo : uống ( nóng ) xxurl'
    """
    return " ".join(_SYLLABLE.findall(text)) if isinstance(text, str) else ""


def tokenize_texts(texts: Sequence[str], tokenizer: str = "underthesea", n_jobs: int = 1) -> list[str]:
    """Normalised posts as space-separated word tokens, with the tokeniser named ``tokenizer``
    (one of :data:`TOKENIZERS`); ``n_jobs`` processes for large batches with underthesea.

    >>> tokenize_texts(["người dân"], "underthesea"), tokenize_texts(["người dân"], "syllables")
    (['người_dân'], ['người dân'])
    """
    if tokenizer == "syllables":
        return [split_syllables(t) for t in texts]
    if tokenizer == "underthesea":
        return Segmenter(n_jobs=n_jobs).transform(texts)
    raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}")


#: Longest piece of text given to underthesea at once: its tokeniser's time grows faster than the
#: length on some inputs ("a.a.a…"), so long posts are segmented piece by piece (linear overall).
MAX_PIECE_CHARS = 5_000
_SENTENCE_END = re.compile(r"[.!?…\n]\s")


def text_pieces(text: str, size: int = MAX_PIECE_CHARS) -> list[str]:
    """Split a long text into pieces of at most ``size`` characters, after a sentence end where
    there is one in the second half of the window, else at a space, else anywhere.

    >>> text_pieces("Một câu. Hai câu.", size=10)
    ['Một câu.', 'Hai câu.']
    """
    pieces = []
    while len(text) > size:
        window = text[: size + 1]
        ends = [m.end() for m in _SENTENCE_END.finditer(window, size // 2)]
        cut = ends[-1] if ends else (window.rfind(" ", size // 2) + 1 or size)
        pieces.append(text[:cut].strip())
        text = text[cut:]
    pieces.append(text.strip())
    return [p for p in pieces if p]


# Posts recur across calls (train then score, retraining rounds, cross-validation folds):
# remember recent results per process instead of running the CRF again.
_segment_cached = lru_cache(maxsize=65_536)(segment_text)


def _segment_batch(texts: Sequence[str]) -> list[str]:
    return [_segment_cached(t) for t in texts]


class Segmenter(TransformerMixin, BaseEstimator):
    """Batch word segmentation; each distinct text is segmented once.

    Parameters
    ----------
    n_jobs : int, default=1
        Worker processes for large batches (``-1``: one per core). Batches smaller than
        ``min_parallel`` are done in this process, where start-up would cost more than it saves.
    min_parallel : int, default=400
        Smallest number of distinct texts worth sending to worker processes.

    Examples
    --------
    >>> Segmenter().transform(["người dân", "người dân"])
    ['người_dân', 'người_dân']
    """

    _parameter_constraints = {
        "n_jobs": [Interval(Integral, None, -1, closed="right"), Interval(Integral, 1, None, closed="left")],
        "min_parallel": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, n_jobs: int = 1, min_parallel: int = MIN_PARALLEL):
        self.n_jobs = n_jobs
        self.min_parallel = min_parallel

    def fit(self, X=None, y=None) -> "Segmenter":
        """Nothing to learn; validates the parameters and returns ``self``."""
        self._validate_params()
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        """Segment normalised texts, returning one string per input, in order."""
        texts = ["" if not isinstance(t, str) else t for t in X]
        distinct = list(dict.fromkeys(texts))
        segmented = dict(zip(distinct, self._segment_distinct(distinct)))
        return [segmented[t] for t in texts]

    def _segment_distinct(self, distinct: list[str]) -> list[str]:
        n_jobs = self.n_jobs
        if n_jobs == 1 or len(distinct) < self.min_parallel:
            return _segment_batch(distinct)
        workers = worker_count(n_jobs)
        if workers <= 1:
            return _segment_batch(distinct)
        # Long and short posts mixed evenly: chunk by stride, then restore order.
        n_chunks = workers * 4
        chunks = [distinct[i::n_chunks] for i in range(n_chunks)]
        results = parallel_map(_segment_batch, chunks, workers, key="segment")
        out = [""] * len(distinct)
        for i, chunk_result in enumerate(results):
            out[i::n_chunks] = chunk_result
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags
