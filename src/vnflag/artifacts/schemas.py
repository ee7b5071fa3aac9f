"""JSON Schemas of the documents vnflag trusts from disk: a model directory's manifest, a
registry's index and a scoring run's checkpoint. A document from someone else's directory is
untrusted input: it is validated before any field is used, and every file name in it must stay
inside its directory."""

from __future__ import annotations

import os
from typing import Any

from ..exceptions import VnflagError
from ..io.files import check_json_values

__all__ = ["MANIFEST_SCHEMA", "REGISTRY_SCHEMA", "CHECKPOINT_SCHEMA", "validate_document", "PLAIN_NAME",
           "ISO_TIMESTAMP"]

#: A file or version name: no path separator, no leading dot (so no ".."), nothing absolute.
PLAIN_NAME = r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$"
_TEXT_OR_NULL = {"type": ["string", "null"]}
#: An ISO 8601 time as vnflag writes it (:func:`~vnflag.io.files.utc_now`), with its offset.
ISO_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([+-][0-9]{2}:[0-9]{2}|Z)$"

MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "format_version", "model_version", "model_file", "model_sha256", "columns",
                 "classes", "threshold", "versions"],
    "properties": {
        "format": {"const": "vnflag-model"},
        "format_version": {"type": "integer", "minimum": 1},
        "model_version": {"type": "string", "pattern": PLAIN_NAME},
        "created_at": _TEXT_OR_NULL,
        "parent_version": _TEXT_OR_NULL,
        "versions": {"type": "object", "additionalProperties": {"type": "string"}},
        "model_file": {"type": "string", "pattern": PLAIN_NAME},
        "model_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "columns": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string"}, "label": _TEXT_OR_NULL,
                           "meta": {"type": "array", "items": {"type": "string"}}, "time": _TEXT_OR_NULL},
        },
        "classes": {"type": "array", "minItems": 2, "maxItems": 2},
        "threshold": {"type": "number", "minimum": 0, "maximum": 1},
        "metrics": {"type": "object"},
        "drift": {
            "type": ["object", "null"],
            "required": ["score_edges", "score_shares"],
            "properties": {"score_edges": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}},
                           "score_shares": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                                            "minItems": 1},
                           "flag_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                           "unseen_token_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1}},
        },
        "training_data": {"type": "object"},
        "params": {"type": "object"},
    },
}

REGISTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "versions", "promoted", "stack", "events"],
    "properties": {
        "format": {"const": "vnflag-registry"},
        "versions": {"type": "array", "items": {
            "type": "object",
            "required": ["version", "path"],
            "properties": {"version": {"type": "string", "pattern": PLAIN_NAME}, "path": {"type": "string"},
                           "created_at": _TEXT_OR_NULL, "added_at": _TEXT_OR_NULL,
                           "parent": _TEXT_OR_NULL, "promotable": {"type": ["boolean", "null"]},
                           "labels_snapshot": {"type": ["object", "null"]},
                           "training_rows": {"type": ["integer", "null"], "minimum": 0},
                           "cv_roc_auc": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                           "comparison": {"type": ["object", "null"]}, "note": {"type": "string"}},
        }},
        "promoted": {"type": ["string", "null"], "pattern": PLAIN_NAME},
        "stack": {"type": "array", "items": {"type": "string", "pattern": PLAIN_NAME}},
        "events": {"type": "array", "items": {
            "type": "object",
            "required": ["at", "action", "version"],
            "properties": {"at": {"type": "string", "pattern": ISO_TIMESTAMP},
                           "action": {"enum": ["add", "promote", "rollback"]},
                           "version": {"type": "string", "pattern": PLAIN_NAME},
                           "from": {"type": ["string", "null"], "pattern": PLAIN_NAME},
                           "forced": {"type": "boolean"}},
        }},
    },
}

_COUNT = {"type": "integer", "minimum": 0}

#: ``<output>.vnflag-checkpoint/checkpoint.json`` (:mod:`vnflag.pipelines.checkpoint`): what a resumed
#: run trusts to cut its output back and continue, so every count is a whole number of 0 or more.
CHECKPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "identity", "chunks_done", "sink", "totals"],
    "properties": {
        "format": {"const": "vnflag-score-checkpoint"},
        "identity": {
            "type": "object",
            "required": ["model_version", "input", "chunksize", "options"],
            "properties": {
                "model_version": {"type": "string"},
                "input": {"type": "array", "items": {
                    "type": "object",
                    "required": ["path", "size", "mtime_ns", "edges_sha256"],
                    "properties": {"path": {"type": "string"}, "size": _COUNT, "mtime_ns": {"type": "integer"},
                                   "edges_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                }},
                "chunksize": {"type": "integer", "minimum": 1},
                "options": {"type": "object"},
            },
        },
        "chunks_done": _COUNT,
        "sink": {
            "type": "object",
            "properties": {"bytes": _COUNT, "tail_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                           "meta_bytes": _COUNT, "parts": _COUNT, "rows": _COUNT,
                           "part_sha256": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
            "dependentRequired": {"parts": ["part_sha256"]},
            "additionalProperties": False,
        },
        "totals": {
            "type": "object",
            "properties": {
                "summary": {"type": "object", "required": ["rows", "flagged", "not_scored", "truncated"],
                            "properties": {k: _COUNT for k in ("rows", "flagged", "not_scored", "truncated")}},
                "drift": {"type": "object", "required": ["counts", "tokens", "unseen", "flagged"],
                          "properties": {"counts": {"type": "array", "items": _COUNT},
                                         "tokens": _COUNT, "unseen": _COUNT, "flagged": _COUNT}},
            },
        },
    },
    "if": {"properties": {"chunks_done": {"minimum": 1}}},
    "then": {"properties": {"totals": {"required": ["summary", "drift"]}}},
}


def validate_document(document: Any, schema: dict[str, Any], path: str | os.PathLike, what: str) -> None:
    """Raise a one-line :class:`~vnflag.VnflagError` naming the first field of ``document`` that
    does not match ``schema``, after refusing a document nested deeper than
    :data:`~vnflag.io.files.MAX_JSON_DEPTH` or holding a NaN or infinity (which JSON Schema's
    ranges let through), so a document given in memory is held to what its file would be.

    >>> validate_document({"format": "x"}, REGISTRY_SCHEMA, "registry.json", "registry index")  # doctest: +SKIP
    VnflagError: registry.json: invalid registry index: field 'format': 'vnflag-registry' was expected
    """
    import jsonschema

    check_json_values(document, path, what)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        field = ".".join(str(p) for p in error.absolute_path) or "(the document)"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise VnflagError(f"{path}: invalid {what}: field {field!r}: {message}")


# ------------------------------------------------------------------ queue record (label store)
# The record ``<queue>.vnflag-queue.json`` that ``vnflag labels import`` trusts to know which posts a
# queue holds and how they were drawn. Bounds: counts are whole numbers in [0, 2**53] (exact in
# JSON and in SQLite); an inclusion probability is a number in [1e-9, 1] (1e-9: one group in a
# billion, below which a Horvitz–Thompson weight is no longer a count of posts; the queue-record
# reader also checks it against the batch's own number of groups); every number is finite
# (:func:`validate_document`); ``meta`` is an object of plain values.
__all__ += ["QUEUE_RECORD_SCHEMA", "MIN_INCLUSION_PROBABILITY"]

#: The smallest inclusion probability a queue record may give (one group in a billion).
MIN_INCLUSION_PROBABILITY = 1e-9
_COUNT = {"type": "integer", "minimum": 0, "maximum": 2**53}
_COUNT_OR_NULL = {"type": ["integer", "null"], "minimum": 0, "maximum": 2**53}
_SHARE_OR_NULL = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_NAMES = {"type": "array", "items": {"type": "string"}}
_KEY = {"type": "string", "minLength": 1, "maxLength": 200}

QUEUE_RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "queue_id", "items"],
    "properties": {
        "format": {"const": "vnflag-queue"},
        "queue_id": _KEY,
        "purpose": {"enum": ["review", "adjudication", None]},
        "created_at": _TEXT_OR_NULL,
        "policy": _TEXT_OR_NULL,
        "budget": _COUNT_OR_NULL,
        "explore": _SHARE_OR_NULL,
        "threshold": _NUMBER_OR_NULL,
        "model_threshold": _NUMBER_OR_NULL,
        "redacted": {"type": ["boolean", "null"]},
        "similarity": _NUMBER_OR_NULL,
        "model_versions": _NAMES,
        "scored_rows": _COUNT_OR_NULL,
        "groups": _COUNT_OR_NULL,
        "repeated_ids": _COUNT_OR_NULL,
        "scored_posts": _COUNT_OR_NULL,
        "scored_groups": _COUNT_OR_NULL,
        "eligible": _COUNT_OR_NULL,
        "reviewers": _NAMES,
        "overlap": _SHARE_OR_NULL,
        "meta_cols": _NAMES,
        "items": {"type": "array", "maxItems": 1_000_000, "items": {
            "type": "object",
            "required": ["item_id", "members"],
            "properties": {
                "item_id": _KEY,
                "rank": _COUNT_OR_NULL,
                "why": _TEXT_OR_NULL,
                "score": _NUMBER_OR_NULL,
                "inclusion_probability": {"type": ["number", "null"], "minimum": MIN_INCLUSION_PROBABILITY,
                                          "maximum": 1},
                "flagged": {"type": ["boolean", "null"]},
                "group_size": {"type": "integer", "minimum": 1, "maximum": 2**53},
                "assigned_to": _NAMES,
                "members": {"type": "array", "minItems": 1, "maxItems": 10_000_000, "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "fingerprint": _TEXT_OR_NULL,
                        "score": _NUMBER_OR_NULL,
                        "model_version": _TEXT_OR_NULL,
                        "text": _TEXT_OR_NULL,
                        "meta": {"type": "object", "maxProperties": 1000,
                                 "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
                    },
                }},
            },
        }},
    },
}
