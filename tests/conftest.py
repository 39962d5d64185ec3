"""Fixtures for every test folder: the backend of a test's database, SQLite or PostgreSQL.

A test that asks for ``backend`` (or for a fixture built on it: ``db`` in ``tests/storage``, ``engine``
in ``tests/conversations``) runs twice, ``[sqlite]`` on a file in its tmp_path and ``[postgres]`` on a
database of its own in the session's PostgreSQL server (``tests/pg_server.py``: started at the first
such test, stopped at the end). PostgreSQL's database is migrated once per session; before each
test it is emptied (every table's rows deleted, the id sequences restarted: some 15 ms), so each
test starts from a new, migrated database as the SQLite tests do. A test that changed the schema
(the full-disk and failing-COMMIT helpers add triggers) gets a fresh copy of the template instead
(CREATE DATABASE … TEMPLATE, some 150 ms).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from storage import open_storage
from tests import pg_server
from tests.backends import Backend, PostgresBackend, SqliteBackend

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.Server]:
    """The session's PostgreSQL server. A server that cannot start fails the tests that need it,
    unless ``SPBE_TEST_POSTGRES=off`` (outside CI) asks to skip them."""
    if pg_server.opted_out():
        pytest.skip("SPBE_TEST_POSTGRES=off: the PostgreSQL half of the tests is skipped")
    try:
        server = pg_server.start()
    except pg_server.ServerUnavailable as exc:
        pytest.fail(f"PostgreSQL could not be started for the tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


class PostgresDatabases:
    """The session's PostgreSQL test database, handed out empty to one test at a time."""

    NAME = "spbe_test"
    TEMPLATE = "spbe_template"
    SHAPE = """SELECT (SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'),
                      (SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'),
                      (SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal),
                      (SELECT array_agg(version ORDER BY version) FROM schema_migrations)"""
    """What the schema holds: tables, functions, triggers, the migrations recorded (the rows of the
    other tables are what a test may change)."""

    def __init__(self, server: pg_server.Server) -> None:
        self.server = server
        with server.admin() as admin:
            admin.execute(f"CREATE DATABASE {self.TEMPLATE}")

        async def migrate() -> None:
            await (await open_storage(server.url(self.TEMPLATE))).close()

        asyncio.run(migrate())
        with psycopg.connect(server.url(self.TEMPLATE), autocommit=True) as conn:
            self.shape = conn.execute(self.SHAPE).fetchone()
            tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                 "AND tablename <> 'schema_migrations'")]
            sequences = [r[0] for r in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        statements = ["SET lock_timeout = '2s'", "SET session_replication_role = replica"]  # no foreign key checks
        statements += [f'DELETE FROM "{t}"' for t in tables] + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
        self.emptying = "; ".join(statements)
        self._copy()

    def _copy(self) -> None:
        with self.server.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.NAME} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {self.NAME} TEMPLATE {self.TEMPLATE} STRATEGY FILE_COPY")

    def empty(self) -> str:
        """The test database with no rows and its sequences restarted; a fresh copy when a test
        changed its schema, or left a transaction holding locks (the emptying waits 2 s at most)."""
        try:
            with psycopg.connect(self.server.url(self.NAME), autocommit=True) as conn:
                if conn.execute(self.SHAPE).fetchone() == self.shape:
                    conn.execute(self.emptying.encode())
                    return self.NAME
        except psycopg.Error:
            pass
        self._copy()
        return self.NAME


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: pg_server.Server) -> PostgresDatabases:
    return PostgresDatabases(postgres_server)


def new_postgres_database(server: pg_server.Server) -> str:
    """A new, empty database on ``server`` (no tables)."""
    name = f"test_{next(_databases)}"
    with server.admin() as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    return name


def drop_postgres_database(server: pg_server.Server, name: str) -> None:
    with server.admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh database, migrated to the newest schema, of each backend in turn."""
    if request.param == "sqlite":
        yield SqliteBackend(tmp_path / "spbe.sqlite3")
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    yield PostgresBackend(databases.server.url(databases.empty()))


@pytest.fixture
def postgres(postgres_databases: PostgresDatabases) -> PostgresBackend:
    """The PostgreSQL backend alone, for what only it has."""
    return PostgresBackend(postgres_databases.server.url(postgres_databases.empty()))


@pytest.fixture
def empty_postgres(postgres_server: pg_server.Server) -> Iterator[PostgresBackend]:
    """A new, empty PostgreSQL database (no tables): for the migrations and the copy."""
    name = new_postgres_database(postgres_server)
    try:
        yield PostgresBackend(postgres_server.url(name))
    finally:
        drop_postgres_database(postgres_server, name)
