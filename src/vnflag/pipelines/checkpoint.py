"""Resumable scoring: what a run of ``vnflag score`` has finished, kept beside its output.

The checkpoint is a directory ``<output>.vnflag-checkpoint/`` holding each completed chunk's
scored rows as a Parquet part (types kept exactly) and ``checkpoint.json``: the model version,
the input's SHA-256, the chunk size and the options that change the output, the number of chunks
done, and the running totals (summary and drift counts). Every file in it is written atomically
and ``checkpoint.json`` last, so after a crash or ``kill -9`` it always describes finished parts
only. A resumed run that differs in any of those identities is refused; the finished output is
assembled from the parts, identical to an uninterrupted run, and the checkpoint is then removed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.files import atomic_path, file_sha256, read_json_document, write_json_atomic
from ..exceptions import VnflagError

__all__ = ["ScoreCheckpoint", "CHECKPOINT_SUFFIX"]

CHECKPOINT_SUFFIX = ".vnflag-checkpoint"
_STATE = "checkpoint.json"
_KIND = "vnflag-score-checkpoint"


class ScoreCheckpoint:
    """The checkpoint of one scoring run into ``output``.

    >>> checkpoint = ScoreCheckpoint.start("scored.csv", identity, resume=True)   # doctest: +SKIP
    >>> checkpoint.chunks_done, checkpoint.totals                                  # doctest: +SKIP
    """

    def __init__(self, directory: Path, identity: dict[str, Any], chunks_done: int, totals: dict[str, Any]):
        self.directory = directory
        self.identity = identity
        self.chunks_done = chunks_done
        self.totals = totals

    @staticmethod
    def identity_of(model_version: str, input_path: str | os.PathLike, chunksize: int, **options: Any) -> dict:
        """What must be the same for a run to continue another: model, input bytes, chunking, options.

        >>> ScoreCheckpoint.identity_of("v1", "posts.csv", 20000, top_k=3)["chunksize"]   # doctest: +SKIP
        20000
        """
        if str(input_path) == "-":
            raise VnflagError("--resume needs an input file, not standard input")
        return {"model_version": model_version, "input_sha256": file_sha256(input_path), "chunksize": chunksize,
                "options": options}

    @classmethod
    def start(cls, output: str | os.PathLike, identity: dict[str, Any], resume: bool) -> "ScoreCheckpoint":
        """Open the checkpoint for ``output``: continue it with ``resume`` (refused if its identity
        differs), or replace a stale one left by an earlier run."""
        if str(output) == "-":
            raise VnflagError("--resume needs an output file, not standard output")
        directory = Path(f"{output}{CHECKPOINT_SUFFIX}")
        state = cls._read(directory)
        if state is not None and resume:
            different = [key for key in ("model_version", "input_sha256", "chunksize", "options")
                         if state["identity"].get(key) != identity.get(key)]
            if different:
                raise VnflagError(f"{directory}: the checkpoint was made with another {', '.join(different)}; "
                                  "run without --resume to start again")
            return cls(directory, identity, int(state["chunks_done"]), dict(state["totals"]))
        if state is not None or directory.exists():
            cls._remove(directory)
        try:
            directory.mkdir(parents=True)
        except OSError as exc:  # read-only, no permission, no such place: name the output
            raise VnflagError(f"{output}: cannot write in {directory.parent}: {exc.strerror or exc}") from exc
        checkpoint = cls(directory, identity, 0, {})
        checkpoint._save()
        return checkpoint

    @staticmethod
    def _read(directory: Path) -> dict[str, Any] | None:
        if not (directory / _STATE).is_file():
            return None
        state = read_json_document(directory / _STATE, _KIND, "vnflag scoring checkpoint")
        if not isinstance(state.get("identity"), dict) or not isinstance(state.get("chunks_done"), int):
            raise VnflagError(f"{directory / _STATE}: damaged scoring checkpoint; run without --resume")
        return state

    @staticmethod
    def _remove(directory: Path) -> None:
        """Remove a checkpoint directory, only if vnflag made it (its files are all vnflag's)."""
        if not directory.is_dir() or directory.is_symlink():
            raise VnflagError(f"{directory}: exists and is not a vnflag checkpoint; move it away")
        foreign = [p.name for p in directory.iterdir()
                   if p.name != _STATE and not (p.name.startswith("part-") and p.suffix == ".parquet")
                   and not p.name.startswith(".")]
        if foreign:
            raise VnflagError(f"{directory}: holds files vnflag did not write ({', '.join(sorted(foreign)[:5])}); "
                              "move them away")
        shutil.rmtree(directory)

    def _part(self, number: int) -> Path:
        return self.directory / f"part-{number:06d}.parquet"

    def _save(self) -> None:
        write_json_atomic({"format": _KIND, "identity": self.identity, "chunks_done": self.chunks_done,
                           "totals": self.totals}, self.directory / _STATE)

    def add(self, scored: pd.DataFrame, totals: dict[str, Any]) -> None:
        """Keep a finished chunk and the running totals after it."""
        with atomic_path(self._part(self.chunks_done + 1), suffix=".parquet") as tmp:
            scored.to_parquet(tmp, index=False)
        self.chunks_done += 1
        self.totals = json.loads(json.dumps(totals))
        self._save()

    def parts(self, arrow: bool = False):
        """The finished chunks' scored rows, in order: DataFrames, or with ``arrow`` pyarrow
        Tables (for a Parquet output, which then never goes through pandas again)."""
        for number in range(1, self.chunks_done + 1):
            if arrow:
                import pyarrow.parquet as pq

                yield pq.read_table(self._part(number))
            else:
                yield pd.read_parquet(self._part(number))

    def finish(self) -> None:
        """The output is complete: remove the checkpoint."""
        self._remove(self.directory)
