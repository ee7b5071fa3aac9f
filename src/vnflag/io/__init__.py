"""I/O layer: table files (read in chunks, written atomically, in every supported format), the
spreadsheet cell codec, text decoding and atomic files. Imports nothing of vnflag's but its base modules.

``tables`` is the registry (file extension → format module) and the public API; one module per
format: ``delimited`` (CSV, TSV), ``jsonl`` (JSONL, JSON; the one parser of JSON from outside),
``xlsx`` (the one user of openpyxl), ``parquet``; ``cells`` is the spreadsheet cell codec,
``decoding`` the text decoder, ``files`` the atomic writers (fsync of file and directory)."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "read_table": ".tables",
    "iter_table": ".tables",
    "write_table": ".tables",
    "table_format": ".tables",
    "TableWriter": ".tables",
    "SheetLayout": ".xlsx",
    "load_json": ".jsonl",
    "atomic_path": ".files",
    "write_json_atomic": ".files",
    "write_text_atomic": ".files",
    "read_json_document": ".files",
    "file_sha256": ".files",
    "utc_now": ".files",
})
