"""Word tokens for the word vectoriser: the second stage of the pipeline.

Two tokenisers (:data:`TOKENIZERS`, chosen by ``Flagger(tokenizer=...)``):

- ``"underthesea"``: :func:`segment_texts` (and :class:`~vnflag.text.segmenter.Segmenter`, its scikit-learn
  transformer) joins the syllables of compound words with ``_``
  (``Bộ Y_tế khuyến_cáo``) so that the word vectoriser sees words, not syllables. It holds
  no configuration; the underthesea model is loaded lazily, on first use, so a segmenter
  pickles and clones as nothing at all. It runs in the calling process: parallelism belongs to
  the scoring pipeline (:mod:`vnflag.pipelines`), never to an estimator.
- ``"syllables"``: :func:`split_syllables`, the normalised text split on whitespace with
  punctuation split off (``Bộ Y tế khuyến cáo``); no model, many times faster. Word bigrams
  still see two-syllable compounds.

:func:`tokenize_texts` runs either one over a batch. Nothing here imports scikit-learn (``vnflag normalize``
starts without it); the transformer is in :mod:`vnflag.text.segmenter`.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import emoji

from ..constants import TOKENIZERS  # the values of ``Flagger(tokenizer=...)``
from .normalization import PLACEHOLDER_LABELS

__all__ = ["segment_text", "segment_texts", "split_syllables", "tokenize_texts", "text_pieces", "MAX_PIECE_CHARS",
           "TOKENIZERS", "dictionary_words", "word_spans", "token_syllables", "MAX_WORD_SYLLABLES"]

_PROTECTED = frozenset(PLACEHOLDER_LABELS)
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


def tokenize_texts(texts: Sequence[str], tokenizer: str = "underthesea") -> list[str]:
    """Normalised posts as space-separated word tokens, with the tokeniser named ``tokenizer``
    (one of :data:`TOKENIZERS`).

    >>> tokenize_texts(["người dân"], "underthesea"), tokenize_texts(["người dân"], "syllables")
    (['người_dân'], ['người dân'])
    """
    if tokenizer == "syllables":
        return [split_syllables(t) for t in texts]
    if tokenizer == "underthesea":
        return segment_texts(texts)
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
    pieces, start = [], 0
    while len(text) - start > size:  # by position: cutting off the rest each time would copy it each time
        half, end = start + size // 2, start + size + 1
        ends = [m.end() for m in _SENTENCE_END.finditer(text, half, end)]
        cut = ends[-1] if ends else (text.rfind(" ", half, end) + 1 or start + size)
        pieces.append(text[start:cut].strip())
        start = cut
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


# Posts recur across calls (train then score, retraining rounds, cross-validation folds):
# remember recent results per process instead of running the CRF again.
_segment_cached = lru_cache(maxsize=65_536)(segment_text)


def segment_texts(texts: Iterable[str]) -> list[str]:
    """Segment normalised texts (:func:`segment_text`), one string per input in order; each distinct text is
    segmented once, and recent ones are remembered across calls. A text that is not a string counts as empty.

    >>> segment_texts(["người dân", "người dân", None])
    ['người_dân', 'người_dân', '']
    """
    texts = ["" if not isinstance(t, str) else t for t in texts]
    segmented = {text: _segment_cached(text) for text in dict.fromkeys(texts)}
    return [segmented[t] for t in texts]


_BLANKS = re.compile(r"[^\S\n]+")  # runs of spaces and tabs (and a CR) within a line
_LINE_EDGES = re.compile(r" ?\n ?")
_TWO_SYLLABLES = re.compile(r"^\S+ \S+", re.MULTILINE)

#: Longest dictionary entry (in syllables) :func:`word_spans` joins into one word: longer entries are idioms.
MAX_WORD_SYLLABLES = 4


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The lower-cased words of underthesea's Vietnamese dictionary (``Viet74K.txt``, 74,000 words and
    compounds, syllables separated by spaces), read from the file it ships without importing underthesea;
    empty if underthesea or the file is missing (then no syllables are joined).

    >>> {"chia sẻ", "nước chanh", "tổng thống"} <= dictionary_words()
    True
    """
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    root = Path(next(iter(spec.submodule_search_locations)))
    for path in (root / "corpus" / "data" / "Viet74K.txt", root / "transformer" / "Viet74K.txt"):
        if path.is_file():
            # whole-text operations, not one per line: a third of the time of reading
            text = _LINE_EDGES.sub("\n", _BLANKS.sub(" ", path.read_text(encoding="utf-8").lower())).strip()
            return frozenset(text.split("\n")) - {""}
    return frozenset()


def token_syllables(token: str) -> list[str]:
    """The syllables of one token: a compound of underthesea's segmentation is split at its ``_``.

    >>> token_syllables("y_tế"), token_syllables("_")
    (['y', 'tế'], ['_'])
    """
    return [part for part in token.split("_") if part] or [token]


def word_spans(tokens: Sequence[str], words: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """The words of a tokenised post as ``(start, end)`` spans over its syllables, in order, covering every
    syllable once. A token is one syllable, or a compound of syllables joined by ``_`` (underthesea's
    segmentation: one word); runs of one-syllable tokens are split into ``words`` (default:
    :func:`dictionary_words`) by longest match from the left, up to :data:`MAX_WORD_SYLLABLES` syllables.

    >>> word_spans(["chia", "sẻ", "y_tế", "ngay"])  # chia sẻ | y tế | ngay
    [(0, 2), (2, 4), (4, 5)]
    """
    words = dictionary_words() if words is None else words
    starts = _two_syllable_starts(words)
    lowered = [token.lower() for token in tokens]
    if not any("_" in token for token in lowered):  # a post of syllables (or a part of one): one run
        return _longest_matches(lowered, 0, words, starts)
    spans: list[tuple[int, int]] = []
    run: list[str] = []  # one-syllable tokens not yet split into words
    position = 0  # syllable index of the next token
    for token in lowered:
        parts = token_syllables(token)
        if len(parts) == 1:
            run.append(token)
            position += 1
            continue
        spans += _longest_matches(run, position - len(run), words, starts)
        run = []
        spans.append((position, position + len(parts)))
        position += len(parts)
    return spans + _longest_matches(run, position - len(run), words, starts)


def _longest_matches(run: list[str], offset: int, words: frozenset[str], starts: frozenset[str],
                     ) -> list[tuple[int, int]]:
    """Spans (from syllable ``offset``) of the words of a run of syllables, longest match from the left."""
    spans, i, n = [], 0, len(run)
    while i < n:
        size = 1
        if i + 1 < n and f"{run[i]} {run[i + 1]}" in starts:  # most syllables start no compound: one look-up
            for size in range(min(MAX_WORD_SYLLABLES, n - i), 0, -1):
                if size == 1 or " ".join(run[i:i + size]) in words:
                    break
        spans.append((offset + i, offset + i + size))
        i += size
    return spans


@lru_cache(maxsize=4)
def _two_syllable_starts(words: frozenset[str]) -> frozenset[str]:
    """The first two syllables of every entry of ``words`` with two or more."""
    return frozenset(_TWO_SYLLABLES.findall("\n".join(words)))
