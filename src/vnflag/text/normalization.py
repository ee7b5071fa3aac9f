"""Vietnamese social-media text normalisation: the first stage of the pipeline.

One function, :func:`normalize_text`, turns a raw post into a canonical form so that the
segmenter and the vectorisers see one spelling for one word: Unicode NFC, one tone-mark
placement, no HTML, placeholder tokens for links and contact details, collapsed repeats,
teencode expanded from a data table, emoji as separate tokens. It never raises on a ``str``
and is idempotent: ``normalize_text(normalize_text(s)) == normalize_text(s)``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterable

import emoji
from underthesea import text_normalize as _underthesea_text_normalize
from underthesea.pipeline.text_normalize.text_normalizer import character_map as _underthesea_character_map

__all__ = ["normalize_text", "normalize_texts", "canonical_form", "bounded_text", "MAX_POST_CHARS", "teencode_table", "teencode_pattern", "PLACEHOLDER_LABELS",
           "EMAIL_PATTERN", "PHONE_PATTERN"]

#: Placeholder tokens (lower-case ASCII words the segmenter keeps whole) and how each reads in
#: reasons shown to a reviewer.
PLACEHOLDER_LABELS = {
    "xxurl": "[đường link]",
    "xxemail": "[email]",
    "xxphone": "[số điện thoại]",
    "xxmention": "[nhắc tên]",
    "xxnum": "[số]",
}

# underthesea maps look-alike characters (Icelandic ð/Ð → Vietnamese đ/Đ), but only inside tokens of at
# most 6 characters; applied to the whole text, the rules below see one letter whatever the token length.
_LOOKALIKES = str.maketrans(dict(_underthesea_character_map))

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot below

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,500}>")
_UPSTREAM_URL = re.compile(r"<\s*url\s*>", re.IGNORECASE)  # exports that already masked links
_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b(?:[a-z0-9-]{1,63}\.){1,10}(?:com|vn|net|org|info|ly|me|io|xyz|co|gl|gd|link|site|online|top|club|tk|to)"
    r"(?:/\S*)?(?![\w.])",
    re.IGNORECASE,
)
#: E-mail addresses and Vietnamese phone numbers: replaced by placeholders here, redacted in review queues.
#: Every repetition is bounded (RFC 5321's 64-character local part, 63-character labels, at most 10 of
#: them), so a long run such as "1.1.1.1…" costs linear time, not a rescan from every position.
EMAIL_PATTERN = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}\b")
PHONE_PATTERN = re.compile(r"(?<![\w.,])(?:\+84|\(\+84\)|0084|0)(?:[\s.-]?\d){8,10}(?![\w])")
_MENTION = re.compile(r"@[\w.]*\w")
_HASHTAG = re.compile(r"#(\w+)")
# Numbers, with thousand separators, decimals, dates and times; a trailing unit is split off.
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,:/-]\d+)*(?:(k)|(tr|triệu|đ|vnđ|vnd|usd|%)|)(?!\w)",
                     re.IGNORECASE)
_PLACEHOLDER_NUMBERS = re.compile(r"(xx(?:url|email|phone|mention|num))(?=\w)")
_EMOJI_CANDIDATE = re.compile(r"[\u2190-\u2bff\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF]")
_ELLIPSIS = re.compile(r"\.{2,}|…+")
_REPEATED_PUNCT = re.compile(r"([!?,;:\-_=*~^+])\1+")
_MIXED_EXCLAIM = re.compile(r"[!?]{2,}")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1{2,}")
_SPACES = re.compile(r"\s+")


def _strip_tone(char: str) -> str:
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", char) if c not in _TONE_MARKS)
    )


def _toned_vowels() -> str:
    base = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    return "".join(unicodedata.normalize("NFC", v + m) for v in base for m in sorted(_TONE_MARKS))


_TONED_VOWEL_SET = _toned_vowels()
# A toned vowel followed by its plain form one or more times: quáaaa -> quá, điiii handled above.
_ELONGATED_TONED = re.compile(f"([{_TONED_VOWEL_SET}])([aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])\\2*")


def _collapse_elongated(match: re.Match) -> str:
    toned, plain = match.group(1), match.group(2)
    return toned if _strip_tone(toned).lower() == plain.lower() else match.group(0)


@lru_cache(maxsize=1)
def teencode_table() -> dict[str, str]:
    """The abbreviation table (``resources/teencode.tsv``), lower-case keys to expansions.

    >>> teencode_table()["ko"]
    'không'
    """
    table: dict[str, str] = {}
    text = resources.files("vnflag").joinpath("resources/teencode.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbreviation, expansion = line.split("\t")[:2]
        table[unicodedata.normalize("NFC", abbreviation.strip().lower())] = unicodedata.normalize(
            "NFC", expansion.strip()
        )
    return table


@lru_cache(maxsize=1)
def teencode_pattern() -> re.Pattern:
    """One regular expression matching any abbreviation of :func:`teencode_table` as a whole word.

    >>> bool(teencode_pattern().search("ko sao"))
    True
    """
    keys = sorted(teencode_table(), key=len, reverse=True)
    alternation = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys)
    return re.compile(rf"(?<![\w]){'(?:' + alternation + ')'}(?![\w])", re.IGNORECASE)


def _expand_teencode(match: re.Match) -> str:
    word = match.group(0)
    expansion = teencode_table()[_SPACES.sub(" ", word.lower())]
    if word.isupper() and len(word) > 1:
        return expansion.upper()
    if word[0].isupper():
        return expansion[0].upper() + expansion[1:]
    return expansion


@lru_cache(maxsize=262_144)
def _canonical_token(token: str) -> str:
    return _underthesea_text_normalize(token, tokenizer="space")


def _canonical_spelling(text: str) -> str:
    """underthesea's character and tone normalisation, token by token, remembering tokens seen
    (a few thousand distinct words cover most posts, so this is mostly dictionary look-ups)."""
    return " ".join(_canonical_token(token) for token in text.split(" "))


def _number_token(match: re.Match) -> str:
    if match.group(1):  # 50k: thousands, not the teencode k
        return " xxnum nghìn "
    unit = match.group(2)
    return f" xxnum {unit.lower()} " if unit else " xxnum "


def _space_emoji(text: str) -> str:
    if not _EMOJI_CANDIDATE.search(text):
        return text
    # The emoji package knows multi-codepoint sequences; repeated identical emoji become one.
    tokens = emoji.replace_emoji(text, replace=lambda chars, data: f" {chars} ").split()
    kept = [t for i, t in enumerate(tokens) if not (i and t == tokens[i - 1] and emoji.is_emoji(t))]
    return " ".join(kept)


#: Characters of a post that the model reads; the rest of a longer post is ignored (and the scored
#: row says ``truncated``). ReINTEL's longest post has 28,453 characters; 2 of its 3,600 exceed this.
MAX_POST_CHARS = 20_000


def canonical_form(text: str) -> str:
    """Unicode NFC: one code-point sequence for canonically equivalent texts, so a post exported
    decomposed (NFD, as macOS and cp1258 tools do) reads exactly like the same post composed.
    Not NFKC, which would turn emoji such as ‼ and ℹ into plain "!!" and "i".

    >>> canonical_form("hoa\u0300") == canonical_form("hoà") == "hoà"
    True
    """
    return unicodedata.normalize("NFC", text)


def bounded_text(text: object, max_chars: int = MAX_POST_CHARS) -> tuple[str, bool]:
    """The part of a post the model reads: its :func:`canonical_form`, cut to ``max_chars``
    characters; and whether anything was cut. Anything that is not a ``str`` is ``""``.

    >>> bounded_text("a" * 5, max_chars=3)
    ('aaa', True)
    """
    if not isinstance(text, str):
        return "", False
    text = canonical_form(text)
    return (text[:max_chars], True) if len(text) > max_chars else (text, False)


def normalize_text(text: str) -> str:
    """Return the canonical form of one post.

    Steps, in order: Unicode NFC (:func:`canonical_form`); HTML entities and tags removed; links, e-mail addresses, phone
    numbers, @mentions and numbers replaced by ``xxurl``, ``xxemail``, ``xxphone``,
    ``xxmention``, ``xxnum``; ``#hashtag`` kept as its words; repeated letters and punctuation
    collapsed; emoji spaced out as tokens; one tone-mark placement (underthesea's); teencode
    expanded; whitespace collapsed. Anything that is not a ``str`` becomes ``""``.

    >>> normalize_text("Ko tin đc!!!! xem tại https://bit.ly/abc 😂😂 hoà")
    'Không tin được ! xem tại xxurl 😂 hòa'
    """
    if not isinstance(text, str) or not text:
        return ""
    text = canonical_form(text)  # first: every rule below sees one form, whatever the export's
    for _ in range(3):  # double-escaped exports (&amp;amp;) are common
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _UPSTREAM_URL.sub(" xxurl ", text)
    text = _HTML_TAG.sub(" ", text)
    text = canonical_form(text).translate(_LOOKALIKES)
    # underthesea's character and tone normalisation, once before the rules (Ð → Đ, so that
    # "0Ð" is a number and a unit) and once after them (collapsing "hoàaa" leaves "hoà").
    text = _canonical_spelling(text)
    text = EMAIL_PATTERN.sub(" xxemail ", text)
    text = _URL.sub(" xxurl ", text)
    text = PHONE_PATTERN.sub(" xxphone ", text)
    text = _MENTION.sub(" xxmention ", text)
    text = _HASHTAG.sub(lambda m: " " + m.group(1).replace("_", " ") + " ", text)
    text = _NUMBER.sub(_number_token, text)
    text = _PLACEHOLDER_NUMBERS.sub(r"\1 ", text)
    text = _ELLIPSIS.sub(" … ", text)
    text = _MIXED_EXCLAIM.sub(lambda m: m.group(0)[0], text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _ELONGATED_TONED.sub(_collapse_elongated, text)
    text = _REPEATED_LETTER.sub(r"\1", text)
    text = _space_emoji(text)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ""
    text = _canonical_spelling(text)
    text = teencode_pattern().sub(_expand_teencode, text)
    return _SPACES.sub(" ", text).strip()


def normalize_texts(texts: Iterable[object]) -> list[str]:
    """Normalise many posts; missing values (``None``, NaN) become ``""``.

    >>> normalize_texts(["ko sao đâu", None])
    ['không sao đâu', '']
    """
    return [normalize_text(t) if isinstance(t, str) else "" for t in texts]
