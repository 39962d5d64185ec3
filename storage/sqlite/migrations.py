"""Numbered, forward-only schema migrations (``storage/migrations/NNNN_name.sql``).

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction, and the schema version is read
*inside* it, after the write lock is taken: two processes starting on the same new file therefore
take turns, and the second finds the work done instead of creating the tables again.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime

import aiosqlite

from storage.errors import DatabaseTooNew
from storage.schema import Migration, available
from storage.sqlite.faults import translate

_LEDGER = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"


def statements(migration: Migration) -> list[str]:
    """The file's statements one by one (``execute`` runs one at a time; ``executescript`` would
    commit the transaction that holds the lock)."""
    found, current = [], ""
    for piece in migration.sql().split(";"):
        current += piece
        if sqlite3.complete_statement(current + ";"):  # not inside a string, a comment or a trigger body
            if current.strip():
                found.append(current + ";")
            current = ""
        else:
            current += ";"
    return found


async def current_version(conn: aiosqlite.Connection) -> int:
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
    except sqlite3.Error as exc:
        raise translate(exc, "cannot read the schema version") from exc
    return int(row[0]) if row else 0


async def applied(conn: aiosqlite.Connection) -> list[tuple[int, str, str]]:
    """(version, name, applied_at) of every migration recorded in the database."""
    try:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") as cursor:
            if await cursor.fetchone() is None:
                return []
        async with conn.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version") as cursor:
            return [(int(v), str(n), str(a)) for v, n, a in await cursor.fetchall()]
    except sqlite3.Error as exc:
        raise translate(exc, "cannot read the applied migrations") from exc


def _refuse_newer(version: int, migrations: list[Migration]) -> None:
    newest = migrations[-1].version if migrations else 0
    if version > newest:
        raise DatabaseTooNew(f"schema version {version} is newer than this program supports ({newest}): upgrade spbe-bot")


async def check_not_newer(conn: aiosqlite.Connection, migrations: list[Migration]) -> int:
    version = await current_version(conn)
    _refuse_newer(version, migrations)
    return version


async def upgrade(conn: aiosqlite.Connection, migrations: list[Migration] | None = None, target: int | None = None) -> list[Migration]:
    """Apply every pending migration (up to ``target``), each in its own transaction; the ones applied here."""
    migrations = available() if migrations is None else migrations
    done: list[Migration] = []
    while True:
        migration = await _apply_next(conn, migrations, target)
        if migration is None:
            return done
        done.append(migration)


async def _apply_next(conn: aiosqlite.Connection, migrations: list[Migration], target: int | None) -> Migration | None:
    """Under the write lock: read the version, apply the next migration if one is due."""
    doing = "cannot lock the database to check its schema"
    try:
        await conn.execute("BEGIN IMMEDIATE")  # waits (busy timeout) while another process migrates
        version = await current_version(conn)
        _refuse_newer(version, migrations)
        due = [m for m in migrations if m.version > version and (target is None or m.version <= target)]
        if not due:
            await conn.execute("COMMIT")
            return None
        migration = due[0]
        doing = f"migration {migration.path.name} failed"
        await conn.execute(_LEDGER)
        for statement in statements(migration):
            await conn.execute(statement)
        await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                           (migration.version, migration.name, datetime.now(UTC).isoformat()))
        await conn.execute(f"PRAGMA user_version = {migration.version}")
        doing = f"migration {migration.path.name} failed at COMMIT"
        await conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # SQLite rolled back already: the error that got us here is the one to report
                await conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise translate(exc, doing) from exc
        raise
    return migration
