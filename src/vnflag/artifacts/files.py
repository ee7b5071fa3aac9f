"""Writing files safely: every file vnflag writes appears whole under its final name or not at all.

One atomic writer for each kind of content (any file through :func:`atomic_path`, text, and
vnflag's JSON documents), one reader for those documents, one checksum, one timestamp format.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..exceptions import VnflagError

__all__ = ["atomic_path", "write_text_atomic", "write_json_atomic", "json_text", "read_json_document",
           "file_sha256", "utc_now", "current_umask"]


def current_umask() -> int:
    """The process's umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    The temporary file follows the umask (outputs are for colleagues to read), and is removed
    if the block fails, so a failed write leaves ``path`` as it was.

    >>> with atomic_path("out.csv") as tmp:      # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write UTF-8 text to ``path`` atomically; returns the path.

    >>> write_text_atomic("# Report\\n", "out/report.md")   # doctest: +SKIP
    """
    with atomic_path(path, suffix=Path(str(path)).suffix) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _json_safe(value: Any) -> Any:
    """NaN and infinities become ``null`` (strict JSON has neither); containers are walked."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # NumPy scalars
        return _json_safe(value.item())
    return value


def json_text(payload: Any) -> str:
    """vnflag's JSON layout: UTF-8 text as is, two-space indents, undefined numbers as ``null``.

    >>> json_text({"precision": float("nan")})
    '{\\n  "precision": null\\n}\\n'
    """
    return json.dumps(_json_safe(payload), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_json_atomic(payload: Any, path: str | os.PathLike) -> Path:
    """Write a JSON document atomically in vnflag's layout (:func:`json_text`); returns the path.

    >>> write_json_atomic({"format": "vnflag-queue"}, "out/queue.vnflag-queue.json")   # doctest: +SKIP
    """
    return write_text_atomic(json_text(payload), path)


def read_json_document(path: str | os.PathLike, kind: str, what: str) -> dict:
    """Read one of vnflag's own JSON documents (a manifest, a queue record, a registry index),
    checking that its ``format`` field is ``kind``; any problem is a one-line
    :class:`~vnflag.VnflagError` naming the file.

    >>> read_json_document("out/model/manifest.json", "vnflag-model", "vnflag model manifest")  # doctest: +SKIP
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise VnflagError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VnflagError(f"{path}: unreadable {what}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != kind:
        raise VnflagError(f"{path}: not a {what}")
    return document


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in blocks: the identity of a model file or an import.

    >>> file_sha256("data/posts_labelled.csv")[:8]   # doctest: +SKIP
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> str:
    """The current UTC time to the second, ISO 8601: the timestamp of records vnflag writes.

    >>> utc_now()   # doctest: +SKIP
    '2026-12-02T01:04:34+00:00'
    """
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
