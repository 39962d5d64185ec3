"""Which backend a database location names: a ``postgresql://`` URL is PostgreSQL, anything else an
SQLite file. The backends are imported only when used (psycopg only for PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from storage.repositories import Storage
from storage.schema import SchemaStatus

Location = str | Path
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class OpenedStorage(Storage, Protocol):
    """A database as :func:`open_storage` opens it: the contract, and what the database commands show."""

    migrated: list[str]  # the migrations applied by this opening

    async def schema(self) -> SchemaStatus: ...


def is_postgres(location: Location) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def describe(location: Location) -> str:
    """The location as messages show it: a PostgreSQL URL without its password, a file's path."""
    if is_postgres(location):
        from storage.postgres.faults import describe as describe_url

        return describe_url(str(location))
    return str(location)


async def open_storage(location: Location, *, clock: Callable[[], datetime] | None = None, upgrade: bool = True,
                       pool_size: int | None = None) -> OpenedStorage:
    """Open (creating and migrating when needed) the database at ``location``, refusing one that
    cannot be used with one line that names it (see each backend's ``faults``). ``pool_size``:
    PostgreSQL's connections at most (SQLite has one writer and one reader)."""
    if is_postgres(location):
        from storage.postgres.database import DEFAULT_POOL_SIZE
        from storage.postgres.database import open_database as open_postgres

        return await open_postgres(str(location), clock=clock, upgrade=upgrade, pool_size=pool_size or DEFAULT_POOL_SIZE)
    from storage.sqlite.database import open_database as open_sqlite

    return await open_sqlite(location, clock=clock, upgrade=upgrade)


async def schema_status(location: Location) -> SchemaStatus:
    """``db status``: the schema of the database, checked but not changed."""
    if is_postgres(location):
        from storage.postgres.database import schema_status as postgres_status

        return await postgres_status(str(location))
    from storage.sqlite.database import schema_status as sqlite_status

    return await sqlite_status(location)
