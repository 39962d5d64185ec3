"""What only PostgreSQL has: its migrations under an advisory lock, a server that cannot be used
refused in one line (never with the password), concurrent transactions that meet (a deadlock becomes
Contention with nothing kept), a database read-only on the server, and pg_dump's backups restoring."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from storage import open_storage
from storage.backends import OpenedStorage
from storage.errors import Conflict, Contention, DatabaseTooNew, DatabaseUnusable, StorageError
from storage.postgres import migrations
from tests import pg_server
from tests.backends import PostgresBackend
from tests.storage.conftest import make_period, start_twice_at_once


@pytest.fixture
async def db(postgres: PostgresBackend) -> AsyncIterator[OpenedStorage]:
    database = await postgres.open()
    yield database
    await database.close()

TABLES = {"institutions", "members", "invitations", "periods", "period_stages", "answers", "answer_history", "evidence",
          "evidence_links", "evidence_reviews", "evidence_checks", "evidence_check_links", "group_links", "assignments",
          "reminder_schedules", "positions", "pending_assignments", "processed_updates", "update_sequences", "outbox", "schema_migrations",
          "replicas", "chat_lanes", "update_turns", "plan_targets", "plan_items"}


def tables(postgres: PostgresBackend) -> set[str]:
    return {r[0] for r in postgres.committed("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


async def test_an_empty_database_gets_the_newest_schema_and_rerunning_is_a_no_op(empty_postgres: PostgresBackend) -> None:
    newest = migrations.postgres_migrations()[-1].version
    db = await open_storage(empty_postgres.url)
    assert db.migrated == [m.path.name for m in migrations.postgres_migrations()]
    await db.close()
    assert tables(empty_postgres) == TABLES
    assert empty_postgres.committed("SELECT version FROM schema_migrations ORDER BY version") == [(v,) for v in range(1, newest + 1)]
    again = await open_storage(empty_postgres.url)
    try:
        assert again.migrated == [] and (await again.schema()).pending == []
    finally:
        await again.close()


async def test_a_database_newer_than_the_code_is_refused(postgres: PostgresBackend) -> None:
    newest = migrations.postgres_migrations()[-1].version
    postgres.committed(f"INSERT INTO schema_migrations VALUES ({newest + 5}, 'later', now())")
    with pytest.raises(DatabaseTooNew) as refused:
        await open_storage(postgres.url)
    name = postgres.url.split("//", 1)[1].split(":", 1)[0]
    assert str(refused.value).startswith(f"database postgresql://{name}@127.0.0.1:")
    assert str(refused.value).endswith(f": schema version {newest + 5} is newer than this program supports ({newest}): upgrade spbe-bot")


def test_two_processes_starting_on_a_new_database_take_turns(postgres_server: pg_server.Server) -> None:
    """Two starts at the same moment on an empty database (two threads, each with its own event loop
    and connections, as two processes): both succeed, every migration is applied once. The advisory
    lock makes the second wait; without it, both would create the tables (\"relation exists\")."""
    from tests.conftest import drop_postgres_database, new_postgres_database

    newest = migrations.postgres_migrations()[-1].version
    for attempt in range(5):
        name = new_postgres_database(postgres_server)
        failures = start_twice_at_once(postgres_server.url(name))
        try:
            assert not failures, f"attempt {attempt}: {failures!r}"
            assert PostgresBackend(postgres_server.url(name)).committed("SELECT version FROM schema_migrations ORDER BY version") == [
                (v,) for v in range(1, newest + 1)]
        finally:
            drop_postgres_database(postgres_server, name)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("case", ["nobody listening", "wrong password", "no such database", "no such user"])
async def test_a_server_that_cannot_be_used_is_refused_in_one_line(case: str, postgres_server: pg_server.Server) -> None:
    server = postgres_server
    url, expected, code = {
        "nobody listening": (f"postgresql://spbe:s3cret-pw@127.0.0.1:{_free_port()}/spbe", "cannot connect to the server", "unreachable"),
        "wrong password": (server.url().replace(server.password, "s3cret-pw"), "the server refused the login", "login"),
        "no such database": (server.url("nowhere"), "does not exist on the server: create it", "no_database"),
        "no such user": (server.url().replace(f"{server.user}:{server.password}", "nobody:s3cret-pw"), "the server refused the login",
                         "login"),
    }[case]
    with pytest.raises(DatabaseUnusable) as refused:
        await open_storage(url)
    message = str(refused.value)
    assert refused.value.code == code and expected in message and "\n" not in message, message
    assert message.startswith("database postgresql://") and "SPBE_DATABASE_URL" in message
    assert "s3cret-pw" not in message and server.password not in message


async def test_a_deadlock_rolls_one_transaction_back_whole_as_contention(db: OpenedStorage, postgres: PostgresBackend) -> None:
    """Two transactions that lock two answers in opposite order: PostgreSQL ends one of them (after its
    deadlock_timeout); that one raises Contention and keeps nothing, the other commits."""
    _, period = await make_period(db)
    async with db.transaction() as tx:
        for number in (1, 2):
            await tx.answers.save(period_id=period, indicator=number, level=1, explanation=None, by=7)
    first_locked, second_locked = asyncio.Event(), asyncio.Event()

    async def change(first: int, second: int, mine: asyncio.Event, theirs: asyncio.Event, level: int) -> None:
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=first, level=level, explanation=None, by=7)
            mine.set()
            await theirs.wait()
            await tx.answers.save(period_id=period, indicator=second, level=level, explanation=None, by=7)

    results = await asyncio.gather(change(1, 2, first_locked, second_locked, 3), change(2, 1, second_locked, first_locked, 5),
                                   return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], Contention) and failed[0].code == "contention", results
    assert "deadlock detected" in str(failed[0]) and "nothing of this change was saved" in str(failed[0])
    winner = 3 if results[0] is None else 5
    assert await db.read.answers.levels(period) == {1: winner, 2: winner}
    assert [h.new_level for h in await db.read.answers.history(period)] == [1, 1, winner, winner]


async def test_a_database_the_server_keeps_read_only_is_explained(db: OpenedStorage, postgres: PostgresBackend) -> None:
    database = postgres.url.rsplit("/", 1)[1]
    postgres.committed(f"ALTER DATABASE {database} SET default_transaction_read_only = on")
    reopened = await open_storage(postgres.url)  # a new pool, so new connections with the setting
    try:
        with pytest.raises(DatabaseUnusable) as refused:
            async with reopened.transaction() as tx:
                await tx.institutions.create(name="Kota Baca", kind="kota")
    finally:
        await reopened.close()
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute(f"ALTER DATABASE {database} RESET default_transaction_read_only".encode())
    assert refused.value.code == "read_only" and "point SPBE_DATABASE_URL at the primary" in str(refused.value)


async def test_a_pg_dump_backup_restores_every_record(db: OpenedStorage, postgres: PostgresBackend, tmp_path: Path,
                                                      postgres_server: pg_server.Server) -> None:
    """The backup and restore of docs/deploy.md: pg_dump's custom format, pg_restore into a new database."""
    from tests.conftest import drop_postgres_database, new_postgres_database

    _, period = await make_period(db)
    async with db.transaction() as tx:
        for number in range(1, 48):
            await tx.answers.save(period_id=period, indicator=number, level=number % 5 + 1, explanation=f"fakta {number}", by=7)
    binaries = pg_server._find_binaries()
    assert binaries is not None
    dump = tmp_path / "spbe.dump"
    subprocess.run([str(binaries / "pg_dump"), "--format=custom", f"--file={dump}", postgres.url], check=True, timeout=60)
    name = new_postgres_database(postgres_server)
    try:
        subprocess.run([str(binaries / "pg_restore"), "--no-owner", f"--dbname={postgres_server.url(name)}", str(dump)], check=True,
                       timeout=60)
        restored = await open_storage(postgres_server.url(name))
        try:
            assert restored.migrated == []  # the schema came with the dump
            assert await restored.read.answers.list(period) == await db.read.answers.list(period)
            assert await restored.read.answers.history(period) == await db.read.answers.history(period)
            async with restored.transaction() as tx:  # the id sequences came along: new rows get new ids
                institution = await tx.institutions.create(name="Kota Baru", kind="kota")
            assert institution.id == 2
        finally:
            await restored.close()
    finally:
        drop_postgres_database(postgres_server, name)


async def test_a_lost_connection_is_a_storage_error_and_the_next_transaction_works(db: OpenedStorage, postgres: PostgresBackend) -> None:
    """The server ends a transaction's connection (an administrator, a restart): the transaction
    fails with a StorageError, nothing of it is kept, and the pool makes a new connection."""
    with pytest.raises(StorageError) as failed:
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kota Putus", kind="kota")
            pid = await tx.institutions._value("SELECT pg_backend_pid()")
            with psycopg.connect(postgres.url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            await tx.institutions.create(name="Kota Putus 2", kind="kota")
    assert failed.value.code == "unreachable" and "the connection to PostgreSQL failed" in str(failed.value)
    async with db.transaction() as tx:
        await tx.institutions.create(name="Kota Tetap", kind="kota")
    assert [i.name for i in await db.read.institutions.list()] == ["Kota Tetap"]


async def test_connections_the_server_ended_while_idle_are_replaced_unnoticed(db: OpenedStorage, postgres: PostgresBackend) -> None:
    """A server restart or an idle timeout ends the pool's idle connections: the next read, and the
    next transaction's BEGIN, run again on a new connection (nothing was done on the old one), so
    nobody notices."""
    async with db.transaction() as tx:
        await tx.institutions.create(name="Kota Sebelum", kind="kota")
    together = asyncio.Barrier(4)

    async def held() -> None:  # four connections in use at once: the pool keeps them all, idle, afterwards
        async with db.transaction() as tx:
            await tx.institutions.list()
            await together.wait()

    await asyncio.gather(*(held() for _ in range(4)))
    ended = postgres.committed("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert len(ended) >= 4 and all(row[0] for row in ended)
    assert [i.name for i in await db.read.institutions.list()] == ["Kota Sebelum"]
    ended = postgres.committed("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert ended
    async with db.transaction() as tx:
        await tx.institutions.create(name="Kota Sesudah", kind="kota")
    assert [i.name for i in await db.read.institutions.list()] == ["Kota Sebelum", "Kota Sesudah"]


async def waiting_for_a_lock(postgres: PostgresBackend) -> None:
    """Until a transaction of the test database waits for a row lock (PostgreSQL's own account of its
    sessions), 10 s at most."""
    for _ in range(1000):
        waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        if postgres.committed(waiting)[0][0]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no transaction waits for a lock")


async def test_a_second_redemption_while_the_first_is_uncommitted_waits_and_is_refused(db: OpenedStorage,
                                                                                       postgres: PostgresBackend) -> None:
    """The deterministic form of the replicas' test: the first redemption holds its transaction open
    until the second waits for the invitation's row; once the first commits, the second finds the
    code used. (Without the row lock the second reads the count before the first's commit, and both join.)"""
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        invitation = await tx.invitations.create(institution_id=institution, role="officer", created_by=7,
                                                 expires_at=datetime.now(UTC) + timedelta(days=1))

    async def second() -> None:
        async with db.transaction() as tx:
            await tx.invitations.redeem(invitation.code, user_id=51, display_name="Dodi")

    async with db.transaction() as tx:
        await tx.invitations.redeem(invitation.code, user_id=50, display_name="Rina")
        waiting = asyncio.create_task(second())
        await waiting_for_a_lock(postgres)
    with pytest.raises(Conflict) as refused:
        await waiting
    assert refused.value.code == "used_up"
    assert {m.user_id for m in await db.read.members.list(institution)} == {7, 50}
    assert (await db.read.invitations.get(invitation.code)).uses == 1  # type: ignore[union-attr]


async def test_a_second_change_of_an_answer_while_the_first_is_uncommitted_waits_and_follows_it(db: OpenedStorage,
                                                                                                  postgres: PostgresBackend) -> None:
    """The deterministic form of the history test: the second change waits for the first's row lock
    and records the first's new level as its old one. (Without the lock it reads the level before
    the first change, and the history says 2 -> 3, 2 -> 4.)"""
    _, period = await make_period(db)
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=5, level=2, explanation=None, by=7)

    async def second() -> None:
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=5, level=4, explanation=None, by=8)

    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=5, level=3, explanation=None, by=7)
        waiting = asyncio.create_task(second())
        await waiting_for_a_lock(postgres)
    await waiting
    history = await db.read.answers.history(period, 5)
    assert [(h.old_level, h.new_level, h.by) for h in history] == [(None, 2, 7), (2, 3, 7), (3, 4, 8)]
    assert (await db.read.answers.get(period, 5)).level == 4  # type: ignore[union-attr]


async def test_two_files_registered_at_once_in_one_institution_get_the_next_codes(db: OpenedStorage, postgres: PostgresBackend) -> None:
    """A new register item takes the institution's next code (B-001, B-002): the second of two
    registrations at once waits for the first's lock on the institution and takes the code after
    it. (Without the lock both would take B-001, and the second would fail on the unique code.)"""
    institution, _ = await make_period(db)

    async def add(file: str) -> int:
        async with db.transaction() as tx:
            return (await tx.evidence.add(institution_id=institution, file_id=file, file_unique_id=file, kind="document",
                                          uploaded_by=7)).code

    async with db.transaction() as tx:
        first = await tx.evidence.add(institution_id=institution, file_id="a", file_unique_id="a", kind="document", uploaded_by=7)
        second = asyncio.create_task(add("b"))
        await waiting_for_a_lock(postgres)
    assert (first.code, await second) == (1, 2)
    assert [e.label for e in await db.read.evidence.register(institution)] == ["B-001", "B-002"]
