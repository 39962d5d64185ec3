"""Database.transaction(): a failed COMMIT and a failed ROLLBACK stay inside the storage layer, and a
COMMIT never reports success for work that was not kept."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from storage import open_database
from storage.backends import OpenedStorage
from storage.errors import StorageError
from storage.sqlite.base import statements
from storage.sqlite.database import BUSY_TIMEOUT_MS, CHECKPOINT_EVERY
from tests.backends import Backend
from tests.storage.conftest import make_period


async def test_a_failed_commit_raises_storage_error_and_keeps_nothing(db: OpenedStorage, backend: Backend) -> None:
    _, period = await make_period(db)
    with pytest.raises(StorageError, match="commit failed: ") as failed:
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=1, level=3, explanation="Fakta: SK 1/2026.", by=7)
            await backend.make_the_commit_fail(tx)
    assert isinstance(failed.value.__cause__, backend.driver_error)

    assert await db.read.answers.count(period) == 0 and await db.read.answers.history(period) == []
    assert backend.committed("SELECT * FROM answers") == [] and backend.committed("SELECT * FROM answer_history") == []
    assert backend.committed("SELECT user_id FROM members WHERE institution_id = 999") == []
    # the connection is not left inside the failed transaction: the next one starts and commits
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=1, level=4, explanation=None, by=7)
    assert await db.read.answers.levels(period) == {1: 4}
    assert backend.committed("SELECT indicator, level_x100 FROM answers") == [(1, 400)]


async def test_a_commit_after_the_transaction_ended_early_raises_storage_error(db: OpenedStorage) -> None:
    """After some failures (disk full, I/O error, interrupt) SQLite has rolled back already, so the
    ROLLBACK that follows a failed COMMIT would fail too; PostgreSQL would answer a COMMIT without a
    transaction with a mere warning. Ending the transaction early gives that state deterministically."""
    with pytest.raises(StorageError, match="commit failed: ") as failed:
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            await tx.institutions._execute("ROLLBACK")
    assert "no transaction is active" in str(failed.value) or "ended before its commit" in str(failed.value)
    assert await db.read.institutions.list() == []
    async with db.transaction() as tx:
        await tx.institutions.create(name="Kabupaten Tetap", kind="kabupaten")
    assert [i.name for i in await db.read.institutions.list()] == ["Kabupaten Tetap"]


async def test_an_error_in_the_block_is_not_masked_when_there_is_nothing_to_roll_back(db: OpenedStorage) -> None:
    with pytest.raises(LookupError, match="the caller's own error"):
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            await tx.institutions._execute("ROLLBACK")
            raise LookupError("the caller's own error")
    assert await db.read.institutions.list() == []


async def test_an_error_in_the_block_is_not_masked_by_a_failing_rollback(
    db: OpenedStorage, backend: Backend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="storage"), pytest.raises(LookupError, match="the caller's own error"):
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            backend.fail_rollbacks(db, monkeypatch)
            raise LookupError("the caller's own error")
    assert "rollback failed" in caplog.text and "disk I/O error" in caplog.text
    monkeypatch.undo()
    assert await db.read.institutions.list() == []  # never committed


async def test_a_statement_that_failed_inside_a_savepoint_leaves_the_transaction_usable(db: OpenedStorage) -> None:
    """The engine runs each handler in a savepoint: a handler whose statement fails is undone, and the
    rest of the transaction (the update claim, the position) still commits. PostgreSQL refuses every
    statement after a failed one until the savepoint is rolled back."""
    async with db.transaction() as tx:
        await tx.positions.save(1, "kept")
        with pytest.raises(StorageError, match="database error"):
            async with tx.savepoint():
                await tx.positions.save(2, "undone")
                await tx.answers._execute("INSERT INTO nowhere VALUES (1)")
        await tx.positions.save(3, "kept as well")
    assert [await db.read.positions.document(n) for n in (1, 2, 3)] == ["kept", None, "kept as well"]


async def test_work_after_a_failed_statement_is_never_confirmed_unless_kept(db: OpenedStorage, backend: Backend) -> None:
    """A caller that catches a failed statement and carries on: SQLite keeps the rest of the work;
    PostgreSQL has aborted the transaction (and would answer its COMMIT with a silent ROLLBACK), so
    the next statement, or the COMMIT, raises, naming the failed statement. Either way nothing is
    confirmed that is not stored."""
    try:
        async with db.transaction() as tx:
            await tx.positions.save(1, "before")
            with pytest.raises(StorageError, match="database error"):
                await tx.answers._execute("INSERT INTO nowhere VALUES (1)")
            await tx.positions.save(4, "after")
    except StorageError as exc:
        assert backend.name == "postgres" and "an earlier statement of this transaction failed" in str(exc)
        assert "nowhere" in str(exc)
        assert [await db.read.positions.document(n) for n in (1, 4)] == [None, None]
    else:
        assert backend.name == "sqlite"
        assert [await db.read.positions.document(n) for n in (1, 4)] == ["before", "after"]


async def test_a_commit_right_after_a_failed_statement_is_never_taken_for_success(db: OpenedStorage, backend: Backend) -> None:
    """The same with nothing after the failed statement: PostgreSQL would answer the COMMIT itself
    with ROLLBACK, and no error."""
    try:
        async with db.transaction() as tx:
            await tx.positions.save(1, "before")
            with pytest.raises(StorageError, match="database error"):
                await tx.answers._execute("INSERT INTO nowhere VALUES (1)")
    except StorageError as exc:
        assert backend.name == "postgres" and str(exc).startswith("commit failed: an earlier statement of this transaction failed")
        assert await db.read.positions.document(1) is None
    else:
        assert backend.name == "sqlite" and await db.read.positions.document(1) == "before"


async def test_a_transaction_waits_for_another_process_write_lock_without_holding_the_event_loop(tmp_path: Path) -> None:
    """``BEGIN IMMEDIATE`` runs on the loop's thread only when it cannot wait: while another
    connection (another process, a backup) holds the write lock it waits in the worker thread, the
    loop serving others meanwhile, and goes on once the lock is free."""
    db = await open_database(tmp_path / "spbe.sqlite3")
    other = sqlite3.connect(tmp_path / "spbe.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO institutions (name, kind, created_at) VALUES ('Kota Lain', 'kota', '2026-12-01')")

        async def write() -> None:
            async with db.transaction() as tx:
                await tx.institutions.create(name="Kabupaten Contoh", kind="kabupaten")

        writing = asyncio.create_task(write())
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(20):  # the loop keeps running while the transaction waits for the lock
            await asyncio.sleep(0.005)
        # Blocked on the loop's thread it would stand still for the whole busy timeout (5 s).
        assert loop.time() - started < BUSY_TIMEOUT_MS / 2000 and not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        assert sorted(i.name for i in await db.read.institutions.list()) == ["Kabupaten Contoh", "Kota Lain"]
        async with db.transaction() as tx:  # and the next one is on the loop's thread again
            await tx.institutions.create(name="Kota Contoh", kind="kota")
    finally:
        other.close()
        await db.close()


async def test_the_wal_is_checkpointed_by_the_database_not_inside_commits(tmp_path: Path) -> None:
    """The writer does not checkpoint when it commits (that would write and sync the database file
    on the loop's thread); every CHECKPOINT_EVERY commits the database copies the WAL into the file."""
    path = tmp_path / "spbe.sqlite3"
    db = await open_database(path)
    try:
        assert int(statements(db._writer).execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
        before = path.stat().st_size
        for number in range(CHECKPOINT_EVERY - 1):
            async with db.transaction() as tx:
                await tx.positions.save(number, "x" * 5000)  # a page or two each, in the WAL only
        assert path.stat().st_size == before
        async with db.transaction() as tx:
            await tx.positions.save(0, "the last commit before the checkpoint")
        assert path.stat().st_size > before + 100 * 4096  # copied in
        assert await db.read.positions.document(CHECKPOINT_EVERY - 2) == "x" * 5000
    finally:
        await db.close()
