"""The PostgreSQL database: a connection pool, concurrent transactions, migrations at start.

Chosen by ``SPBE_DATABASE_URL=postgresql://…`` (``storage.backends.open_storage``); the same
repository contract as SQLite's (``storage.repositories``), so ``conversations/`` and ``bot/`` do
not know which one they use.

- **Transactions** run concurrently, each on its own pooled connection, at PostgreSQL's default
  isolation (READ COMMITTED). What SQLite's single writer gave for free is kept by row locks where
  it matters: an invitation is redeemed once, an answer's changes take turns (its history stays in
  order), a user's turns take turns (the position row), an update is claimed once (the primary key
  of its claim). A deadlock or a serialisation failure, should one happen, rolls the transaction
  back whole and raises :class:`Contention`: the engine runs the event again.
- **Reads** through :attr:`Database.read` take a pooled connection per statement, in autocommit
  mode: they see the last committed state and never wait for a writer.
- **Savepoints**, **a failed COMMIT** and **a full disk** behave as in SQLite: a savepoint undoes
  its block; a COMMIT that fails, or that would silently roll back a transaction an earlier
  statement had already failed (PostgreSQL answers ``ROLLBACK`` to such a COMMIT), raises; a full
  disk (``disk_full``) is :class:`StorageFull` with nothing of the transaction kept.
- Every connection works in UTC, and waits at most ``LOCK_TIMEOUT`` for a row lock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage import repositories
from storage.errors import DatabaseTooNew, StorageError
from storage.postgres import faults, migrations
from storage.postgres.base import Clock, Connection, Link, Pool
from storage.postgres.evaluations import AnswerRepository, PeriodRepository
from storage.postgres.evidence import ChecklistRepository, EvidenceRepository
from storage.postgres.faults import translate
from storage.postgres.institutions import InstitutionRepository, InvitationRepository, MemberRepository
from storage.postgres.outbox import OutboxRepository
from storage.postgres.plans import PlanRepository
from storage.postgres.replicas import ReplicaRepository
from storage.postgres.state import PositionRepository, UpdateRepository
from storage.postgres.teams import AssignmentRepository, GroupRepository, ReminderRepository
from storage.schema import SchemaStatus

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 5  # seconds, when the URL sets none
LOCK_TIMEOUT = "5s"  # as SQLite's busy timeout: a row lock held longer is an error, not a hang
POOL_TIMEOUT = 10.0  # seconds a transaction waits for a connection of the pool (all busy, or the server gone)
DEFAULT_POOL_SIZE = 10


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _conninfo(url: str) -> str:
    """The URL with a connect timeout when it has none (a server that does not answer is reported, not waited for)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return psycopg.conninfo.make_conninfo(url, **({} if "connect_timeout" in info else {"connect_timeout": CONNECT_TIMEOUT}))


async def _configure(conn: Connection) -> None:
    """Every connection (in autocommit mode: transactions are begun explicitly): UTC, the lock timeout."""
    await conn.execute(f"SET TIME ZONE 'UTC'; SET lock_timeout = '{LOCK_TIMEOUT}'")


async def connect(url: str) -> Connection:
    """One configured connection; a failure raises :class:`DatabaseUnusable` in one line naming the database."""
    try:
        conn = await psycopg.AsyncConnection.connect(_conninfo(url), autocommit=True, row_factory=dict_row)
    except psycopg.Error as exc:
        raise faults.unusable(url, exc) from None
    try:
        await _configure(conn)
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, psycopg.Error):
            raise faults.unusable(url, exc) from None
        raise
    return conn


class Session:
    """The repositories bound to one link (a transaction's connection, or the pool for reads)."""

    def __init__(self, link: Link, clock: Clock) -> None:
        self._link = link
        self._savepoints = 0
        self.institutions = InstitutionRepository(link, clock)
        self.members = MemberRepository(link, clock)
        self.invitations = InvitationRepository(link, clock)
        self.periods = PeriodRepository(link, clock)
        self.answers = AnswerRepository(link, clock)
        self.evidence = EvidenceRepository(link, clock)
        self.checklists = ChecklistRepository(link, clock)
        self.groups = GroupRepository(link, clock)
        self.assignments = AssignmentRepository(link, clock)
        self.reminders = ReminderRepository(link, clock)
        self.positions = PositionRepository(link, clock)
        self.updates = UpdateRepository(link, clock)
        self.outbox = OutboxRepository(link, clock)
        self.replicas = ReplicaRepository(link, clock)
        self.plans = PlanRepository(link, clock)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo what the block wrote if it raises; the enclosing transaction goes on (a statement
        that failed in the block no longer stands in its way: PostgreSQL forgets it with the block)."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        async with self._link.connection() as conn:
            try:
                await conn.execute(f"SAVEPOINT {name}")
            except psycopg.Error as exc:
                raise translate(exc, "cannot start a savepoint") from exc
            try:
                yield
            except BaseException:
                try:
                    await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    await conn.execute(f"RELEASE SAVEPOINT {name}")
                    self._link.failed = None
                except psycopg.Error as exc:  # the enclosing transaction's rollback undoes it; keep the original error
                    log.warning("rollback to savepoint %s failed: %s", name, exc)
                raise
            try:
                await conn.execute(f"RELEASE SAVEPOINT {name}")
            except psycopg.errors.InFailedSqlTransaction as exc:
                raise self._link.earlier_failure("cannot release a savepoint") from exc
            except psycopg.Error as exc:
                raise translate(exc, "cannot release a savepoint") from exc


class Database:
    def __init__(self, url: str, pool: Pool, clock: Clock) -> None:
        self.url = url
        self.name = faults.describe(url)
        self._pool = pool
        self.clock = clock
        self._reads = Link(pool=pool)
        self.read = Session(self._reads, clock)
        self.migrated: list[str] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """One unit of work on its own connection: commits when the block ends, rolls back if it raises.

        A failed COMMIT raises :class:`StorageError`, and so does a COMMIT that PostgreSQL would
        turn into a rollback (an earlier statement failed, or the transaction was ended inside
        the block); the error the block raised, or the failed COMMIT, is never replaced by an error
        of the rollback that follows.
        """
        conn = await self._begin()
        try:
            link = Link(connection=conn)
            try:
                yield Session(link, self.clock)
            except BaseException:
                await self._rollback(conn)
                raise
            await self._commit(conn, link)
        finally:
            await self._pool.putconn(conn)  # a broken connection is dropped, a new one made

    async def _begin(self) -> Connection:
        """A pooled connection with a transaction begun. A connection the server ended meanwhile is
        dropped, the other idle ones are tested (see ``storage.postgres.base``), and the BEGIN runs
        once more (nothing was done on the old connection yet)."""
        again = True
        while True:
            try:
                conn = await self._pool.getconn()
            except PoolTimeout as exc:
                raise StorageError(f"no database connection within {POOL_TIMEOUT:.0f} s: {exc}", code="unreachable") from exc
            try:
                await conn.execute("BEGIN")
                return conn
            except psycopg.Error as exc:
                await self._pool.putconn(conn)
                if not (again and conn.broken):
                    raise translate(exc, "cannot start a transaction") from exc
                again = False
                await self._reads.replace_broken()

    async def _commit(self, conn: Connection, link: Link) -> None:
        status = conn.info.transaction_status
        if status == TransactionStatus.INERROR:
            await self._rollback(conn)
            raise link.earlier_failure("commit failed")
        if status != TransactionStatus.INTRANS:
            raise StorageError("commit failed: the transaction was ended before its commit; nothing of it was saved")
        try:
            await conn.execute("COMMIT")
        except psycopg.Error as exc:
            await self._rollback(conn)
            raise translate(exc, "commit failed") from exc

    async def _rollback(self, conn: Connection) -> None:
        """Undo the connection's open transaction, if one is still open; log, never raise, a failure.
        Only ever called with an exception on its way to the caller, which is the one to report.
        A broken connection is dropped by the pool."""
        if conn.broken or conn.info.transaction_status == TransactionStatus.IDLE:
            return
        try:
            await conn.execute("ROLLBACK")
        except psycopg.Error:
            log.warning("rollback failed on %s", self.name, exc_info=True)

    async def ping(self) -> None:
        """One trivial read (the health check): raises :class:`StorageError` when the server does not answer."""
        await self.read.institutions._value("SELECT 1 FROM schema_migrations LIMIT 1")

    async def backup(self, destination: Path) -> None:
        """PostgreSQL's backups are pg_dump's (see docs/deploy.md); ``spbe-bot backup`` copies SQLite files."""
        raise StorageError(f"database {self.name} is a PostgreSQL database: back it up with pg_dump "
                           "(pg_dump --format=custom --file=FILE \"$SPBE_DATABASE_URL\", see docs/deploy.md)", code="postgres")

    async def schema(self) -> SchemaStatus:
        """The schema version, the migrations applied (when) and the ones pending."""
        available = migrations.postgres_migrations()
        async with self._reads.connection() as conn:
            version = await migrations.current_version(conn)
            done = await migrations.applied(conn)
        return SchemaStatus(True, version, available[-1].version, done, [m.path.name for m in available if m.version > version])

    async def close(self) -> None:
        await self._pool.close()


async def open_database(url: str, *, clock: Clock | None = None, upgrade: bool = True, pool_size: int = DEFAULT_POOL_SIZE) -> Database:
    """Connect, check and migrate (``upgrade``) or only check the schema, then open the pool.

    Refuses, with one line naming the database (never its password), a server that cannot be
    reached or refuses the login, a database that does not exist, and a schema newer than this
    program. ``Database.migrated`` lists the migrations applied now.
    """
    conn = await connect(url)
    try:
        try:
            if upgrade:
                done = await migrations.upgrade(conn)
            else:
                await migrations.check_not_newer(conn, migrations.postgres_migrations())
                done = []
        except DatabaseTooNew as exc:
            raise DatabaseTooNew(f"database {faults.describe(url)}: {exc}") from None
        except StorageError as exc:
            if isinstance(exc.__cause__, psycopg.Error):  # name the database, and what to do when PostgreSQL says why
                raise faults.unusable(url, exc.__cause__, doing=str(exc).split(": ", 1)[0]) from None
            raise
    finally:
        await conn.close()
    pool: Pool = AsyncConnectionPool(
        _conninfo(url), connection_class=psycopg.AsyncConnection, kwargs={"row_factory": dict_row, "autocommit": True},
        configure=_configure, min_size=1, max_size=max(1, pool_size), timeout=POOL_TIMEOUT, open=False,
        name="spbe",
    )
    try:
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
    except PoolTimeout as exc:
        await pool.close()
        raise faults.unusable(url, psycopg.OperationalError(str(exc))) from None
    database = Database(url, pool, clock or _utc_now)
    database.migrated = [m.path.name for m in done]
    return database


async def schema_status(url: str) -> SchemaStatus:
    """``db status``: the schema of the database at ``url``, checked as :func:`open_database` checks it but not changed."""
    database = await open_database(url, upgrade=False, pool_size=1)
    try:
        return await database.schema()
    finally:
        await database.close()


def _implements_the_contract(database: Database) -> repositories.Storage:
    """Never called: lets mypy check that :class:`Database` satisfies :class:`storage.repositories.Storage`."""
    return database
