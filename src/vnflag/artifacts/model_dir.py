"""Model directories: a readable manifest beside the fitted model, saved without pickle.

A model directory holds ``manifest.json`` (versions, training-data fingerprint, columns,
threshold, cross-validated metrics, drift baselines), ``model.skops`` (the fitted
:class:`~vnflag.Flagger`, in skops' format, which stores data, not code) and ``MODEL_CARD.md``.
Loading checks the file's checksum against the manifest, refuses any type outside an explicit
allow-list, and refuses a model made by an incompatible version, so that opening someone else's
model cannot run code.
"""

from __future__ import annotations

import copy
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import VnflagError
from ..io.files import atomic_directory, contained_files, file_sha256, json_text, read_json_document, side_file_suffix
from ..version import __version__
from .model_card import write_model_card
from .schemas import MANIFEST_SCHEMA, validate_document

if TYPE_CHECKING:  # imported where a model is saved or loaded: reading a manifest needs no scikit-learn
    from ..model.flagger import Flagger

__all__ = ["save_model", "load_model", "read_manifest", "FORMAT_VERSION", "TRUSTED_TYPES"]

#: 3: metrics and drift baselines in the manifest only, no ``n_jobs`` (2: the layered package's type
#: paths). A model of another format is refused with a request to retrain it.
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
MODEL_FILE = "model.skops"

#: Types a vnflag model file may contain beyond NumPy, SciPy and builtins, which skops trusts by
#: default. A file holding any other type is refused before it is loaded.
TRUSTED_TYPES = frozenset({
    # scikit-learn's parts of a Flagger (the boosted second stage keeps its classes in a LabelEncoder)
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # the boosted stage's loss, link and binning: skops 0.16 trusts them by default, 0.11 does not
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "vnflag.model.flagger.Flagger",
    "vnflag.model.flagger.BaggedBoosting",
    "vnflag.model.features.CountFeatures",
    "vnflag.model.features.TimeFeatures",
    "vnflag.model.ngrams.CharNgrams",
    "vnflag.model.ngrams.WordNgrams",
})


def _underthesea_version() -> str:
    """underthesea's installed version, read from its metadata: importing it costs a third of a second."""
    from importlib.metadata import version

    return version("underthesea")


def _skops_io():
    """``skops.io``, imported without its default allow-list of every scikit-learn estimator:
    building that list imports all of scikit-learn (about a second, in every ``vnflag score``),
    and vnflag never uses it, as it always passes its own explicit :data:`TRUSTED_TYPES`."""
    if "skops.io" not in sys.modules:
        import sklearn.utils

        discover = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = lambda *args, **kwargs: []
        try:
            import skops.io  # noqa: F401
        finally:
            sklearn.utils.all_estimators = discover
    return sys.modules["skops.io"]


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


#: Everything vnflag writes into a model directory; ``overwrite`` replaces only a directory holding
#: nothing else, so it never deletes a file vnflag did not create.
MODEL_DIR_FILES = frozenset({MANIFEST, MODEL_FILE, "MODEL_CARD.md", "comparison.json", "comparison.md"})


def check_replaceable(target: Path, overwrite: bool) -> None:
    """Refuse to write a model directory where that would destroy anything but a vnflag model, or
    under a name of vnflag's side files.

    >>> check_replaceable(Path("."), overwrite=True)   # doctest: +SKIP
    VnflagError: .: not a vnflag model directory (no manifest.json); refusing to replace it
    """
    suffix = side_file_suffix(target)
    if suffix is not None:  # a queue record, drift figures or scoring checkpoint of another output
        raise VnflagError(f"{target}: is named like a vnflag side file (*{suffix}); choose another directory name "
                          "for the model")
    if target.exists() and not target.is_dir():
        raise VnflagError(f"{target}: exists and is not a directory; choose a directory name for the model")
    if not target.exists() or not any(target.iterdir()):
        return
    if not overwrite:
        raise VnflagError(f"{target}: already exists and is not empty; choose another directory, or replace the "
                          "model in it with overwrite=True (vnflag train --overwrite)")
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        raise VnflagError(f"{target}: is the working directory or one of its parents; refusing to replace it")
    read_manifest(target)  # a vnflag model directory, or an error saying it is not one
    foreign = sorted(p.name for p in target.iterdir() if p.name not in MODEL_DIR_FILES)
    if foreign:
        raise VnflagError(f"{target}: holds files vnflag did not write ({', '.join(foreign[:5])}); "
                          "refusing to replace it: move them or choose another directory")


def save_model(
    flagger: Flagger,
    directory: str | os.PathLike,
    *,
    training: dict[str, Any] | None = None,
    columns: dict[str, Any] | None = None,
    parent_version: str | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write a fitted model to ``directory`` atomically and return its manifest.

    ``training`` is what the training pipeline measured (the second result of
    :func:`~vnflag.train_frame`): ``data`` describes the training data (fingerprint, source, row
    counts), ``metrics`` holds the cross-validated figures and ``drift`` the drift baselines, each
    written to the manifest (``training_data``, ``metrics``, ``drift``). A model saved without
    them has no figures in its card and its drift checks have nothing to compare with.
    ``columns`` names the text, label and metadata columns it was trained on.

    >>> flagger, training = train_frame(posts, "text", "label")             # doctest: +SKIP
    >>> manifest = save_model(flagger, "models/v1", training=training)   # doctest: +SKIP
    """
    if not hasattr(flagger, "classifier_"):
        raise VnflagError("the model is not fitted; call fit() before saving")
    training = training or {}
    unknown = sorted(set(training) - {"data", "metrics", "drift"})
    if unknown:
        raise VnflagError(f"training: unknown part(s) {', '.join(map(repr, unknown))}; it holds 'data', 'metrics' "
                          "and 'drift', as train_frame returns it")
    target = Path(directory)
    check_replaceable(target, overwrite)
    created = datetime.now(timezone.utc).replace(microsecond=0)
    fingerprint = training.get("data", {}).get("fingerprint", "")
    # time, training data, and a random part: two models saved in the same second from the same
    # data (other parameters, a retrain) are still two versions
    version = f"{created:%Y%m%d-%H%M%S}-{(fingerprint or os.urandom(4).hex())[:8]}-{os.urandom(2).hex()}"
    stored = copy.copy(flagger)  # the caller's model is left as it was
    stored.model_version_ = version
    stored.__dict__.pop("drift_baseline_", None)  # the manifest holds it
    sio = _skops_io()

    with atomic_directory(target) as staging:
        sio.dump(stored, staging / MODEL_FILE)
        import sklearn

        manifest = {
            "format": "vnflag-model",
            "format_version": FORMAT_VERSION,
            "model_version": version,
            "created_at": created.isoformat(),
            "parent_version": parent_version,
            "versions": {
                "vnflag": __version__,
                "scikit-learn": sklearn.__version__,
                "underthesea": _underthesea_version(),
                "python": platform.python_version(),
            },
            "model_file": MODEL_FILE,
            "model_sha256": file_sha256(staging / MODEL_FILE),
            "columns": columns or {"text": flagger.text_col, "meta": list(flagger.meta_cols or ()),
                                   "time": flagger.time_col},
            "classes": [c.item() if hasattr(c, "item") else c for c in flagger.classes_],
            "threshold": flagger.threshold_,
            "metrics": training.get("metrics", {}),
            "drift": training.get("drift"),
            "training_data": training.get("data", {}),
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in flagger.get_params().items()},
        }
        (staging / MANIFEST).write_text(json_text(manifest), encoding="utf-8")
        write_model_card(staging, manifest)
    return manifest


def read_manifest(directory: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a model directory, as a dict, validated against its schema; a directory
    holding a symbolic link (or anything leading outside it) is refused first.

    >>> read_manifest("out/model")["threshold"]   # doctest: +SKIP
    0.41
    """
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise VnflagError(f"{directory}: not a vnflag model directory (no {MANIFEST})")
    contained_files(directory, "model directory")  # no links in it, nothing read from outside it
    manifest = read_json_document(path, "vnflag-model", "vnflag model manifest")
    validate_document(manifest, MANIFEST_SCHEMA, path, "vnflag model manifest")
    return manifest


def _check_compatible(manifest: dict[str, Any], directory: str | os.PathLike) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise VnflagError(
            f"{directory}: model format {manifest.get('format_version')} is not supported by vnflag "
            f"{__version__} (format {FORMAT_VERSION}); retrain the model with this version"
        )
    import sklearn

    versions = manifest.get("versions", {})
    for package, current in (("scikit-learn", sklearn.__version__), ("underthesea", _underthesea_version())):
        made_with = str(versions.get(package, "unknown"))
        if _minor(made_with) != _minor(current):
            raise VnflagError(
                f"{directory}: model was made with {package} {made_with}, this environment has {current}; "
                f"install {package}=={_minor(made_with)}.* or retrain the model"
            )


def load_model(directory: str | os.PathLike) -> Flagger:
    """Load a model directory safely: checksum, allow-listed types, compatible versions. The
    manifest's drift baselines come with the model, as ``drift_baseline_`` (for the drift check).

    >>> flagger = load_model("out/model")   # doctest: +SKIP
    >>> flagger.model_version_               # doctest: +SKIP
    '20261129-151500-3fa2b1c0'
    """
    manifest = read_manifest(directory)
    _check_compatible(manifest, directory)
    path = Path(directory) / manifest["model_file"]  # a plain name (schema): it stays in the directory
    if not path.resolve().is_relative_to(Path(directory).resolve()):
        raise VnflagError(f"{directory}: model file {manifest['model_file']!r} leads outside the model directory")
    if not path.is_file():
        raise VnflagError(f"{directory}: model file {path.name} is missing")
    if file_sha256(path) != manifest.get("model_sha256"):
        raise VnflagError(f"{path}: checksum does not match the manifest; the file was changed, refusing to load")
    sio = _skops_io()
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # a corrupt archive: say so in one line
        raise VnflagError(f"{path}: not a readable skops file: {exc}") from exc
    refused = sorted(untrusted - TRUSTED_TYPES)
    if refused:
        raise VnflagError(f"{path}: refusing to load types vnflag does not trust: {', '.join(refused)}")
    flagger = sio.load(path, trusted=sorted(untrusted))
    from ..model.flagger import Flagger

    if not isinstance(flagger, Flagger):
        raise VnflagError(f"{path}: does not hold a vnflag Flagger")
    drift = manifest.get("drift")
    if drift is not None:
        if len(drift["score_shares"]) != len(drift["score_edges"]) + 1:
            raise VnflagError(f"{Path(directory) / MANIFEST}: drift: score_shares needs one share more than "
                              "score_edges has edges")
        flagger.drift_baseline_ = drift
    return flagger
