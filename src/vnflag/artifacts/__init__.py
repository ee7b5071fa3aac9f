"""Artifacts layer: vnflag's JSON documents and their schemas, model directories, the model card
and the model registry. Imports the io, model and text layers."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "save_model": ".model_dir",
    "load_model": ".model_dir",
    "read_manifest": ".model_dir",
    "TRUSTED_TYPES": ".model_dir",
    "model_card": ".model_card",
    "write_model_card": ".model_card",
    "Registry": ".registry",
    "is_registry": ".registry",
    "resolve_model_dir": ".registry",
    "resolve_model": ".registry",
    "model_manifest": ".registry",
    "ColumnRoles": ".roles",
    "column_roles": ".roles",
})
