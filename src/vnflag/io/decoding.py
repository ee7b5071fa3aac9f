"""Decoding text tables: UTF-8 by default (a byte-order mark is dropped), any Python codec on request.

A UTF-16 or UTF-32 byte-order mark (Excel's "Unicode text" is UTF-16) decides the encoding whenever
the one asked for is a Unicode one (the default UTF-8, or UTF-16/32 of either byte order): those
bytes cannot be UTF-8, and the mark says exactly what they are.

A byte that does not decode stops reading with a one-line :class:`~vnflag.VnflagError` naming the
file, the byte offset and line, the encoding the bytes look like, and the option to use. Windows-1258
(``cp1258``) writes most Vietnamese tone marks as separate combining characters; text decoded from
it is composed (Unicode NFC) so that it matches the same words typed in UTF-8.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from ..exceptions import VnflagError

__all__ = ["DEFAULT_ENCODING", "codec_name", "decode_lines", "likely_encoding", "marked_codec"]

DEFAULT_ENCODING = "utf-8"

#: Codecs whose decoded text carries combining tone marks that Unicode text has precomposed.
DECOMPOSING_CODECS = frozenset({"cp1258"})

_BLOCK = 1 << 20
_BOM = codecs.BOM_UTF8
# Byte-order marks that name their codec; UTF-32's first, as UTF-32-LE's begins with UTF-16-LE's.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_UNICODE_CODECS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                             "utf-32", "utf-32-le", "utf-32-be"})
# Tone marks that cp1258 stores as separate bytes (grave, acute, tilde, hook above, dot below).
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def codec_name(encoding: str) -> str:
    """The canonical Python codec name of ``encoding``; an unknown name is a :class:`~vnflag.VnflagError`.

    >>> codec_name("Windows-1258")
    'cp1258'
    """
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError) as exc:
        raise VnflagError(f"unknown encoding {encoding!r}; use a Python codec name such as utf-8 or cp1258") from exc


def likely_encoding(sample: bytes) -> str | None:
    """The encoding ``sample`` most likely uses (charset-normalizer's guess; ``cp1258`` when the
    bytes decode to Vietnamese letters followed by cp1258's separate tone marks), or ``None``.

    >>> likely_encoding("Tin nóng".encode("utf-8"))   # doctest: +SKIP
    'utf_8'
    """
    try:
        as_cp1258 = sample.decode("cp1258")
    except UnicodeDecodeError:
        as_cp1258 = ""
    if any(mark in as_cp1258 for mark in _TONE_MARKS):
        return "cp1258"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return None if best is None else best.encoding


def marked_codec(head: bytes, encoding: str) -> str:
    """The codec to decode a file starting with ``head`` when ``encoding`` was asked for: the codec
    of a UTF-16/UTF-32 byte-order mark when ``encoding`` is a Unicode one, else ``encoding``'s own.

    >>> marked_codec("id".encode("utf-16"), "utf-8"), marked_codec(b"id", "utf-8")
    ('utf-16', 'utf-8')
    """
    codec = codec_name(encoding)
    if codec in _UNICODE_CODECS:
        for bom, marked in _WIDE_BOMS:
            if head.startswith(bom):
                return marked
    return codec


def _decode_error(source: str, encoding: str, exc: UnicodeDecodeError, offset: int, line: int,
                  sample: bytes) -> VnflagError:
    byte = exc.object[exc.start:exc.start + 1].hex()
    guess = likely_encoding(sample)
    hint = (f"it looks like {guess}: read it with --encoding {guess} (encoding={guess!r} in Python)"
            if guess and codec_name(guess) != codec_name(encoding)
            else "give its encoding with --encoding NAME (encoding=... in Python), e.g. --encoding cp1258")
    return VnflagError(
        f"{source}: not valid {encoding}: byte 0x{byte} at offset {offset} (line {line}) cannot be decoded; "
        f"{hint}. Files in TCVN3 (ABC) or VNI must first be converted to Unicode (e.g. with UniKey's converter)"
    )


def decode_lines(stream: BinaryIO, encoding: str, source: str) -> Iterator[str]:
    """Decode a byte stream into text blocks that each end at a line break (``\\n``), so that no
    block splits a line; text from :data:`DECOMPOSING_CODECS` is composed (NFC).

    >>> import io
    >>> list(decode_lines(io.BytesIO(b"\\xef\\xbb\\xbfid\\n7\\n"), "utf-8", "posts.csv"))
    ['id\\n7\\n']
    """
    codec = codec_name(encoding)
    compose = codec in DECOMPOSING_CODECS
    decoder = None
    offset, lines, pending, head = 0, 0, "", b""
    while True:
        block = stream.read(_BLOCK)
        if decoder is None:
            head = block
            marked = marked_codec(block, codec)  # a UTF-16/32 mark (left in: those codecs read and drop it)
            if marked != codec:
                codec = encoding = marked
            decoder = codecs.getincrementaldecoder(codec)(errors="strict")
            if codec == "utf-8" and block.startswith(_BOM):
                block, offset = block[len(_BOM):], len(_BOM)
        buffered = len(decoder.getstate()[0]) if hasattr(decoder, "getstate") else 0
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            position = max(exc.start - buffered, 0)
            sample = head if offset <= len(_BOM) else head[:_BLOCK // 2] + block
            raise _decode_error(source, encoding, exc, offset - buffered + exc.start,
                                lines + block[:position].count(b"\n") + 1, sample) from None
        offset += len(block)
        lines += block.count(b"\n")
        text = pending + text
        if not block:
            if text:
                yield unicodedata.normalize("NFC", text) if compose else text
            return
        cut = text.rfind("\n") + 1
        pending = text[cut:]
        if cut:
            yield unicodedata.normalize("NFC", text[:cut]) if compose else text[:cut]
