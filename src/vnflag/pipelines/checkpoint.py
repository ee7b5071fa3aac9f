"""Resumable scoring: what a run of ``vnflag score`` has finished, kept beside its output.

The checkpoint is a directory ``<output>.vnflag-checkpoint/``. The output is written into it as
it is scored (:mod:`vnflag.pipelines.sinks`: a CSV, TSV or JSONL output is appended to one file,
a Parquet file's row groups likewise; a directory output's Parquet parts are its files; JSON and
XLSX files, which cannot be appended to, are kept as one Parquet part per chunk) and
``checkpoint.json`` says how far it is valid: the chunks done, the output's state after them (its
length in bytes, or its parts), and the running totals (summary and drift counts).
``checkpoint.json`` is written atomically after the output it describes is on disk, so after a
crash or ``kill -9`` it describes finished chunks only; a resumed run cuts the output back to that
point and continues, and the finished output is moved into place, identical to an uninterrupted
run's.

A run that cannot be resumed (standard input) writes into a temporary directory of the same form
and keeps no ``checkpoint.json``. A resumed run must have the same identity: model version, input
(each file's size, modification time and the SHA-256 of its first and last MiB, so no run reads a
whole input twice), chunk size and the options that change the output; ``checkpoint.json`` is
validated against :data:`~vnflag.artifacts.schemas.CHECKPOINT_SCHEMA` before any field is used.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..artifacts.schemas import CHECKPOINT_SCHEMA, validate_document
from ..exceptions import VnflagError
from ..io.files import (
    current_umask,
    read_json_document,
    remove_stale_temporaries,
    write_json_atomic,
)

__all__ = ["ScoreCheckpoint", "CHECKPOINT_SUFFIX", "input_identity"]

CHECKPOINT_SUFFIX = ".vnflag-checkpoint"
_STATE = "checkpoint.json"
_KIND = "vnflag-score-checkpoint"
#: Bytes hashed at each end of an input file for its identity.
EDGE_BYTES = 2**20
_IDENTITY_KEYS = ("model_version", "input", "chunksize", "options")


def input_identity(files: Sequence[str | os.PathLike]) -> list[dict[str, Any]]:
    """What tells that an input has not changed, without reading it whole: each file's name, size,
    modification time (ns) and the SHA-256 of its first and last MiB.

    >>> input_identity(["posts.csv"])[0]["size"]   # doctest: +SKIP
    18212
    """
    identity = []
    for file in files:
        try:
            stat = os.stat(file)
            digest = hashlib.sha256()
            with open(file, "rb") as handle:
                digest.update(handle.read(EDGE_BYTES))
                if stat.st_size > EDGE_BYTES:
                    handle.seek(max(EDGE_BYTES, stat.st_size - EDGE_BYTES))
                    digest.update(handle.read(EDGE_BYTES))
        except OSError as exc:
            raise VnflagError(f"{file}: cannot read: {exc.strerror or exc}") from exc
        identity.append({"path": os.path.abspath(file), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                         "edges_sha256": digest.hexdigest()})
    return identity


class ScoreCheckpoint:
    """The working directory of one scoring run into ``output``, and its checkpoint.

    ``state`` is what ``checkpoint.json`` holds: ``chunks_done``, ``sink`` (the output's state
    after them) and ``totals`` (``summary`` and ``drift`` counts).

    >>> checkpoint = ScoreCheckpoint.start("scored.csv", identity, resume=True)   # doctest: +SKIP
    >>> checkpoint.chunks_done                                                     # doctest: +SKIP
    3
    """

    def __init__(self, directory: Path, identity: dict[str, Any] | None, state: dict[str, Any]):
        self.directory = directory
        self.identity = identity
        self.state = state

    @property
    def chunks_done(self) -> int:
        return int(self.state["chunks_done"])

    @property
    def resumable(self) -> bool:
        return self.identity is not None

    @staticmethod
    def location(output: str | os.PathLike) -> Path:
        """The checkpoint directory of ``output`` (a file, or a directory given with or without ``/``)."""
        return Path(f"{str(output).rstrip('/' + os.sep) or output}{CHECKPOINT_SUFFIX}")

    @classmethod
    def start(cls, output: str | os.PathLike, identity: dict[str, Any], resume: bool) -> ScoreCheckpoint:
        """Open the checkpoint of ``output``: continue it with ``resume`` (refused if its identity
        differs, or if it is malformed), or replace a stale one left by an earlier run."""
        directory = cls.location(output)
        path = directory / _STATE
        if resume and path.is_file():
            state = read_json_document(path, _KIND, "vnflag scoring checkpoint")
            validate_document(state, CHECKPOINT_SCHEMA, path, "scoring checkpoint")
            different = [key for key in _IDENTITY_KEYS if state["identity"].get(key) != identity.get(key)]
            if different:
                raise VnflagError(f"{directory}: the checkpoint was made with another {', '.join(different)}; "
                                  "run without --resume to start again")
            return cls(directory, identity, {k: state[k] for k in ("chunks_done", "sink", "totals")})
        if directory.exists() or directory.is_symlink():
            cls._remove(directory)
        try:
            directory.mkdir(parents=True)
        except OSError as exc:  # read-only, no permission, no such place: name the output
            raise VnflagError(f"{output}: cannot write in {directory.parent}: {exc.strerror or exc}") from exc
        checkpoint = cls(directory, identity, {"chunks_done": 0, "sink": {}, "totals": {}})
        checkpoint.save(0, {}, {})
        return checkpoint

    @classmethod
    def temporary(cls, output: str | os.PathLike) -> ScoreCheckpoint:
        """A working directory for a run that cannot be resumed (its input is standard input): the
        same layout, no ``checkpoint.json``, a hidden name removed by the next run if this one is killed."""
        target = Path(str(output).rstrip("/" + os.sep) or str(output))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(target)
            directory = Path(tempfile.mkdtemp(prefix=f".{target.name}.vnflag-{os.getpid()}-", dir=target.parent))
        except OSError as exc:
            raise VnflagError(f"{output}: cannot write in {target.parent}: {exc.strerror or exc}") from exc
        os.chmod(directory, 0o777 & ~current_umask())
        return cls(directory, None, {"chunks_done": 0, "sink": {}, "totals": {}})

    @staticmethod
    def _remove(directory: Path) -> None:
        """Remove a checkpoint directory, only if vnflag made it (its files are all vnflag's)."""
        if not directory.is_dir() or directory.is_symlink():
            raise VnflagError(f"{directory}: exists and is not a vnflag checkpoint; move it away")
        ours = {_STATE, "output", "output.meta"}
        foreign = [p.name for p in directory.iterdir()
                   if p.name not in ours and not p.name.startswith(("part-", "chunk.", "."))]
        if foreign:
            raise VnflagError(f"{directory}: holds files vnflag did not write ({', '.join(sorted(foreign)[:5])}); "
                              "move them away")
        shutil.rmtree(directory)

    def save(self, chunks_done: int, sink: dict[str, Any], totals: dict[str, Any]) -> None:
        """Record that ``chunks_done`` chunks are finished, the output then being in state ``sink``
        (on disk already), with the running ``totals``; a temporary run records nothing."""
        self.state = {"chunks_done": chunks_done, "sink": sink, "totals": totals}
        if self.identity is not None:
            write_json_atomic({"format": _KIND, "identity": self.identity, **self.state}, self.directory / _STATE)

    def finish(self) -> None:
        """The output is in place: remove the checkpoint."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def discard(self) -> None:
        """A run failed: a resumable checkpoint is kept for ``--resume``, a temporary one removed."""
        if self.identity is None:
            self.finish()
