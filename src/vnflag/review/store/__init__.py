"""The label store: reviewers' decisions, kept append-only in one SQLite file.

Each stored review says which post (id and text fingerprint), which decision, by whom, with what
note, when, which model version and score the reviewer saw, and which file (name, SHA-256 and
row) it came from. Nothing is ever updated or deleted (SQLite triggers refuse it): a reviewer
who changes their mind adds a newer review, and two reviewers who disagree are both kept and
reported as a conflict. Importing the same reviews again stores nothing new.

Why SQLite rather than Parquet: imports are small appends that must be all-or-nothing and
idempotent; SQLite gives transactions, unique keys and append-only triggers in the standard
library, in one file, safe for concurrent readers, without rewriting the file on every import.

Modules: :mod:`.schema` (tables, version, migrations, opening), :mod:`.importer` (queue records
and reviewed rows, checked into typed rows), :mod:`.views` (status, conflicts, agreement inputs,
training frame and history, from one read), :mod:`.label_store` (:class:`LabelStore`).
"""

from .importer import ImportReport
from .label_store import LabelStore, import_reviews
from .schema import ADJUDICATION

__all__ = ["LabelStore", "ImportReport", "import_reviews", "ADJUDICATION"]
