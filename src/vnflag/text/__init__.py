"""Text layer: Vietnamese normalisation and tokenisation. Imports nothing else of vnflag's but its error type."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "normalize_text": ".normalization",
    "normalize_texts": ".normalization",
    "teencode_table": ".normalization",
    "teencode_pattern": ".normalization",
    "PLACEHOLDER_LABELS": ".normalization",
    "EMAIL_PATTERN": ".normalization",
    "PHONE_PATTERN": ".normalization",
    "Segmenter": ".segmenter",
    "segment_text": ".segmentation",
    "segment_texts": ".segmentation",
})
