"""JSON Schemas of the documents vnflag trusts from disk: a model directory's manifest, a
registry's index and a scoring run's checkpoint. A document from someone else's directory is
untrusted input: it is validated before any field is used, and every file name in it must stay
inside its directory."""

from __future__ import annotations

import os
from typing import Any

from ..exceptions import VnflagError

__all__ = ["MANIFEST_SCHEMA", "REGISTRY_SCHEMA", "CHECKPOINT_SCHEMA", "validate_document", "PLAIN_NAME"]

#: A file or version name: no path separator, no leading dot (so no ".."), nothing absolute.
PLAIN_NAME = r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$"
_TEXT_OR_NULL = {"type": ["string", "null"]}

MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "format_version", "model_version", "model_file", "model_sha256", "columns",
                 "classes", "threshold", "versions"],
    "properties": {
        "format": {"const": "vnflag-model"},
        "format_version": {"type": "integer"},
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
                           "parent": _TEXT_OR_NULL, "promotable": {"type": ["boolean", "null"]},
                           "labels_snapshot": {"type": ["object", "null"]}},
        }},
        "promoted": {"type": ["string", "null"], "pattern": PLAIN_NAME},
        "stack": {"type": "array", "items": {"type": "string", "pattern": PLAIN_NAME}},
        "events": {"type": "array", "items": {"type": "object"}},
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
                           "meta_bytes": _COUNT, "parts": _COUNT},
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
    does not match ``schema``.

    >>> validate_document({"format": "x"}, REGISTRY_SCHEMA, "registry.json", "registry index")  # doctest: +SKIP
    VnflagError: registry.json: invalid registry index: field 'format': 'vnflag-registry' was expected
    """
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        field = ".".join(str(p) for p in error.absolute_path) or "(the document)"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise VnflagError(f"{path}: invalid {what}: field {field!r}: {message}")
