"""Where scored chunks go: written once, into the run's working directory, moved into place at the end.

Every sink writes each scored chunk once, in order, and can say how far its output is valid
(:meth:`state`, kept in the checkpoint, always with the ``rows`` written) and cut it back to such a
point (``state`` given on opening), which is what ``--resume`` needs:

- a CSV, TSV or JSONL file is appended to ``<workdir>/output``; its state is its length in bytes;
- a directory output (Parquet parts ``part.00000.parquet``, ...) is ``<workdir>/output/``; its state
  is the number of parts and the SHA-256 of each;
- a Parquet file's row groups are appended to ``<workdir>/output`` and their metadata to
  ``<workdir>/output.meta`` (:mod:`vnflag.pipelines.parquet_append`); its state is both lengths, and
  closing it writes the footer;
- a JSON or XLSX file cannot be appended to (nor cut back), so its chunks are kept as Parquet
  parts ``<workdir>/part-000001.parquet`` (state: as a directory output's) and written into the
  output table at the end;
- standard output (``-``) is written as the chunks come, and cannot be resumed.

The working directory is beside the output (a checkpoint, :mod:`vnflag.pipelines.checkpoint`),
so moving the finished output into place is one rename: the output appears whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import VnflagError
from ..io.delimited import header_length
from ..io.files import file_sha256
from ..io.parquet import row_count
from ..io.tables import TableWriter, check_writable, table_format
from .parquet_append import AppendableParquet

__all__ = ["open_sink", "is_directory_output", "directory_target"]

_APPENDED = ("csv", "tsv", "jsonl")
_OUTPUT = "output"
_CHUNK = "chunk"
_HEADED = {"csv": ",", "tsv": "\t"}
TAIL_BYTES = 4096


def is_directory_output(output: str | os.PathLike) -> bool:
    """An output is a directory of Parquet parts when its path ends with ``/`` or is a directory."""
    text = str(output)
    return text != "-" and (text.endswith(("/", os.sep)) or Path(text).is_dir())


def directory_target(output: str | os.PathLike) -> Path:
    """The directory an output path names (without its trailing ``/``)."""
    return Path(str(output).rstrip("/" + os.sep) or str(output))


def open_sink(output: str | os.PathLike, workdir: Path | None, state: dict[str, Any]):
    """The sink writing ``output`` through ``workdir``, continuing from ``state`` (``{}``: from the start)."""
    if str(output) == "-":
        return _Stdout()
    assert workdir is not None
    if is_directory_output(output):
        return _DirectoryParts(directory_target(output), workdir, state)
    if table_format(output) in _APPENDED:
        return _AppendedFile(Path(output), workdir, state)
    if table_format(output) == "parquet":
        return _ParquetFile(Path(output), workdir, state)
    return _GatheredParts(Path(output), workdir, state)


class _Stdout:
    def __init__(self) -> None:
        self.writer = TableWriter("-")
        self.written = False

    def write(self, frame: pd.DataFrame) -> None:
        self.writer.write(frame)
        self.written = True

    def state(self) -> dict[str, Any]:
        return {}

    def sync(self) -> None:
        return None

    def close(self) -> None:
        self.writer.close()


def _write_whole(path: Path, frame: pd.DataFrame) -> None:
    """``frame`` as the one table of ``path``, written atomically by io's writer."""
    writer = TableWriter(path)
    try:
        writer.write(frame)
        writer.close()
    except BaseException:
        writer.abort()
        raise


def _tail(path: Path, length: int) -> str:
    """SHA-256 of the :data:`TAIL_BYTES` bytes before ``length`` in ``path``: a resumed run checks
    that the output it continues ends where the checkpoint says, at the end of a chunk."""
    with open(path, "rb") as handle:
        handle.seek(max(0, length - TAIL_BYTES))
        return hashlib.sha256(handle.read(min(length, TAIL_BYTES))).hexdigest()


def _check_length(workdir: Path, path: Path, state: dict[str, Any]) -> int:
    """The recorded length of ``path``, after checking that the file has it and ends there as recorded."""
    length = int(state.get("bytes", 0))
    have = path.stat().st_size if path.is_file() else 0
    if have < length:
        raise VnflagError(f"{workdir}: the checkpoint records {length} bytes of output but {have} are there; "
                          "run without --resume to start again")
    if length and _tail(path, length) != state.get("tail_sha256"):
        raise VnflagError(f"{workdir}: the output does not end where the checkpoint says (its last bytes differ); "
                          "run without --resume to start again")
    return length


class _AppendedFile:
    """CSV, TSV or JSONL appended chunk by chunk; cut back to the recorded length on resume."""

    def __init__(self, target: Path, workdir: Path, state: dict[str, Any]):
        self.target, self.path, self.format = target, workdir / _OUTPUT, table_format(target)
        self.length = _check_length(workdir, self.path, state)
        self.rows = int(state.get("rows", 0))
        with open(self.path, "ab") as handle:
            handle.truncate(self.length)  # what a killed run wrote after its last checkpoint goes

    @property
    def written(self) -> bool:
        return self.length > 0

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame`` as io's writer writes it (through a small file of this chunk alone, the
        header dropped after the first chunk), so the output is what :class:`TableWriter` writes."""
        scratch = self.path.with_name(_CHUNK + self.target.suffix)
        _write_whole(scratch, frame)
        data = scratch.read_bytes()
        scratch.unlink()
        if self.length and self.format in _HEADED:
            data = data[header_length(data, _HEADED[self.format]):]
        with open(self.path, "ab") as handle:
            handle.write(data)
        self.length += len(data)
        self.rows += len(frame)

    def state(self) -> dict[str, Any]:
        return {"bytes": self.length, "tail_sha256": _tail(self.path, self.length), "rows": self.rows}

    def sync(self) -> None:
        """The recorded length is on disk before the checkpoint says so."""
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())

    def close(self) -> None:
        if not self.path.exists():
            self.path.touch()
        os.replace(self.path, self.target)


class _ParquetFile:
    """One Parquet file, its row groups appended chunk by chunk (:mod:`vnflag.pipelines.parquet_append`)."""

    def __init__(self, target: Path, workdir: Path, state: dict[str, Any]):
        self.target, self.workdir = target, workdir
        _check_length(workdir, workdir / _OUTPUT, state)
        self.rows = int(state.get("rows", 0))
        try:
            self.parquet = AppendableParquet(workdir / _OUTPUT, state)
        except ValueError as exc:
            raise VnflagError(f"{workdir}: {exc}; run without --resume to start again") from None

    @property
    def written(self) -> bool:
        return self.parquet.written

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        self.parquet.write(pa.Table.from_pandas(frame, preserve_index=False))
        self.rows += len(frame)

    def state(self) -> dict[str, Any]:
        return {**self.parquet.state(), "tail_sha256": _tail(self.parquet.path, self.parquet.length),
                "rows": self.rows}

    def sync(self) -> None:
        self.parquet.sync()

    def close(self) -> None:
        os.replace(self.parquet.close(), self.target)


class _Parts:
    """Numbered Parquet parts in a directory, one per chunk, each recorded with its SHA-256: on
    resume a part that changed (or was copied over another) is refused, and parts past the
    recorded number (a killed run's last, unrecorded ones) are removed."""

    def __init__(self, directory: Path, state: dict[str, Any]):
        self.directory = directory
        self.parts = int(state.get("parts", 0))
        self.rows = int(state.get("rows", 0))
        self.hashes: list[str] = list(state.get("part_sha256", []))
        if len(self.hashes) != self.parts:
            raise VnflagError(f"{self.directory}: the checkpoint records {self.parts} parts and {len(self.hashes)} "
                              "checksums; run without --resume to start again")
        self.directory.mkdir(exist_ok=True)
        present = {p.name for p in self.directory.iterdir() if p.name.startswith("part") and p.suffix == ".parquet"}
        missing = [self._name(i) for i in range(self.parts) if self._name(i) not in present]
        if missing:
            raise VnflagError(f"{self.directory}: the checkpoint records {self.parts} parts but {missing[0]} is "
                              "missing; run without --resume to start again")
        for number, recorded in enumerate(self.hashes):  # a part changed, or copied over another: never kept
            if file_sha256(self.directory / self._name(number)) != recorded:
                raise VnflagError(f"{self.directory / self._name(number)}: the part is not the one the checkpoint "
                                  "recorded (its checksum differs); run without --resume to start again")
        held = sum(row_count(self.directory / self._name(i)) for i in range(self.parts))
        if held != self.rows:
            raise VnflagError(f"{self.directory}: the checkpoint records {self.rows} rows written but its parts hold "
                              f"{held}; run without --resume to start again")
        for name in present:
            if name not in {self._name(i) for i in range(self.parts)}:
                (self.directory / name).unlink()

    @property
    def written(self) -> bool:
        return self.parts > 0

    def _name(self, number: int) -> str:
        raise NotImplementedError

    def write(self, frame: pd.DataFrame) -> None:
        path = self.directory / self._name(self.parts)
        _write_whole(path, frame)
        self.hashes.append(file_sha256(path))
        self.parts += 1
        self.rows += len(frame)

    def state(self) -> dict[str, Any]:
        return {"parts": self.parts, "part_sha256": list(self.hashes), "rows": self.rows}

    def sync(self) -> None:
        return None  # each part is written atomically


class _DirectoryParts(_Parts):
    """A directory of Parquet parts ``part.00000.parquet``, ... in input order."""

    def __init__(self, target: Path, workdir: Path, state: dict[str, Any]):
        self.target = target
        super().__init__(workdir / _OUTPUT, state)

    def _name(self, number: int) -> str:
        return f"part.{number:05d}.parquet"

    def close(self) -> None:
        if self.target.is_dir() and not any(self.target.iterdir()):
            self.target.rmdir()  # an empty directory given as the output
        os.replace(self.directory, self.target)


class _GatheredParts(_Parts):
    """A JSON or XLSX file: its chunks kept as Parquet parts, written into the table at the end."""

    def __init__(self, target: Path, workdir: Path, state: dict[str, Any]):
        self.target = target
        super().__init__(workdir, state)

    def _name(self, number: int) -> str:
        return f"part-{number + 1:06d}.parquet"

    def write(self, frame: pd.DataFrame) -> None:
        """Keep a chunk, after checking that the output's format can hold it (an XLSX cell's size):
        a run that would cut a cell stops at the first such chunk, not after scoring everything."""
        check_writable(frame, self.target, self.rows)
        super().write(frame)

    def close(self) -> None:
        import pyarrow.parquet as pq

        writer = TableWriter(self.target)
        try:
            for number in range(self.parts):
                table = pq.read_table(self.directory / self._name(number))
                writer.write(table if writer.format == "parquet" else table.to_pandas())
            writer.close()
        except BaseException:
            writer.abort()
            raise
