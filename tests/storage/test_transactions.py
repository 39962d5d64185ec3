"""Database.transaction(): a failed COMMIT and a failed ROLLBACK stay inside the storage layer."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest

from storage import Database
from storage.errors import StorageError
from tests.storage.conftest import make_period

ORPHAN = (
    "INSERT INTO members (institution_id, user_id, display_name, role, joined_at)"
    " VALUES (999, 8, 'Tanpa Instansi', 'officer', '2026-01-05T08:00:00+00:00')"
)


def committed_rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """What a separate connection sees in the file: only committed data."""
    with sqlite3.connect(db.path) as conn:
        return conn.execute(sql).fetchall()


async def test_a_failed_commit_raises_storage_error_and_keeps_nothing(db: Database) -> None:
    _, period = await make_period(db)
    with pytest.raises(StorageError, match="commit failed: FOREIGN KEY constraint failed") as failed:
        async with db.transaction() as tx:
            await tx.answers.save(period_id=period, indicator=1, level=3, explanation="Fakta: SK 1/2026.", by=7)
            # the foreign key is checked at COMMIT only, so the COMMIT itself fails
            await tx.members._execute("PRAGMA defer_foreign_keys = ON")
            await tx.members._execute(ORPHAN)
    assert isinstance(failed.value.__cause__, sqlite3.IntegrityError)

    assert await db.read.answers.count(period) == 0 and await db.read.answers.history(period) == []
    assert await db.read.members.get(999, 8) is None
    assert committed_rows(db, "SELECT * FROM answers") == [] and committed_rows(db, "SELECT * FROM answer_history") == []
    assert committed_rows(db, "SELECT user_id FROM members WHERE institution_id = 999") == []
    # the writer is not left inside the failed transaction: the next one starts and commits
    async with db.transaction() as tx:
        await tx.answers.save(period_id=period, indicator=1, level=4, explanation=None, by=7)
    assert await db.read.answers.levels(period) == {1: 4}
    assert committed_rows(db, "SELECT indicator, level_x100 FROM answers") == [(1, 400)]


async def test_a_failed_commit_after_sqlite_rolled_back_still_raises_storage_error(db: Database) -> None:
    """After some failures (disk full, I/O error, interrupt) SQLite has rolled back already, so the
    ROLLBACK that follows a failed COMMIT would fail too. Ending the transaction early gives the
    same state deterministically."""
    with pytest.raises(StorageError, match="commit failed: cannot commit - no transaction is active") as failed:
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            await tx.institutions._execute("ROLLBACK")
    assert isinstance(failed.value.__cause__, sqlite3.OperationalError)
    assert await db.read.institutions.list() == []
    async with db.transaction() as tx:
        await tx.institutions.create(name="Kabupaten Tetap", kind="kabupaten")
    assert [i.name for i in await db.read.institutions.list()] == ["Kabupaten Tetap"]


async def test_an_error_in_the_block_is_not_masked_when_there_is_nothing_to_roll_back(db: Database) -> None:
    with pytest.raises(LookupError, match="the caller's own error"):
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            await tx.institutions._execute("ROLLBACK")
            raise LookupError("the caller's own error")
    assert await db.read.institutions.list() == []


async def test_an_error_in_the_block_is_not_masked_by_a_failing_rollback(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    writer = db._writer
    execute: Callable[..., Awaitable[Any]] = writer.execute

    async def failing_rollback(sql: str, parameters: Iterable[Any] | None = None) -> Any:
        if sql == "ROLLBACK":
            raise sqlite3.OperationalError("disk I/O error")
        return await execute(sql, parameters)

    with caplog.at_level(logging.WARNING, logger="storage.sqlite.database"), pytest.raises(LookupError, match="the caller's own error"):
        async with db.transaction() as tx:
            await tx.institutions.create(name="Kabupaten Sementara", kind="kabupaten")
            monkeypatch.setattr(writer, "execute", failing_rollback)
            raise LookupError("the caller's own error")
    assert "rollback failed" in caplog.text and "disk I/O error" in caplog.text
    monkeypatch.undo()
    assert await db.read.institutions.list() == []  # never committed
