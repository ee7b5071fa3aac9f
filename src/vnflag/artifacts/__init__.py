"""Artifacts layer: table files (read in chunks, written atomically), vnflag's JSON documents,
model directories, the model card and the model registry. Imports the model and text layers."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "read_table": ".tables",
    "iter_table": ".tables",
    "write_table": ".tables",
    "table_format": ".tables",
    "TableWriter": ".tables",
    "atomic_path": ".files",
    "write_json_atomic": ".files",
    "write_text_atomic": ".files",
    "read_json_document": ".files",
    "file_sha256": ".files",
    "utc_now": ".files",
    "save_model": ".model_dir",
    "load_model": ".model_dir",
    "read_manifest": ".model_dir",
    "TRUSTED_TYPES": ".model_dir",
    "model_card": ".model_card",
    "write_model_card": ".model_card",
    "Registry": ".registry",
    "is_registry": ".registry",
    "resolve_model_dir": ".registry",
})
