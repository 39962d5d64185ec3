"""Domain errors of the storage layer. No raw driver error (sqlite3, psycopg) leaves a repository."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; the message says what is wrong in plain words.

    ``code`` is a short stable name of the case ("expired", "used_up") for callers that show
    their own, translated, wording.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class NotFound(StorageError):
    """A referenced record (institution, period, member, invitation...) does not exist."""


class InvalidInput(StorageError):
    """A value outside what the record allows (level outside the scale, text over the limit...)."""


class Conflict(StorageError):
    """The change clashes with the current state (an invitation used up, a duplicate...)."""


class AnswerLocked(Conflict):
    """The answer is final: only a lead's reopen can change it."""

    def __init__(self, period_id: int, indicator: int) -> None:
        super().__init__(f"indicator {indicator} of period {period_id} is final (locked); a lead must reopen it first", code="locked")
        self.period_id = period_id
        self.indicator = indicator


class StorageFull(StorageError):
    """The disk holding the database is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full): the
    transaction was rolled back, so nothing of it was saved; the same work succeeds again once space
    is freed."""


class Contention(StorageError):
    """Concurrent transactions got in each other's way (PostgreSQL found a deadlock or could not
    serialise them): this one was rolled back whole, so nothing of it was saved, and running the
    same work again is expected to succeed. SQLite, with one writer at a time, never raises it."""


class DatabaseUnusable(StorageError):
    """The database cannot be used as it is: a file that is not a database, damaged, read-only, in
    a folder that cannot be written; a PostgreSQL server that cannot be reached, refuses the login or
    is read-only; written by a newer program. The message is one line that names the file (or the
    server, never its password) and says what to do; ``code`` names the case (``not_a_database``,
    ``damaged``, ``read_only``, ``folder``, ``locked``, ``too_new``, ``unusable``, ``unreachable``,
    ``login``, ``no_database``, ``privilege``)."""


class DatabaseTooNew(DatabaseUnusable):
    """The database was written by a newer program version."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_new")
