"""Column roles: which columns hold a model's text, label, engagement counts and post time.

A model knows its columns (its manifest's ``columns``); every workflow after training (``queue``,
``labels second-look``, ``evaluate``, ``retrain``, :func:`~vnflag.review.queues.build_queue`) takes
them from :func:`column_roles` as defaults, so ``--text-col`` is never repeated and a queue keeps
the columns the model reads. An option given explicitly still wins (:meth:`ColumnRoles.with_options`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..constants import DEFAULT_LABEL_COL, DEFAULT_TEXT_COL
from ..exceptions import VnflagError
from .model_dir import read_manifest
from .registry import Registry, is_registry

__all__ = ["ColumnRoles", "column_roles"]


@dataclass(frozen=True)
class ColumnRoles:
    """The columns a model reads (``text``, ``meta`` engagement counts, ``time``) and was trained
    with (``label``); ``model_version`` is the model they came from (``None``: the defaults)."""

    text: str = DEFAULT_TEXT_COL
    label: str = DEFAULT_LABEL_COL
    meta: tuple[str, ...] = ()
    time: str | None = None
    model_version: str | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """The columns the model reads besides the text (engagement, then time): a queue keeps them
        so that reviewed posts can be trained on with their features.

        >>> ColumnRoles(meta=("num_like",), time="posted").features
        ('num_like', 'posted')
        """
        return (*self.meta, *((self.time,) if self.time else ()))

    def with_options(self, text: str | None = None, label: str | None = None) -> ColumnRoles:
        """These roles with the columns given explicitly (not ``None``) in their place: an option wins.

        >>> ColumnRoles(text="post_message").with_options(label="is_fake").text
        'post_message'
        """
        return replace(self, text=text or self.text, label=label or self.label)


def column_roles(model: Any = None, versions: Iterable[str] = ()) -> ColumnRoles:
    """The column roles of ``model``: a model directory, a registry, a fitted :class:`~vnflag.Flagger`
    or ``None`` (vnflag's defaults: ``text``, ``label``, no engagement or time column).

    ``versions`` are the model versions a scored table names (its ``model_version`` column): with a
    registry they choose the version whose roles apply (not the promoted one, which may have changed
    since scoring); a model directory or fitted model of another version is refused, since the table
    was scored by a different model. Roles that differ between the versions are refused too.

    >>> column_roles().text, column_roles().features
    ('text', ())
    """
    named = sorted({str(v) for v in versions if v is not None and str(v).strip()})
    if model is None:
        return ColumnRoles()
    if isinstance(model, (str, os.PathLike)):
        if is_registry(model) and named:
            registry = Registry(model, create=False)
            known = set(registry.list()["version"])
            unknown = [v for v in named if v not in known]
            if unknown:
                raise VnflagError(f"{model}: the registry holds no model version {', '.join(unknown)} (the version "
                                  "that scored the table); pass that model's directory with --model")
            roles = {_from_manifest(read_manifest(registry.path_of(v))) for v in named}
            if len(roles) > 1:
                raise VnflagError(f"the table was scored by model versions {', '.join(named)}, which read different "
                                  "columns; queue each version's posts separately")
            return roles.pop()
        if is_registry(model):
            return _from_manifest(read_manifest(Registry(model, create=False).promoted_path()))
        found = _from_manifest(read_manifest(model))
    else:
        found = ColumnRoles(text=model.text_col, meta=tuple(model.meta_cols or ()), time=model.time_col,
                            model_version=getattr(model, "model_version_", None))
    if named and found.model_version is not None and named != [found.model_version]:
        raise VnflagError(f"the table was scored by model version {', '.join(named)}, not by {model} "
                          f"({found.model_version}); pass the model or registry that scored it")
    return found


def _from_manifest(manifest: dict[str, Any]) -> ColumnRoles:
    """The roles a (validated) model manifest records."""
    columns = manifest["columns"]
    return ColumnRoles(text=columns["text"], label=columns.get("label") or DEFAULT_LABEL_COL,
                       meta=tuple(columns.get("meta") or ()), time=columns.get("time") or None,
                       model_version=manifest.get("model_version"))
