"""The SQLite database: one serialized writer, a separate reader, migrations at start, backups.

WAL journal, synchronous=NORMAL, foreign keys on and a busy timeout on every connection. Writes go
through :meth:`Database.transaction`, one at a time in this process (an asyncio lock around a
single writer connection, ``BEGIN IMMEDIATE``); each user action is one such transaction. Reads
through :attr:`Database.read` use their own connection, so they see the last committed state and
never wait for the writer. Statements run on the event loop's thread; ``BEGIN IMMEDIATE``,
``COMMIT`` and ``ROLLBACK``, where SQLite may wait, through aiosqlite's worker thread (see
:func:`storage.sqlite.base.statements`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from storage import repositories
from storage.errors import StorageError
from storage.sqlite import migrations
from storage.sqlite.base import Clock, statements
from storage.sqlite.evaluations import AnswerRepository, EvidenceRepository, PeriodRepository
from storage.sqlite.institutions import InstitutionRepository, InvitationRepository, MemberRepository
from storage.sqlite.outbox import OutboxRepository
from storage.sqlite.state import PositionRepository, UpdateRepository
from storage.sqlite.teams import AssignmentRepository, GroupRepository, ReminderRepository

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 5000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Session:
    """The repositories bound to one connection (the writer's transaction, or the reader)."""

    def __init__(self, conn: aiosqlite.Connection, clock: Clock) -> None:
        self._conn = conn
        self._savepoints = 0
        self.institutions = InstitutionRepository(conn, clock)
        self.members = MemberRepository(conn, clock)
        self.invitations = InvitationRepository(conn, clock)
        self.periods = PeriodRepository(conn, clock)
        self.answers = AnswerRepository(conn, clock)
        self.evidence = EvidenceRepository(conn, clock)
        self.groups = GroupRepository(conn, clock)
        self.assignments = AssignmentRepository(conn, clock)
        self.reminders = ReminderRepository(conn, clock)
        self.positions = PositionRepository(conn, clock)
        self.updates = UpdateRepository(conn, clock)
        self.outbox = OutboxRepository(conn, clock)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo what the block wrote if it raises; the enclosing transaction goes on."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        conn = statements(self._conn)
        try:
            conn.execute(f"SAVEPOINT {name}")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot start a savepoint: {exc}") from exc
        try:
            yield
        except BaseException:
            try:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            except sqlite3.Error:  # the enclosing transaction's rollback undoes it; keep the original error
                log.warning("rollback to savepoint %s failed", name, exc_info=True)
            raise
        try:
            conn.execute(f"RELEASE {name}")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot release a savepoint: {exc}") from exc


async def connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    target = f"file:{path}?mode=ro" if read_only else str(path)
    try:
        # check_same_thread=False: statements run on the event loop's thread (see base.statements)
        conn = await aiosqlite.connect(target, uri=read_only, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not read_only:
        await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, clock: Clock) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self.clock = clock
        self.read = Session(reader, clock)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        A failed COMMIT raises :class:`StorageError`; the error the block raised, or the failed
        COMMIT, is never replaced by an error of the rollback that follows.
        """
        async with self._lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot start a transaction: {exc}") from exc
            try:
                yield Session(self._writer, self.clock)
            except BaseException:
                await self._rollback()
                raise
            else:
                try:
                    await self._writer.execute("COMMIT")
                except sqlite3.Error as exc:
                    await self._rollback()
                    raise StorageError(f"commit failed: {exc}") from exc

    async def _rollback(self) -> None:
        """Undo the writer's open transaction, if one is still open; log, never raise, a failure.

        SQLite may have rolled back by itself already (after a failed COMMIT, a full disk, an I/O
        error...): then ROLLBACK would fail with "no transaction is active". Only ever called with
        an exception on its way to the caller, which is the one to report.
        """
        if not self._writer.in_transaction:
            return
        try:
            await self._writer.execute("ROLLBACK")
        except sqlite3.Error:
            log.warning("rollback failed on %s", self.path, exc_info=True)

    async def backup(self, destination: Path) -> None:
        """A consistent copy through SQLite's online backup API, while writes go on."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        source = await connect(self.path)
        try:
            target = sqlite3.connect(destination)
            try:
                await source.backup(target)
            finally:
                target.close()
        finally:
            await source.close()

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


async def open_database(path: Path | str, *, clock: Clock | None = None, upgrade: bool = True) -> Database:
    """Open (creating if needed) and migrate the database; refuse one newer than this program."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = await connect(path)
    try:
        if upgrade:
            await migrations.upgrade(writer)
        else:
            await migrations.check_not_newer(writer, migrations.available())
        reader = await connect(path, read_only=True)
    except BaseException:
        await writer.close()
        raise
    return Database(path, writer, reader, clock or _utc_now)


def _implements_the_contract(database: Database) -> repositories.Storage:
    """Never called: lets mypy check that :class:`Database` satisfies :class:`storage.repositories.Storage`."""
    return database

