"""PostgreSQL's failures as storage errors that say, in one line, what is wrong and what to do.

:func:`translate` maps an error raised while working: a full disk becomes :class:`StorageFull`, a
deadlock or a serialisation failure :class:`Contention` (the work may simply run again), a server
that only reads or a user without the privilege :class:`DatabaseUnusable`, a lost connection or
anything else :class:`StorageError`. :func:`unusable` explains why a database could not be opened:
a server that cannot be reached, a login refused, a database that does not exist. Messages name the
database by :func:`describe`, which leaves the password out.
"""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from storage.errors import Contention, DatabaseUnusable, StorageError, StorageFull

URL_SETTING = "SPBE_DATABASE_URL"


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe(url: str) -> str:
    """The database as ``postgresql://user@host:port/name``: what the messages show (never the password)."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://(a malformed URL)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', 'localhost')}{port}/{info.get('dbname', '')}"


def _detail(exc: psycopg.Error) -> str:
    primary = exc.diag.message_primary if isinstance(exc, psycopg.DatabaseError) and exc.sqlstate else None
    return one_line(primary or str(exc))


def connection_lost(exc: psycopg.Error) -> bool:
    """A failure of the connection rather than of the statement: no SQLSTATE, or class 08 (connection
    exception) or 57P (the server shutting down or restarting)."""
    state = exc.sqlstate or ""
    return isinstance(exc, psycopg.OperationalError) and (not state or state.startswith(("08", "57P")))


def translate(exc: psycopg.Error, doing: str) -> StorageError:
    """The storage error for ``exc``, raised while ``doing`` ("database error", "commit failed"...)."""
    message = f"{doing}: {_detail(exc)}"
    if isinstance(exc, pg_errors.DiskFull):
        return StorageFull(message + " (nothing of this change was saved)", code="full")
    if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
        return Contention(message + " (nothing of this change was saved; it may run again)", code="contention")
    if isinstance(exc, pg_errors.LockNotAvailable):
        return StorageError(message, code="locked")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return DatabaseUnusable(f"{message}: the server only reads (a standby?): point {URL_SETTING} at the primary", code="read_only")
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return DatabaseUnusable(f"{message}: grant the database user the privilege, or set {URL_SETTING} to the owner's login",
                                code="privilege")
    if connection_lost(exc):
        return StorageError(f"{doing}: the connection to PostgreSQL failed ({_detail(exc)})", code="unreachable")
    return StorageError(message)


def unusable(url: str, exc: psycopg.Error, *, doing: str | None = None) -> StorageError:
    """Why the database at ``url`` could not be opened or migrated, as one line naming it; ``doing``
    is what failed ("migration 0002_x.sql failed"), said when the error tells no more."""
    where = describe(url)
    detail = _detail(exc).removeprefix("connection failed: ")
    reason = detail.rsplit("FATAL: ", 1)[-1].strip()
    if connection_lost(exc):
        if any(part in reason for part in ("password authentication failed", "no pg_hba.conf entry", "authentication failed")) or (
                reason.startswith("role") and reason.endswith("does not exist")):
            return DatabaseUnusable(f"database {where}: the server refused the login ({reason}): check the user name and password "
                                    f"in {URL_SETTING}", code="login")
        if reason.startswith("database") and reason.endswith("does not exist"):
            return DatabaseUnusable(f"database {where} does not exist on the server: create it (createdb, or CREATE DATABASE), "
                                    f"or correct the name in {URL_SETTING}", code="no_database")
        return DatabaseUnusable(f"database {where}: cannot connect to the server ({reason}): check that PostgreSQL runs there and "
                                f"accepts connections, and {URL_SETTING}", code="unreachable")
    translated = translate(exc, doing or "cannot open the database")
    if isinstance(translated, DatabaseUnusable | StorageFull):
        return type(translated)(f"database {where}: {translated}", code=translated.code)
    return DatabaseUnusable(f"database {where}: {one_line(doing) + ': ' if doing else ''}{_detail(exc)}", code="unusable")
