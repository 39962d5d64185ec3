"""The two backends as the tests see them: where a fresh database is, how to open it, and the few
things a test must do behind the repositories (read what was committed, fill the disk, make a
COMMIT or a ROLLBACK fail). ``tests/conftest.py`` hands one of each to every test that asks for
``backend``, so the storage and engine tests run on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage import open_storage
from storage.backends import Location, OpenedStorage
from storage.postgres.database import Database as PostgresDatabase
from storage.sqlite.database import Database as SqliteDatabase

FULL_DISK_MESSAGE = 'could not extend file "base/16384/16385": No space left on device'
# A full disk on PostgreSQL, deterministically: a trigger on every table counts the rows written
# against the room left (test_disk.room; NULL: no limit) and, when there is none, raises PostgreSQL's
# disk_full error (SQLSTATE 53100, as the server does when a file cannot grow). The error comes from
# the server in the middle of a statement and aborts the transaction there, like the real one; the
# count is rolled back with the transaction, so the same work keeps failing until room is made.
_FULL_DISK_SQL = f"""
CREATE TABLE IF NOT EXISTS test_disk (room INTEGER);
INSERT INTO test_disk SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM test_disk);
CREATE OR REPLACE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE left_now INTEGER;
BEGIN
    UPDATE test_disk SET room = room - 1 WHERE room IS NOT NULL RETURNING room INTO left_now;
    IF left_now < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'disk_full', MESSAGE = '{FULL_DISK_MESSAGE}';
    END IF;
    RETURN NEW;
END $$;
DO $$
DECLARE name TEXT;
BEGIN
    FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('test_disk', 'schema_migrations') LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS disk_full ON %I', name);
        EXECUTE format('CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION test_disk_full()', name);
    END LOOP;
END $$;
"""
# A COMMIT that fails: a deferred constraint trigger, checked at COMMIT, that always refuses.
_FAILING_COMMIT_SQL = """
CREATE TABLE IF NOT EXISTS test_commit (x INTEGER);
CREATE OR REPLACE FUNCTION test_commit_refused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = 'refused at COMMIT by a deferred constraint';
END $$;
DROP TRIGGER IF EXISTS refuse_at_commit ON test_commit;
CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON test_commit DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION test_commit_refused();
"""


class Backend:
    """One fresh database of one backend."""

    name: str
    location: Location
    driver_error: type[Exception]

    async def open(self, *, clock: Callable[[], datetime] | None = None) -> OpenedStorage:
        """The database opened as the bot opens it (another call: another process on the same database)."""
        return await open_storage(self.location, clock=clock)

    def committed(self, sql: str) -> list[tuple[Any, ...]]:
        """What a separate connection sees: only committed data."""
        raise NotImplementedError

    def integrity_ok(self) -> bool:
        raise NotImplementedError

    async def fill_the_disk(self, db: OpenedStorage) -> None:
        raise NotImplementedError

    async def free_the_disk(self, db: OpenedStorage) -> None:
        raise NotImplementedError

    def is_disk_full(self, cause: BaseException | None) -> bool:
        """Whether ``cause`` is the driver's own full-disk error."""
        raise NotImplementedError

    async def make_the_commit_fail(self, tx: Any) -> None:
        """Inside a transaction: write something that the COMMIT, and only the COMMIT, refuses."""
        raise NotImplementedError

    def fail_rollbacks(self, db: OpenedStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        """From now on, every ROLLBACK of ``db`` fails with an I/O error."""
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"
    driver_error = sqlite3.Error

    def __init__(self, path: Path) -> None:
        self.location = self.path = path

    def committed(self, sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def integrity_ok(self) -> bool:
        return self.committed("PRAGMA integrity_check") == [("ok",)]

    async def fill_the_disk(self, db: OpenedStorage) -> None:
        """From now on the file cannot grow, as on a full disk: SQLite's ``max_page_count`` on the
        writer connection, set to the pages the file has. A write that needs a new page fails with
        SQLITE_FULL, one that fits in the free space of a page still succeeds (as on a real disk)."""
        assert isinstance(db, SqliteDatabase)
        writer = db._writer
        async with writer.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        await writer.execute(f"PRAGMA max_page_count = {int(row[0])}")

    async def free_the_disk(self, db: OpenedStorage) -> None:
        assert isinstance(db, SqliteDatabase)
        await db._writer.execute("PRAGMA max_page_count = 1073741823")

    def is_disk_full(self, cause: BaseException | None) -> bool:
        return isinstance(cause, sqlite3.OperationalError) and cause.sqlite_errorname == "SQLITE_FULL"

    async def make_the_commit_fail(self, tx: Any) -> None:
        # the foreign key is checked at COMMIT only, so the COMMIT itself fails
        await tx.members._execute("PRAGMA defer_foreign_keys = ON")
        await tx.members._execute("INSERT INTO members (institution_id, user_id, display_name, role, joined_at)"
                                  " VALUES (999, 8, 'Tanpa Instansi', 'officer', '2026-01-05T08:00:00+00:00')")

    def fail_rollbacks(self, db: OpenedStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        assert isinstance(db, SqliteDatabase)
        writer = db._writer
        execute = writer.execute

        async def failing(sql: str, parameters: Any = None) -> Any:
            if sql == "ROLLBACK":
                raise sqlite3.OperationalError("disk I/O error")
            return await execute(sql, parameters)

        monkeypatch.setattr(writer, "execute", failing)


class PostgresBackend(Backend):
    name = "postgres"
    driver_error = psycopg.Error
    ROOM = 40  # rows a full disk still takes: some writes succeed before the first refusal

    def __init__(self, url: str) -> None:
        self.location = self.url = url

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def committed(self, sql: str) -> list[tuple[Any, ...]]:
        return self._run(sql)

    def integrity_ok(self) -> bool:
        """PostgreSQL has no file-level check to run: every table must be readable whole."""
        tables = [r[0] for r in self._run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return all(self._run(f'SELECT COUNT(*) FROM "{table}"')[0][0] >= 0 for table in tables)

    async def fill_the_disk(self, db: OpenedStorage) -> None:
        """From now on the disk takes ``ROOM`` more rows (as a page's free space takes a few in SQLite)."""
        self._run(_FULL_DISK_SQL)
        self._run(f"UPDATE test_disk SET room = {self.ROOM}")

    async def free_the_disk(self, db: OpenedStorage) -> None:
        self._run("UPDATE test_disk SET room = NULL")

    def is_disk_full(self, cause: BaseException | None) -> bool:
        return isinstance(cause, psycopg.errors.DiskFull) and FULL_DISK_MESSAGE in str(cause)

    async def make_the_commit_fail(self, tx: Any) -> None:
        self._run(_FAILING_COMMIT_SQL)
        await tx.members._execute("INSERT INTO test_commit VALUES (1)")

    def fail_rollbacks(self, db: OpenedStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        assert isinstance(db, PostgresDatabase)
        execute = psycopg.AsyncConnection.execute

        async def failing(self: psycopg.AsyncConnection[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
            if query == "ROLLBACK":
                raise psycopg.OperationalError("disk I/O error")
            return await execute(self, query, params, **kwargs)

        monkeypatch.setattr(psycopg.AsyncConnection, "execute", failing)


def backend_of(db: OpenedStorage) -> Backend:
    """The backend of an open database."""
    if isinstance(db, SqliteDatabase):
        return SqliteBackend(db.path)
    assert isinstance(db, PostgresDatabase)
    return PostgresBackend(db.url)
