"""What every SQLite repository shares: the connection, the clock, error translation, conversions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import aiosqlite

from storage.errors import StorageError

Clock = Callable[[], datetime]
Row = sqlite3.Row


class Repository:
    def __init__(self, conn: aiosqlite.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    def _now(self) -> str:
        return self._clock().isoformat()

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        try:
            return await self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"database error: {exc}") from exc

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = await self._execute(sql, params)
        try:
            return await cursor.fetchone()
        finally:
            await cursor.close()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> Iterable[Row]:
        cursor = await self._execute(sql, params)
        try:
            return await cursor.fetchall()
        finally:
            await cursor.close()


def to_x100(level: Decimal) -> int:
    return int((level * 100).to_integral_value())


def from_x100(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).normalize() if value % 100 else Decimal(value // 100)


def parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def parse_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
