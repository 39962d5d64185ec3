"""What every SQLite repository shares: the connection, the clock, error translation."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeAlias

import aiosqlite

from storage.errors import StorageError
from storage.sqlite.faults import translate

Clock = Callable[[], datetime]
Row = sqlite3.Row
SQLValue: TypeAlias = str | int | float | bytes | None
"""What a query parameter may be: the types sqlite3 binds without an adapter."""
Params: TypeAlias = Sequence[SQLValue]


def statements(conn: aiosqlite.Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn``, for statements run on the event loop's own thread.

    A statement on the local file takes microseconds; handing it to aiosqlite's worker thread and
    waiting for the answer costs about a hundred, and a tap on the card runs some twenty of them. So
    repositories run their statements here, ``BEGIN IMMEDIATE`` and ``COMMIT`` too where they cannot
    wait; only what may wait (``BEGIN IMMEDIATE`` under another process's write lock, checkpoints,
    ``ROLLBACK``, opening, migrations, backups) goes through the worker thread (see
    ``storage.sqlite.database``). Connections
    are opened with ``check_same_thread=False`` and are used by one side at a time: the writer under
    the transaction lock, the reader only here.
    """
    return conn._conn


class Repository:
    def __init__(self, conn: aiosqlite.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def _now(self) -> str:
        return self._clock().isoformat()

    async def _execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        try:
            return statements(self._conn).execute(sql, params)
        except sqlite3.Error as exc:
            raise translate(exc, "database error") from exc

    async def _insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT of one row; the new row's id."""
        cursor = await self._execute(sql, params)
        if cursor.lastrowid is None:  # sqlite3 sets it after every successful INSERT
            raise StorageError(f"database error: no row id after {sql.split('(', 1)[0].strip()!r}")
        return cursor.lastrowid

    async def _one(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._execute(sql, params)
        try:
            row: Row | None = cursor.fetchone()
            return row
        except sqlite3.Error as exc:  # later rows are read (and may fail) only while fetching
            raise translate(exc, "database error") from exc
        finally:
            cursor.close()

    async def _all(self, sql: str, params: Params = ()) -> Iterable[Row]:
        cursor = await self._execute(sql, params)
        try:
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise translate(exc, "database error") from exc
        finally:
            cursor.close()


def utc_text(moment: datetime) -> str:
    """A moment as the text of a column compared in SQL (``seen_at >= ?``): in UTC with microseconds,
    so that text order is time order whatever zone the clock gave."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
