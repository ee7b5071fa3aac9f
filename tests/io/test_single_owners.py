"""One piece of code per job, kept so by reading the source tree: one module imports openpyxl,
one module parses JSON that comes from outside vnflag, and table files are read only in io."""

from __future__ import annotations

import re
from pathlib import Path

import vnflag

PACKAGE = Path(vnflag.__file__).parent


def _modules_matching(pattern: str) -> set[str]:
    regex = re.compile(pattern, re.MULTILINE)
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if regex.search(p.read_text("utf-8"))}


def test_only_io_xlsx_imports_openpyxl():
    assert _modules_matching(r"^\s*(from|import)\s+openpyxl\b") == {"io/xlsx.py"}


# JSON that vnflag parses without io.jsonl, each of its own making, never a file from elsewhere.
OWN_JSON = {
    "io/files.py": "vnflag's own documents (manifests, queue records, registry index)",
    "review/store/views.py": "the store's own metadata column",
    "review/adjudication.py": "pandas' JSON text of a frame vnflag holds",
    "pipelines/checkpoint.py": "a deep copy of the checkpoint's own totals",
}


def test_only_io_jsonl_parses_json_from_outside():
    parsers = _modules_matching(r"\bjson\.loads?\(|JSONDecoder|\bread_json\(")
    assert "io/jsonl.py" in parsers
    assert parsers - {"io/jsonl.py"} <= set(OWN_JSON), "parse JSON tables with vnflag.io.jsonl"


def test_table_files_are_read_only_in_io():
    readers = _modules_matching(r"\bpd\.read_(csv|excel|json|parquet|table)\(|\bcsv\.(reader|DictReader)\(|"
                                r"\bpq\.ParquetFile\(|\bload_workbook")
    assert {"io/delimited.py", "io/parquet.py", "io/xlsx.py"} <= readers
    # besides io, only the checkpoint reads files, the Parquet parts it wrote itself
    assert {m for m in readers if not m.startswith("io/")} <= {"pipelines/checkpoint.py"}
