"""The SQLite database: one serialized writer, a separate reader, migrations at start, backups.

WAL journal, synchronous=NORMAL, foreign keys on and a busy timeout on every connection. Writes go
through :meth:`Database.transaction`, one at a time in this process (an asyncio lock around a
single writer connection, ``BEGIN IMMEDIATE``); each user action is one such transaction. Reads
through :attr:`Database.read` use their own connection, so they see the last committed state and
never wait for the writer. Statements run on the event loop's thread (see
:func:`storage.sqlite.base.statements`), ``BEGIN IMMEDIATE`` and ``COMMIT`` too as long as they
cannot wait: the writer's busy timeout is 0, so ``BEGIN IMMEDIATE`` fails at once while another
process writes and is then tried in aiosqlite's worker thread, which waits for the lock; the
writer never checkpoints inside a ``COMMIT`` (that writes the database file and syncs it), it
checkpoints every :data:`CHECKPOINT_EVERY` commits in the worker thread instead.

Opening checks the file first (``storage.sqlite.faults``: its folder, permissions, SQLite's
``PRAGMA quick_check``) and refuses a file it cannot use with one line naming it; no connection is
left open behind a refusal, so a refused start never hangs.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from storage import repositories, schema
from storage.errors import DatabaseTooNew, DatabaseUnusable, StorageError
from storage.schema import SchemaStatus
from storage.sqlite import faults, migrations
from storage.sqlite.base import Clock, statements
from storage.sqlite.evaluations import AnswerRepository, PeriodRepository
from storage.sqlite.evidence import ChecklistRepository, EvidenceRepository
from storage.sqlite.faults import translate
from storage.sqlite.institutions import InstitutionRepository, InvitationRepository, MemberRepository
from storage.sqlite.outbox import OutboxRepository
from storage.sqlite.plans import PlanRepository
from storage.sqlite.replicas import ReplicaRepository
from storage.sqlite.state import PositionRepository, UpdateRepository
from storage.sqlite.teams import AssignmentRepository, GroupRepository, ReminderRepository

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 5000
# Commits between two checkpoints of the WAL into the database file. An answer writes some six
# pages, so this is about SQLite's own default (a checkpoint once the WAL has 1,000 pages).
CHECKPOINT_EVERY = 150


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
        self.checklists = ChecklistRepository(conn, clock)
        self.groups = GroupRepository(conn, clock)
        self.assignments = AssignmentRepository(conn, clock)
        self.reminders = ReminderRepository(conn, clock)
        self.positions = PositionRepository(conn, clock)
        self.updates = UpdateRepository(conn, clock)
        self.plans = PlanRepository(conn, clock)
        self.outbox = OutboxRepository(conn, clock)
        self.replicas = ReplicaRepository(conn, clock)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo what the block wrote if it raises; the enclosing transaction goes on."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        conn = statements(self._conn)
        try:
            conn.execute(f"SAVEPOINT {name}")
        except sqlite3.Error as exc:
            raise translate(exc, "cannot start a savepoint") from exc
        try:
            yield
        except BaseException:
            try:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            except sqlite3.Error as exc:  # the enclosing transaction's rollback undoes it; keep the original error
                # After a full disk or an I/O error SQLite may have rolled back the whole transaction,
                # savepoints included: nothing left to undo.
                log.warning("rollback to savepoint %s failed: %s", name, exc)
            raise
        try:
            conn.execute(f"RELEASE {name}")
        except sqlite3.Error as exc:
            raise translate(exc, "cannot release a savepoint") from exc


def _uri(path: Path, *, read_only: bool) -> str:
    """A ``file:`` URI for ``path`` (percent-encoded, so any file name works)."""
    return path.absolute().as_uri() + ("?mode=ro" if read_only else "")


async def connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    """One connection with the pragmas every connection gets. A failure closes what was opened
    (a left-over connection's thread would keep the process from exiting) and raises a
    :class:`StorageError` that names the file."""
    try:
        # check_same_thread=False: statements run on the event loop's thread (see base.statements)
        conn = await aiosqlite.connect(_uri(path, read_only=read_only), uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise faults.unusable(path, exc) from exc
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            await _wal(conn)
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except BaseException as exc:
        await _close_quietly(conn)
        if isinstance(exc, sqlite3.Error):
            raise faults.unusable(path, exc) from exc
        raise
    return conn


async def _wal(conn: aiosqlite.Connection) -> None:
    """Switch to the WAL journal. Switching a new file takes an exclusive lock, and SQLite answers
    "database is locked" at once, without waiting, while another process switches the same file:
    so wait here, as the busy timeout would."""
    deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not faults.error_name(exc).startswith("SQLITE_BUSY") or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.02)


async def _run(conn: aiosqlite.Connection, sql: str) -> None:
    """One statement in aiosqlite's worker thread, its cursor closed at once. The worker keeps the
    last result it handed over until its next job: an open cursor of a statement that returned a
    row (a PRAGMA's value) would leave the statement in progress, and SQLite then refuses the
    ``COMMIT`` and ``SAVEPOINT`` run on the loop's thread ("SQL statements in progress")."""
    cursor = await conn.execute(sql)
    await cursor.close()


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    try:
        await conn.close()
    except (sqlite3.Error, ValueError):
        log.warning("closing a database connection failed", exc_info=True)


async def quick_check(conn: aiosqlite.Connection, path: Path) -> None:
    """SQLite's ``PRAGMA quick_check``: every page readable, every b-tree well formed (about 0.1 s for
    a 50 MB file, see docs/storage.md). Raises :class:`DatabaseUnusable` naming the first problem."""
    try:
        async with conn.execute("PRAGMA quick_check(1)") as cursor:
            rows = await cursor.fetchall()
    except sqlite3.Error as exc:
        raise faults.unusable(path, exc) from exc
    result = faults.one_line(" ".join(str(row[0]) for row in rows).replace("*** in database main ***", ""))
    if result != "ok":
        raise DatabaseUnusable(f"database {path} is damaged (integrity check: {result}): {faults.RESTORE}", code="damaged")


@dataclass(frozen=True)
class BackupReport:
    """What ``check_backup`` found in a copy: SQLite's integrity check, the rows of the main tables,
    and the evidence files its rows name (their hashes)."""

    integrity: str
    counts: dict[str, int]
    files: set[str]


BACKUP_TABLES = ("institutions", "members", "periods", "answers", "answer_history", "evidence", "evidence_reviews", "group_links")


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, clock: Clock) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self.clock = clock
        self.read = Session(reader, clock)
        self.migrated: list[str] = []
        self._commits = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        A failed COMMIT raises :class:`StorageError`; the error the block raised, or the failed
        COMMIT, is never replaced by an error of the rollback that follows.
        """
        async with self._lock:
            try:
                await self._begin()
            except sqlite3.Error as exc:
                raise translate(exc, "cannot start a transaction") from exc
            try:
                yield Session(self._writer, self.clock)
            except BaseException:
                await self._rollback()
                raise
            else:
                try:
                    statements(self._writer).execute("COMMIT")
                except sqlite3.Error as exc:
                    await self._rollback()
                    raise translate(exc, "commit failed") from exc
                self._commits += 1
                if self._commits % CHECKPOINT_EVERY == 0:
                    await self._checkpoint()

    async def _begin(self) -> None:
        """``BEGIN IMMEDIATE`` on the loop's thread, where it cannot wait (the writer's busy timeout
        is 0); while another process holds the write lock, in the worker thread, waiting up to the
        busy timeout for it."""
        try:
            statements(self._writer).execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not faults.error_name(exc).startswith("SQLITE_BUSY"):
                raise
        await _run(self._writer, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            await _run(self._writer, "BEGIN IMMEDIATE")
        finally:
            await _run(self._writer, "PRAGMA busy_timeout = 0")

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database file, in the worker thread; the transaction lock is held,
        so no statement runs on the writer meanwhile. A failure is only logged: SQLite checkpoints
        whatever is left the next time, and nothing committed depends on it."""
        try:
            await _run(self._writer, "PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.warning("checkpoint of %s failed: %s", self.path, exc)

    async def ping(self) -> None:
        """One trivial read (the health check): raises :class:`StorageError` when the file cannot be read."""
        try:
            statements(self._reader).execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise translate(exc, "the database does not answer") from exc
        except ValueError as exc:  # aiosqlite: the connection is closed
            raise StorageError(f"the database does not answer: {exc}") from exc

    async def _rollback(self) -> None:
        """Undo the writer's open transaction, if one is still open; log, never raise, a failure.

        SQLite may have rolled back by itself already (after a failed COMMIT, a full disk, an I/O
        error...): then ROLLBACK would fail with "no transaction is active". Only ever called with
        an exception on its way to the caller, which is the one to report.
        """
        if not self._writer.in_transaction:
            return
        try:
            await _run(self._writer, "ROLLBACK")
        except (sqlite3.Error, ValueError):
            log.warning("rollback failed on %s", self.path, exc_info=True)

    async def backup(self, destination: Path) -> None:
        """A consistent copy through SQLite's online backup API, while writes go on."""
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"backup {destination}: cannot create its folder ({exc.strerror or exc})") from exc
        source = await connect(self.path)
        try:
            target = sqlite3.connect(destination)
            try:
                await source.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise translate(exc, f"backup to {destination} failed") from exc
        finally:
            await _close_quietly(source)

    async def schema(self) -> SchemaStatus:
        """The schema version, the migrations applied (when) and the ones pending."""
        available = schema.available()
        version = await migrations.current_version(self._reader)
        done = await migrations.applied(self._reader)
        return SchemaStatus(True, version, available[-1].version, done, [m.path.name for m in available if m.version > version])

    async def close(self) -> None:
        await _close_quietly(self._reader)
        await _close_quietly(self._writer)


async def open_database(path: Path | str, *, clock: Clock | None = None, upgrade: bool = True, check: bool = True) -> Database:
    """Open (creating if needed) and migrate the database; refuse, with one line naming the file, one
    that cannot be used (see ``storage.sqlite.faults``), is damaged (``check``: SQLite's quick check)
    or is newer than this program. ``Database.migrated`` lists the migrations applied now."""
    path = Path(path)
    faults.check_location(path, create_folder=True)
    writer = await connect(path)
    try:
        if check:
            await quick_check(writer, path)
        try:
            if upgrade:
                done = await migrations.upgrade(writer)
            else:
                await migrations.check_not_newer(writer, schema.available())
                done = []
        except DatabaseTooNew as exc:
            raise DatabaseTooNew(f"database {path}: {exc}") from None
        except StorageError as exc:
            if isinstance(exc.__cause__, sqlite3.Error):  # name the file, and what to do when SQLite says why
                raise faults.unusable(path, exc.__cause__, doing=str(exc)) from exc.__cause__
            raise
        # From here the writer's statements run on the loop's thread, and must not wait there
        # (Database._begin); checkpoints are the database's own (Database._checkpoint).
        await _run(writer, "PRAGMA busy_timeout = 0")
        await _run(writer, "PRAGMA wal_autocheckpoint = 0")
        reader = await connect(path, read_only=True)
    except BaseException:
        await _close_quietly(writer)
        raise
    database = Database(path, writer, reader, clock or _utc_now)
    database.migrated = [m.path.name for m in done]
    return database


async def schema_status(path: Path | str) -> SchemaStatus:
    """``db status``: the schema of the database at ``path``, which is checked as :func:`open_database`
    checks it but not changed; ``exists`` is False when there is no file yet (it is made on first start)."""
    path = Path(path)
    faults.check_location(path, create_folder=False)
    if not path.exists():
        available = schema.available()
        return SchemaStatus(False, 0, available[-1].version, [], [m.path.name for m in available])
    database = await open_database(path, upgrade=False)
    try:
        return await database.schema()
    finally:
        await database.close()


async def check_backup(path: Path) -> BackupReport:
    """Read a backup copy back: SQLite's full integrity check and the rows of the main tables."""
    conn = await connect(path, read_only=True)
    try:
        async with conn.execute("PRAGMA integrity_check") as cursor:
            integrity = faults.one_line(" ".join(str(row[0]) for row in await cursor.fetchall()))
        counts = {}
        for table in BACKUP_TABLES:
            async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
                row = await cursor.fetchone()
            counts[table] = int(row[0]) if row else 0
        async with conn.execute("SELECT DISTINCT sha256 FROM evidence WHERE sha256 IS NOT NULL") as cursor:
            files = {str(row[0]) for row in await cursor.fetchall()}
    except sqlite3.Error as exc:
        raise faults.unusable(path, exc) from exc
    finally:
        await _close_quietly(conn)
    return BackupReport(integrity, counts, files)


def _implements_the_contract(database: Database) -> repositories.Storage:
    """Never called: lets mypy check that :class:`Database` satisfies :class:`storage.repositories.Storage`."""
    return database

