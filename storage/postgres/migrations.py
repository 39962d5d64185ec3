"""Numbered, forward-only schema migrations in PostgreSQL's dialect (``storage/migrations/postgres/``).

Each migration runs in its own transaction (PostgreSQL's DDL is transactional: a failed file leaves
nothing behind) that first takes a transaction-level advisory lock, then reads the version. Two
processes starting on the same new database therefore take turns: the second waits for the lock,
finds the version raised and has nothing left to do. The versions applied are the rows of
``schema_migrations``; PostgreSQL's numbering is its own (SQLite's files are the same schema grown
step by step, and no PostgreSQL database predates this one's first file).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.rows import DictRow

from storage.errors import DatabaseTooNew
from storage.postgres.faults import translate
from storage.schema import MIGRATIONS_DIR, Migration, available

POSTGRES_DIR = MIGRATIONS_DIR / "postgres"
# The advisory lock of the migrations: an arbitrary constant, the same in every process ("spbe" in ASCII).
LOCK_KEY = 0x73706265
LOCK_TIMEOUT = "60s"  # a second process waits this long for the first one's migrations, then says so
_LEDGER = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"

Connection = psycopg.AsyncConnection[DictRow]


def postgres_migrations(directory: Path = POSTGRES_DIR) -> list[Migration]:
    return available(directory)


async def _ledger_exists(conn: Connection) -> bool:
    row = await (await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")).fetchone()
    return bool(row and row["present"])


async def current_version(conn: Connection) -> int:
    try:
        if not await _ledger_exists(conn):
            return 0
        row = await (await conn.execute("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")).fetchone()
    except psycopg.Error as exc:
        raise translate(exc, "cannot read the schema version") from exc
    return int(row["version"]) if row else 0


async def applied(conn: Connection) -> list[tuple[int, str, str]]:
    """(version, name, applied_at) of every migration recorded in the database."""
    try:
        if not await _ledger_exists(conn):
            return []
        cursor = await conn.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        return [(int(r["version"]), str(r["name"]), r["applied_at"].isoformat()) for r in await cursor.fetchall()]
    except psycopg.Error as exc:
        raise translate(exc, "cannot read the applied migrations") from exc


def _refuse_newer(version: int, migrations: list[Migration]) -> None:
    newest = migrations[-1].version if migrations else 0
    if version > newest:
        raise DatabaseTooNew(f"schema version {version} is newer than this program supports ({newest}): upgrade spbe-bot")


async def check_not_newer(conn: Connection, migrations: list[Migration]) -> int:
    version = await current_version(conn)
    _refuse_newer(version, migrations)
    return version


async def upgrade(conn: Connection, migrations: list[Migration] | None = None, target: int | None = None) -> list[Migration]:
    """Apply every pending migration (up to ``target``), each in its own transaction; the ones applied here.
    ``conn`` is in autocommit mode."""
    migrations = postgres_migrations() if migrations is None else migrations
    done: list[Migration] = []
    while True:
        migration = await _apply_next(conn, migrations, target)
        if migration is None:
            return done
        done.append(migration)


async def _apply_next(conn: Connection, migrations: list[Migration], target: int | None) -> Migration | None:
    """Under the advisory lock: read the version, apply the next migration if one is due."""
    doing = "cannot lock the database to check its schema"
    try:
        await conn.execute("BEGIN")
        await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))  # waits while another process migrates
        version = await current_version(conn)
        _refuse_newer(version, migrations)
        due = [m for m in migrations if m.version > version and (target is None or m.version <= target)]
        if not due:
            await conn.execute("COMMIT")
            return None
        migration = due[0]
        doing = f"migration postgres/{migration.path.name} failed"
        await conn.execute(_LEDGER)
        await conn.execute(migration.sql())  # the whole file: several statements, no parameters
        await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                           (migration.version, migration.name, datetime.now(UTC)))
        doing = f"migration postgres/{migration.path.name} failed at COMMIT"
        await conn.execute("COMMIT")
    except BaseException as exc:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.broken:
            with contextlib.suppress(psycopg.Error):  # the error that got us here is the one to report
                await conn.execute("ROLLBACK")
        if isinstance(exc, psycopg.Error):
            raise translate(exc, doing) from exc
        raise
    return migration
