"""Writing files safely: every file vnflag writes appears whole under its final name or not at all.

One atomic writer for each kind of content (any file through :func:`atomic_path`, text, and
vnflag's JSON documents), one reader for those documents, one checksum, one timestamp format.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..constants import SIDE_FILE_SUFFIXES
from ..exceptions import VnflagError

__all__ = ["atomic_path", "atomic_directory", "fsync_file", "fsync_directory", "write_text_atomic",
           "write_json_atomic", "json_text",
           "read_json_document", "file_sha256", "utc_now", "current_umask", "check_output_path",
           "check_output_paths", "side_file_suffix", "remove_stale_temporaries", "PROTECTED_MARKERS",
           "MAX_DOCUMENT_BYTES", "MAX_JSON_DEPTH", "check_json_depth", "check_json_values", "check_not_managed",
           "check_inside", "contained_files"]

#: Files that mark a directory vnflag manages (a model directory, a registry): nothing else is
#: ever written inside one except by the code that owns it.
PROTECTED_MARKERS = {"manifest.json": "vnflag-model", "registry.json": "vnflag-registry"}


def current_umask() -> int:
    """The process's umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_prefix(target: Path) -> str:
    """Name prefix of vnflag's temporary files for ``target``; the process id tells a later run
    whether their writer is still alive."""
    return f".{target.name}.vnflag-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def fsync_file(path: str | os.PathLike) -> None:
    """Force a written file's bytes to the disk, so that a power cut after the rename that
    publishes it cannot leave an empty or partial file under the final name."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_directory(path: str | os.PathLike) -> None:
    """Force a directory's entries (a rename into it) to the disk. Skipped where the platform or
    file system cannot open or sync a directory."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (files first, then their directories)."""
    for directory, _, files in os.walk(root, topdown=False):
        for name in files:
            entry = Path(directory) / name
            if entry.is_file() and not entry.is_symlink():
                fsync_file(entry)
        fsync_directory(directory)


def remove_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Remove temporary files and directories that vnflag left beside ``target`` when a run
    writing it was killed (``kill -9``, a power cut). Only names vnflag makes, and only those
    whose writing process is gone, are removed; returns what was removed.

    >>> remove_stale_temporaries("out/scored.csv")   # doctest: +SKIP
    []
    """
    target = Path(target)
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    pattern = re.compile(re.escape(f".{target.name}.vnflag-") + r"(\d+)-")
    for entry in target.parent.iterdir():
        match = pattern.match(entry.name)
        if not match or _pid_alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "", *, managed_ok: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    The file is synced to the disk before the rename and the directory after it, so that even a
    power cut leaves either the old file or the whole new one. The temporary file follows the
    umask (outputs are for colleagues to read), and is removed if the block fails, so a failed
    write leaves ``path`` as it was. Temporaries left by a killed earlier run are removed first
    (:func:`remove_stale_temporaries`). A file inside a model or registry directory is refused
    unless ``managed_ok`` (the code that owns it).

    >>> with atomic_path("out.csv") as tmp:      # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    target = Path(path)
    if target.is_dir():
        raise VnflagError(f"{path}: is a directory; give a file name for the output")
    if not managed_ok:
        check_not_managed(target, "output")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        handle, tmp_name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=suffix or ".tmp",
                                            dir=target.parent)
    except OSError as exc:  # read-only, no permission, no such place: name the output, not our temporary
        raise VnflagError(f"{path}: cannot write in {target.parent}: {exc.strerror or exc}") from exc
    os.close(handle)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, target)
        fsync_directory(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging directory beside ``path``; on success it takes ``path``'s place.

    An existing ``path`` is moved aside first and removed only after the new directory is in
    place, so a crash leaves either the old or the new directory, never a mix (plus, at worst, a
    hidden leftover that the next run removes). Every file of the new directory is synced to the
    disk before it takes ``path``'s place, and the parent directory after. Callers decide whether
    ``path`` may be replaced.

    >>> with atomic_directory("out/model") as staging:   # doctest: +SKIP
    ...     (staging / "manifest.json").write_text("{}")
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        staging = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), dir=target.parent))
    except OSError as exc:
        raise VnflagError(f"{path}: cannot write in {target.parent}: {exc.strerror or exc}") from exc
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes 0700; a model directory is shared
    try:
        yield staging
        _fsync_tree(staging)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target) + "old-", dir=target.parent))
            os.replace(target, old / "replaced")
            os.replace(staging, target)
            fsync_directory(target.parent)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
            fsync_directory(target.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _managed_directory(path: Path) -> Path | None:
    """The nearest directory at or above ``path`` that holds a vnflag manifest or registry index."""
    for directory in [path, *path.parents]:
        for marker in PROTECTED_MARKERS:
            if (directory / marker).is_file():
                return directory
    return None


def side_file_suffix(path: str | os.PathLike) -> str | None:
    """The side-file suffix (:data:`~vnflag.constants.SIDE_FILE_SUFFIXES`) that a part of ``path``
    ends with, compared case-insensitively as macOS and Windows file systems compare names; else ``None``.

    >>> side_file_suffix("out/today.CSV.Vnflag-Queue.json"), side_file_suffix("out/today.csv")
    ('.vnflag-queue.json', None)
    """
    for part in Path(path).parts:
        name = _name_key(part)
        for suffix in SIDE_FILE_SUFFIXES:
            if name.endswith(suffix):
                return suffix
    return None


def check_not_managed(path: str | os.PathLike, what: str = "output") -> None:
    """Refuse a file of ours (an output, a label store) at a path inside a model or registry
    directory (:data:`PROTECTED_MARKERS`), by any name: it would be copied with the model.

    >>> check_not_managed("out/model/labels.sqlite", "label store")   # doctest: +SKIP
    VnflagError: out/model/labels.sqlite: is inside the vnflag model or registry directory out/model; ...
    """
    managed = _managed_directory(Path(path).resolve().parent)
    if managed is not None:
        raise VnflagError(f"{path}: is inside the vnflag model or registry directory {managed}; "
                          f"keep the {what} elsewhere")


def check_inside(path: str | os.PathLike, root: str | os.PathLike, what: str) -> Path:
    """``path`` itself, refused if it is a symbolic link or its real path leaves ``root``: nothing
    outside a model or registry directory is read or followed through it.

    >>> check_inside("models/versions/v1", "models/versions", "the registry version directory")  # doctest: +SKIP
    PosixPath('models/versions/v1')
    """
    path = Path(path)
    if path.is_symlink():
        raise VnflagError(f"{path}: {what} is a symbolic link; vnflag follows no links inside {root}: "
                          "put what it links to in its place")
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise VnflagError(f"{path}: {what} leads outside {root}; refusing to use it")
    return path


def contained_files(directory: str | os.PathLike, what: str) -> list[Path]:
    """Every file under ``directory`` (relative paths, sorted), after refusing any symbolic link,
    any entry that is neither a plain file nor a directory, a file with other hard links, and
    anything whose real path leaves it: a model or registry directory is read and copied without
    following anything outside.

    >>> contained_files("out/model", "model directory")   # doctest: +SKIP
    [PosixPath('MODEL_CARD.md'), PosixPath('manifest.json'), PosixPath('model.skops')]
    """
    root = Path(directory)
    files: list[Path] = []
    pending = [root]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise VnflagError(f"{current}: cannot read the {what}: {exc.strerror or exc}") from exc
        for entry in entries:
            path = Path(entry.path)
            check_inside(path, root, f"a file of the {what}")
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False):
                links = entry.stat(follow_symlinks=False).st_nlink
                if links > 1:  # the same file is also elsewhere, perhaps outside: it is not the directory's own
                    raise VnflagError(f"{path}: a file of the {what} has {links} hard links; vnflag reads no file "
                                      "that is also elsewhere: put a copy of it in its place")
                files.append(path.relative_to(root))
            else:
                raise VnflagError(f"{path}: is not a plain file (a pipe, socket or device) inside the {what}; "
                                  "refusing to read it")
    return sorted(files)


def check_output_path(output: str | os.PathLike, inputs: Sequence[str | os.PathLike | None] = (),
                      what: str = "output", *, side_file: bool = False) -> None:
    """Refuse an output that would destroy something: an existing directory, any of the
    ``inputs`` (the same file by any name), a file inside a model or registry directory, or
    (unless it is one, ``side_file``) a name of vnflag's side files (a queue record, drift
    figures, a scoring checkpoint), which belong to another output.

    >>> check_output_path("posts.csv", inputs=["posts.csv"])   # doctest: +SKIP
    VnflagError: posts.csv: the output is also an input; choose another output file
    """
    if str(output) == "-":
        return
    target = Path(output)
    suffix = side_file_suffix(target.parent if side_file else target)
    if suffix is not None:
        raise VnflagError(f"{output}: is named like a vnflag side file (*{suffix}: the queue record, drift "
                          f"figures or checkpoint of another output); choose another name for the {what}")
    if target.is_dir():
        raise VnflagError(f"{output}: is a directory; give a file name for the {what}")
    resolved = target.resolve()
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        source_path = Path(source)
        same = (_name_key(resolved) == _name_key(source_path.resolve())
                or (target.exists() and source_path.exists() and os.path.samefile(target, source_path)))
        if same:
            raise VnflagError(f"{output}: the {what} is also an input ({source}); choose another {what} file")
    check_not_managed(target, what)


def _name_key(name: str | os.PathLike) -> str:
    """A file name or path as a case-insensitive, normalisation-insensitive file system (macOS,
    Windows) compares it."""
    return unicodedata.normalize("NFC", str(name)).casefold()


def check_output_paths(outputs: Sequence[tuple[str | os.PathLike, str]],
                       inputs: Sequence[str | os.PathLike | None] = (),
                       side_files: Sequence[tuple[str | os.PathLike, str]] = ()) -> None:
    """Check every path one command will write, before it writes any: each ``(path, what)`` of
    ``outputs`` and of vnflag's own ``side_files`` by :func:`check_output_path`, and no two of them
    the same file, compared case- and normalisation-insensitively (macOS and Windows file systems
    would make them one file).

    >>> check_output_paths([("r.b.json", "b's file")], side_files=[("R.B.json", "queue record")])
    Traceback (most recent call last):
    vnflag.exceptions.VnflagError: R.B.json: the queue record would be the same file as b's file (r.b.json); \
nothing written: choose other names
    """
    seen: dict[str, tuple[str | os.PathLike, str]] = {}
    for path, what, side in [*((p, w, False) for p, w in outputs), *((p, w, True) for p, w in side_files)]:
        if str(path) == "-":
            continue
        check_output_path(path, inputs, what, side_file=side)
        key = _name_key(Path(path).resolve())
        if key in seen:
            first, first_what = seen[key]
            raise VnflagError(f"{path}: the {what} would be the same file as {first_what} ({first}); "
                              "nothing written: choose other names")
        seen[key] = (path, what)


def write_text_atomic(text: str, path: str | os.PathLike, *, managed_ok: bool = False) -> Path:
    """Write UTF-8 text to ``path`` atomically (see :func:`atomic_path`); returns the path.

    >>> write_text_atomic("# Report\\n", "out/report.md")   # doctest: +SKIP
    """
    with atomic_path(path, suffix=Path(str(path)).suffix, managed_ok=managed_ok) as tmp:
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


def write_json_atomic(payload: Any, path: str | os.PathLike, *, managed_ok: bool = False) -> Path:
    """Write a JSON document atomically in vnflag's layout (:func:`json_text`); returns the path.

    >>> write_json_atomic({"format": "vnflag-queue"}, "out/queue.vnflag-queue.json")   # doctest: +SKIP
    """
    return write_text_atomic(json_text(payload), path, managed_ok=managed_ok)


#: The largest JSON document of vnflag's read (a queue record holds every member's text: a queue of
#: a few thousand items is a few MB; manifests, registry indexes and checkpoints are KB).
MAX_DOCUMENT_BYTES = 256 * 2**20
#: The deepest nesting of arrays and objects in a JSON document read: vnflag's own documents nest at
#: most 6 levels and Label Studio or Argilla exports about 8; Python's parser recurses once per level
#: and stops near 1,000 with a RecursionError, so the text is measured before it is parsed.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def check_json_depth(text: str, where: str | os.PathLike, what: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON ``text`` whose arrays and objects nest deeper than ``max_depth``, measured on
    the text (brackets inside strings do not count) before any parser recurses into it.

    >>> check_json_depth('{"a": [[1]], "b": "[[[["}', "x.json", "document", max_depth=3)
    """
    import numpy as np

    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    depth = int(np.cumsum(np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)).max())
    if depth > max_depth:
        raise VnflagError(f"{where}: invalid {what}: nested {depth} levels deep, more than the {max_depth} "
                          "a document may have")


def check_json_values(document: Any, where: str | os.PathLike, what: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise a one-line :class:`~vnflag.VnflagError` if a parsed ``document`` nests deeper than
    ``max_depth`` or holds a number that is not finite (a NaN or infinity that range checks let
    through). Walks without recursion, so it is safe before a schema validator recurses.

    >>> check_json_values({"a": [1, float("nan")]}, "q.json", "queue record")  # doctest: +SKIP
    VnflagError: q.json: invalid queue record: field 'a.1': not a finite number (nan)
    """
    stack: list[tuple[Any, tuple, int]] = [(document, (), 1)]
    while stack:
        value, where_in, depth = stack.pop()
        field = ".".join(str(p) for p in where_in) or "(the document)"
        if isinstance(value, float) and not math.isfinite(value):
            raise VnflagError(f"{where}: invalid {what}: field {field!r}: not a finite number ({value})")
        if isinstance(value, (dict, list)):
            if depth > max_depth:
                raise VnflagError(f"{where}: invalid {what}: field {field!r}: nested deeper than {max_depth} levels")
            children = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((child, (*where_in, key), depth + 1) for key, child in children)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json_document(path: str | os.PathLike, kind: str | None, what: str,
                       max_bytes: int = MAX_DOCUMENT_BYTES) -> dict:
    """Read one of vnflag's own JSON documents (a manifest, a queue record, a registry index, a
    checkpoint), checking that it has at most ``max_bytes`` bytes and :data:`MAX_JSON_DEPTH`
    levels, no ``NaN`` or ``Infinity``, and that its ``format`` field is ``kind`` (any object when
    ``kind`` is ``None``: a document written without one, such as a retrain's comparison); any problem
    is a one-line :class:`~vnflag.VnflagError` naming the file. Its fields are the caller's
    schema's to check.

    >>> read_json_document("out/model/manifest.json", "vnflag-model", "vnflag model manifest")  # doctest: +SKIP
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise VnflagError(f"{path}: invalid {what}: {size} bytes, more than the {max_bytes} "
                                  "it may have")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise VnflagError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # grew while being read
        raise VnflagError(f"{path}: invalid {what}: more than the {max_bytes} bytes it may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VnflagError(f"{path}: unreadable {what}: {exc}") from exc
    check_json_depth(text, path, what)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise VnflagError(f"{path}: unreadable {what}: {exc}") from exc
    except ValueError as exc:  # NaN/Infinity, a whole number longer than Python converts (4300 digits)
        raise VnflagError(f"{path}: invalid {what}: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth is checked first
        raise VnflagError(f"{path}: invalid {what}: nested too deeply to read") from None
    if not isinstance(document, dict) or (kind is not None and document.get("format") != kind):
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
