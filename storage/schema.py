"""Schema migrations as numbered files, and what ``spbe-bot db status`` shows: for both backends.

SQLite's files are ``storage/migrations/NNNN_name.sql``; PostgreSQL's, in its own dialect and with
its own numbering, ``storage/migrations/postgres/NNNN_name.sql``. Each backend applies its files in
order, forward only (``storage.sqlite.migrations``, ``storage.postgres.migrations``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from storage.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise StorageError(f"migration files must be numbered 0001, 0002, ... without gaps; found {versions}")
    return found


@dataclass(frozen=True)
class SchemaStatus:
    exists: bool
    version: int
    newest: int
    applied: list[tuple[int, str, str]]  # (version, name, applied_at)
    pending: list[str]  # file names
