"""What every PostgreSQL repository shares: where its statements run, the clock, error translation.

A repository runs its statements through a :class:`Link`: inside a transaction, the transaction's
own connection; outside (``Database.read``), a connection of the pool for each statement, in
autocommit mode, so every read sees what was committed last and never waits for a writer.

The pool does not test a connection before it hands it out (a round trip for every read): a
connection the server ended meanwhile (a restart, an idle timeout) fails at its first statement.
Then the pool's idle connections are all tested (a restart ends every one of them), the broken ones
replaced, and the statement runs once more when nothing can have been done with the old connection
yet: a read, or a transaction's ``BEGIN`` (``storage.postgres.database``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeAlias

import psycopg
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.errors import StorageError
from storage.postgres.faults import translate

Clock = Callable[[], datetime]
Connection: TypeAlias = psycopg.AsyncConnection[DictRow]
Pool: TypeAlias = AsyncConnectionPool[Connection]
Params: TypeAlias = Sequence[Any]


class Link:
    """Where statements run: one connection (a transaction's) or the pool (the reader)."""

    def __init__(self, *, connection: Connection | None = None, pool: Pool | None = None) -> None:
        assert (connection is None) != (pool is None)
        self._connection = connection
        self._pool = pool
        self.failed: StorageError | None = None  # the last statement that failed in this transaction

    def earlier_failure(self, doing: str) -> StorageError:
        """The error for a statement (or COMMIT) of a transaction that an earlier statement failed:
        PostgreSQL refuses everything after it. Of the earlier one's kind, so a full disk stays a
        full disk."""
        earlier = self.failed
        message = f"{doing}: an earlier statement of this transaction failed ({earlier or 'unknown'}); nothing of it was saved"
        return type(earlier)(message, code=earlier.code) if earlier else StorageError(message)

    @property
    def in_transaction(self) -> bool:
        return self._connection is not None

    async def replace_broken(self) -> None:
        """Test the pool's idle connections and replace those the server ended."""
        if self._pool is not None:
            await self._pool.check()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        if self._connection is not None:
            yield self._connection
            return
        assert self._pool is not None
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StorageError(f"no database connection within {self._pool.timeout:.0f} s: {exc}", code="unreachable") from exc


class Repository:
    def __init__(self, link: Link, clock: Clock) -> None:
        self._link = link
        self._clock = clock

    async def _run(self, sql: str, params: Params, fetch: str) -> Any:
        again = not self._link.in_transaction  # a read may run again on a new connection: it changed nothing
        while True:
            async with self._link.connection() as conn:
                try:
                    cursor = await conn.execute(sql, params)
                    if fetch == "one":
                        return await cursor.fetchone()
                    if fetch == "all":
                        return await cursor.fetchall()
                    return cursor.rowcount
                except psycopg.errors.InFailedSqlTransaction as exc:
                    raise self._link.earlier_failure("database error") from exc
                except psycopg.Error as exc:
                    if again and conn.broken:  # the pool drops this one; the statement runs on another
                        again = False
                        await self._link.replace_broken()
                        continue
                    error = translate(exc, "database error")
                    if self._link.in_transaction:
                        self._link.failed = error
                    raise error from exc

    async def _execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        count: int = await self._run(sql, params, "count")
        return count

    async def _one(self, sql: str, params: Params = ()) -> DictRow | None:
        row: DictRow | None = await self._run(sql, params, "one")
        return row

    async def _all(self, sql: str, params: Params = ()) -> list[DictRow]:
        found: list[DictRow] = await self._run(sql, params, "all")
        return found

    async def _value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = await self._one(sql, params)
        return None if row is None else next(iter(row.values()))
