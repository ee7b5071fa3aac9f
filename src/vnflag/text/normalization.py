"""Vietnamese social-media text normalisation: the first stage of the pipeline.

One function, :func:`normalize_text`, turns a raw post into a canonical form so that the
segmenter and the vectorisers see one spelling for one word: Unicode NFC, one tone-mark
placement, no HTML, placeholder tokens for links and contact details, collapsed repeats,
teencode expanded from a data table, emoji as separate tokens. It never raises on a ``str``
and is idempotent: ``normalize_text(normalize_text(s)) == normalize_text(s)``.
"""

from __future__ import annotations

import html
import importlib.util
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import emoji

__all__ = ["normalize_text", "normalize_texts", "canonical_form", "bounded_text", "MAX_POST_CHARS", "teencode_table",
           "teencode_pattern", "PLACEHOLDER_LABELS",
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


def _underthesea_rules() -> tuple[dict[str, str], dict[str, str]]:
    """underthesea's text-normalisation rules (look-alike characters, tone placement per token),
    read from the rules file it ships, without importing the underthesea package (a third of a
    second for every process, most of it for features scoring never uses). ``tests/text`` checks
    that these are exactly the rules underthesea itself loads."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'underthesea'", name="underthesea")
    folder = Path(next(iter(spec.submodule_search_locations))) / "pipeline" / "text_normalize"
    files = sorted(folder.glob("tn_rules_*.bin"))
    if not files:  # a layout this version does not know: ask underthesea itself
        from underthesea.pipeline.text_normalize.text_normalizer import character_map, token_map

        return dict(character_map), dict(token_map)
    import joblib

    rules = joblib.load(files[-1])  # the newest rules, the file underthesea's own loader names
    return dict(rules["character"]), dict(rules["token"])


_underthesea_character_map, _underthesea_token_map = _underthesea_rules()

# underthesea maps look-alike characters (Icelandic ð/Ð → Vietnamese đ/Đ), but only inside tokens of at
# most 6 characters; applied to the whole text, the rules below see one letter whatever the token length.
_LOOKALIKES = str.maketrans(dict(_underthesea_character_map))
_LOOKALIKE_CHARS = re.compile("[" + "".join(map(re.escape, _underthesea_character_map)) + "]")
# underthesea's token rules (old tone placement → new, ``hoà`` → ``hòa``), which it applies only to
# NFC tokens of at most 6 characters; a text needs them only if one of its tokens is a key.
_TOKEN_FIXES = {key: value for key, value in _underthesea_token_map.items()
                if len(key) <= 6 and unicodedata.normalize("NFC", key) == key}

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot below

# Every rule below is linear in the text's length (tests/text/test_linear_time.py checks each one with
# adversarial inputs): no two quantifiers may take the same characters one after the other (as
# ``<\s*/?\s*`` did: "<" and 20,000 spaces cost 15 s), and a repeat that may fail after a long run
# either starts only at a rare character (<, @, #) or is bounded.
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,500}>")
# A decimal character reference of 8 digits or more: html.unescape would convert all of them to an int, which
# raises ValueError past 4,300 digits and takes time growing with their square below that.
_LONG_DECIMAL_REFERENCE = re.compile(r"&#([0-9]{8,})")
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
# Cheap tests that a text may hold a link: a scheme, www. or one of the top-level domains after a dot.
_URL_HINT = re.compile(r"https?://|www\.|\.(?:com|vn|net|org|info|ly|me|io|xyz|co|gl|gd|link|site|online|top|club|tk|to)",
                       re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
# Numbers, with thousand separators, decimals, dates and times; a trailing unit is split off.
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,:/-]\d+)*(?:(k)|(tr|triệu|đ|vnđ|vnd|usd|%)|)(?!\w)",
                     re.IGNORECASE)
_PLACEHOLDER_NUMBERS = re.compile(r"(xx(?:url|email|phone|mention|num))(?=\w)")
# Characters that are, or belong to, an emoji: the pictograph blocks, the older symbols that have
# an emoji form (©, ®, ‼, ⁉, ™, ℹ), the keycap mark and the emoji variation selector.
_EMOJI_CANDIDATE = re.compile(
    r"[\u00a9\u00ae\u203c\u2049\u2122\u2139\u20e3\ufe0f\u2190-\u2bff\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF]")
_ELLIPSIS = re.compile(r"\.{2,}|…+")
_WORD = re.compile(r"\w+")
_REPEATED_PUNCT = re.compile(r"([!?,;:\-_=*~^+])\1+")
_MIXED_EXCLAIM = re.compile(r"([!?])[!?]+")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1{2,}")
_SPACES = re.compile(r"\s+")
_SPACE_RUNS = re.compile(r"\s{2,}|[^\S ]")  # what _SPACES would change: same result, far fewer matches


def _strip_tone(char: str) -> str:
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", char) if c not in _TONE_MARKS)
    )


_TONED_VOWELS = "".join(unicodedata.normalize("NFC", v + m) for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
                        for m in sorted(_TONE_MARKS))
#: Each toned vowel followed by its own plain form, in either case (``áa``, ``ÁA``, ``Áa``).
_ELONGATION_STARTS = frozenset(toned + plain for toned in _TONED_VOWELS
                               for plain in (_strip_tone(toned).lower(), _strip_tone(toned).upper()))
# A toned vowel and the plain vowels after it; the callback keeps the match unless it is an elongation.
_ELONGATED_TONED = re.compile(f"[{_TONED_VOWELS}][aăâeêioôơuưyAĂÂEÊIOÔƠUƯY]+")


def _collapse_elongated(match: re.Match) -> str:
    """quáaaa -> quá, CÓOo -> CÓ: the plain copies after a toned vowel dropped, in any case
    (repeated plain letters, điiii, are handled by _REPEATED_LETTER)."""
    found = match.group(0)
    if found[:2] not in _ELONGATION_STARTS:
        return found
    copy, end = found[1].lower(), 2
    while end < len(found) and found[end].lower() == copy:
        end += 1
    return found[0] + found[end:]


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
    return re.compile(rf"(?<![\w]){_trie_alternation(teencode_table())}(?![\w])", re.IGNORECASE)


def _trie_alternation(words) -> str:
    r"""A regular expression matching exactly ``words`` (a space in a word matches any run of
    whitespace), built as a trie so that each position costs one branch per character, not one
    try per word. ``(?![\w])`` after it picks the longest word that ends at a word boundary.

    >>> bool(re.fullmatch(_trie_alternation(["ko", "k", "kh"]), "kh"))
    True
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [(r"\s+" if char == " " else re.escape(char)) + pattern(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return pattern(trie)


@lru_cache(maxsize=1)
def _teencode_first_words() -> frozenset[str]:
    """The first word of every abbreviation: a text with none of them has nothing to expand."""
    return frozenset(key.split(" ")[0] for key in teencode_table())


def _expand_teencode(match: re.Match) -> str:
    word = match.group(0)
    expansion = teencode_table()[_SPACES.sub(" ", word.lower())]
    if word.isupper() and len(word) > 1:
        return expansion.upper()
    if word[0].isupper():
        return expansion[0].upper() + expansion[1:]
    return expansion


def _canonical_spelling(text: str) -> str:
    """underthesea's token normalisation (``text_normalize(text, tokenizer="space")``) of an NFC
    text whose look-alike characters are already mapped: its token rules applied to each
    space-separated token; most texts have no token it changes and come back as they are."""
    tokens = text.split(" ")
    if _TOKEN_FIXES.keys().isdisjoint(tokens):
        return text
    return " ".join([_TOKEN_FIXES.get(token, token) for token in tokens])


def _short_reference(match: re.Match) -> str:
    """The same reference in at most 8 digits: leading zeros dropped; a larger number (beyond any
    code point, which html.unescape reads as U+FFFD) as 99999999, which it reads the same way."""
    digits = match.group(1).lstrip("0") or "0"
    return "&#" + (digits if len(digits) <= 8 else "99999999")


def _unescape_html(text: str) -> str:
    """``html.unescape(text)``, also for references of thousands of digits (``&#`` and 5,000 ones)."""
    if "&#" in text:
        text = _LONG_DECIMAL_REFERENCE.sub(_short_reference, text)
    return html.unescape(text)


def _number_token(match: re.Match) -> str:
    if match.group(1):  # 50k: thousands, not the teencode k
        return " xxnum nghìn "
    unit = match.group(2)
    return f" xxnum {unit.lower()} " if unit else " xxnum "


_EMOJI_CLASS = _EMOJI_CANDIDATE.pattern[1:-1]
# A whitespace-separated word holding an emoji candidate, matched from its start only.
_EMOJI_TOKEN = re.compile(f"(?<!\\S)[^\\s{_EMOJI_CLASS}]*[{_EMOJI_CLASS}]\\S*")


def _spaced_emoji(match: re.Match) -> str:
    # The emoji package knows multi-codepoint sequences (ZWJ, skin tones, flags).
    return " ".join(emoji.replace_emoji(match.group(0), replace=lambda chars, data: f" {chars} ").split())


def _space_emoji(text: str) -> str:
    """Emoji as tokens of their own, a run of one repeated emoji as one; only the
    whitespace-separated words holding an emoji candidate are read by the emoji package."""
    if not _EMOJI_CANDIDATE.search(text):
        return text
    tokens = _SPACE_RUNS.sub(" ", _EMOJI_TOKEN.sub(_spaced_emoji, text)).strip().split(" ")
    return " ".join([t for i, t in enumerate(tokens) if not (i and t == tokens[i - 1] and emoji.is_emoji(t))])


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

    Steps, in order: Unicode NFC (:func:`canonical_form`); HTML entities and tags removed; links,
    e-mail addresses, phone numbers, @mentions and numbers replaced by ``xxurl``, ``xxemail``, ``xxphone``,
    ``xxmention``, ``xxnum``; ``#hashtag`` kept as its words; repeated letters and punctuation
    collapsed; emoji spaced out as tokens; one tone-mark placement (underthesea's); teencode
    expanded; whitespace collapsed. Anything that is not a ``str`` becomes ``""``.

    >>> normalize_text("Ko tin đc!!!! xem tại https://bit.ly/abc 😂😂 hoà")
    'Không tin được! xem tại xxurl 😂 hòa'
    """
    if not isinstance(text, str) or not text:
        return ""
    text = canonical_form(text)  # first: every rule below sees one form, whatever the export's
    for _ in range(3):  # double-escaped exports (&amp;amp;) are common
        unescaped = _unescape_html(text)
        if unescaped == text:
            break
        text = unescaped
    text = _UPSTREAM_URL.sub(" xxurl ", text)
    text = _HTML_TAG.sub(" ", text)
    text = canonical_form(text)
    if _LOOKALIKE_CHARS.search(text):
        text = text.translate(_LOOKALIKES)
    # underthesea's character and tone normalisation, once before the rules (Ð → Đ, so that
    # "0Ð" is a number and a unit) and once after them (collapsing "hoàaa" leaves "hoà").
    text = _canonical_spelling(text)
    if "@" in text:
        text = EMAIL_PATTERN.sub(" xxemail ", text)
    if _URL_HINT.search(text):
        text = _URL.sub(" xxurl ", text)
    text = PHONE_PATTERN.sub(" xxphone ", text)
    if "@" in text:
        text = _MENTION.sub(" xxmention ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + m.group(1).replace("_", " ") + " ", text)
    text = _NUMBER.sub(_number_token, text)
    if "xx" in text:
        text = _PLACEHOLDER_NUMBERS.sub(r"\1 ", text)
    if ".." in text or "…" in text:
        text = _ELLIPSIS.sub(" … ", text)
    text = _MIXED_EXCLAIM.sub(r"\1", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _ELONGATED_TONED.sub(_collapse_elongated, text)
    text = _REPEATED_LETTER.sub(r"\1", text)
    text = _space_emoji(text)
    text = _SPACE_RUNS.sub(" ", text).strip()
    if not text:
        return ""
    text = _canonical_spelling(text)
    if not _teencode_first_words().isdisjoint(_WORD.findall(text.lower())):
        text = teencode_pattern().sub(_expand_teencode, text)
        text = _SPACE_RUNS.sub(" ", text).strip()
    return text


def normalize_texts(texts: Iterable[object]) -> list[str]:
    """Normalise many posts; missing values (``None``, NaN) become ``""``.

    >>> normalize_texts(["ko sao đâu", None])
    ['không sao đâu', '']
    """
    return [normalize_text(t) if isinstance(t, str) else "" for t in texts]
