"""The model registry: a directory of model versions, one promoted, with lineage.

Layout::

    REGISTRY/registry.json          index: versions, lineage, promoted version, promotion history
    REGISTRY/versions/<version>/    a copy of each model directory (manifest.json, model.skops, ...)

Each version records its parent version and the label-store snapshot it was trained with (see
:meth:`~vnflag.LabelStore.snapshot`), and, for challengers, whether the retraining gate found
it promotable. Promotion is always an explicit act of a person; ``rollback`` returns to the
version promoted before. Scoring with a registry uses the promoted version.
"""

from __future__ import annotations

import builtins
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..display import MAX_DISPLAY_ROWS, format_value, html_table, text_table  # noqa: F401 (text_table: doctest)
from ..exceptions import VnflagError
from ..io.files import (
    atomic_directory,
    check_inside,
    contained_files,
    read_json_document,
    utc_now,
    write_json_atomic,
)
from .model_dir import MANIFEST, MODEL_DIR_FILES, load_model, read_manifest
from .schemas import REGISTRY_SCHEMA, validate_document

if TYPE_CHECKING:
    from ..model.flagger import Flagger

__all__ = ["Registry", "is_registry", "check_registry", "gate_failures", "resolve_model_dir", "resolve_model",
           "model_manifest", "model_files"]

INDEX = "registry.json"


def is_registry(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a registry directory (holds ``registry.json``)."""
    return (Path(path) / INDEX).is_file()


def check_registry(path: str | os.PathLike, create: bool = True) -> None:
    """Refuse, before any work, a registry vnflag could not use: with ``create``, a path that is
    neither a registry nor a new or empty directory; without it, anything but a registry.

    >>> check_registry("README.md")   # doctest: +SKIP
    VnflagError: README.md: exists and is not a model registry; choose an empty or new directory
    """
    target = Path(path)
    if is_registry(target):
        return
    if not create:
        raise VnflagError(f"{path}: not a vnflag model registry (no {INDEX})")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise VnflagError(f"{path}: exists and is not a model registry; choose an empty or new directory")


def resolve_model_dir(path: str | os.PathLike) -> Path:
    """The model directory to load: ``path`` itself, or a registry's promoted version.

    >>> resolve_model_dir("models/")          # doctest: +SKIP
    PosixPath('models/versions/20261129-151555-9a6d7a9b')
    """
    if is_registry(path):
        return Registry(path, create=False).promoted_path()
    return Path(path)


def resolve_model(model: Flagger | str | os.PathLike) -> Flagger:
    """A fitted :class:`Flagger`, or one loaded from a model directory or a registry (its promoted version).

    >>> resolve_model("out/model").threshold_   # doctest: +SKIP
    """
    return load_model(resolve_model_dir(model)) if isinstance(model, (str, os.PathLike)) else model


def model_files(model_dir: str | os.PathLike) -> tuple[dict[str, Any], builtins.list[Path]]:
    """The manifest and files of a model directory that may be copied into a registry: only the
    files vnflag writes in one (no label store, no other file, no link, nothing leading outside).

    >>> model_files("out/model")[1]   # doctest: +SKIP
    [PosixPath('MODEL_CARD.md'), PosixPath('manifest.json'), PosixPath('model.skops')]
    """
    manifest = read_manifest(model_dir)
    files = contained_files(model_dir, "model directory")
    unknown = [str(name) for name in files if str(name) not in MODEL_DIR_FILES]
    if unknown:
        raise VnflagError(f"{model_dir}: holds files vnflag did not write ({', '.join(unknown[:5])}); refusing "
                          "to copy them into the registry (only a model's own files are): move them out of it")
    return manifest, files


def model_manifest(model, flagger: Flagger) -> dict[str, Any]:
    """The manifest of ``model`` (a model directory or registry), or a manifest-like description
    of a fitted :class:`Flagger` that was never saved.

    >>> model_manifest("out/model", load_model("out/model"))["threshold"]   # doctest: +SKIP
    """
    if isinstance(model, (str, os.PathLike)):
        return read_manifest(resolve_model_dir(model))
    return {
        "model_version": getattr(flagger, "model_version_", "unsaved"),
        "threshold": flagger.threshold_,
        "metrics": {},  # measured by the training pipeline, kept only in a saved model's manifest
        "columns": {"text": flagger.text_col, "meta": list(flagger.meta_cols or ()), "time": flagger.time_col},
    }


def _read_comparison(path: Path) -> dict[str, Any]:
    """A retrain's ``comparison.json`` beside a challenger, checked where the registry uses it
    (``promotable``, each gate metric's ``passes``): a challenger that failed the gate stays refused by
    :meth:`Registry.promote` however it is added."""
    comparison = read_json_document(path, None, "retraining comparison")
    gate = comparison.get("gate", {})
    if not isinstance(comparison.get("promotable", False), bool) or not isinstance(gate, dict) or not all(
            isinstance(result, dict) and isinstance(result.get("passes", True), bool) for result in gate.values()):
        raise VnflagError(f"{path}: invalid retraining comparison: 'promotable' and each gate metric's 'passes' "
                          "must be true or false")
    return comparison


def gate_failures(comparison: dict[str, Any] | None) -> str:
    """Why a challenger failed the retraining gate, in words: each failed metric with the
    challenger's and the champion's figures and the margin (from the comparison kept in the registry).

    >>> gate_failures({"margin": 0.01, "gate": {"roc_auc": {"champion": 0.81, "challenger": 0.7634,
    ...                                                      "difference": -0.0466, "passes": False}}})
    'roc_auc 0.7634 vs champion 0.81 (-0.0466, more than the margin 0.01 worse)'
    """
    if not comparison or not comparison.get("gate"):
        return "no comparison recorded"
    failed = [f"{metric} {result['challenger']:.4g} vs champion {result['champion']:.4g} "
              f"({result['difference']:+.3g}, more than the margin {comparison.get('margin')} worse)"
              for metric, result in comparison["gate"].items() if not result.get("passes", True)]
    return "; ".join(failed) or "no failed metric recorded"


class Registry:
    """A directory of model versions with one promoted version and a promotion history.

    >>> registry = Registry("models")                                  # doctest: +SKIP
    >>> version = registry.add("out/model")                            # doctest: +SKIP
    >>> registry.promote(version); registry.list()                     # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, create: bool = True):
        self.path = Path(path)
        if not is_registry(self.path):
            check_registry(self.path, create)
            (self.path / "versions").mkdir(parents=True, exist_ok=True)
            self._write({"format": "vnflag-registry", "versions": [], "promoted": None, "stack": [], "events": []})

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        return f"Registry({str(self.path)!r})"  # reads nothing: a repr never fails on a damaged registry

    def to_frame(self) -> pd.DataFrame:
        """The versions, oldest first, as a DataFrame: :meth:`list`."""
        return self.list()

    def _repr_html_(self) -> str:
        """The versions as a table, for Jupyter (:meth:`list`; every value escaped)."""
        listing = self.list()
        promoted = listing.loc[listing["promoted"], "version"].tolist()
        return html_table(listing, caption=f"vnflag model registry {self.path}: {len(listing)} versions, promoted: "
                                           f"{promoted[0] if promoted else 'none'}", max_rows=MAX_DISPLAY_ROWS)

    # ----------------------------------------------------------------- storage
    def _read(self) -> dict[str, Any]:
        """The index, validated (:data:`~vnflag.artifacts.schemas.REGISTRY_SCHEMA`) and cross-checked
        against the directory before any field is used: each version once, kept in its own
        ``versions/<version>`` directory (present, no link in or to it, nothing leading outside the registry),
        and every promoted, stacked or logged version one of them, with event times that are times."""
        index = check_inside(self.path / INDEX, self.path, "the registry index")
        self._versions_dir()
        state = read_json_document(index, "vnflag-registry", "vnflag registry index")
        validate_document(state, REGISTRY_SCHEMA, index, "vnflag registry index")

        def invalid(field: str, problem: str) -> VnflagError:
            return VnflagError(f"{index}: invalid vnflag registry index: field {field!r}: {problem}")

        known: set[str] = set()
        for number, entry in enumerate(state["versions"]):
            version = entry["version"]
            if version in known:
                raise invalid(f"versions.{number}.version", f"version {version!r} is listed twice")
            known.add(version)
            if entry["path"] != f"versions/{version}":
                raise VnflagError(f"{index}: version {version!r} has path {entry['path']!r}; a registry "
                                  f"keeps each version in versions/<version>, inside the registry")
            directory = self._version_dir(version)
            if not directory.is_dir():
                raise invalid(f"versions.{number}", f"the directory of version {version!r} ({directory}) is missing")
            contained_files(directory, "registry version directory")  # no link in it either
        promoted = state["promoted"]
        for number, version in enumerate(state["stack"]):
            if version not in known:
                raise invalid(f"stack.{number}", f"version {version!r} is not in the registry")
        if promoted is not None and promoted not in known:
            raise invalid("promoted", f"version {promoted!r} is not in the registry")
        if promoted != (state["stack"][-1] if state["stack"] else None):
            raise invalid("promoted", f"{promoted!r} is not the last version of the promotion stack")
        for number, event in enumerate(state["events"]):
            for key in ("version", "from"):
                if event.get(key) is not None and event[key] not in known:
                    raise invalid(f"events.{number}.{key}", f"version {event[key]!r} is not in the registry")
            try:
                datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
            except ValueError:
                raise invalid(f"events.{number}.at", f"{event['at']!r} is not a time") from None
        return state

    def _write(self, state: dict[str, Any]) -> None:
        write_json_atomic(state, self.path / INDEX, managed_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write the index under an exclusive lock (POSIX; best effort elsewhere)."""
        with open(check_inside(self.path / ".lock", self.path, "the registry's lock file"), "a+") as handle:
            try:
                import fcntl

                fcntl.flock(handle, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - Windows
                pass
            state = self._read()
            yield state
            self._write(state)

    def _resolve(self, state: dict[str, Any], version: str) -> dict[str, Any]:
        matches = [v for v in state["versions"] if v["version"] == version]
        if not matches:
            matches = [v for v in state["versions"] if v["version"].startswith(str(version))]
        if len(matches) != 1:
            known = ", ".join(v["version"] for v in state["versions"]) or "none"
            what = "is ambiguous" if matches else "is not in the registry"
            raise VnflagError(f"version {version!r} {what}; versions: {known}")
        return matches[0]

    # ----------------------------------------------------------------- API
    def add(
        self,
        model_dir: str | os.PathLike,
        parent: str | None = None,
        labels_snapshot: dict[str, Any] | None = None,
        comparison: dict[str, Any] | None = None,
        note: str = "",
    ) -> str:
        """Copy a model directory into the registry as a new version; returns its version.
        Adding the same version again changes nothing.

        >>> snapshot = store.snapshot()                                                      # doctest: +SKIP
        >>> Registry("models").add("out/challenger", parent="2026...", labels_snapshot=snapshot)  # doctest: +SKIP
        """
        manifest, files = model_files(model_dir)
        version = manifest["model_version"]
        if comparison is None and Path("comparison.json") in files:  # a challenger added by hand keeps its gate
            comparison = _read_comparison(Path(model_dir) / "comparison.json")
        with self._locked() as state:
            existing = [v for v in state["versions"] if v["version"] == version]
            if existing:
                return version
            target = self.path / "versions" / version
            with atomic_directory(target) as staging:
                for name in files:
                    shutil.copy2(Path(model_dir) / name, staging / name, follow_symlinks=False)
            training = manifest.get("training_data", {})
            state["versions"].append({
                "version": version,
                "path": f"versions/{version}",
                "created_at": manifest.get("created_at"),
                "added_at": utc_now(),
                "parent": parent if parent is not None else manifest.get("parent_version"),
                "labels_snapshot": labels_snapshot if labels_snapshot is not None else training.get("labels"),
                "training_rows": training.get("rows"),
                "cv_roc_auc": (manifest.get("metrics") or {}).get("cv_roc_auc"),
                "promotable": None if comparison is None else bool(comparison.get("promotable")),
                "comparison": None if comparison is None else {
                    k: comparison.get(k) for k in ("champion", "challenger", "gate", "margin", "heldout")},
                "note": note,
            })
            state["events"].append({"at": utc_now(), "action": "add", "version": version})
        return version

    def list(self) -> pd.DataFrame:
        """One row per version, oldest first: version, created, parent, labels used, promotable, promoted.

        >>> Registry("models").list()[["version", "promoted"]]   # doctest: +SKIP
        """
        state = self._read()
        rows = [{
            "version": v["version"], "created_at": v.get("created_at"), "parent": v.get("parent") or "",
            "labels": (v.get("labels_snapshot") or {}).get("labels", 0), "training_rows": v.get("training_rows"),
            "cv_roc_auc": v.get("cv_roc_auc"),
            "promotable": "" if v.get("promotable") is None else ("yes" if v["promotable"] else "no"),
            "promoted": v["version"] == state.get("promoted"),
        } for v in state["versions"]]
        return pd.DataFrame(rows, columns=["version", "created_at", "parent", "labels", "training_rows",
                                           "cv_roc_auc", "promotable", "promoted"])

    def show(self, version: str) -> dict[str, Any]:
        """Everything known about one version (a unique prefix is enough): registry entry and manifest."""
        state = self._read()
        entry = dict(self._resolve(state, version))
        entry["promoted"] = entry["version"] == state.get("promoted")
        entry["manifest"] = read_manifest(self._version_dir(entry["version"]))
        return entry

    def describe(self, version: str) -> pd.DataFrame:
        """One version as a ``field | value`` table a person reads (``vnflag models show``): lineage,
        labels, columns, threshold, cross-validated metrics and the retraining gate; :meth:`show` has
        everything, with exact values.

        >>> print(text_table(Registry("models").describe("2026")))   # doctest: +SKIP
        """
        entry = self.show(version)
        manifest = entry["manifest"]
        columns = manifest.get("columns") or {}
        promotable = entry.get("promotable")
        rows: builtins.list[tuple[str, Any]] = [
            ("version", entry["version"]), ("promoted", "yes" if entry["promoted"] else "no"),
            ("created_at", entry.get("created_at")), ("added_at", entry.get("added_at")),
            ("parent", entry.get("parent")), ("labels used", (entry.get("labels_snapshot") or {}).get("labels")),
            ("training rows", entry.get("training_rows")), ("text column", columns.get("text")),
            ("meta columns", ", ".join(columns.get("meta") or []) or None), ("time column", columns.get("time")),
            ("threshold", manifest.get("threshold")),
        ]
        rows += [(name, value) for name, value in (manifest.get("metrics") or {}).items()]
        rows.append(("promotable (gate)", None if promotable is None else ("yes" if promotable else "no")))
        comparison = entry.get("comparison") or {}
        for metric, result in (comparison.get("gate") or {}).items():
            rows.append((f"gate {metric}", f"challenger {format_value(result['challenger'])} vs champion "
                                           f"{format_value(result['champion'])}: "
                                           f"{'passes' if result.get('passes') else 'fails'}"))
        if comparison.get("margin") is not None:
            rows.append(("gate margin", comparison["margin"]))
        return pd.DataFrame({"field": [name for name, _ in rows], "value": [value for _, value in rows]},
                            dtype=object)

    def promote(self, version: str, force: bool = False) -> str:
        """Make ``version`` the one scoring uses; returns it. A person decides this, never the gate:
        but a challenger that failed the retraining gate is refused, saying why, unless ``force``
        (the promotion is then logged as forced).

        >>> Registry("models").promote("20261129-1516")   # doctest: +SKIP
        """
        with self._locked() as state:
            entry = self._resolve(state, version)
            failed = entry.get("promotable") is False
            if failed and not force:
                raise VnflagError(f"version {entry['version']} failed the retraining gate: "
                                  f"{gate_failures(entry.get('comparison'))}; promote it anyway with force=True "
                                  "(vnflag models promote --force) if you have checked that it is better")
            previous = state.get("promoted")
            if previous != entry["version"]:
                state["promoted"] = entry["version"]
                state["stack"].append(entry["version"])
            event = {"at": utc_now(), "action": "promote", "version": entry["version"], "from": previous}
            if failed:
                event["forced"] = True
            state["events"].append(event)
        return entry["version"]

    def rollback(self) -> str:
        """Return to the version promoted before the current one; returns it.

        >>> Registry("models").rollback()   # doctest: +SKIP
        """
        with self._locked() as state:
            if len(state["stack"]) < 2:
                raise VnflagError(f"{self.path}: nothing to roll back to; "
                                  + ("no version has been promoted" if not state["stack"]
                                     else "only one version was ever promoted"))
            current = state["stack"].pop()
            state["promoted"] = state["stack"][-1]
            state["events"].append({"at": utc_now(), "action": "rollback", "version": state["promoted"],
                                    "from": current})
        return state["promoted"]

    def promoted(self) -> str | None:
        """The promoted version, or ``None`` if nothing has been promoted yet."""
        return self._read().get("promoted")

    def path_of(self, version: str) -> Path:
        """The model directory of a version (always inside the registry, links included)."""
        return self._version_dir(self._resolve(self._read(), version)["version"])

    def _version_dir(self, version: str) -> Path:
        """``versions/<version>``, refused if it (or ``versions``) is a link or leads outside the registry."""
        versions = self._versions_dir()
        return check_inside(versions / version, versions, "the registry version directory")

    def _versions_dir(self) -> Path:
        """``versions``, refused if it is a link or leads outside the registry (a new version is written there)."""
        return check_inside(self.path / "versions", self.path, "the registry's versions directory")

    def promoted_path(self) -> Path:
        """The model directory of the promoted version (an error if none is promoted)."""
        version = self.promoted()
        if version is None:
            raise VnflagError(f"{self.path}: no version is promoted yet; run vnflag models promote VERSION")
        return self.path_of(version)

    def history(self) -> builtins.list[dict[str, Any]]:
        """Every add, promote and rollback, oldest first, as the index records them."""
        return list(self._read().get("events", []))

    def events(self) -> builtins.list[dict[str, Any]]:
        """:meth:`history` with plain fields for an audit log, oldest first: ``at``, ``action``,
        ``version`` and ``from`` (text, "" if absent) and ``manifest``, the path of the version's
        manifest (``None`` if the version directory has none).

        >>> Registry("models").events()[-1]["action"]   # doctest: +SKIP
        'promote'
        """
        events = []
        for event in self._read()["events"]:  # validated: every field is text, every version known
            manifest = self._version_dir(event["version"]) / MANIFEST
            events.append({"at": event["at"], "action": event["action"], "version": event["version"],
                           "from": event.get("from") or "", "manifest": manifest if manifest.is_file() else None})
        return events
