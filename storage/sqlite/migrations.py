"""Numbered, forward-only schema migrations (``storage/migrations/NNNN_name.sql``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from storage.errors import DatabaseTooNew, StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
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


async def current_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def applied(conn: aiosqlite.Connection) -> list[tuple[int, str, str]]:
    """(version, name, applied_at) of every migration recorded in the database."""
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") as cursor:
        if await cursor.fetchone() is None:
            return []
    async with conn.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version") as cursor:
        return [(int(v), str(n), str(a)) for v, n, a in await cursor.fetchall()]


async def check_not_newer(conn: aiosqlite.Connection, migrations: list[Migration]) -> int:
    version = await current_version(conn)
    newest = migrations[-1].version if migrations else 0
    if version > newest:
        raise DatabaseTooNew(
            f"database schema version {version} is newer than this program supports ({newest}): upgrade spbe-bot"
        )
    return version


async def upgrade(conn: aiosqlite.Connection, migrations: list[Migration] | None = None, target: int | None = None) -> list[Migration]:
    """Apply every pending migration (up to ``target``), each in its own transaction."""
    migrations = available() if migrations is None else migrations
    version = await check_not_newer(conn, migrations)
    done = []
    for migration in migrations:
        if migration.version <= version or (target is not None and migration.version > target):
            continue
        now = datetime.now(UTC).isoformat()
        script = (
            "BEGIN IMMEDIATE;\n"
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);\n"
            f"{migration.sql()}\n"
            f"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({migration.version}, '{migration.name}', '{now}');\n"
            f"PRAGMA user_version = {migration.version};\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise StorageError(f"migration {migration.path.name} failed: {exc}") from exc
        done.append(migration)
    return done
