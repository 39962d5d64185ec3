"""``spbe-bot db copy``: every record of an SQLite file into an empty PostgreSQL database.

The move from one process on SQLite to several replicas on PostgreSQL. The source is read in one
read transaction (a consistent snapshot, even while a bot still writes; stop it first all the same,
or what it writes after the snapshot stays behind); the target gets every row in one transaction
through ``COPY``, so a copy that fails leaves the target as empty as it was. Values are written as
text and PostgreSQL reads each by its column's type: SQLite's ISO times become TIMESTAMPTZ, its 0/1
flags BOOLEAN, its JSON text JSONB. Ids are kept, and each identity sequence is set past the highest
id copied, so the next record PostgreSQL makes gets a new id. The rows of every table are counted
on both sides afterwards.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import psycopg

from storage import schema
from storage.errors import DatabaseUnusable, StorageError
from storage.postgres import database as postgres
from storage.postgres import faults as postgres_faults
from storage.postgres.base import Connection
from storage.sqlite import database as sqlite
from storage.sqlite import faults as sqlite_faults
from storage.sqlite import migrations as sqlite_migrations

# Every table of the schema, each after the tables it refers to. A table PostgreSQL has and this list
# lacks stops the copy (see _check_tables): a new table is never left behind silently.
TABLES = (
    "institutions", "members", "invitations", "periods", "period_stages", "answers", "answer_history", "evidence",
    "evidence_links", "evidence_reviews", "evidence_checks", "evidence_check_links", "group_links", "assignments",
    "reminder_schedules", "positions", "pending_assignments", "processed_updates", "update_sequences", "outbox", "plan_targets",
    "plan_items",
)
LEDGER = "schema_migrations"  # each backend keeps its own
TRANSIENT = ("replicas", "chat_lanes", "update_turns")  # running processes' state: none runs during a copy
BATCH = 5000  # rows read from SQLite at a time


@dataclass(frozen=True)
class CopyReport:
    counts: dict[str, int]  # rows per table, the same on both sides

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def copy_sqlite_to_postgres(source: Path, target: str) -> CopyReport:
    """Copy every record of the SQLite file ``source`` into the PostgreSQL database ``target``
    (migrated first; it must hold no records). Raises :class:`StorageError` with one line that says
    what stands in the way: a source that is not at the newest schema, a target that is not empty."""
    where = postgres_faults.describe(target)
    if not source.exists():
        raise StorageError(f"no database at {source}")
    await (await sqlite.open_database(source, upgrade=False)).close()  # the checks the bot's start makes
    reader = await sqlite.connect(source, read_only=True)
    try:
        newest = schema.available()[-1].version
        version = await sqlite_migrations.current_version(reader)
        if version != newest:
            raise StorageError(f"database {source} has schema version {version}, this program's is {newest}: "
                               f"upgrade it first (spbe-bot db upgrade --database {source})")
        await (await postgres.open_database(target, pool_size=1)).close()  # migrated to the newest schema
        conn = await postgres.connect(target)
        try:
            await _check_tables(conn, where)
            try:
                await reader.execute("BEGIN")  # one snapshot of the source for the whole copy
                counts = await _copy(reader, conn, target)
            finally:
                if reader.in_transaction:
                    await reader.execute("ROLLBACK")
        finally:
            await conn.close()
    except sqlite3.Error as exc:
        raise sqlite_faults.unusable(source, exc) from exc
    except psycopg.Error as exc:
        raise postgres_faults.unusable(target, exc) from exc
    finally:
        await reader.close()
    return CopyReport(counts)


async def _check_tables(conn: Connection, where: str) -> None:
    """The target has exactly the tables copied (and its ledger), and none of them holds a row."""
    cursor = await conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = {row["tablename"] for row in await cursor.fetchall()} - {LEDGER, *TRANSIENT}
    if tables != set(TABLES):
        raise StorageError(f"database {where}: its tables differ from the ones spbe-bot db copy copies "
                           f"({', '.join(sorted(tables ^ set(TABLES)))}): a program of another version made it")
    for table in TABLES:
        cursor = await conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table}) AS used")
        row = await cursor.fetchone()
        if row and row["used"]:
            raise StorageError(f"database {where} already holds records ({table} is not empty): copy into a new, empty database "
                               "(createdb), or drop this one's tables first", code="not_empty")


async def _copy(reader: aiosqlite.Connection, conn: Connection, target: str) -> dict[str, int]:
    where = postgres_faults.describe(target)
    counts: dict[str, int] = {}
    try:
        async with conn.transaction():
            for table in TABLES:
                columns = await _common_columns(reader, conn, table)
                names = ", ".join(columns)
                async with (reader.execute(f"SELECT {names} FROM {table}") as rows, conn.cursor() as cursor,
                            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy):
                    while batch := await rows.fetchmany(BATCH):
                        for row in batch:
                            await copy.write_row(tuple(row))
                cursor = await conn.execute(f"SELECT COUNT(*) AS n FROM {table}")
                copied = await cursor.fetchone()
                async with reader.execute(f"SELECT COUNT(*) FROM {table}") as source_rows:
                    expected = await source_rows.fetchone()
                counts[table] = int(copied["n"]) if copied else 0
                if expected is None or counts[table] != int(expected[0]):
                    raise StorageError(f"database {where}: {table} got {counts[table]} rows, the source has "
                                       f"{expected[0] if expected else '?'}: nothing was copied")
            await _set_sequences(conn)
    except psycopg.Error as exc:
        raise postgres_faults.unusable(target, exc, doing="the copy failed, nothing was copied") from exc
    return counts


async def _common_columns(reader: aiosqlite.Connection, conn: Connection, table: str) -> list[str]:
    """The columns both sides have, in PostgreSQL's order (SQLite's bookkeeping columns that
    PostgreSQL derives instead, like update_sequences.highest_id, are left out)."""
    async with reader.execute(f"PRAGMA table_info({table})") as info:
        source = {row[1] for row in await info.fetchall()}
    cursor = await conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                                "AND table_name = %s ORDER BY ordinal_position", (table,))
    target = [row["column_name"] for row in await cursor.fetchall()]
    missing = [column for column in target if column not in source]
    if missing:
        raise DatabaseUnusable(f"the SQLite table {table} lacks the columns {', '.join(missing)}: upgrade the file first", code="unusable")
    return target


async def _set_sequences(conn: Connection) -> None:
    """Each identity sequence past the highest id copied (or at 1 for an empty table)."""
    cursor = await conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND is_identity = 'YES'")
    for row in await cursor.fetchall():
        table, column = row["table_name"], row["column_name"]
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                           f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)")

